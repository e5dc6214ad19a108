/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The sparsevec data type as pgvector defines it: a dimension count and
 *	  the non-zero elements as (index, float4) pairs.
 *
 * Text form '{1:1.5,3:2}/5' (1-based indices, any order, zeros dropped);
 * binary form (network byte order) int32 dim, int32 nnz, int32 unused (0),
 * nnz int32 0-based indices in ascending order, nnz float4 values (never
 * zero).  1 <= dim <= 1,000,000,000, nnz <= 16,000.  Every SparseVector this
 * file returns has sorted, distinct, in-range indices and finite non-zero
 * values, so equal vectors have equal bytes.
 *
 * Distances merge the two index lists, accumulating in float4 as pgvector
 * does (norms in float8).
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/sparsevec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "pg/halfvec.h"
#include "pg/sparsevec.h"
#include "pg/vector.h"

/* ----------------------------------------------------------------
 *		Checks and construction
 * ----------------------------------------------------------------
 */

static void
SparseCheckDim(int64 dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec must have at least 1 dimension")));
	if (dim > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d dimensions", SPARSEVEC_MAX_DIM)));
}

static void
SparseCheckNnz(int nnz, int dim)
{
	if (nnz < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec cannot have negative number of elements")));
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements", SPARSEVEC_MAX_NNZ)));
	if (nnz > dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more elements than dimensions")));
}

/* ERROR unless indices[i] is in range and greater than indices[i - 1]. */
static void
SparseCheckIndex(const int32 *indices, int i, int dim)
{
	if (indices[i] < 0 || indices[i] >= dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec index out of bounds")));
	if (i > 0 && indices[i] < indices[i - 1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec indices must be in ascending order")));
	if (i > 0 && indices[i] == indices[i - 1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec indices must not contain duplicates")));
}

static void
SparseCheckSameDims(const SparseVector *a, const SparseVector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d", a->dim, b->dim)));
}

/* A palloc'd, zero-filled sparsevec with room for nnz elements. */
static SparseVector *
InitSparseVector(int dim, int nnz)
{
	Size		size = SPARSEVEC_SIZE(nnz);
	SparseVector *result = (SparseVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	result->nnz = nnz;
	return result;
}

/* A sparsevec from dim dense float4 values (zeros dropped). */
static SparseVector *
SparseFromDense(const float *x, int dim)
{
	int			nnz = 0;
	int			j = 0;
	SparseVector *result;
	float	   *values;

	for (int i = 0; i < dim; i++)
		nnz += (x[i] != 0.0f);
	SparseCheckNnz(nnz, dim);

	result = InitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < dim; i++)
	{
		if (x[i] != 0.0f)
		{
			result->indices[j] = i;
			values[j] = x[i];
			j++;
		}
	}
	return result;
}

/* The elements of a sparsevec as dim dense float4 values in out (zeroed). */
static void
SparseToDense(const SparseVector *svec, float *out)
{
	const float *values = SPARSEVEC_VALUES(svec);

	memset(out, 0, sizeof(float) * svec->dim);
	for (int i = 0; i < svec->nnz; i++)
		out[svec->indices[i]] = values[i];
}

/* ----------------------------------------------------------------
 *		Text I/O
 * ----------------------------------------------------------------
 */

typedef struct SparseElement
{
	int32		index;			/* 0-based */
	float		value;
} SparseElement;

static int
CompareElements(const void *a, const void *b)
{
	int32		ia = ((const SparseElement *) a)->index;
	int32		ib = ((const SparseElement *) b)->index;

	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

static void
pg_attribute_noreturn()
SparseSyntaxError(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type sparsevec: \"%s\"", str),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("A sparsevec is written as {index:value,...}/dimensions with 1-based indices, for example \"{1:1.5,3:2}/5\".")));
}

static const char *
SkipWs(const char *p)
{
	while (isspace((unsigned char) *p))
		p++;
	return p;
}

/* strtol clamped to int32 (out-of-range values then fail the range checks). */
static int64
ParseInteger(const char *str, const char *p, char **end)
{
	long		v;

	errno = 0;
	v = strtol(p, end, 10);
	if (*end == p)
		SparseSyntaxError(str, "Expected an integer.");
	if (v > INT_MAX || (errno == ERANGE && v > 0))
		return (int64) INT_MAX + 1;
	if (v < INT_MIN || (errno == ERANGE && v < 0))
		return (int64) INT_MIN - 1;
	return v;
}

/*
 * sparsevec_in
 *		Text input '{i:v,...}/dim'; indices 1-based, in any order, values
 *		finite, zeros dropped.
 */
PG_FUNCTION_INFO_V1(sparsevec_in);
Datum
sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	const char *p = SkipWs(str);
	SparseElement *elems;
	int			capacity = 16;
	int			n = 0;
	int64		dim;
	char	   *end;
	SparseVector *result;
	float	   *values;

	if (*p != '{')
		SparseSyntaxError(str, "Expected \"{\".");
	p = SkipWs(p + 1);

	elems = (SparseElement *) palloc(sizeof(SparseElement) * capacity);
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			int64		index;
			float		value;

			p = SkipWs(p);
			index = ParseInteger(str, p, &end);
			p = SkipWs(end);
			if (*p != ':')
				SparseSyntaxError(str, "Expected \":\" after an index.");
			p = SkipWs(p + 1);

			errno = 0;
			value = strtof(p, &end);
			if (end == p)
				SparseSyntaxError(str, "Expected a number after \":\".");
			if (errno == ERANGE && (value == 0.0f || isinf(value)))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("\"%s\" is out of range for type sparsevec",
								pnstrdup(p, end - p))));
			OmenCheckElement("sparsevec", value);

			if (value != 0.0f)
			{
				if (n == SPARSEVEC_MAX_NNZ)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("sparsevec cannot have more than %d non-zero elements",
									SPARSEVEC_MAX_NNZ)));
				if (n == capacity)
				{
					capacity *= 2;
					elems = (SparseElement *) repalloc(elems, sizeof(SparseElement) * capacity);
				}
				/* 1-based in SQL, 0-based inside; out-of-range indices fail below */
				elems[n].index = (int32) Max(Min(index - 1, (int64) INT_MAX), (int64) -1);
				elems[n].value = value;
				n++;
			}

			p = SkipWs(end);
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			SparseSyntaxError(str, "Expected \",\" or \"}\".");
		}
	}

	p = SkipWs(p);
	if (*p != '/')
		SparseSyntaxError(str, "Expected \"/\" and the number of dimensions after \"}\".");
	p = SkipWs(p + 1);
	dim = ParseInteger(str, p, &end);
	p = SkipWs(end);
	if (*p != '\0')
		SparseSyntaxError(str, "Unexpected characters after the number of dimensions.");

	SparseCheckDim(dim);
	VectorCheckExpectedDim(typmod, (int) dim);

	qsort(elems, n, sizeof(SparseElement), CompareElements);
	result = InitSparseVector((int) dim, n);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < n; i++)
	{
		result->indices[i] = elems[i].index;
		values[i] = elems[i].value;
		SparseCheckIndex(result->indices, i, result->dim);
	}
	pfree(elems);
	PG_RETURN_POINTER(result);
}

