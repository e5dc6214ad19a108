/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The vector data type: text and binary I/O, type modifier, casts,
 *	  distance functions, element-wise arithmetic, btree and hash support,
 *	  and the avg/sum aggregates.
 *
 * The type is compatible with pgvector's vector at the SQL level (same
 * function and operator names, same text and binary formats, same errors
 * for the same bad input) so that existing schemas and client code keep
 * working.
 *
 * Distances go through the C++ core's SIMD kernels (omen_core.h), which
 * accumulate in float4 like pgvector does; they are returned as float8.
 * The aggregates, the norm and the normalisation accumulate in float8.
 *
 * Every Vector this file returns satisfies the invariants stated in
 * vector.h: 1 <= dim <= VECTOR_MAX_DIM, unused == 0, all elements finite.
 * Functions that take vectors rely on them, since every way to construct a
 * vector (text input, binary input, casts, arithmetic) enforces them.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/vector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varbit.h"

#include "omendb/omen_core.h"
#include "pg/vector.h"

StaticAssertDecl(VECTOR_MAX_DIM == OMEN_MAX_DIM,
				 "vector.h and omen_core.h disagree on the dimension limit");
StaticAssertDecl(VECTOR_MAX_DIM <= PG_INT16_MAX,
				 "dimension must fit in the int16 dim field");

/* ----------------------------------------------------------------
 *		Shared helpers (exported through vector.h)
 * ----------------------------------------------------------------
 */

/*
 * InitVector
 *		Allocate a zero-filled vector of dim dimensions.
 *
 * Result: a palloc'd Vector in CurrentMemoryContext with its varlena header,
 * dim and unused fields set.  The caller has checked dim.
 */
Vector *
InitVector(int dim)
{
	Vector	   *result;
	Size		size;

	Assert(dim >= 1 && dim <= VECTOR_MAX_DIM);

	size = VECTOR_SIZE(dim);
	result = (Vector *) palloc0(size);
	SET_VARSIZE(result, size);
	result->dim = dim;
	result->unused = 0;

	return result;
}

/*
 * VectorCheckDim
 *		Raise an ERROR unless 1 <= dim <= VECTOR_MAX_DIM.
 */
void
VectorCheckDim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));

	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vector cannot have more than %d dimensions",
						VECTOR_MAX_DIM)));
}

/*
 * VectorCheckExpectedDim
 *		Raise an ERROR if a type modifier is in force and dim differs from it.
 */
void
VectorCheckExpectedDim(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/*
 * VectorCheckSameDims
 *		Raise an ERROR if two operands of a binary vector operation have
 *		different dimensions.
 */
void
VectorCheckSameDims(const Vector *a, const Vector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d",
						a->dim, b->dim)));
}

/*
 * OmenCheckElement
 *		Raise an ERROR if a value is not allowed as an element of a vector of
 *		type typname ("vector", "halfvec", "sparsevec").
 */
void
OmenCheckElement(const char *typname, float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", typname)));

	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", typname)));
}

/*
 * VectorCheckElement
 *		Raise an ERROR if a value is not allowed as a vector element.
 */
void
VectorCheckElement(float value)
{
	OmenCheckElement("vector", value);
}

/* ----------------------------------------------------------------
 *		Text input and output
 * ----------------------------------------------------------------
 */

static inline const char *
SkipSpaces(const char *p)
{
	while (isspace((unsigned char) *p))
		p++;
	return p;
}

/*
 * Report a malformed vector literal of type typname.  detail_fmt has one %d,
 * the 1-based character position of pos in str; when pos is at the end of
 * the string the detail says that the input ended early instead.
 */
