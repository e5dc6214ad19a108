/*-------------------------------------------------------------------------
 *
 * omenhnsw_vacuum.c
 *	  VACUUM support for omenhnsw indexes.
 *
 * ambulkdelete works in phases; only two short waits exclude inserts:
 *
 *	1. Mark: every element page is locked exclusively in turn and the
 *	   records whose heap TID the callback reports dead get the deleted flag
 *	   (one GenericXLog record per page).  No heavyweight lock: concurrent
 *	   inserts keep the flag when they overwrite a record, scans skip
 *	   flagged nodes from then on, and inserts never choose a flagged node
 *	   as a neighbour.  This pass finishes before the heap's dead TIDs are
 *	   reused, so no scan can map a node to a reused TID.  It clears the
 *	   slot stamps of records reused before the current generation (see
 *	   omenhnsw.h, "Payloads").  It also counts
 *	   the deleted records not yet freed (this VACUUM's and any left by an
 *	   interrupted one or by format 1, which never freed a slot).
 *	2. Drain: take the insert lock in ExclusiveLock and release it at once,
 *	   so that every insert that planned its links before the marks were
 *	   set has written them.  Inserts that start later never link to a
 *	   deleted node.
 *	3. Repair, concurrently with inserts and scans: the core replaces the
 *	   deleted neighbours of every live node (omen_repair_plan).  Each new
 *	   image is written only if the record still equals the copy taken
 *	   before planning (an insert may have linked a node into it meanwhile),
 *	   else the node is planned again; inserts check their own edits the
 *	   same way, so neither loses the other's change.
 *	4. Entry point, generation and second drain, under the insert lock in
 *	   ExclusiveLock: a deleted entry point is replaced by the live node
 *	   with the highest level (or the index is marked empty), and the
 *	   metapage's slot-reuse generation is incremented while no insert
 *	   runs; taking the lock waits out inserts that started during the
 *	   repair.
 *	5. Free: every deleted record goes on the free list of its level (one
 *	   WAL record per page, with the metapage).  No live node links to them
 *	   now, and readers that learnt their ids before (scans in flight) see
 *	   a reused slot as deleted: see omenhnsw.h, "Payloads".
 *
 * amvacuumcleanup frees what is left deleted when no ambulkdelete ran (a
 * VACUUM interrupted before its free pass, a format 1 index), then links in
 * the live nodes that no scan could reach
 * (Reconnect), concurrently with inserts, but only when nodes were inserted
 * since the last time (the metapage's reconnectCount) or this VACUUM
 * deleted some: the walk reads the whole graph.
 *
 * Progress: PostgreSQL 15's pg_stat_progress_vacuum has no field an index
 * AM can fill (it shows the phase "vacuuming indexes"); VACUUM VERBOSE
 * reports each phase's work and time.
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
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

static bool
RecordIsFree(const uint8 *rec)
{
	uint64		payload;

	memcpy(&payload, rec, sizeof(uint64));
	return OmenHnswPayloadIsFree(payload);
}

static double
ElapsedMs(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

/*
 * MarkDeleted
 *		Phase 1.  Returns the number of records newly marked deleted;
 *		*pending gets the number of deleted records not yet free.
 */
static double
MarkDeleted(IndexVacuumInfo *info, IndexBulkDeleteCallback callback,
			void *callback_state, double *pending)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber blkno;
	double		removed = 0;
	OffsetNumber *dead = palloc(sizeof(OffsetNumber) * MaxOffsetNumber);
	OffsetNumber *stale = palloc(sizeof(OffsetNumber) * MaxOffsetNumber);
	OmenHnswMetaPageData meta;

	/*
	 * Slot stamps older than the current generation are cleared here (see
	 * omenhnsw.h, "Payloads"): only scans that outlived two VACUUMs could
	 * still need them.
	 */
	OmenHnswReadMeta(index, &meta);
	*pending = 0;
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber off;
		OffsetNumber maxoff;
		int			ndead = 0;
		int			nstale = 0;

		vacuum_delay_point();

		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (!OmenHnswIsElementPage(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}

		maxoff = PageGetMaxOffsetNumber(page);
		for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
		{
			uint8	   *rec = (uint8 *) PageGetItem(page, PageGetItemId(page, off));
			ItemPointerData tid;
			uint64		payload;

			memcpy(&payload, rec, sizeof(uint64));
			if (!OmenHnswPayloadIsFree(payload) && OmenHnswPayloadGen(payload) != 0 &&
				OmenHnswPayloadGen(payload) != meta.freeGen)
				stale[nstale++] = off;
			if (omen_record_is_deleted(rec))
			{
				if (!RecordIsFree(rec))
					*pending += 1;
				continue;
			}
			OmenHnswPayloadToTid(omen_record_payload(rec), &tid);
			if (callback(&tid, callback_state))
				dead[ndead++] = off;
		}

		if (ndead > 0 || nstale > 0)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		wpage = GenericXLogRegisterBuffer(state, buf, 0);
			int			i;

			for (i = 0; i < ndead; i++)
				omen_record_set_deleted((uint8 *)
										PageGetItem(wpage, PageGetItemId(wpage, dead[i])));
			for (i = 0; i < nstale; i++)
			{
				uint8	   *rec = (uint8 *) PageGetItem(wpage, PageGetItemId(wpage, stale[i]));
				uint64		payload;

				memcpy(&payload, rec, sizeof(uint64));
				payload &= ~((uint64) OMENHNSW_GEN_MASK << OMENHNSW_PAYLOAD_GEN_SHIFT);
				memcpy(rec, &payload, sizeof(uint64));
			}
			GenericXLogFinish(state);
			removed += ndead;
			*pending += ndead;
		}
		UnlockReleaseBuffer(buf);
	}
	pfree(dead);
	pfree(stale);
	return removed;
}

