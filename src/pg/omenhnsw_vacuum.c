/*-------------------------------------------------------------------------
 *
 * omenhnsw_vacuum.c
 *	  VACUUM support for omenhnsw indexes.
 *
 * ambulkdelete works in two passes:
 *
 *	1. Mark: every element page is locked exclusively in turn and the
 *	   records whose heap TID the callback reports dead get the deleted flag
 *	   (one GenericXLog record per page).  No heavyweight lock: concurrent
 *	   inserts keep the flag when they overwrite a record (see
 *	   omenhnsw_insert.c), scans skip flagged nodes from then on.  This pass
 *	   finishes before the heap's dead TIDs are reused, so no scan can map a
 *	   node to a reused TID.
 *	2. Repair: under the insert lock (inserts wait), the core replaces the
 *	   deleted neighbours of every live node (omen_repair_plan); the new
 *	   images are written page by page through GenericXLog.  If the entry
 *	   point was deleted, the live node with the highest level becomes the
 *	   entry, or the index is marked empty.
 *
 * amvacuumcleanup (every VACUUM, also one with nothing deleted) then links
 * in the live nodes that no scan could reach (Reconnect), concurrently with
 * inserts.
 *
 * Deleted nodes stay on their pages (node ids are never reused); REINDEX
 * reclaims their space.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_vacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

static bool
IsElementPage(Page page)
{
	return !PageIsNew(page) &&
		OmenHnswPageGetOpaque(page)->pageType == OMENHNSW_PAGE_ELEMENT &&
		OmenHnswPageGetOpaque(page)->pageId == OMENHNSW_PAGE_ID;
}

/*
 * MarkDeleted
 *		Pass 1.  Returns the number of records newly marked deleted.
 */
static double
MarkDeleted(IndexVacuumInfo *info, IndexBulkDeleteCallback callback,
			void *callback_state)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber blkno;
	double		removed = 0;
	OffsetNumber *dead = palloc(sizeof(OffsetNumber) * MaxOffsetNumber);

	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber off;
		OffsetNumber maxoff;
		int			ndead = 0;

		vacuum_delay_point();

		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (!IsElementPage(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}

		maxoff = PageGetMaxOffsetNumber(page);
		for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
		{
			uint8	   *rec = (uint8 *) PageGetItem(page, PageGetItemId(page, off));
			ItemPointerData tid;

			if (omen_record_is_deleted(rec))
				continue;
			OmenHnswPayloadToTid(omen_record_payload(rec), &tid);
			if (callback(&tid, callback_state))
				dead[ndead++] = off;
		}

		if (ndead > 0)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		wpage = GenericXLogRegisterBuffer(state, buf, 0);
			int			i;

			for (i = 0; i < ndead; i++)
				omen_record_set_deleted((uint8 *)
										PageGetItem(wpage, PageGetItemId(wpage, dead[i])));
			GenericXLogFinish(state);
			removed += ndead;
		}
		UnlockReleaseBuffer(buf);
	}
	pfree(dead);
	return removed;
}

/*
 * Repair
 *		Pass 2, under the insert lock.  Returns the number of live nodes.
 */
