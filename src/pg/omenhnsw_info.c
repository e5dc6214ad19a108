/*-------------------------------------------------------------------------
 *
 * omenhnsw_info.c
 *	  omenhnsw_index_info(regclass): what an omenhnsw index holds, read from
 *	  its metapage and element pages.
 *
 * Indexes created USING hnsw (pgvector's name for the same access method:
 * the same handler) are omenhnsw indexes too.
 *
 * Shows the parameters the index was built with (the resolved quantization
 * mode, not 'auto'), how many nodes it holds and how many of them VACUUM has
 * marked deleted (their space returns only with REINDEX), and its size.
 *
 * The caller's privileges are checked before any lock is taken, as
 * RangeVarGetRelidExtended's callbacks do for DDL: a role without SELECT on
 * the table fails at once with 42501 instead of queueing behind (and holding
 * up) sessions that lock the index, e.g. REINDEX.
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
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "pg/omenhnsw.h"

/* columns of omenhnsw_index_info */
#define INDEX_INFO_COLUMNS 10

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
		case OMEN_METRIC_JACCARD:
			return "jaccard";
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

/* list_sort comparator: relations by name, then OID (names repeat across schemas) */
static int
CompareRelNames(const ListCell *a, const ListCell *b)
{
	Oid			oa = lfirst_oid(a);
	Oid			ob = lfirst_oid(b);
	char	   *na = get_rel_name(oa);
	char	   *nb = get_rel_name(ob);
	int			c = strcmp(na ? na : "", nb ? nb : "");

	if (c != 0)
		return c;
	return oa < ob ? -1 : (oa > ob ? 1 : 0);
}

/*
 * OmenHnswIsOmenHnswAm
 *		Whether an access method is omenhnsw under any of its names: its
 *		handler is omenhnsw's, or hnsw's (pgvector's name: the same access
 *		method with one column), from the same schema.
 */
bool
OmenHnswIsOmenHnswAm(Oid amoid)
{
	Oid			omenhnsw = get_index_am_oid("omenhnsw", false);
	HeapTuple	tuple;
	Oid			handler;
	Oid			amhandler;
	char		amtype;

	if (!OidIsValid(amoid))
		return false;
	if (amoid == omenhnsw)
		return true;
	/* not cached: DROP and CREATE EXTENSION in one session change the OIDs */
	tuple = SearchSysCache1(AMOID, ObjectIdGetDatum(omenhnsw));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for access method %u", omenhnsw);
	handler = ((Form_pg_am) GETSTRUCT(tuple))->amhandler;
	ReleaseSysCache(tuple);
	tuple = SearchSysCache1(AMOID, ObjectIdGetDatum(amoid));
	if (!HeapTupleIsValid(tuple))
		return false;
	amhandler = ((Form_pg_am) GETSTRUCT(tuple))->amhandler;
	amtype = ((Form_pg_am) GETSTRUCT(tuple))->amtype;
	ReleaseSysCache(tuple);
	if (amtype != AMTYPE_INDEX)
		return false;
	if (amhandler == handler)
		return true;
	{
		char	   *name = get_func_name(amhandler);

		return name != NULL && strcmp(name, "omendb_hnsw_handler") == 0 &&
			get_func_namespace(amhandler) == get_func_namespace(handler);
	}
}

/*
 * CheckIndexInfoTarget
 *		Before any lock: the relation is an omenhnsw index (a partitioned one
 *		only if allowPartitioned) and, if checkAcl, the caller may read its
 *		table.  Reads the catalogs through the syscache only, so a concurrent
 *		DDL can still change the answer; the caller checks again under the
 *		lock.  Returns the table's OID.
 */
static Oid
CheckIndexInfoTarget(Oid indexoid, bool allowPartitioned, bool checkAcl, const char *funcname)
{
	HeapTuple	tuple;
	Form_pg_class classform;
	char		relkind;
	Oid			relam;
	char	   *relname;
	Oid			relnamespace;
	Oid			heapoid;
	AclResult	aclresult;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", indexoid)));
	classform = (Form_pg_class) GETSTRUCT(tuple);
	relkind = classform->relkind;
	relam = classform->relam;
	relname = pstrdup(NameStr(classform->relname));
	relnamespace = classform->relnamespace;
	ReleaseSysCache(tuple);

	if ((relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX) ||
		!OmenHnswIsOmenHnswAm(relam))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an omenhnsw index", relname)));

	heapoid = IndexGetRelation(indexoid, true);
	if (!OidIsValid(heapoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("index \"%s\" does not exist", relname)));
	if (checkAcl)
	{
		aclresult = pg_class_aclcheck(heapoid, GetUserId(), ACL_SELECT);
		if (aclresult != ACLCHECK_OK)
			aclcheck_error(aclresult, OBJECT_TABLE, get_rel_name(heapoid));
	}

	/*
	 * A partitioned index has no pages: each partition of the table has its
	 * own index.  The function returns one row, so point at them.
	 */
	if (relkind == RELKIND_PARTITIONED_INDEX && !allowPartitioned)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a partitioned index", relname),
				 errdetail("Each partition of table \"%s\" has its own omenhnsw index; a partitioned index holds no data.",
						   get_rel_name(heapoid)),
				 strcmp(funcname, "omenhnsw_index_info") == 0 ?
				 errhint("Call omenhnsw_partition_info(%s) for one row per partition's index.",
						 quote_literal_cstr(quote_qualified_identifier(get_namespace_name(relnamespace),
																	   relname))) :
				 errhint("Call %s on each partition's index; omenhnsw_partition_info(%s) lists them.",
						 funcname,
						 quote_literal_cstr(quote_qualified_identifier(get_namespace_name(relnamespace),
																	   relname)))));

	return heapoid;
}