static void
pg_attribute_noreturn()
VectorSyntaxError(const char *typname, const char *str, const char *pos,
				  const char *detail_fmt)
{
	int			charpos = pg_mbstrlen_with_len(str, pos - str) + 1;

	if (*pos == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", typname, str),
				 errdetail("Unexpected end of input at character %d.", charpos),
				 errhint("A %s is written as numbers separated by commas inside square brackets, for example \"[1,2.5,-3]\".",
						 typname)));

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", typname, str),
			 errdetail(detail_fmt, charpos),
			 errhint("A %s is written as numbers separated by commas inside square brackets, for example \"[1,2.5,-3]\".",
					 typname)));
}

/*
 * OmenParseVectorText
 *		Parse the text form "[x1,x2,...]" of a vector or halfvec.
 *
 * White space is allowed before and after the brackets and around every
 * number.  Numbers are anything strtof() accepts; NaN, infinity and values
 * that overflow float4 (or, with half, values that round to infinity in half
 * precision: 65520 and more in magnitude) are rejected, values that
 * underflow become zero or denormal (as in pgvector).  Errors name typname
 * ("vector" or "halfvec").
 *
 * Result: a palloc'd array of *dim float4 values, 1 <= *dim <= VECTOR_MAX_DIM
 * (HALFVEC_MAX_DIM is the same), every one finite.
 */
float *
OmenParseVectorText(const char *str, const char *typname, bool half, int *dim_out)
{
	const char *p = str;
	float	   *values;
	int			capacity = 16;
	int			dim = 0;

	p = SkipSpaces(p);
	if (*p != '[')
		VectorSyntaxError(typname, str, p, gettext_noop("Expected \"[\" at character %d."));
	p = SkipSpaces(p + 1);

	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", typname)));

	values = (float *) palloc(sizeof(float) * capacity);

	for (;;)
	{
		char	   *end;
		float		value;

		p = SkipSpaces(p);
		if (*p == '\0')
			VectorSyntaxError(typname, str, p, NULL);

		if (omen_parse_float(p, p + strcspn(p, ",] \t\n\r\v\f"), (const char **) &end, &value))
			errno = 0;
		else
		{
			errno = 0;
			value = strtof(p, &end);
		}
		if (end == p)
			VectorSyntaxError(typname, str, p, gettext_noop("Expected a number at character %d."));

		if ((errno == ERANGE && isinf(value)) ||
			(half && !isinf(value) && fabsf(value) >= HALF_OVERFLOW_THRESHOLD))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type %s",
							pnstrdup(p, end - p), typname),
					 half ? errdetail("Halfvec elements are half-precision floating-point numbers, at most 65504 in magnitude.") :
					 errdetail("Vector elements are single-precision floating-point numbers.")));
		OmenCheckElement(typname, value);

		if (dim == VECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s cannot have more than %d dimensions",
							typname, VECTOR_MAX_DIM)));
		if (dim == capacity)
		{
			capacity = Min(capacity * 2, VECTOR_MAX_DIM);
			values = (float *) repalloc(values, sizeof(float) * capacity);
		}
		values[dim++] = value;

		p = SkipSpaces(end);
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == ']')
			break;
		VectorSyntaxError(typname, str, p, gettext_noop("Expected \",\" or \"]\" at character %d."));
	}

	p = SkipSpaces(p + 1);
	if (*p != '\0')
		VectorSyntaxError(typname, str, p, gettext_noop("Unexpected character after \"]\" at character %d."));

	*dim_out = dim;
	return values;
}

/*
 * ParseVector
 *		Parse the text form of a vector.
 *
 * Result: a palloc'd Vector satisfying the invariants of vector.h.
 */
static Vector *
ParseVector(const char *str)
{
	int			dim;
	float	   *values = OmenParseVectorText(str, "vector", false, &dim);
	Vector	   *result = InitVector(dim);

	memcpy(result->x, values, sizeof(float) * dim);
	pfree(values);

	return result;
}

/*
 * vector_in
 *		Text input: vector_in(cstring, oid, typmod).
 */
