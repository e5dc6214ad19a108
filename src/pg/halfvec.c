/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The halfvec data type: vectors of half-precision (IEEE 754 binary16)
 *	  floats, as pgvector defines them: text and binary I/O, type modifier,
 *	  casts, distances, arithmetic, ordering, hashing and aggregates.
 *
 * Elements are stored as binary16 and computed with as float4: every
 * function converts its operands with the core's bulk conversion (F16C
 * where the CPU has it, the scalar reference otherwise, see
 * src/core/half.hpp) and runs the same float4 SIMD kernels as vector.
 * Results that are halfvecs are rounded back to nearest-even; a result
 * that overflows half precision (65520 and more in magnitude) is an error,
 * never an infinity.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/halfvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varbit.h"

#include "omendb/omen_core.h"
#include "pg/halfvec.h"
#include "pg/vector.h"

StaticAssertDecl(HALFVEC_MAX_DIM == VECTOR_MAX_DIM,
				 "halfvec and vector share the text parser and its dimension limit");

#define HALF_IS_INF(h)		(((h) & 0x7FFF) == 0x7C00)
#define HALF_IS_ZERO(h)		(((h) & 0x7FFF) == 0)

/* ----------------------------------------------------------------
 *		Helpers
 * ----------------------------------------------------------------
 */

static void
HalfvecCheckDim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension")));
	if (dim > HALFVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("halfvec cannot have more than %d dimensions", HALFVEC_MAX_DIM)));
}

static void
HalfvecCheckSameDims(const HalfVector *a, const HalfVector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d", a->dim, b->dim)));
}

/*
 * InitHalfVector
 *		Result: a palloc'd, zero-filled HalfVector of dim dimensions in
 *		CurrentMemoryContext.  The caller has checked dim.
 */
HalfVector *
InitHalfVector(int dim)
{
	Size		size = HALFVEC_SIZE(dim);
	HalfVector *result;

	Assert(dim >= 1 && dim <= HALFVEC_MAX_DIM);
	result = (HalfVector *) palloc0(size);
	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

float *
HalfVectorToFloats(const HalfVector *vec, float *out)
{
	if (out == NULL)
		out = (float *) palloc(sizeof(float) * vec->dim);
	omen_f16_to_f32(vec->x, out, vec->dim);
	return out;
}

/* ERROR for a finite float4 that became infinity in half precision. */
static void
pg_attribute_noreturn()
HalfOutOfRange(float value)
{
	char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

	float_to_shortest_decimal_buf(value, buf);
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("\"%s\" is out of range for type halfvec", buf)));
}

HalfVector *
HalfVectorFromFloats(const float *values, int dim)
{
	HalfVector *result = InitHalfVector(dim);

	omen_f32_to_f16(values, result->x, dim);
	for (int i = 0; i < dim; i++)
	{
		if (unlikely(HALF_IS_INF(result->x[i])))
		{
			OmenCheckElement("halfvec", values[i]);
			HalfOutOfRange(values[i]);
		}
	}
	return result;
}

/* Both operands as float4 arrays of the same dimension (checked). */
static void
HalfvecPairToFloats(FunctionCallInfo fcinfo, float **a, float **b, int *dim)
{
	HalfVector *ha = PG_GETARG_HALFVEC_P(0);
	HalfVector *hb = PG_GETARG_HALFVEC_P(1);

	HalfvecCheckSameDims(ha, hb);
	*dim = ha->dim;
	*a = HalfVectorToFloats(ha, NULL);
	*b = HalfVectorToFloats(hb, NULL);
}

/* ----------------------------------------------------------------
 *		Text and binary I/O, type modifier
 * ----------------------------------------------------------------
 */

/*
 * halfvec_in
 *		Text input "[x1,x2,...]", as for vector; elements are rounded to
 *		half precision, and those that overflow it are out of range.
 */
PG_FUNCTION_INFO_V1(halfvec_in);
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *values = OmenParseVectorText(str, "halfvec", true, &dim);
	HalfVector *result;

	VectorCheckExpectedDim(typmod, dim);
	result = HalfVectorFromFloats(values, dim);
	pfree(values);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_out
 *		"[x1,x2,...]", each element in the shortest text that reads back to
 *		the same float4 (and so to the same half).
 */
PG_FUNCTION_INFO_V1(halfvec_out);
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = HalfVectorToFloats(vec, NULL);
	char	   *buf = (char *) palloc(FLOAT_SHORTEST_DECIMAL_LEN * vec->dim + 3);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(x[i], p);
	}
	*p++ = ']';
	*p = '\0';

	pfree(x);
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

/*
 * halfvec_typmod_in
 *		The type modifier of halfvec(n) is n, 1 <= n <= HALFVEC_MAX_DIM.
 */