/*
 * RepairNode
 *		Plan the repair of live node id from the record image `base` (a copy
 *		taken before planning) and write it if the record still equals
 *		base.  Returns true when done (written, or nothing to repair), false
 *		when the record changed meanwhile (the caller copies it again).
 */
static bool
RepairNode(Relation index, OmenHnswState *state, OmenHnswStorage *storage,
		   uint32 id, uint8 *base, uint32 len)
{
	omen_insert_plan_t *plan = NULL;
	OmenHnswHandle *handle;
	omen_status_t st;
	omen_edit_t edit;
	bool		stale = false;

	CHECK_FOR_INTERRUPTS();
	handle = OmenHnswHandleRegister(CurrentMemoryContext, NULL, OmenHnswFreePlanCb);
	st = omen_repair_plan(state->index, &storage->api, id, &plan);
	handle->ptr = plan;
	OmenHnswCheckStatus(st, storage, "repairing the graph");
	if (plan->record != NULL)
	{
		if (plan->record_len != len)
			elog(ERROR, "omenhnsw: repair of node %u of index \"%s\" changed its length",
				 id, RelationGetRelationName(index));
		edit.id = id;
		edit.len = len;
		edit.record = plan->record;
		edit.base = base;
		edit.levels = 0;
		edit.link_id = OMEN_INVALID_ID;
		OmenHnswWriteEdits(index, &edit, 1, false, &stale);
	}
	OmenHnswHandleRelease(handle);
	return !stale;
}

/*
 * CopyLive
 *		Share-lock element page blkno and copy its live records (the core's
 *		record part) into cxt: ids[i], recs[i], lens[i].  Returns their
 *		number; tracks the live node with the highest level in *bestId and
 *		*bestLevel.  Returns -1 if the page is not an element page.
 */
static int
CopyLive(IndexVacuumInfo *info, OmenHnswState *state, BlockNumber blkno,
		 uint32 *ids, uint8 **recs, uint32 *lens, uint32 *bestId,
		 uint32 *bestLevel, OffsetNumber only)
{
	Relation	index = info->index;
	Buffer		buf;
	Page		page;
	OffsetNumber off;
	OffsetNumber maxoff;
	int			n = 0;

	buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
							 info->strategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!OmenHnswIsElementPage(page))
	{
		UnlockReleaseBuffer(buf);
		return -1;
	}
	maxoff = PageGetMaxOffsetNumber(page);
	for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
	{
		ItemId		itemid = PageGetItemId(page, off);
		uint8	   *rec = (uint8 *) PageGetItem(page, itemid);
		uint32		level = omen_record_level(rec);
		uint32		len = omen_index_record_size(state->index, level);

		if (only != InvalidOffsetNumber && off != only)
			continue;
		if (omen_record_is_deleted(rec) || len > ItemIdGetLength(itemid))
			continue;
		ids[n] = OmenHnswMakeId(blkno, off);
		lens[n] = len;
		recs[n] = palloc(len);
		memcpy(recs[n], rec, len);
		if (*bestId == OMEN_INVALID_ID || level > *bestLevel)
		{
			*bestId = ids[n];
			*bestLevel = level;
		}
		n++;
	}
	UnlockReleaseBuffer(buf);
	return n;
}

