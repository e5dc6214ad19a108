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

#endif							/* OMENDB_VECTOR_H */
