/*-------------------------------------------------------------------------
 *
 * omenhnsw_insert.c
 *	  Insertion into an omenhnsw index (the page writers it uses are in
 *	  omenhnsw_page.c).
 *
 * Locking.  Inserts take a heavyweight lock on the pseudo page
 * OMENHNSW_INSERT_LOCK: ShareLock, so that they run concurrently, or
 * ExclusiveLock when the entry point changes; VACUUM takes ExclusiveLock
 * only for moments (draining inserts, replacing a deleted entry point), its
 * repair runs alongside inserts and its reconnect pass takes ShareLock (it
 * writes links the way an insert does); scans take none.  Under it an insert reads the metapage
 * (entry point), draws the new node's level, asks the core for a plan (the
 * node's id still pending), stores the node's record, which gives it its id,
 * binds the plan to that id and writes the neighbours' edits.
 * The plan's neighbour edits carry the record they were computed from; an
 * edit is written only if the record still equals it, else the core plans
 * it again from a fresh read (another insert linked into the same node).
 * Buffer content locks are taken only around page reads and writes,
 * element pages before the metapage, several element pages in block
 * order, and never across a core call that reads pages or an ereport.
 *
 * WAL.  Every change is a generic WAL record, one per step, each leaving
 * the index consistent on its own: (1) the new node's record (with the
 * metapage's node count, through GenericXLog), (2) the neighbours' new
 * images, grouped by page, at most MAX_GENERIC_XLOG_PAGES pages per record
 * (written in place with the changed bytes as deltas, omenhnsw_page.c's
 * "Edits written in place"), (3) the metapage's
 * entry point if the new node becomes it.  A crash between steps leaves a node that is not yet (fully) linked,
 * never a dangling link.  During a
 * build (building = true) pages are written without WAL; the build logs
 * the whole relation when it is done.
 *
 * VACUUM marks records deleted without the insert lock, so a neighbour image
 * computed from an earlier read could clear that flag: writers keep the
 * flag (and the payload) of the record they overwrite.  New records go to a
 * free slot of their level first (format 2, OmenHnswAddRecord).
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_insert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

/* Plans name a node whose id is not known yet OMEN_PENDING_ID: no real id may equal it. */

/*
 * LevelDraw
 *		A uniform number in [0, 1) for the new node's level, derived from its
 *		heap TID and the index seed (splitmix64), so that the same rows
 *		inserted in the same order give the same graph (reproducible tests
 *		and crash-recovery comparisons).  TIDs are distinct, and the mixing
 *		makes the draws independent in practice.
 */