/*
 * Repair
 *		Phase 3, concurrent with inserts.  Returns the number of live nodes;
 *		*bestId / *bestLevel: the live node with the highest level.
 */
static double
Repair(IndexVacuumInfo *info, OmenHnswState *state, uint32 *bestId,
	   uint32 *bestLevel)
{
	Relation	index = info->index;
	MemoryContext cxt = CurrentMemoryContext;
	OmenHnswStorage storage;
	BlockNumber nblocks;
	BlockNumber blkno;
	double		live = 0;
	uint32	   *ids = palloc(sizeof(uint32) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	uint32	   *lens = palloc(sizeof(uint32) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	uint8	  **recs = palloc(sizeof(uint8 *) * OMENHNSW_MAX_ITEMS_PER_PAGE);

	OmenHnswStorageInit(&storage, index, state->index, &state->meta);
	nblocks = RelationGetNumberOfBlocks(index);
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		MemoryContext pageCxt;
		int			n;
		int			i;

		vacuum_delay_point();
		pageCxt = AllocSetContextCreate(cxt, "omenhnsw vacuum page",
										ALLOCSET_DEFAULT_SIZES);
		MemoryContextSwitchTo(pageCxt);
		n = CopyLive(info, state, blkno, ids, recs, lens, bestId, bestLevel,
					 InvalidOffsetNumber);
		if (n > 0)
			live += n;
		for (i = 0; i < n; i++)
		{
			int			attempt;

			for (attempt = 0; !RepairNode(index, state, &storage, ids[i], recs[i], lens[i]); attempt++)
			{
				uint32		dummyId = OMEN_INVALID_ID;
				uint32		dummyLevel = 0;
				uint32		id = ids[i];
				uint8	   *rec;
				uint32		len;

				if (attempt >= 1000)
					elog(ERROR, "omenhnsw: could not repair node %u of index \"%s\": it kept changing",
						 id, RelationGetRelationName(index));
				/* copy the record again; gone (deleted since) means done */
				if (CopyLive(info, state, OmenHnswIdGetBlock(id), &id, &rec, &len,
							 &dummyId, &dummyLevel, OmenHnswIdGetOffset(id)) != 1)
					break;
				recs[i] = rec;
				lens[i] = len;
			}
		}
		MemoryContextSwitchTo(cxt);
		MemoryContextDelete(pageCxt);	/* frees the plans and copies */
	}
	pfree(ids);
	pfree(lens);
	pfree(recs);
	return live;
}

/*
 * NodeIsLive
 *		Whether id names a live record (share-locks its page).
 */
static bool
NodeIsLive(Relation index, uint32 id)
{
	BlockNumber blkno = OmenHnswIdGetBlock(id);
	OffsetNumber off = OmenHnswIdGetOffset(id);
	Buffer		buf;
	Page		page;
	bool		live = false;

	if (id == OMEN_INVALID_ID || blkno == OMENHNSW_METAPAGE_BLKNO ||
		blkno >= RelationGetNumberOfBlocks(index))
		return false;
	buf = ReadBuffer(index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (OmenHnswIsElementPage(page) && off <= PageGetMaxOffsetNumber(page) &&
		ItemIdIsNormal(PageGetItemId(page, off)))
		live = !omen_record_is_deleted((uint8 *) PageGetItem(page, PageGetItemId(page, off)));
	UnlockReleaseBuffer(buf);
	return live;
}

/*
 * BestLive
 *		The live node with the highest level, by a pass over the pages
 *		(when the one Repair saw was deleted since).
 */
static uint32
BestLive(IndexVacuumInfo *info, OmenHnswState *state, uint32 *level)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(info->index);
	BlockNumber blkno;
	uint32		best = OMEN_INVALID_ID;
	uint32	   *ids = palloc(sizeof(uint32) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	uint32	   *lens = palloc(sizeof(uint32) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	uint8	  **recs = palloc(sizeof(uint8 *) * OMENHNSW_MAX_ITEMS_PER_PAGE);

	*level = 0;
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		int			n = CopyLive(info, state, blkno, ids, recs, lens, &best, level,
								 InvalidOffsetNumber);

		while (n-- > 0)
			pfree(recs[n]);
	}
	return best;
}

/*
 * FixEntry
 *		Phase 4, under the insert lock in ExclusiveLock (which also drains
 *		the inserts that started during the repair): point the metapage at
 *		a live entry node, or at none when no node is live, and start the
 *		new slot generation.  Bumping it while no insert runs means every
 *		insert from now on reads the new generation, so only scans (which
 *		never write) can see a reused slot as newer than themselves; an
 *		insert never prunes a neighbour's link to a node it took for
 *		deleted.
 */
static void
FixEntry(IndexVacuumInfo *info, OmenHnswState *state, uint32 bestId,
		 uint32 bestLevel)
{
	Relation	index = info->index;
	OmenHnswMetaPageData meta;

	LockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);
	OmenHnswReadMeta(index, &meta);
	if (!NodeIsLive(index, meta.entryId))
	{
		if (!NodeIsLive(index, bestId))
			bestId = BestLive(info, state, &bestLevel);
		if (bestId != meta.entryId)
			OmenHnswSetEntry(index, bestId, bestLevel, false);
	}
	OmenHnswBumpFreeGen(index);
	UnlockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);
}