PG_FUNCTION_INFO_V1(halfvec_typmod_in);
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);

	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type halfvec takes one modifier, the number of dimensions.")));
	if (tl[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type halfvec must be at least 1")));
	if (tl[0] > HALFVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type halfvec cannot exceed %d", HALFVEC_MAX_DIM)));

	PG_RETURN_INT32(tl[0]);
}

/*
 * halfvec_recv
 *		Binary input, pgvector's format (network byte order): int16 dim,
 *		int16 unused (must be 0), then dim binary16 values.  NaN and
 *		infinity are rejected.
 */
PG_FUNCTION_INFO_V1(halfvec_recv);
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim;
	int16		unused;
	HalfVector *result;

	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	unused = (int16) pq_getmsgint(buf, sizeof(int16));

	HalfvecCheckDim(dim);
	VectorCheckExpectedDim(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected unused to be 0, not %d", unused)));

	result = InitHalfVector(dim);
	for (int i = 0; i < dim; i++)
	{
		half		h = (half) pq_getmsgint(buf, sizeof(int16));

		if ((h & 0x7C00) == 0x7C00)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 (h & 0x3FF) ? errmsg("NaN not allowed in halfvec") :
					 errmsg("infinite value not allowed in halfvec")));
		result->x[i] = h;
	}

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_send
 *		Binary output; see halfvec_recv.
 */
PG_FUNCTION_INFO_V1(halfvec_send);
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, vec->dim);
	pq_sendint16(&buf, vec->unused);
	for (int i = 0; i < vec->dim; i++)
		pq_sendint16(&buf, vec->x[i]);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 *		Casts
 * ----------------------------------------------------------------
 */

/*
 * halfvec
 *		Length coercion halfvec(halfvec, typmod, explicit).
 */
PG_FUNCTION_INFO_V1(halfvec);
Datum
halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	VectorCheckExpectedDim(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_HALFVEC_P(vec);
}

/*
 * array_to_halfvec
 *		Cast integer[], real[], double precision[] or numeric[] to halfvec.
 *		Each element goes through float4 (a float8 beyond float4's range is
 *		an infinite value, as in pgvector), then half precision.
 */
PG_FUNCTION_INFO_V1(array_to_halfvec);
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			nelems;
	float	   *values;
	HalfVector *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, NULL, &nelems);

	HalfvecCheckDim(nelems);
	VectorCheckExpectedDim(typmod, nelems);

	values = (float *) palloc(sizeof(float) * nelems);
	for (int i = 0; i < nelems; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				values[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				values[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				values[i] = (float) DatumGetFloat8(elems[i]);
				break;
			case NUMERICOID:
				values[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("unsupported array type")));
		}
		OmenCheckElement("halfvec", values[i]);
	}

	result = HalfVectorFromFloats(values, nelems);
	pfree(values);
	pfree(elems);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_to_float4
 *		Cast halfvec to real[].
 */
PG_FUNCTION_INFO_V1(halfvec_to_float4);
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = HalfVectorToFloats(vec, NULL);
	Datum	   *datums = (Datum *) palloc(sizeof(Datum) * vec->dim);
	ArrayType  *result;

	for (int i = 0; i < vec->dim; i++)
		datums[i] = Float4GetDatum(x[i]);
	result = construct_array(datums, vec->dim, FLOAT4OID,
							 sizeof(float4), true, TYPALIGN_INT);
	pfree(datums);
	pfree(x);
	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * vector_to_halfvec
 *		Cast vector to halfvec: each element rounded to nearest-even half;
 *		an element that overflows is out of range (22003).
 */
PG_FUNCTION_INFO_V1(vector_to_halfvec);
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	VectorCheckExpectedDim(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_HALFVEC_P(HalfVectorFromFloats(vec->x, vec->dim));
}

/*
 * halfvec_to_vector
 *		Cast halfvec to vector (exact).
 */
PG_FUNCTION_INFO_V1(halfvec_to_vector);
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	Vector	   *result;

	VectorCheckExpectedDim(PG_GETARG_INT32(1), vec->dim);
	result = InitVector(vec->dim);
	HalfVectorToFloats(vec, result->x);
	PG_RETURN_VECTOR_P(result);
}

