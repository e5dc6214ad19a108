/*-------------------------------------------------------------------------
 *
 * halfvec.h
 *	  The halfvec data type: vectors of IEEE 754 half-precision floats.
 *
 * The layout matches pgvector's halfvec (int16 dim, int16 unused, dim
 * binary16 values), so binary send/recv and dumps are interchangeable with
 * it.  Every HalfVector that leaves halfvec.c satisfies: 1 <= dim <=
 * HALFVEC_MAX_DIM, unused == 0, every element finite.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/halfvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMENDB_HALFVEC_H
#define OMENDB_HALFVEC_H

#include "fmgr.h"

#define HALFVEC_MAX_DIM 16000

typedef uint16 half;

typedef struct HalfVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved for future use, always zero */
	half		x[FLEXIBLE_ARRAY_MEMBER];
} HalfVector;

#define HALFVEC_SIZE(_dim)		(offsetof(HalfVector, x) + sizeof(half) * (_dim))

#define DatumGetHalfVector(x)	((HalfVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_HALFVEC_P(n)	DatumGetHalfVector(PG_GETARG_DATUM(n))
#define PG_RETURN_HALFVEC_P(x)	PG_RETURN_POINTER(x)

/* A zero-filled halfvec of dim dimensions (dim already checked). */
extern HalfVector *InitHalfVector(int dim);

/*
 * The elements of a halfvec as float4, into out (dim values), or into a
 * palloc'd array when out is NULL; returns the array.
 */
extern float *HalfVectorToFloats(const HalfVector *vec, float *out);

/*
 * A halfvec from dim finite float4 values.  ERROR (22003, "... is out of
 * range for type halfvec") for a value that overflows half precision.
 */
extern HalfVector *HalfVectorFromFloats(const float *values, int dim);

#endif							/* OMENDB_HALFVEC_H */