/*
 * FreeDeleted
 *		Phase 5: every deleted record onto the free list of its level (the
 *		new generation was started by FixEntry).  Returns the number of
 *		slots freed.
 */
static double
FreeDeleted(IndexVacuumInfo *info)
{
	Relation	index = info->index;
	BlockNumber nblocks;
	BlockNumber blkno;
	double		freed = 0;

	nblocks = RelationGetNumberOfBlocks(index);
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		vacuum_delay_point();
		freed += OmenHnswFreeSlots(index, blkno, info->strategy);
	}
	return freed;
}

/*
 * CollectLive
 *		Ids of the live nodes (palloc'd, huge allowed; NULL: count only) and
 *		their number; adds the deleted records not yet free to *pending
 *		(if not NULL).  Share-locks one page at a time.
 */
static double
CollectLive(IndexVacuumInfo *info, uint32 **ids, double *pending)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber blkno;
	double		live = 0;
	Size		cap = 1024;

	if (ids)
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
		if (OmenHnswIsElementPage(page))
		{
			maxoff = PageGetMaxOffsetNumber(page);
			for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
			{
				uint8	   *rec = (uint8 *) PageGetItem(page, PageGetItemId(page, off));

				if (omen_record_is_deleted(rec))
				{
					if (pending && !RecordIsFree(rec))
						*pending += 1;
					continue;
				}
				if (ids)
				{
					if ((Size) live >= cap)
					{
						cap *= 2;
						*ids = repalloc_huge(*ids, sizeof(uint32) * cap);
					}
					(*ids)[(Size) live] = OmenHnswMakeId(blkno, off);
				}
				live++;
			}
		}
		UnlockReleaseBuffer(buf);
	}
	return live;
}

/*
 * Reconnect
 *		Give an in-link to each live node that a walk from the entry point
 *		does not reach (an insert can prune the last link into a node, a
 *		repair can drop it); after deletes (topUp), also give back-links to
 *		nodes that lost most of their in-links with the deleted nodes.  Runs
 *		under the insert lock in ShareLock, like an insert, and writes its
 *		links like one.  Returns the number of live nodes.
 */
static double
Reconnect(IndexVacuumInfo *info, bool topUp)
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
	instr_time	start;

	INSTR_TIME_SET_CURRENT(start);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw reconnect",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	LockPage(index, OMENHNSW_INSERT_LOCK, ShareLock);
	OmenHnswOpenState(index, &state, cxt);
	live = CollectLive(info, &ids, NULL);
	if (state.index != NULL && state.meta.entryId != OMEN_INVALID_ID && live > 0)
	{
		if (live > PG_UINT32_MAX)
			elog(ERROR, "omenhnsw: too many nodes in index \"%s\"", RelationGetRelationName(index));
		OmenHnswStorageInit(&storage, index, state.index, &state.meta);
		handle = OmenHnswHandleRegister(cxt, NULL, OmenHnswFreePlanCb);
		st = omen_reconnect_plan(state.index, &storage.api, state.meta.entryId,
								 state.meta.entryLevel, ids, (uint32) live, topUp, &plan);
		handle->ptr = plan;
		OmenHnswCheckStatus(st, &storage, "reconnecting unreachable nodes");
		if (plan->relinked == 0)
			OmenHnswWriteLinks(index, &state, &storage, plan->edits, plan->n_edits, false);
		else
		{
			uint32		i;

			/*
			 * A node linked in place of a full list's last entry links that
			 * entry itself, in the edit before: written first, so that the
			 * entry always has a way in
			 */
			for (i = 0; i < plan->n_edits; i++)
				OmenHnswWriteLinks(index, &state, &storage, &plan->edits[i], 1, false);
		}
		if (plan->unreachable > 0)
			ereport(info->message_level,
					(errmsg("index \"%s\": linked %u of %u nodes that scans could not reach (%u in place of a full list's last entry)",
							RelationGetRelationName(index), plan->linked, plan->unreachable, plan->relinked)));
		if (plan->inlinks > 0)
			ereport(info->message_level,
					(errmsg("index \"%s\": added %u back-links to nodes that lost in-links",
							RelationGetRelationName(index), plan->inlinks)));
	}
	/* inserts after state.meta was read count toward the next reconnect */
	OmenHnswSetReconnectCount(index, state.meta.nodeCount);
	UnlockPage(index, OMENHNSW_INSERT_LOCK, ShareLock);
	ereport(info->message_level,
			(errmsg("index \"%s\": reconnect pass over %.0f live nodes in %.1f ms",
					RelationGetRelationName(index), live, ElapsedMs(start))));
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	return live;
}