PG_FUNCTION_INFO_V1(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	Vector	   *result;

	result = ParseVector(str);
	VectorCheckExpectedDim(typmod, result->dim);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_out
 *		Text output: "[x1,x2,...]" with each element in the shortest form that
 *		reads back to the same float4 (float4out's default output).
 */
PG_FUNCTION_INFO_V1(vector_out);
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	char	   *buf;
	char	   *p;

	/*
	 * FLOAT_SHORTEST_DECIMAL_LEN counts a terminating NUL, which leaves room
	 * for the comma after each element; add the brackets and the NUL.
	 */
	buf = (char *) palloc(FLOAT_SHORTEST_DECIMAL_LEN * vec->dim + 3);
	p = buf;

	*p++ = '[';
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(vec->x[i], p);
	}
	*p++ = ']';
	*p = '\0';

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

/*
 * vector_typmod_in
 *		The type modifier of vector(n) is n, 1 <= n <= VECTOR_MAX_DIM.
 */
PG_FUNCTION_INFO_V1(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);

	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type vector takes one modifier, the number of dimensions.")));

	if (tl[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector must be at least 1")));

	if (tl[0] > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector cannot exceed %d",
						VECTOR_MAX_DIM)));

	PG_RETURN_INT32(tl[0]);
}

/*
 * vector_typmod_out
 *		"(n)", or the empty string without a modifier.
 */
PG_FUNCTION_INFO_V1(vector_typmod_out);
Datum
vector_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	if (typmod < 0)
		PG_RETURN_CSTRING(pstrdup(""));

	PG_RETURN_CSTRING(psprintf("(%d)", typmod));
}

/* ----------------------------------------------------------------
 *		Binary input and output
 *
 * Format (network byte order, identical to pgvector): int16 dim, int16
 * unused (always 0), then dim float4 values.
 * ----------------------------------------------------------------
 */

/*
 * vector_recv
 *		Binary input: vector_recv(internal, oid, typmod).  Validates
 *		everything text input validates.
 */
PG_FUNCTION_INFO_V1(vector_recv);
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim;
	int16		unused;
	Vector	   *result;

	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	unused = (int16) pq_getmsgint(buf, sizeof(int16));

	VectorCheckDim(dim);
	VectorCheckExpectedDim(typmod, dim);

	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary vector"),
				 errdetail("The reserved field is %d, but it must be 0.",
						   unused)));

	result = InitVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		VectorCheckElement(result->x[i]);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_send
 *		Binary output; see vector_recv for the format.
 */
PG_FUNCTION_INFO_V1(vector_send);
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, vec->dim);
	pq_sendint16(&buf, vec->unused);
	for (int i = 0; i < vec->dim; i++)
		pq_sendfloat4(&buf, vec->x[i]);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 *		Casts
 * ----------------------------------------------------------------
 */

/*
 * vector
 *		Length coercion vector(vector, typmod, explicit): enforce vector(n).
 */
PG_FUNCTION_INFO_V1(vector);
Datum
vector(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	VectorCheckExpectedDim(typmod, vec->dim);

	PG_RETURN_VECTOR_P(vec);
}

/*
 * array_to_vector
 *		Cast integer[], real[], double precision[] or numeric[] to vector:
 *		array_to_vector(array, typmod, explicit).
 *
 * The array must be one-dimensional, non-empty, free of NULLs, and every
 * element must be finite once converted to float4.
 */