/*
 * OmenHnswCheckTarget
 *		CheckIndexInfoTarget for the other functions that read one index
 *		(omenhnsw_verify, omenhnsw_recall): no partitioned index, SELECT on
 *		the table, before any lock.  amoid is unused: every name of the access
 *		method is accepted.
 */
Oid
OmenHnswCheckTarget(Oid indexoid, Oid amoid, const char *funcname)
{
	return CheckIndexInfoTarget(indexoid, false, true, funcname);
}

/*
 * IndexInfoValues
 *		The values of one omenhnsw_index_info row for an index whose target
 *		was checked (CheckIndexInfoTarget returned heapoid).  Takes
 *		AccessShareLock on the index and reads every page under a share
 *		lock, one at a time; the lock is released before returning.
 */
static void
IndexInfoValues(Oid indexoid, Oid heapoid, Datum *values, bool *nulls)
{
	Relation	index;
	OmenHnswMetaPageData meta;
	BlockNumber nblocks;
	BlockNumber blkno;
	int64		nodes = 0;
	int64		deleted = 0;

	/*
	 * The index may have been dropped, or dropped and its OID reused, while
	 * we waited for the lock: check again now that it cannot change.
	 */
	index = relation_open(indexoid, AccessShareLock);
	if (index->rd_rel->relkind != RELKIND_INDEX ||
		!OmenHnswIsOmenHnswAm(index->rd_rel->relam) ||
		index->rd_index->indrelid != heapoid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" changed while waiting for a lock",
						RelationGetRelationName(index))));

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
				const uint8 *rec;
				uint64		payload;

				if (!ItemIdIsNormal(itemid) || ItemIdGetLength(itemid) < 16)
					continue;
				rec = (const uint8 *) PageGetItem(page, itemid);
				memcpy(&payload, rec, sizeof(uint64));
				/* free slots (format 2) are space, not nodes */
				if (OmenHnswPayloadIsFree(payload))
					continue;
				nodes++;
				if (omen_record_is_deleted(rec))
					deleted++;
			}
		}
		UnlockReleaseBuffer(buf);
	}

	memset(nulls, 0, sizeof(bool) * INDEX_INFO_COLUMNS);
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
}

/*
 * omenhnsw_index_info
 *		SQL: omenhnsw_index_info(regclass) RETURNS record.  Needs SELECT on the
 *		index's table, checked before any lock is taken; see IndexInfoValues.
 */
PG_FUNCTION_INFO_V1(omenhnsw_index_info);
Datum
omenhnsw_index_info(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Oid			heapoid;
	TupleDesc	tupdesc;
	Datum		values[INDEX_INFO_COLUMNS];
	bool		nulls[INDEX_INFO_COLUMNS];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	heapoid = CheckIndexInfoTarget(indexoid, false, true, "omenhnsw_index_info");
	IndexInfoValues(indexoid, heapoid, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * omenhnsw_partition_info
 *		SQL: omenhnsw_partition_info(regclass) RETURNS SETOF record: one row
 *		per leaf of the index's partition tree (the index itself when it is
 *		not partitioned), the leaf's index first, then omenhnsw_index_info's
 *		columns, in the order of the leaves' names.  Needs SELECT on the
 *		index's table, checked before any lock, and nothing more: that
 *		privilege reads every partition's rows through the partitioned table
 *		too.  Each leaf is then read as omenhnsw_index_info does.
 *		The tree is read without locks, like pg_partition_tree; a partition
 *		detached meanwhile is still shown, one dropped meanwhile is an ERROR.
 */
PG_FUNCTION_INFO_V1(omenhnsw_partition_info);
Datum
omenhnsw_partition_info(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *tree;
	List	   *leaves = NIL;
	ListCell   *lc;

	CheckIndexInfoTarget(indexoid, true, true, "omenhnsw_partition_info");
	InitMaterializedSRF(fcinfo, 0);

	tree = find_all_inheritors(indexoid, NoLock, NULL);
	foreach(lc, tree)
	{
		Oid			relid = lfirst_oid(lc);

		if (get_rel_relkind(relid) == RELKIND_INDEX)
			leaves = lappend_oid(leaves, relid);
	}
	list_sort(leaves, CompareRelNames);

	foreach(lc, leaves)
	{
		Oid			leaf = lfirst_oid(lc);
		Oid			heapoid;
		Datum		values[INDEX_INFO_COLUMNS + 1];
		bool		nulls[INDEX_INFO_COLUMNS + 1];

		CHECK_FOR_INTERRUPTS();
		heapoid = CheckIndexInfoTarget(leaf, false, false, "omenhnsw_partition_info");
		values[0] = ObjectIdGetDatum(leaf);
		nulls[0] = false;
		IndexInfoValues(leaf, heapoid, values + 1, nulls + 1);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
