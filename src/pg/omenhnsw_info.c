/*-------------------------------------------------------------------------
 *
 * omenhnsw_info.c
 *	  omenhnsw_index_info(regclass): what an omenhnsw index holds, read from
 *	  its metapage and element pages.
 *
 * Shows the parameters the index was built with (the resolved quantization
 * mode, not 'auto'), how many nodes it holds and how many of them VACUUM has
 * marked deleted (their space returns only with REINDEX), and its size.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_info.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

static const char *
MetricName(uint32 metric)
{
	switch (metric)
	{
		case OMEN_METRIC_L2:
			return "l2";
		case OMEN_METRIC_IP:
			return "inner_product";
		case OMEN_METRIC_COSINE:
			return "cosine";
		case OMEN_METRIC_L1:
			return "l1";
	}
	return "unknown";
}

static const char *
QuantName(uint32 quant)
{
	switch (quant)
	{
		case OMEN_QUANT_NONE:
			return "none";
		case OMEN_QUANT_BINARY:
			return "binary";
		case OMEN_QUANT_RABITQ:
			return "rabitq";
		case OMENHNSW_QUANT_AUTO:
			return "auto";
	}
	return "unknown";
}

/*
 * omenhnsw_index_info
 *		SQL: omenhnsw_index_info(regclass) RETURNS record.  Needs SELECT on the
 *		index's table.  Takes AccessShareLock on the index and reads every page
 *		under a share lock, one at a time.
 */
PG_FUNCTION_INFO_V1(omenhnsw_index_info);
Datum
omenhnsw_index_info(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Relation	index;
	TupleDesc	tupdesc;
	OmenHnswMetaPageData meta;
	BlockNumber nblocks;
	BlockNumber blkno;
	int64		nodes = 0;
	int64		deleted = 0;
	Datum		values[10];
	bool		nulls[10] = {0};
	AclResult	aclresult;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	index = relation_open(indexoid, AccessShareLock);
	if (index->rd_rel->relkind != RELKIND_INDEX ||
		index->rd_rel->relam != get_index_am_oid("omenhnsw", false))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an omenhnsw index",
						RelationGetRelationName(index))));
	aclresult = pg_class_aclcheck(index->rd_index->indrelid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, get_rel_name(index->rd_index->indrelid));

	nblocks = RelationGetNumberOfBlocks(index);
	if (nblocks == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" has no pages", RelationGetRelationName(index)),
				 errhint("An unlogged index is empty after a crash until it is rebuilt.")));
	OmenHnswReadMeta(index, &meta);

	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, NULL);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!PageIsNew(page) &&
			OmenHnswPageGetOpaque(page)->pageType == OMENHNSW_PAGE_ELEMENT)
		{
			OffsetNumber off;
			OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

			for (off = FirstOffsetNumber; off <= maxoff; off++)
			{
				ItemId		itemid = PageGetItemId(page, off);

				if (!ItemIdIsUsed(itemid))
					continue;
				nodes++;
				if (omen_record_is_deleted((const uint8 *) PageGetItem(page, itemid)))
					deleted++;
			}
		}
		UnlockReleaseBuffer(buf);
	}

	values[0] = Int32GetDatum((int32) meta.dim);
	values[1] = CStringGetTextDatum(MetricName(meta.metric));
	values[2] = CStringGetTextDatum(QuantName(meta.quant));
	values[3] = Int32GetDatum((int32) meta.m);
	values[4] = Int32GetDatum((int32) meta.efConstruction);
	values[5] = Int64GetDatum(nodes);
	values[6] = Int64GetDatum(deleted);
	if (meta.entryId == OMEN_INVALID_ID)
		nulls[7] = true;
	else
		values[7] = Int32GetDatum((int32) meta.entryLevel);
	values[8] = Int64GetDatum((int64) nblocks);
	values[9] = Int32GetDatum((int32) meta.version);

	relation_close(index, AccessShareLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