PG_FUNCTION_INFO_V1(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			nelems;
	Vector	   *result;

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

	VectorCheckDim(nelems);
	VectorCheckExpectedDim(typmod, nelems);

	result = InitVector(nelems);
	for (int i = 0; i < nelems; i++)
	{
		float		value;

		switch (elemtype)
		{
			case INT4OID:
				value = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				value = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				/*
				 * A finite float8 beyond float4's range becomes infinity and
				 * gets the infinite-value error below, as in pgvector.
				 */
				value = (float) DatumGetFloat8(elems[i]);
				break;
			case NUMERICOID:
				value = DatumGetFloat4(DirectFunctionCall1(numeric_float4,
														   elems[i]));
				break;
			default:
				elog(ERROR, "unsupported array element type %u", elemtype);
				value = 0;		/* keep compiler quiet */
		}

		VectorCheckElement(value);
		result->x[i] = value;
	}

	pfree(elems);
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_to_float4
 *		Cast vector to real[]: vector_to_float4(vector, typmod, explicit).
 */
PG_FUNCTION_INFO_V1(vector_to_float4);
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	Datum	   *datums;
	ArrayType  *result;

	datums = (Datum *) palloc(sizeof(Datum) * vec->dim);
	for (int i = 0; i < vec->dim; i++)
		datums[i] = Float4GetDatum(vec->x[i]);

	result = construct_array(datums, vec->dim, FLOAT4OID,
							 sizeof(float4), true, TYPALIGN_INT);

	pfree(datums);
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* ----------------------------------------------------------------
 *		Distances (float4 SIMD kernels of the core, returned as float8)
 * ----------------------------------------------------------------
 */

/*
 * l2_distance
 *		Euclidean distance, sqrt of the squared distance.
 */
PG_FUNCTION_INFO_V1(l2_distance);
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	VectorCheckSameDims(a, b);

	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_L2, a->x, b->x, a->dim));
}

/*
 * vector_l2_squared_distance
 *		Squared Euclidean distance (what an L2 index orders by).
 */
PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	VectorCheckSameDims(a, b);

	PG_RETURN_FLOAT8((double) omen_l2sq(a->x, b->x, a->dim));
}

/*
 * inner_product
 *		Dot product.
 */
PG_FUNCTION_INFO_V1(inner_product);
Datum
inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	VectorCheckSameDims(a, b);

	PG_RETURN_FLOAT8((double) omen_dot(a->x, b->x, a->dim));
}

/*
 * vector_negative_inner_product
 *		Negated dot product, the <#> operator (smaller is more similar).
 */
PG_FUNCTION_INFO_V1(vector_negative_inner_product);
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	VectorCheckSameDims(a, b);

	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_IP, a->x, b->x, a->dim));
}

/*
 * cosine_distance
 *		1 - cosine similarity, in [0, 2]; NaN when either vector is zero.
 */
PG_FUNCTION_INFO_V1(cosine_distance);
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	VectorCheckSameDims(a, b);

	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_COSINE, a->x, b->x, a->dim));
}

/*
 * l1_distance
 *		Taxicab distance, the sum of absolute differences.
 */
PG_FUNCTION_INFO_V1(l1_distance);
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	VectorCheckSameDims(a, b);

	PG_RETURN_FLOAT8(omen_distance(OMEN_METRIC_L1, a->x, b->x, a->dim));
}

/* ----------------------------------------------------------------
 *		Other functions on one vector
 * ----------------------------------------------------------------
 */

/* Euclidean norm, accumulated in float8. */
static double
VectorNorm(const Vector *vec)
{
	double		sum = 0.0;

	for (int i = 0; i < vec->dim; i++)
		sum += (double) vec->x[i] * (double) vec->x[i];

	return sqrt(sum);
}

/*
 * vector_dims
 *		Number of dimensions.
 */
PG_FUNCTION_INFO_V1(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(vec->dim);
}

/*
 * vector_norm
 *		Euclidean norm.
 */
PG_FUNCTION_INFO_V1(vector_norm);
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_FLOAT8(VectorNorm(vec));
}

/*
 * l2_normalize
 *		The vector scaled to unit Euclidean norm; the zero vector maps to
 *		itself.
 */
