/*-------------------------------------------------------------------------
 *
 * vector.h
 *	  The vector data type: on-disk layout and helpers shared by the shim.
 *
 * A vector is a varlena holding a dimension count and that many float4
 * values.  The layout matches pgvector's, so the binary send/recv format and
 * the dump format are interchangeable with it.
 *
 * Every Vector that leaves vector.c satisfies: 1 <= dim <= VECTOR_MAX_DIM,
 * unused == 0, and every element is finite (no NaN, no infinity).  Code that
 * builds vectors elsewhere (the index AM) must keep those invariants; the
 * VectorCheck* helpers below raise the same errors vector.c raises.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMENDB_VECTOR_H
#define OMENDB_VECTOR_H

#include "fmgr.h"
#include "utils/array.h"

/* Largest number of dimensions a vector may have (same as OMEN_MAX_DIM). */
#define VECTOR_MAX_DIM 16000

typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved for future use, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

/* Total size in bytes of a vector of the given dimension. */
#define VECTOR_SIZE(_dim)		(offsetof(Vector, x) + sizeof(float) * (_dim))

#define DatumGetVector(x)		((Vector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_VECTOR_P(n)	DatumGetVector(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(x)	PG_RETURN_POINTER(x)

/*
 * Allocate a zero-filled vector of dim dimensions in CurrentMemoryContext.
 * The caller must have checked dim (VectorCheckDim); this function only
 * asserts it.
 */
extern Vector *InitVector(int dim);

/*
 * ERROR (ERRCODE_DATA_EXCEPTION) if dim < 1, ERROR
 * (ERRCODE_PROGRAM_LIMIT_EXCEEDED) if dim > VECTOR_MAX_DIM.
 */
extern void VectorCheckDim(int dim);

/*
 * ERROR (ERRCODE_DATA_EXCEPTION) if typmod is not -1 and differs from dim:
 * "expected N dimensions, not M".
 */
extern void VectorCheckExpectedDim(int32 typmod, int dim);

/* ERROR (ERRCODE_DATA_EXCEPTION) if the two vectors have different dimensions. */
extern void VectorCheckSameDims(const Vector *a, const Vector *b);

/* ERROR (ERRCODE_DATA_EXCEPTION) if value is NaN or infinite. */
extern void VectorCheckElement(float value);

/* The same, naming the type in the message ("NaN not allowed in halfvec"). */
extern void OmenCheckElement(const char *typname, float value);

/*
 * Magnitude from which a float4 rounds to infinity in half precision (the
 * largest half is 65504; 65520 is the tie, which rounds to even: infinity).
 */
#define HALF_OVERFLOW_THRESHOLD 65520.0f

/*
 * Parse the text form "[x1,...]" shared by vector and halfvec (with half,
 * elements that overflow half precision are out of range).  Returns a
 * palloc'd array of *dim finite float4 values, 1 <= *dim <= VECTOR_MAX_DIM;
 * errors name typname.
 */
extern float *OmenParseVectorText(const char *str, const char *typname,
								  bool half, int *dim);

/*
 * The avg/sum aggregate state shared by vector and halfvec (see vector.c):
 * validation, construction, the transition and the final step.  caller
 * names the SQL function in errors.
 */
extern float8 *OmenAggStateValues(ArrayType *state, const char *caller, int *dim);
extern ArrayType *OmenAggStateFromValues(const float8 *values, int n);
extern Datum OmenAggAccum(FunctionCallInfo fcinfo, const char *caller,
						  const float *x, int dim);
extern float *OmenAggFinal(FunctionCallInfo fcinfo, const char *caller,
						   bool divide_by_count, void (*check_dim) (int dim),
						   int *dim);

#endif							/* OMENDB_VECTOR_H */
