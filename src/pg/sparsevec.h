/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *	  The sparsevec data type: a dimension count and the non-zero elements.
 *
 * The layout matches pgvector's sparsevec (int32 dim, int32 nnz, int32
 * unused, nnz int32 0-based indices in ascending order, then nnz float4
 * values), so binary send/recv and dumps are interchangeable with it.  Every
 * SparseVector that leaves sparsevec.c has sorted, distinct, in-range
 * indices and finite non-zero values.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/sparsevec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMENDB_SPARSEVEC_H
#define OMENDB_SPARSEVEC_H

#include "fmgr.h"

#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

typedef struct SparseVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of non-zero elements */
	int32		unused;			/* reserved, always zero */
	int32		indices[FLEXIBLE_ARRAY_MEMBER]; /* then nnz float4 values */
} SparseVector;

#define SPARSEVEC_SIZE(nnz) \
	(offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (Size) (nnz))
#define SPARSEVEC_VALUES(v)		((float *) ((v)->indices + (v)->nnz))
#define PG_GETARG_SPARSEVEC_P(n) ((SparseVector *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

#endif							/* OMENDB_SPARSEVEC_H */