/* ----------------------------------------------------------------
 *		Distances (float4 kernels on the converted elements)
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(halfvec_l2_distance);
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	float	   *a;
	float	   *b;
	int			dim;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_L2, a, b, dim));
}

PG_FUNCTION_INFO_V1(halfvec_l2_squared_distance);
Datum
halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	float	   *a;
	float	   *b;
	int			dim;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	PG_RETURN_FLOAT8((double) omen_l2sq(a, b, dim));
}

PG_FUNCTION_INFO_V1(halfvec_inner_product);
Datum
halfvec_inner_product(PG_FUNCTION_ARGS)
{
	float	   *a;
	float	   *b;
	int			dim;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	PG_RETURN_FLOAT8((double) omen_dot(a, b, dim));
}

PG_FUNCTION_INFO_V1(halfvec_negative_inner_product);
Datum
halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	float	   *a;
	float	   *b;
	int			dim;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_IP, a, b, dim));
}

PG_FUNCTION_INFO_V1(halfvec_cosine_distance);
Datum
halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	float	   *a;
	float	   *b;
	int			dim;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_COSINE, a, b, dim));
}

PG_FUNCTION_INFO_V1(halfvec_l1_distance);
Datum
halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	float	   *a;
	float	   *b;
	int			dim;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_L1, a, b, dim));
}

/* ----------------------------------------------------------------
 *		Functions of one halfvec
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(halfvec_vector_dims);
Datum
halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_INT32(vec->dim);
}

/* Euclidean norm accumulated in float8. */
static double
FloatsNorm(const float *x, int dim)
{
	double		sum = 0.0;

	for (int i = 0; i < dim; i++)
		sum += (double) x[i] * (double) x[i];
	return sqrt(sum);
}

PG_FUNCTION_INFO_V1(halfvec_l2_norm);
Datum
halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = HalfVectorToFloats(vec, NULL);

	PG_RETURN_FLOAT8(FloatsNorm(x, vec->dim));
}

/*
 * halfvec_l2_normalize
 *		The halfvec scaled to unit norm (rounded to half precision); the zero
 *		vector maps to itself.
 */
PG_FUNCTION_INFO_V1(halfvec_l2_normalize);
Datum
halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = HalfVectorToFloats(vec, NULL);
	double		norm = FloatsNorm(x, vec->dim);

	if (norm > 0.0)
	{
		for (int i = 0; i < vec->dim; i++)
			x[i] = (float) ((double) x[i] / norm);
	}
	PG_RETURN_HALFVEC_P(HalfVectorFromFloats(x, vec->dim));
}

/*
 * halfvec_subvector
 *		subvector(v, start, count), 1-based, clipped like vector's.
 */
PG_FUNCTION_INFO_V1(halfvec_subvector);
Datum
halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		end = start + (int64) PG_GETARG_INT32(2);
	HalfVector *result;

	if (start < 1)
		start = 1;
	if (end > (int64) vec->dim + 1)
		end = (int64) vec->dim + 1;
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension"),
				 errhint("The range selected by start and count must overlap the halfvec's elements 1 to %d.",
						 vec->dim)));

	result = InitHalfVector((int) (end - start));
	memcpy(result->x, vec->x + (start - 1), sizeof(half) * (end - start));
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_binary_quantize
 *		bit(n) with bit i set when element i is positive.
 */
PG_FUNCTION_INFO_V1(halfvec_binary_quantize);
Datum
halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int			len = VARBITTOTALLEN(vec->dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits;

	SET_VARSIZE(result, len);
	VARBITLEN(result) = vec->dim;
	bits = VARBITS(result);

	/* positive: sign bit clear and not +0 */
	for (int i = 0; i < vec->dim; i++)
	{
		if (!(vec->x[i] & 0x8000) && !HALF_IS_ZERO(vec->x[i]))
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}

	PG_RETURN_VARBIT_P(result);
}

/*
 * halfvec_concat
 *		a || b.
 */
PG_FUNCTION_INFO_V1(halfvec_concat);
Datum
halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	HalfvecCheckDim(a->dim + b->dim);
	result = InitHalfVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(half) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(half) * b->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* ----------------------------------------------------------------
 *		Element-wise arithmetic: computed in float4, rounded to half;
 *		overflow (and, for *, underflow of a nonzero product) is an error.
 * ----------------------------------------------------------------
 */

typedef enum HalfOp
{
	HALF_ADD,
	HALF_SUB,
	HALF_MUL
} HalfOp;

static Datum
HalfvecArith(FunctionCallInfo fcinfo, HalfOp op)
{
	float	   *a;
	float	   *b;
	float	   *r;
	int			dim;
	HalfVector *result;

	HalfvecPairToFloats(fcinfo, &a, &b, &dim);
	r = (float *) palloc(sizeof(float) * dim);
	for (int i = 0; i < dim; i++)
	{
		switch (op)
		{
			case HALF_ADD:
				r[i] = a[i] + b[i];
				break;
			case HALF_SUB:
				r[i] = a[i] - b[i];
				break;
			case HALF_MUL:
				r[i] = a[i] * b[i];
				break;
		}
	}

	result = InitHalfVector(dim);
	omen_f32_to_f16(r, result->x, dim);
	for (int i = 0; i < dim; i++)
	{
		if (unlikely(HALF_IS_INF(result->x[i])))
			float_overflow_error();
		if (op == HALF_MUL && unlikely(HALF_IS_ZERO(result->x[i])) &&
			a[i] != 0.0f && b[i] != 0.0f)
			float_underflow_error();
	}
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_add);
Datum
halfvec_add(PG_FUNCTION_ARGS)
{
	return HalfvecArith(fcinfo, HALF_ADD);
}

