/*-------------------------------------------------------------------------
 *
 * ivfflat.c
 *	  The handler of the "ivfflat" access method, which OmenDB does not
 *	  implement: it exists so that pgvector DDL that names it fails with an
 *	  error that says what to use instead.
 *
 * pgvector's IVFFlat index trades recall for build speed with k-means
 * lists; OmenDB's HNSW index (omenhnsw, also reachable as "hnsw") builds
 * faster than pgvector's IVFFlat needs to be trained on most data, so
 * OmenDB offers no IVFFlat.  CREATE INDEX ... USING ivfflat fetches the
 * access method's routine before it looks at operator classes or options,
 * so raising the error here reports it first, whatever the rest of the
 * statement says.  No other command calls an index AM's handler while no
 * index of it exists (and none can be created).
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/ivfflat.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

/*
 * omendb_ivfflat_handler
 *		ERROR (ERRCODE_FEATURE_NOT_SUPPORTED) with a hint to use hnsw.
 */
PG_FUNCTION_INFO_V1(omendb_ivfflat_handler);
Datum
omendb_ivfflat_handler(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("access method \"ivfflat\" is not supported by OmenDB"),
			 errdetail("OmenDB provides pgvector's SQL interface with an HNSW index only."),
			 errhint("Use USING hnsw (or its own name, omenhnsw) with the same operator class; the lists option does not apply, and hnsw takes m and ef_construction.")));
	PG_RETURN_NULL();			/* keep compiler quiet */
}