static double
Repair(IndexVacuumInfo *info)
{
	Relation	index = info->index;
	MemoryContext cxt;
	MemoryContext oldcxt;
	OmenHnswState state;
	OmenHnswStorage storage;
	BlockNumber nblocks;
	BlockNumber blkno;
	uint32		bestId = OMEN_INVALID_ID;
	uint32		bestLevel = 0;
	bool		entryDeleted = false;
	double		live = 0;
	uint32	   *ids = palloc(sizeof(uint32) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	omen_edit_t *edits = palloc(sizeof(omen_edit_t) * OMENHNSW_MAX_ITEMS_PER_PAGE);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw vacuum",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	LockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);
	OmenHnswOpenState(index, &state, cxt);
	if (state.index == NULL)
	{
		UnlockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(cxt);
		return 0;
	}
	OmenHnswStorageInit(&storage, index, state.index);

	nblocks = RelationGetNumberOfBlocks(index);
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber off;
		OffsetNumber maxoff;
		int			nids = 0;
		int			nedits = 0;
		int			i;
		MemoryContext pageCxt;

		vacuum_delay_point();

		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IsElementPage(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
		{
			uint8	   *rec = (uint8 *) PageGetItem(page, PageGetItemId(page, off));
			uint32		id = OmenHnswMakeId(blkno, off);

			if (omen_record_is_deleted(rec))
			{
				if (id == state.meta.entryId)
					entryDeleted = true;
				continue;
			}
			ids[nids++] = id;
			if (bestId == OMEN_INVALID_ID || omen_record_level(rec) > bestLevel)
			{
				bestId = id;
				bestLevel = omen_record_level(rec);
			}
		}
		UnlockReleaseBuffer(buf);
		live += nids;

		/* plan every live node of the page, then write them in one record */
		pageCxt = AllocSetContextCreate(cxt, "omenhnsw vacuum page",
										ALLOCSET_SMALL_SIZES);
		MemoryContextSwitchTo(pageCxt);
		for (i = 0; i < nids; i++)
		{
			omen_insert_plan_t *plan = NULL;
			OmenHnswHandle *handle;
			omen_status_t st;

			CHECK_FOR_INTERRUPTS();
			handle = OmenHnswHandleRegister(pageCxt, NULL, OmenHnswFreePlanCb);
			st = omen_repair_plan(state.index, &storage.api, ids[i], &plan);
			handle->ptr = plan;
			OmenHnswCheckStatus(st, &storage, "repairing the graph");
			if (plan->record != NULL)
			{
				edits[nedits].id = ids[i];
				edits[nedits].len = plan->record_len;
				edits[nedits].record = plan->record;
				edits[nedits].base = NULL;
				edits[nedits].levels = 0;
				edits[nedits].link_id = OMEN_INVALID_ID;
				nedits++;
			}
		}
		OmenHnswWriteEdits(index, edits, nedits, false, NULL);
		MemoryContextSwitchTo(cxt);
		MemoryContextDelete(pageCxt);	/* frees the plans */
	}

	if (entryDeleted || (state.meta.entryId == OMEN_INVALID_ID && bestId != OMEN_INVALID_ID))
		OmenHnswSetEntry(index, bestId, bestLevel, false);

	UnlockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	pfree(ids);
	pfree(edits);
	return live;
}

/*
 * CollectLive
 *		Ids of the live nodes (palloc'd, huge allowed) and their number;
 *		share-locks one page at a time.
 */
static double
CollectLive(IndexVacuumInfo *info, uint32 **ids)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber blkno;
	double		live = 0;
	Size		cap = 1024;

	*ids = palloc(sizeof(uint32) * cap);

	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber off;
		OffsetNumber maxoff;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (IsElementPage(page))
		{
			maxoff = PageGetMaxOffsetNumber(page);
			for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
			{
				if (omen_record_is_deleted((uint8 *) PageGetItem(page, PageGetItemId(page, off))))
					continue;
				if ((Size) live >= cap)
				{
					cap *= 2;
					*ids = repalloc_huge(*ids, sizeof(uint32) * cap);
				}
				(*ids)[(Size) live] = OmenHnswMakeId(blkno, off);
				live++;
			}
		}
		UnlockReleaseBuffer(buf);
	}
	return live;
}

/*
 * Reconnect
 *		Pass 3, at every VACUUM: give an in-link to each live node that a walk
 *		from the entry point does not reach (inserts can prune the last link
 *		into a node; the build repairs that itself).  Runs under the insert
 *		lock in ShareLock, like an insert, and writes its links like one.
 *		Returns the number of live nodes.
 */
static double
Reconnect(IndexVacuumInfo *info)
{
	Relation	index = info->index;
	MemoryContext cxt;
	MemoryContext oldcxt;
	OmenHnswState state;
	OmenHnswStorage storage;
	omen_insert_plan_t *plan = NULL;
	OmenHnswHandle *handle;
	omen_status_t st;
	uint32	   *ids;
	double		live;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw reconnect",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	LockPage(index, OMENHNSW_INSERT_LOCK, ShareLock);
	OmenHnswOpenState(index, &state, cxt);
	live = CollectLive(info, &ids);
	if (state.index != NULL && state.meta.entryId != OMEN_INVALID_ID && live > 0)
	{
		if (live > PG_UINT32_MAX)
			elog(ERROR, "omenhnsw: too many nodes in index \"%s\"", RelationGetRelationName(index));
		OmenHnswStorageInit(&storage, index, state.index);
		handle = OmenHnswHandleRegister(cxt, NULL, OmenHnswFreePlanCb);
		st = omen_reconnect_plan(state.index, &storage.api, state.meta.entryId,
								 state.meta.entryLevel, ids, (uint32) live, &plan);
		handle->ptr = plan;
		OmenHnswCheckStatus(st, &storage, "reconnecting unreachable nodes");
		OmenHnswWriteLinks(index, &state, &storage, plan->edits, plan->n_edits, false);
		if (plan->unreachable > 0)
			ereport(info->message_level,
					(errmsg("index \"%s\": linked %u of %u nodes that scans could not reach",
							RelationGetRelationName(index), plan->n_edits, plan->unreachable)));
	}
	UnlockPage(index, OMENHNSW_INSERT_LOCK, ShareLock);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	return live;
}

/*
 * omenhnswbulkdelete
 *		ambulkdelete: mark the nodes of dead heap rows deleted, then repair
 *		the graph around them.
 */
IndexBulkDeleteResult *
omenhnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				   IndexBulkDeleteCallback callback, void *callback_state)
{
	double		removed;

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));

	removed = MarkDeleted(info, callback, callback_state);
	stats->tuples_removed += removed;
	/* amvacuumcleanup, which always follows, counts the live nodes anyway */
	if (removed > 0)
		stats->num_index_tuples = Repair(info);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}

/*
 * omenhnswvacuumcleanup
 *		amvacuumcleanup: report the index size and live node count.
 */
IndexBulkDeleteResult *
omenhnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = Reconnect(info);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	stats->estimated_count = false;
	return stats;
}