static double
LevelDraw(uint64 payload, uint64 seed)
{
	uint64		z = payload + seed + UINT64CONST(0x9E3779B97F4A7C15);

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	z = z ^ (z >> 31);
	return (double) (z >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * InsertFirst
 *		First vector of an index built empty: train the quantizer on it with
 *		a one-vector build, write the blob pages, then the record together
 *		with the now trained metapage.  Caller holds the insert lock.
 */
static void
InsertFirst(Relation index, OmenHnswState *state, const float *x, int dim,
			ItemPointer tid, bool building, const uint8 *attrs, uint32 attrSize)
{
	OmenHnswMetaPageData meta = state->meta;
	omen_params_t params = state->params;
	omen_builder_t *b = NULL;
	OmenHnswHandle *handle;
	omen_status_t st;
	uint32		done = 0;
	uint8	   *blob = NULL;
	Size		blobLen;
	uint8	   *record;
	Size		len;
	uint32		entry;
	uint32		level;
	uint32		noIds = 0;

	if (meta.dim != 0)
		OmenHnswCheckDim(index, meta.dim, dim);
	params.dim = dim;
	params.quant = OmenHnswResolveQuant(params.quant, dim);
	if (omen_params_check(&params) != OMEN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid omenhnsw parameters for index \"%s\"",
						RelationGetRelationName(index))));

	handle = OmenHnswHandleRegister(CurrentMemoryContext, NULL, OmenHnswFreeBuilderCb);
	st = omen_builder_create(&params, (size_t) 64 * 1024 * 1024, &b);
	handle->ptr = b;
	OmenHnswCheckStatus(st, NULL, "creating the index builder");
	OmenHnswCheckStatus(omen_builder_add(b, x, OmenHnswTidToPayload(tid)), NULL,
						"adding a vector to the builder");
	while (done < 1)
		OmenHnswCheckStatus(omen_builder_build_step(b, 1, OMENHNSW_BUILD_STEP, &done),
							NULL, "building the graph");

	len = omen_builder_record_size(b, 0);
	OmenHnswCheckRecordSize(index, len);

	blobLen = omen_builder_quantizer_size(b);
	meta.blobStart = InvalidBlockNumber;
	meta.blobPages = 0;
	meta.blobLen = blobLen;
	if (blobLen > 0)
	{
		blob = palloc(blobLen);
		omen_builder_quantizer(b, blob);
		meta.blobStart = OmenHnswWriteBlob(index, blob, blobLen, building,
										   &meta.blobPages);
	}

	/* a lone node has no neighbours, so no ids to map */
	record = palloc(len);
	OmenHnswCheckStatus(omen_builder_record(b, 0, &noIds, record), NULL,
						"writing a node record");
	omen_builder_entry(b, &entry, &level);

	meta.dim = dim;
	meta.quant = params.quant;
	meta.flags |= OMENHNSW_META_TRAINED;
	meta.trainedAt = 1;			/* refreshed as the index grows: omenhnsw_refresh.c */
	/* OmenHnswAddRecord counts the node and makes it the entry point */
	OmenHnswAddRecord(index, record, len, attrs, building, &meta, (int) level);

	OmenHnswHandleRelease(handle);
}


/*
 * OmenHnswInsertVector
 *		Insert one vector with its heap TID.  Takes and releases the insert
 *		lock; no buffer lock held on entry or exit.  building: called from
 *		ambuild, write without WAL.
 *
 *		Inserts run concurrently under ShareLock.  ExclusiveLock is taken for
 *		what changes the entry point (the first node, a node above the entry
 *		level, an index whose nodes were all vacuumed away) and for a
 *		quantizer refresh (omenhnsw_refresh.c: heap and indexInfo given, the
 *		refresh due and no code reader in flight); VACUUM takes it for
 *		moments only.
 */