PG_FUNCTION_INFO_V1(l2_normalize);
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	double		norm = VectorNorm(vec);
	Vector	   *result = InitVector(vec->dim);

	if (norm > 0.0)
	{
		for (int i = 0; i < vec->dim; i++)
			result->x[i] = (float) ((double) vec->x[i] / norm);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * subvector
 *		subvector(vec, start, count): elements start .. start + count - 1,
 *		1-based, clipped to the vector.  ERROR if nothing is left.
 */
PG_FUNCTION_INFO_V1(subvector);
Datum
subvector(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		end = start + count;	/* exclusive; int64 cannot overflow */
	Vector	   *result;

	if (start < 1)
		start = 1;
	if (end > (int64) vec->dim + 1)
		end = (int64) vec->dim + 1;

	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errhint("The range selected by start and count must overlap the vector's elements 1 to %d.",
						 vec->dim)));

	result = InitVector((int) (end - start));
	memcpy(result->x, vec->x + (start - 1), sizeof(float) * (end - start));

	PG_RETURN_VECTOR_P(result);
}

/*
 * binary_quantize
 *		bit(n) with bit i set when element i is positive.
 */
PG_FUNCTION_INFO_V1(binary_quantize);
Datum
binary_quantize(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int			len = VARBITTOTALLEN(vec->dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits;

	SET_VARSIZE(result, len);
	VARBITLEN(result) = vec->dim;
	bits = VARBITS(result);

	for (int i = 0; i < vec->dim; i++)
	{
		if (vec->x[i] > 0)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}

	PG_RETURN_VARBIT_P(result);
}

/*
 * vector_concat
 *		a || b: the elements of a, then those of b.
 */
PG_FUNCTION_INFO_V1(vector_concat);
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VectorCheckDim(a->dim + b->dim);
	result = InitVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_VECTOR_P(result);
}

/* ----------------------------------------------------------------
 *		Bit-string distances (for binary_quantize results)
 * ----------------------------------------------------------------
 */

/* ERROR unless both bit strings have the same length; returns it. */
static int
BitCheckLengths(VarBit *a, VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b)),
				 errhint("Compare bit strings of the same length, e.g. binary_quantize() of vectors with the same dimensions.")));
	return VARBITLEN(a);
}

/*
 * omendb_hamming_distance
 *		Number of differing bits (the core's popcount kernel; padding bits
 *		of a bit string are always zero).
 */
PG_FUNCTION_INFO_V1(omendb_hamming_distance);
Datum
omendb_hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	BitCheckLengths(a, b);
	PG_RETURN_FLOAT8((double) omen_hamming(VARBITS(a), VARBITS(b), VARBITBYTES(a)));
}

/*
 * omendb_jaccard_distance
 *		1 - |a AND b| / |a OR b| over the set bits; 1 when neither has a bit
 *		set (pgvector's convention: no bit in common).
 */
PG_FUNCTION_INFO_V1(omendb_jaccard_distance);
Datum
omendb_jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	uint64		na;
	uint64		nb;
	uint64		diff;
	uint64		both;
	uint64		either;

	BitCheckLengths(a, b);
	na = pg_popcount((const char *) VARBITS(a), VARBITBYTES(a));
	nb = pg_popcount((const char *) VARBITS(b), VARBITBYTES(b));
	diff = omen_hamming(VARBITS(a), VARBITS(b), VARBITBYTES(a));
	both = (na + nb - diff) / 2;
	either = (na + nb + diff) / 2;
	if (either == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(1.0 - (double) both / (double) either);
}

/* ----------------------------------------------------------------
 *		Element-wise arithmetic
 * ----------------------------------------------------------------
 */

/* ERROR if an arithmetic result element overflowed to infinity. */
static void
CheckOverflow(const Vector *result)
{
	for (int i = 0; i < result->dim; i++)
	{
		if (unlikely(isinf(result->x[i])))
			float_overflow_error();
	}
}

/*
 * vector_add
 *		Element-wise sum.
 */
PG_FUNCTION_INFO_V1(vector_add);
Datum
vector_add(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VectorCheckSameDims(a, b);

	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] + b->x[i];
	CheckOverflow(result);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_sub
 *		Element-wise difference.
 */
PG_FUNCTION_INFO_V1(vector_sub);
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VectorCheckSameDims(a, b);

	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] - b->x[i];
	CheckOverflow(result);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_mul
 *		Element-wise product.  Like float4mul, a product of two nonzero
 *		elements that underflows to zero is an error.
 */