/*
 * sparsevec_out
 *		'{i:v,...}/dim' with 1-based indices and shortest float4 text.
 */
PG_FUNCTION_INFO_V1(sparsevec_out);
Datum
sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	StringInfoData buf;
	char		num[FLOAT_SHORTEST_DECIMAL_LEN];

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < svec->nnz; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		float_to_shortest_decimal_buf(values[i], num);
		appendStringInfo(&buf, "%d:%s", svec->indices[i] + 1, num);
	}
	appendStringInfo(&buf, "}/%d", svec->dim);

	PG_FREE_IF_COPY(svec, 0);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * sparsevec_typmod_in
 *		sparsevec(n): 1 <= n <= SPARSEVEC_MAX_DIM.
 */
PG_FUNCTION_INFO_V1(sparsevec_typmod_in);
Datum
sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type sparsevec takes one modifier, the number of dimensions.")));
	if (tl[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type sparsevec must be at least 1")));
	if (tl[0] > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type sparsevec cannot exceed %d", SPARSEVEC_MAX_DIM)));
	PG_RETURN_INT32(tl[0]);
}

/* ----------------------------------------------------------------
 *		Binary I/O (pgvector's layout, see the file header)
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(sparsevec_recv);
Datum
sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int32		dim = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		unused = (int32) pq_getmsgint(buf, sizeof(int32));
	SparseVector *result;
	float	   *values;

	SparseCheckDim(dim);
	SparseCheckNnz(nnz, dim);
	VectorCheckExpectedDim(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected unused to be 0, not %d", unused)));

	result = InitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < nnz; i++)
	{
		result->indices[i] = (int32) pq_getmsgint(buf, sizeof(int32));
		SparseCheckIndex(result->indices, i, dim);
	}
	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		OmenCheckElement("sparsevec", values[i]);
		if (values[i] == 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("binary representation of sparsevec cannot contain zero values")));
	}
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(sparsevec_send);
Datum
sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, svec->dim);
	pq_sendint32(&buf, svec->nnz);
	pq_sendint32(&buf, svec->unused);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendint32(&buf, svec->indices[i]);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_FREE_IF_COPY(svec, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 *		Casts
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(sparsevec);
Datum
sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);

	VectorCheckExpectedDim(PG_GETARG_INT32(1), svec->dim);
	PG_RETURN_POINTER(svec);
}

PG_FUNCTION_INFO_V1(vector_to_sparsevec);
Datum
vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	VectorCheckExpectedDim(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_POINTER(SparseFromDense(vec->x, vec->dim));
}

PG_FUNCTION_INFO_V1(halfvec_to_sparsevec);
Datum
halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = HalfVectorToFloats(vec, NULL);

	VectorCheckExpectedDim(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_POINTER(SparseFromDense(x, vec->dim));
}

/* ERROR unless a sparsevec's dimension fits a dense vector of type typname. */
static void
SparseCheckDenseDim(const SparseVector *svec, const char *typname)
{
	if (svec->dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", typname, VECTOR_MAX_DIM)));
}

PG_FUNCTION_INFO_V1(sparsevec_to_vector);
Datum
sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	Vector	   *result;

	SparseCheckDenseDim(svec, "vector");
	VectorCheckExpectedDim(PG_GETARG_INT32(1), svec->dim);
	result = InitVector(svec->dim);
	SparseToDense(svec, result->x);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(sparsevec_to_halfvec);
Datum
sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *x;

	SparseCheckDenseDim(svec, "halfvec");
	VectorCheckExpectedDim(PG_GETARG_INT32(1), svec->dim);
	x = (float *) palloc(sizeof(float) * svec->dim);
	SparseToDense(svec, x);
	PG_RETURN_POINTER(HalfVectorFromFloats(x, svec->dim));
}

/*
 * array_to_sparsevec
 *		Cast integer[], real[], double precision[] or numeric[] to sparsevec
 *		(each element through float4, zeros dropped).
 */
PG_FUNCTION_INFO_V1(array_to_sparsevec);
Datum
array_to_sparsevec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			nelems;
	float	   *x;
	SparseVector *result;

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
	SparseCheckDim(nelems);
	VectorCheckExpectedDim(typmod, nelems);

	x = (float *) palloc(sizeof(float) * nelems);
	for (int i = 0; i < nelems; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				x[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				x[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				x[i] = (float) DatumGetFloat8(elems[i]);
				break;
			case NUMERICOID:
				x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("unsupported array type")));
		}
		OmenCheckElement("sparsevec", x[i]);
	}
	result = SparseFromDense(x, nelems);
	pfree(x);
	pfree(elems);
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Distances: one merge over both index lists
 * ----------------------------------------------------------------
 */

typedef enum SparseMetric
{
	SPARSE_L2SQ,
	SPARSE_DOT,
	SPARSE_L1
} SparseMetric;

static float
SparseDistance(const SparseVector *a, const SparseVector *b, SparseMetric metric)
{
	const float *ax = SPARSEVEC_VALUES(a);
	const float *bx = SPARSEVEC_VALUES(b);
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < a->nnz || j < b->nnz)
	{
		float		x = 0.0f;
		float		y = 0.0f;

		if (j >= b->nnz || (i < a->nnz && a->indices[i] < b->indices[j]))
			x = ax[i++];
		else if (i >= a->nnz || b->indices[j] < a->indices[i])
			y = bx[j++];
		else
		{
			x = ax[i++];
			y = bx[j++];
		}

		switch (metric)
		{
			case SPARSE_L2SQ:
				sum += (x - y) * (x - y);
				break;
			case SPARSE_DOT:
				sum += x * y;
				break;
			case SPARSE_L1:
				sum += fabsf(x - y);
				break;
		}
	}
	return sum;
}