void
OmenHnswInsertVector(Relation index, const float *x, int dim, ItemPointer tid,
					 bool building, const uint8 *attrs, uint32 attrSize,
					 Relation heap, IndexInfo *indexInfo)
{
	OmenHnswState state;
	OmenHnswStorage storage;
	omen_insert_plan_t *plan = NULL;
	OmenHnswHandle *planHandle;
	omen_status_t st;
	LOCKMODE	mode = ShareLock;
	uint32		level;
	Size		len;
	uint32		newId;
	bool		refresh = false;

	LockPage(index, OMENHNSW_INSERT_LOCK, mode);
	for (;;)
	{
		OmenHnswOpenState(index, &state, CurrentMemoryContext);
		if (state.index == NULL)
			level = 0;
		else
		{
			OmenHnswCheckDim(index, state.meta.dim, dim);
			level = omen_index_random_level(state.index,
											LevelDraw(OmenHnswTidToPayload(tid), state.meta.seed));
		}
		if (!refresh && heap != NULL && state.index != NULL &&
			OmenHnswRefreshDue(&state.meta) && OmenHnswRefreshLock(index))
			refresh = true;
		if (mode == ExclusiveLock || (state.index != NULL &&
									  state.meta.entryId != OMEN_INVALID_ID &&
									  level <= state.meta.entryLevel && !refresh))
			break;
		/* the entry point changes, or a refresh: exclude other inserts and look again */
		OmenHnswHandleRelease(state.handle);
		UnlockPage(index, OMENHNSW_INSERT_LOCK, mode);
		mode = ExclusiveLock;
		LockPage(index, OMENHNSW_INSERT_LOCK, mode);
	}

	if (refresh)
	{
		/* no scan runs and no insert: rewrite every code, then insert with the new mean */
		if (state.index != NULL && OmenHnswRefreshDue(&state.meta))
		{
			OmenHnswRefreshQuantizer(index, heap, indexInfo, &state);
			OmenHnswHandleRelease(state.handle);
			OmenHnswOpenState(index, &state, CurrentMemoryContext);
		}
		UnlockPage(index, OMENHNSW_SCAN_LOCK, ExclusiveLock);
	}

	if (state.meta.attrSize != attrSize)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" stores %u bytes of filter values per node, its columns need %u",
						RelationGetRelationName(index), state.meta.attrSize, attrSize),
				 errhint("REINDEX the index.")));
	if (state.index == NULL)
	{
		InsertFirst(index, &state, x, dim, tid, building, attrs, attrSize);
		OmenHnswHandleRelease(state.handle);
		UnlockPage(index, OMENHNSW_INSERT_LOCK, mode);
		return;
	}

	len = omen_index_record_size(state.index, level);
	OmenHnswCheckRecordSize(index, len);

	/*
	 * Plan before the node has its id (OMEN_PENDING_ID stands for it): storing
	 * the record is what picks its slot, so that concurrent inserts never
	 * pick the same one.  No other insert can reach the node until its
	 * neighbours link to it, so it is stored with its lists at once.
	 */
	OmenHnswStorageInit(&storage, index, state.index, &state.meta);
	/*
	 * The plan's search reads ~2,000 record prefixes; the pin cache lets
	 * each batch prefetch its records before copying them (that copy, one
	 * cache miss after the other, was 21% of an insert's time).  The pins
	 * go before any page is written.
	 */
	OmenHnswStorageEnablePins(&storage, CurrentMemoryContext);
	planHandle = OmenHnswHandleRegister(CurrentMemoryContext, NULL, OmenHnswFreePlanCb);
	st = omen_insert_plan(state.index, &storage.api, state.meta.entryId,
						  state.meta.entryLevel, x, OmenHnswTidToPayload(tid),
						  OMEN_PENDING_ID, level, OmenHnswOccupiedSlots(&state.meta), &plan);
	planHandle->ptr = plan;
	OmenHnswStorageReleasePins(&storage);
	storage.pins = NULL;
	OmenHnswCheckStatus(st, &storage, "planning an insert");
	if (plan->record == NULL || plan->record_len != len)
		elog(ERROR, "omenhnsw: insert plan has a %u-byte record, expected %zu",
			 plan->record_len, len);

	/* (1) the new node with its lists, (2) the neighbours' back-links, (3) the entry point */
	newId = OmenHnswAddRecord(index, plan->record, len, attrs, building, NULL, -1);
	omen_insert_plan_bind(state.index, plan, newId);
	OmenHnswWriteLinks(index, &state, &storage, plan->edits, plan->n_edits, building);
	if (plan->new_entry || state.meta.entryId == OMEN_INVALID_ID)
		OmenHnswSetEntry(index, newId, level, building);

	OmenHnswHandleRelease(planHandle);
	OmenHnswHandleRelease(state.handle);
	UnlockPage(index, OMENHNSW_INSERT_LOCK, mode);
}

/*
 * omenhnswinsert
 *		aminsert: index one heap row.  A NULL vector is not in the graph: the
 *		metapage only notes that such a row exists.
 */
bool
omenhnswinsert(Relation index, Datum *values, bool *isnull,
			   ItemPointer heap_tid, Relation heap,
			   IndexUniqueCheck checkUnique, bool indexUnchanged,
			   IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	Vector	   *vec;
	OmenHnswAttrLayout *lay;
	uint8	   *attrs = NULL;

	if (isnull[0])
	{
		/* not in the graph; scans find it in the table (omenhnsw.h, HAS_NULLS) */
		OmenHnswNoteNullRow(index, false);
		return false;
	}

	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw insert",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	vec = OmenHnswDatumToVector(values[0], OmenHnswGetInputType(index));
	lay = OmenHnswAttrLayoutGet(index);
	if (lay->size > 0)
	{
		attrs = palloc(lay->size);
		OmenHnswAttrEncode(lay, values, isnull, attrs);
	}
	OmenHnswInsertVector(index, vec->x, vec->dim, heap_tid, false, attrs, lay->size,
						 heap, indexInfo);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);

	return false;
}