PG_FUNCTION_INFO_V1(halfvec_sub);
Datum
halfvec_sub(PG_FUNCTION_ARGS)
{
	return HalfvecArith(fcinfo, HALF_SUB);
}

PG_FUNCTION_INFO_V1(halfvec_mul);
Datum
halfvec_mul(PG_FUNCTION_ARGS)
{
	return HalfvecArith(fcinfo, HALF_MUL);
}

/* ----------------------------------------------------------------
 *		Ordering (btree) and hashing: element by element as numbers
 *		(-0 equals +0), a prefix sorts first.
 * ----------------------------------------------------------------
 */

/* A key that orders finite halves like their values (-0 and +0 alike). */
static inline int32
HalfKey(half h)
{
	if (HALF_IS_ZERO(h))
		return 0;
	return (h & 0x8000) ? -(int32) (h & 0x7FFF) : (int32) h;
}

static int
HalfvecCmpArgs(FunctionCallInfo fcinfo)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	int			n = Min(a->dim, b->dim);
	int			result = 0;

	for (int i = 0; i < n && result == 0; i++)
	{
		int32		ka = HalfKey(a->x[i]);
		int32		kb = HalfKey(b->x[i]);

		if (ka != kb)
			result = ka < kb ? -1 : 1;
	}
	if (result == 0 && a->dim != b->dim)
		result = a->dim < b->dim ? -1 : 1;

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return result;
}

PG_FUNCTION_INFO_V1(halfvec_cmp);
Datum
halfvec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HalfvecCmpArgs(fcinfo));
}

PG_FUNCTION_INFO_V1(halfvec_lt);
Datum
halfvec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HalfvecCmpArgs(fcinfo) < 0);
}

PG_FUNCTION_INFO_V1(halfvec_le);
Datum
halfvec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HalfvecCmpArgs(fcinfo) <= 0);
}

PG_FUNCTION_INFO_V1(halfvec_eq);
Datum
halfvec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HalfvecCmpArgs(fcinfo) == 0);
}

PG_FUNCTION_INFO_V1(halfvec_ne);
Datum
halfvec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HalfvecCmpArgs(fcinfo) != 0);
}

PG_FUNCTION_INFO_V1(halfvec_ge);
Datum
halfvec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HalfvecCmpArgs(fcinfo) >= 0);
}

PG_FUNCTION_INFO_V1(halfvec_gt);
Datum
halfvec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HalfvecCmpArgs(fcinfo) > 0);
}

/* Hash of the elements with -0 folded into +0 (equal halfvecs hash equally). */
static Datum
HalfvecHash(FunctionCallInfo fcinfo, bool extended, uint64 seed)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	half	   *x = (half *) palloc(sizeof(half) * vec->dim);
	Datum		result;

	for (int i = 0; i < vec->dim; i++)
		x[i] = HALF_IS_ZERO(vec->x[i]) ? 0 : vec->x[i];
	if (extended)
		result = hash_any_extended((const unsigned char *) x, sizeof(half) * vec->dim, seed);
	else
		result = hash_any((const unsigned char *) x, sizeof(half) * vec->dim);
	pfree(x);
	PG_FREE_IF_COPY(vec, 0);
	return result;
}

PG_FUNCTION_INFO_V1(halfvec_hash);
Datum
halfvec_hash(PG_FUNCTION_ARGS)
{
	return HalfvecHash(fcinfo, false, 0);
}

PG_FUNCTION_INFO_V1(halfvec_hash_extended);
Datum
halfvec_hash_extended(PG_FUNCTION_ARGS)
{
	return HalfvecHash(fcinfo, true, (uint64) PG_GETARG_INT64(1));
}

/* ----------------------------------------------------------------
 *		avg(halfvec): vector's float8[] state (vector.c); sum(halfvec) adds
 *		halfvecs directly, as in pgvector.
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(halfvec_accum);
Datum
halfvec_accum(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(1);
	float	   *x = HalfVectorToFloats(vec, NULL);

	return OmenAggAccum(fcinfo, "halfvec_accum", x, vec->dim);
}

PG_FUNCTION_INFO_V1(halfvec_avg);
Datum
halfvec_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *values = OmenAggFinal(fcinfo, "halfvec_avg", true, HalfvecCheckDim, &dim);

	if (values == NULL)
		PG_RETURN_NULL();
	PG_RETURN_HALFVEC_P(HalfVectorFromFloats(values, dim));
}