PG_FUNCTION_INFO_V1(vector_mul);
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VectorCheckSameDims(a, b);

	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] * b->x[i];
	CheckOverflow(result);

	for (int i = 0; i < a->dim; i++)
	{
		if (unlikely(result->x[i] == 0.0f) &&
			a->x[i] != 0.0f && b->x[i] != 0.0f)
			float_underflow_error();
	}

	PG_RETURN_VECTOR_P(result);
}

/* ----------------------------------------------------------------
 *		Ordering (btree) and hashing
 *
 * Vectors are ordered element by element; when one is a prefix of the other
 * the shorter one sorts first.  Elements are never NaN, so float comparison
 * is a total order here, in which -0 equals +0; the hash treats them alike.
 * ----------------------------------------------------------------
 */

static int
VectorCmp(const Vector *a, const Vector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}

	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

/*
 * Compare the two vector arguments of fcinfo and free any detoasted copies:
 * sorts and index builds call the comparison functions many times in one
 * memory context, and vectors of more than about 500 dimensions are usually
 * stored out of line.
 */
static int
VectorCmpArgs(FunctionCallInfo fcinfo)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	int			result = VectorCmp(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);

	return result;
}

/*
 * vector_cmp
 *		btree support function 1.
 */
PG_FUNCTION_INFO_V1(vector_cmp);
Datum
vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorCmpArgs(fcinfo));
}

/*
 * vector_lt, vector_le, vector_eq, vector_ne, vector_ge, vector_gt
 *		The comparison operators, consistent with vector_cmp.
 */
PG_FUNCTION_INFO_V1(vector_lt);
Datum
vector_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCmpArgs(fcinfo) < 0);
}

PG_FUNCTION_INFO_V1(vector_le);
Datum
vector_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCmpArgs(fcinfo) <= 0);
}

PG_FUNCTION_INFO_V1(vector_eq);
Datum
vector_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCmpArgs(fcinfo) == 0);
}

PG_FUNCTION_INFO_V1(vector_ne);
Datum
vector_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCmpArgs(fcinfo) != 0);
}

PG_FUNCTION_INFO_V1(vector_ge);
Datum
vector_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCmpArgs(fcinfo) >= 0);
}

PG_FUNCTION_INFO_V1(vector_gt);
Datum
vector_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCmpArgs(fcinfo) > 0);
}

/*
 * Hash the elements of a vector with -0 folded into +0, so that vectors that
 * compare equal hash equally.  The dimension is implied by the byte length.
 */
static Datum
VectorHash(const Vector *vec, bool extended, uint64 seed)
{
	const float *x = vec->x;
	float	   *copy = NULL;
	Size		len = sizeof(float) * vec->dim;
	Datum		result;

	for (int i = 0; i < vec->dim; i++)
	{
		if (x[i] == 0.0f && signbit(x[i]))
		{
			copy = (float *) palloc(len);
			for (int j = 0; j < vec->dim; j++)
				copy[j] = (x[j] == 0.0f) ? 0.0f : x[j];
			x = copy;
			break;
		}
	}

	if (extended)
		result = hash_any_extended((const unsigned char *) x, len, seed);
	else
		result = hash_any((const unsigned char *) x, len);

	if (copy)
		pfree(copy);
	return result;
}

/*
 * vector_hash
 *		hash support function 1.
 */
PG_FUNCTION_INFO_V1(vector_hash);
Datum
vector_hash(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	Datum		result = VectorHash(vec, false, 0);

	PG_FREE_IF_COPY(vec, 0);
	return result;
}

/*
 * vector_hash_extended
 *		hash support function 2 (64-bit, seeded).
 */
PG_FUNCTION_INFO_V1(vector_hash_extended);
Datum
vector_hash_extended(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	uint64		seed = (uint64) PG_GETARG_INT64(1);
	Datum		result = VectorHash(vec, true, seed);

	PG_FREE_IF_COPY(vec, 0);
	return result;
}