/*
 * FreePending
 *		Phases 2 to 5 (see the file header): repair around the deleted
 *		records and free their slots.  Sets stats->num_index_tuples.
 */
static void
FreePending(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	MemoryContext cxt;
	MemoryContext oldcxt;
	OmenHnswState state;
	uint32		bestId = OMEN_INVALID_ID;
	uint32		bestLevel = 0;
	double		freed;
	instr_time	start;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw vacuum",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	/* 2: wait out inserts that may have linked to a node just marked */
	LockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);
	UnlockPage(index, OMENHNSW_INSERT_LOCK, ExclusiveLock);

	/* the repair reads codes: no quantizer refresh until it is done */
	OmenHnswScanLock(index);
	OmenHnswOpenState(index, &state, cxt);
	if (state.index != NULL)
	{
		/* 3 */
		INSTR_TIME_SET_CURRENT(start);
		stats->num_index_tuples = Repair(info, &state, &bestId, &bestLevel);
		OmenHnswScanUnlock(index);
		ereport(info->message_level,
				(errmsg("index \"%s\": repaired the neighbours of %.0f live nodes in %.1f ms",
						RelationGetRelationName(index), stats->num_index_tuples,
						ElapsedMs(start))));
		/* 4 */
		FixEntry(info, &state, bestId, bestLevel);
		/* 5 */
		INSTR_TIME_SET_CURRENT(start);
		freed = FreeDeleted(info);
		ereport(info->message_level,
				(errmsg("index \"%s\": %.0f slots free for reuse, in %.1f ms",
						RelationGetRelationName(index), freed, ElapsedMs(start))));
	}
	else
		OmenHnswScanUnlock(index);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}

/*
 * omenhnswbulkdelete
 *		ambulkdelete: mark the nodes of dead heap rows deleted, repair the
 *		graph around them, free their slots (see the file header).
 */
IndexBulkDeleteResult *
omenhnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	double		removed;
	double		pending;
	instr_time	start;

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));

	INSTR_TIME_SET_CURRENT(start);
	removed = MarkDeleted(info, callback, callback_state, &pending);
	stats->tuples_removed += removed;
	ereport(info->message_level,
			(errmsg("index \"%s\": marked %.0f nodes deleted in %.1f ms; %.0f deleted nodes to free",
					RelationGetRelationName(index), removed, ElapsedMs(start), pending)));

	if (pending > 0)
		FreePending(info, stats);
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

/*
 * omenhnswvacuumcleanup
 *		amvacuumcleanup: link in unreachable nodes when nodes were inserted
 *		or deleted since the last time; report the index size and live node
 *		count.
 */
IndexBulkDeleteResult *
omenhnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	OmenHnswMetaPageData meta;
	bool		deleted;

	if (info->analyze_only)
		return stats;

	deleted = stats != NULL && stats->tuples_removed > 0;
	if (stats == NULL)
	{
		double		pending = 0;

		/*
		 * No ambulkdelete ran (no dead heap row): free what an interrupted
		 * VACUUM, or format 1, left deleted.
		 */
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = CollectLive(info, NULL, &pending);
		if (pending > 0)
		{
			FreePending(info, stats);
			deleted = true;
		}
	}
	OmenHnswReadMeta(info->index, &meta);
	if (deleted || meta.nodeCount != meta.reconnectCount)
		stats->num_index_tuples = Reconnect(info, deleted);
	else if (stats->num_index_tuples == 0)
		stats->num_index_tuples = CollectLive(info, NULL, NULL);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	stats->estimated_count = false;
	return stats;
}