static float
SparseDistanceArgs(FunctionCallInfo fcinfo, SparseMetric metric)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	SparseCheckSameDims(a, b);
	return SparseDistance(a, b, metric);
}

PG_FUNCTION_INFO_V1(sparsevec_l2_distance);
Datum
sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(sqrt((double) SparseDistanceArgs(fcinfo, SPARSE_L2SQ)));
}

PG_FUNCTION_INFO_V1(sparsevec_l2_squared_distance);
Datum
sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8((double) SparseDistanceArgs(fcinfo, SPARSE_L2SQ));
}

PG_FUNCTION_INFO_V1(sparsevec_inner_product);
Datum
sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8((double) SparseDistanceArgs(fcinfo, SPARSE_DOT));
}

PG_FUNCTION_INFO_V1(sparsevec_negative_inner_product);
Datum
sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(-(double) SparseDistanceArgs(fcinfo, SPARSE_DOT));
}

PG_FUNCTION_INFO_V1(sparsevec_l1_distance);
Datum
sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8((double) SparseDistanceArgs(fcinfo, SPARSE_L1));
}

/* Sum of squares of the values, in float8. */
static double
SparseNormSq(const SparseVector *v)
{
	const float *x = SPARSEVEC_VALUES(v);
	double		sum = 0.0;

	for (int i = 0; i < v->nnz; i++)
		sum += (double) x[i] * (double) x[i];
	return sum;
}