/* ----------------------------------------------------------------
 *		Aggregates avg(vector) and sum(vector)
 *
 * The transition state is a float8[] {n, s1, ..., sdim}: the number of
 * vectors accumulated and the element-wise sums, in float8 so that long
 * sums keep their precision.  The initial state is {0}.  Being an ordinary
 * array type, the state needs no serialisation for parallel aggregation.
 * avg(halfvec) shares the state and the combine function.
 *
 * The functions are callable from SQL with any float8[], so the state is
 * checked rather than trusted, with pgvector's errors: a state that is not
 * a non-empty one-dimensional float8 array without nulls is an internal
 * error (XX000, "<function>: expected state array"); its dimension is the
 * array length minus one, checked like a vector's (22000, 54000); a vector
 * of another dimension is "expected N dimensions, not M" (22000).  OmenDB
 * also rejects a negative, infinite or NaN count (XX000), and combines two
 * empty states into an empty state where pgvector raises an error: both are
 * the aggregate's initial state, which a parallel worker that saw no rows
 * hands back.
 * ----------------------------------------------------------------
 */

/*
 * OmenAggStateValues
 *		Validate an aggregate state and return a pointer to its elements;
 *		*dim is the number of sums it holds (0 for the initial state).
 */
float8 *
OmenAggStateValues(ArrayType *state, const char *caller, int *dim)
{
	float8	   *values;

	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: expected state array", caller)));

	values = (float8 *) ARR_DATA_PTR(state);
	if (!(values[0] >= 0.0) || isinf(values[0]))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: expected state array", caller),
				 errdetail("The count of accumulated values must be a finite, nonnegative number.")));

	*dim = ARR_DIMS(state)[0] - 1;
	return values;
}

/*
 * OmenAggStateFromValues
 *		Build a state array from n + 1 float8 values.
 */
ArrayType *
OmenAggStateFromValues(const float8 *values, int n)
{
	Datum	   *datums = (Datum *) palloc(sizeof(Datum) * (n + 1));
	ArrayType  *result;

	for (int i = 0; i <= n; i++)
		datums[i] = Float8GetDatum(values[i]);

	result = construct_array(datums, n + 1, FLOAT8OID,
							 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(datums);
	return result;
}

/*
 * OmenAggAccum
 *		Add dim float4 values x to a state (the transition function of
 *		avg/sum over vector and halfvec).
 *
 * When called as an aggregate transition function on a state of the right
 * size, the state is updated in place (the executor owns it); otherwise a
 * new state is built, leaving the argument untouched.  A sum that
 * overflows float8 is an error.
 */
Datum
OmenAggAccum(FunctionCallInfo fcinfo, const char *caller, const float *x, int dim)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			statedim;
	float8	   *values = OmenAggStateValues(state, caller, &statedim);
	float8	   *newvalues;

	if (statedim != 0)
		VectorCheckExpectedDim(statedim, dim);

	if (statedim != 0 && AggCheckCallContext(fcinfo, NULL))
	{
		for (int i = 0; i < dim; i++)
		{
			values[i + 1] += (float8) x[i];
			if (unlikely(isinf(values[i + 1])))
				float_overflow_error();
		}
		values[0] += 1.0;
		PG_RETURN_ARRAYTYPE_P(state);
	}

	newvalues = (float8 *) palloc(sizeof(float8) * (dim + 1));
	newvalues[0] = values[0] + 1.0;
	for (int i = 0; i < dim; i++)
	{
		newvalues[i + 1] = (statedim != 0 ? values[i + 1] : 0.0) + (float8) x[i];
		if (unlikely(isinf(newvalues[i + 1])))
			float_overflow_error();
	}

	PG_RETURN_ARRAYTYPE_P(OmenAggStateFromValues(newvalues, dim));
}

/*
 * vector_accum
 *		Transition function: add one vector to the state.
 */