/* Sum of squares of the values, in float (the cosine's norms). */
static float
SparseNormSqFloat(const SparseVector *v)
{
	const float *x = SPARSEVEC_VALUES(v);
	float		sum = 0.0f;

	for (int i = 0; i < v->nnz; i++)
		sum += x[i] * x[i];
	return sum;
}

/*
 * sparsevec_cosine_distance
 *		1 - cos, clamped to [0, 2]; NaN when either vector is zero.
 */
PG_FUNCTION_INFO_V1(sparsevec_cosine_distance);
Datum
sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	double		denom;
	double		sim;

	SparseCheckSameDims(a, b);
	/*
	 * The squared norms are summed in float, as the dense cosine kernel sums
	 * them (distance.hpp), so a sparsevec and the vector with the same
	 * elements have the same distance, overflow included (NaN when both
	 * norms overflow, not a clamped 0).
	 */
	denom = sqrt((double) SparseNormSqFloat(a) * (double) SparseNormSqFloat(b));
	if (denom == 0.0)
		PG_RETURN_FLOAT8(get_float8_nan());
	sim = (double) SparseDistance(a, b, SPARSE_DOT) / denom;
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	PG_RETURN_FLOAT8(1.0 - sim);
}

PG_FUNCTION_INFO_V1(sparsevec_l2_norm);
Datum
sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);

	PG_RETURN_FLOAT8(sqrt(SparseNormSq(v)));
}

/*
 * sparsevec_l2_normalize
 *		Scaled to unit norm; elements that underflow to zero are dropped; the
 *		zero vector maps to itself.
 */
PG_FUNCTION_INFO_V1(sparsevec_l2_normalize);
Datum
sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	const float *x = SPARSEVEC_VALUES(v);
	double		norm = sqrt(SparseNormSq(v));
	SparseVector *result;
	float	   *rx;
	int			n = 0;

	result = InitSparseVector(v->dim, v->nnz);
	rx = SPARSEVEC_VALUES(result);
	for (int i = 0; i < v->nnz; i++)
	{
		float		value = norm > 0.0 ? (float) ((double) x[i] / norm) : x[i];

		if (isinf(value))
			float_overflow_error();
		if (value == 0.0f)
			continue;
		result->indices[n] = v->indices[i];
		rx[n++] = value;
	}
	if (n < v->nnz)
	{
		/* values move down next to the shorter index list */
		SparseVector *shrunk = InitSparseVector(v->dim, n);

		memcpy(shrunk->indices, result->indices, sizeof(int32) * n);
		memcpy(SPARSEVEC_VALUES(shrunk), rx, sizeof(float) * n);
		result = shrunk;
	}
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Ordering (btree): as the dense vectors they stand for, element by
 *		element, then by dimension (a prefix sorts first).
 * ----------------------------------------------------------------
 */

static int
SparseCmpArgs(FunctionCallInfo fcinfo)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	const float *ax = SPARSEVEC_VALUES(a);
	const float *bx = SPARSEVEC_VALUES(b);
	int32		common = Min(a->dim, b->dim);
	int			i = 0;
	int			j = 0;
	int			result = 0;

	/* the first position below the common dimension where the values differ */
	while (result == 0)
	{
		int32		ia = i < a->nnz ? a->indices[i] : INT_MAX;
		int32		ib = j < b->nnz ? b->indices[j] : INT_MAX;
		int32		pos = Min(ia, ib);
		float		x;
		float		y;

		if (pos >= common)
			break;
		x = (ia == pos) ? ax[i++] : 0.0f;
		y = (ib == pos) ? bx[j++] : 0.0f;
		if (x != y)
			result = x < y ? -1 : 1;
	}
	if (result == 0 && a->dim != b->dim)
		result = a->dim < b->dim ? -1 : 1;

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return result;
}

PG_FUNCTION_INFO_V1(sparsevec_cmp);
Datum
sparsevec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(SparseCmpArgs(fcinfo));
}

PG_FUNCTION_INFO_V1(sparsevec_lt);
Datum
sparsevec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SparseCmpArgs(fcinfo) < 0);
}

PG_FUNCTION_INFO_V1(sparsevec_le);
Datum
sparsevec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SparseCmpArgs(fcinfo) <= 0);
}

PG_FUNCTION_INFO_V1(sparsevec_eq);
Datum
sparsevec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SparseCmpArgs(fcinfo) == 0);
}

PG_FUNCTION_INFO_V1(sparsevec_ne);
Datum
sparsevec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SparseCmpArgs(fcinfo) != 0);
}

PG_FUNCTION_INFO_V1(sparsevec_ge);
Datum
sparsevec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SparseCmpArgs(fcinfo) >= 0);
}

PG_FUNCTION_INFO_V1(sparsevec_gt);
Datum
sparsevec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SparseCmpArgs(fcinfo) > 0);
}