PG_FUNCTION_INFO_V1(vector_accum);
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(1);

	return OmenAggAccum(fcinfo, "vector_accum", vec->x, vec->dim);
}

/*
 * vector_combine
 *		Combine function: merge two partial states into a new one.
 */
PG_FUNCTION_INFO_V1(vector_combine);
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1 = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *state2 = PG_GETARG_ARRAYTYPE_P(1);
	int			dim1;
	int			dim2;
	float8	   *values1 = OmenAggStateValues(state1, "vector_combine", &dim1);
	float8	   *values2 = OmenAggStateValues(state2, "vector_combine", &dim2);
	float8	   *newvalues;

	if (values1[0] == 0.0 && values2[0] == 0.0 && dim1 == 0 && dim2 == 0)
	{
		float8		zero = 0.0;

		PG_RETURN_ARRAYTYPE_P(OmenAggStateFromValues(&zero, 0));
	}
	if (values1[0] == 0.0)
	{
		VectorCheckDim(dim2);
		PG_RETURN_ARRAYTYPE_P(OmenAggStateFromValues(values2, dim2));
	}
	if (values2[0] == 0.0)
	{
		VectorCheckDim(dim1);
		PG_RETURN_ARRAYTYPE_P(OmenAggStateFromValues(values1, dim1));
	}

	VectorCheckDim(dim1);
	VectorCheckExpectedDim(dim1, dim2);

	newvalues = (float8 *) palloc(sizeof(float8) * (dim1 + 1));
	newvalues[0] = values1[0] + values2[0];
	for (int i = 1; i <= dim1; i++)
	{
		newvalues[i] = values1[i] + values2[i];
		if (unlikely(isinf(newvalues[i])))
			float_overflow_error();
	}

	PG_RETURN_ARRAYTYPE_P(OmenAggStateFromValues(newvalues, dim1));
}

/*
 * OmenAggFinal
 *		The element-wise sums of a state divided by divide_by_count ? n : 1,
 *		rounded to float4, into a palloc'd array of *dim values; NULL when no
 *		value was accumulated.  A result that is not finite is an error.
 *		check_dim raises the result type's own error for a bad dimension count.
 */
float *
OmenAggFinal(FunctionCallInfo fcinfo, const char *caller, bool divide_by_count,
			 void (*check_dim) (int dim), int *dim)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	float8	   *values = OmenAggStateValues(state, caller, dim);
	float8		count = values[0];
	float	   *result;

	if (count == 0.0)
		return NULL;

	check_dim(*dim);
	result = (float *) palloc(sizeof(float) * *dim);
	for (int i = 0; i < *dim; i++)
	{
		float8		value = values[i + 1];

		if (divide_by_count)
			value /= count;
		result[i] = (float) value;
		if (isnan(result[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("%s: expected state array", caller),
					 errdetail("The state holds a NaN sum.")));
		if (unlikely(isinf(result[i])))
			float_overflow_error();
	}
	return result;
}

/* Final functions of avg(vector) and sum(vector). */
static Datum
StateFinal(FunctionCallInfo fcinfo, const char *caller, bool divide_by_count)
{
	int			dim;
	float	   *values = OmenAggFinal(fcinfo, caller, divide_by_count, VectorCheckDim, &dim);
	Vector	   *result;

	if (values == NULL)
		PG_RETURN_NULL();

	result = InitVector(dim);
	memcpy(result->x, values, sizeof(float) * dim);
	pfree(values);
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_avg
 *		Final function of avg(vector).
 */
PG_FUNCTION_INFO_V1(vector_avg);
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	return StateFinal(fcinfo, "vector_avg", true);
}

/*
 * vector_sum
 *		Final function of sum(vector).
 */
PG_FUNCTION_INFO_V1(vector_sum);
Datum
vector_sum(PG_FUNCTION_ARGS)
{
	return StateFinal(fcinfo, "vector_sum", false);
}
