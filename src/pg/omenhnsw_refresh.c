/*-------------------------------------------------------------------------
 *
 * omenhnsw_refresh.c
 *	  Quantizer refresh for indexes that grew by inserts.
 *
 * Codes describe each vector relative to the quantizer's mean.  CREATE
 * INDEX computes the mean over the table; an index created on an empty
 * table trains on its first row, so every later row is coded relative to
 * that one point.  On clustered data the other clusters then lie far from
 * it, their rows' codes differ in few bits, and estimates barely tell a
 * cluster's rows apart: in 007_scan_trust.pl, 10,000 rows inserted one by
 * one left whole clusters unfindable at the default ef_search in about one
 * run in five (up to 78 of 200 rows did not find themselves).  The same
 * rows with the mean at their centre: none.
 *
 * So an insert that finds the index grown OMENHNSW_REFRESH_FACTOR times
 * past the node count its quantizer was trained at (metapage trainedAt),
 * and at most OMENHNSW_REFRESH_MAX nodes, refreshes it: it reads the vector
 * of every live node from the table (by heap TID, any tuple version: the
 * indexed value is the same along a HOT chain), computes their mean, and
 * rewrites every live node's code and the quantizer pages.  Rows already
 * gone from the heap (pruned, waiting for VACUUM) keep their old code: they
 * are dead to every snapshot and are never returned.  Lists and the entry
 * point are not touched.  From the first row on, refreshes run at 64, 512,
 * 4,096 and 32,768 nodes; beyond OMENHNSW_REFRESH_MAX the mean of tens of
 * thousands of rows stays.
 *
 * Readers of codes hold OMENHNSW_SCAN_LOCK in ShareLock (scans, VACUUM's
 * repair).  The refresh takes it in ExclusiveLock without waiting, under
 * the insert lock in ExclusiveLock: it runs only when no scan is in flight
 * and no insert or VACUUM pass is, and is tried again by a later insert
 * otherwise.  A backend never refreshes while it has an omenhnsw scan open
 * itself (its own locks do not conflict with each other).  Scans started
 * during the refresh wait for it (at 32,768 nodes: tens of milliseconds
 * per thousand nodes, see the README's limits).  Scans on a hot standby
 * hold no lock on the primary: one running while the standby replays a
 * refresh reads codes of both means, which may cost it recall, not
 * correctness of the rows it returns (they are re-ranked from the heap).
 * A crash during a refresh leaves trainedAt unchanged, so the next insert
 * refreshes again.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_refresh.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pg/omenhnsw.h"

#define OMENHNSW_REFRESH_MIN	64
#define OMENHNSW_REFRESH_FACTOR 8
#define OMENHNSW_REFRESH_MAX	100000

/* scans of this backend that hold OMENHNSW_SCAN_LOCK */
int			omenhnsw_open_scans = 0;

/*
 * OmenHnswRefreshDue
 *		The quantizer was trained at under 1/OMENHNSW_REFRESH_FACTOR of the
 *		nodes the index has now, and the index is small enough to refresh.
 */
bool
OmenHnswRefreshDue(const OmenHnswMetaPageData *meta)
{
	return (meta->flags & OMENHNSW_META_TRAINED) != 0 &&
		meta->quant != OMEN_QUANT_NONE &&
		meta->trainedAt > 0 &&
		meta->nodeCount >= OMENHNSW_REFRESH_MIN &&
		meta->nodeCount <= OMENHNSW_REFRESH_MAX &&
		meta->nodeCount >= (uint64) meta->trainedAt * OMENHNSW_REFRESH_FACTOR;
}

/*
 * OmenHnswRefreshLock
 *		Take OMENHNSW_SCAN_LOCK in ExclusiveLock if that needs no wait and
 *		this backend has no scan open.  true: taken; the caller releases it.
 */
bool
OmenHnswRefreshLock(Relation index)
{
	if (omenhnsw_open_scans > 0)
		return false;
	return ConditionalLockPage(index, OMENHNSW_SCAN_LOCK, ExclusiveLock);
}

/* Scans and VACUUM's repair: hold off refreshes while codes are read. */
void
OmenHnswScanLock(Relation index)
{
	LockPage(index, OMENHNSW_SCAN_LOCK, ShareLock);
	omenhnsw_open_scans++;
}

void
OmenHnswScanUnlock(Relation index)
{
	UnlockPage(index, OMENHNSW_SCAN_LOCK, ShareLock);
	if (omenhnsw_open_scans > 0)
		omenhnsw_open_scans--;
}

/*
 * At the end of a transaction every lock is gone, also those of scans an
 * error left without amendscan (registered by OmenHnswInit).
 */
void
OmenHnswXactCallback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		omenhnsw_open_scans = 0;
}

/* What the refresh needs to read a node's vector from the table */
typedef struct RowReader
{
	Relation	heap;
	IndexInfo  *indexInfo;
	OmenHnswInputType inputType;
	uint32		dim;
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	EState	   *estate;
} RowReader;

/*
 * ReadVector
 *		The indexed vector of the row at the node's heap TID, any version
 *		(SnapshotAny): NULL if the row is gone (pruned), its value NULL or of
 *		another dimension.  Allocates in the per-tuple context; the caller
 *		resets it.
 */
static const float *
ReadVector(RowReader *rr, uint64 payload)
{
	ItemPointerData tid;
	bool		call_again = false;
	bool		all_dead = false;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	ExprContext *econtext = GetPerTupleExprContext(rr->estate);
	MemoryContext oldcxt;
	Vector	   *vec;
	bool		found;

	OmenHnswPayloadToTid(payload, &tid);
	found = table_index_fetch_tuple(rr->fetch, &tid, SnapshotAny, rr->slot,
									&call_again, &all_dead);
	if (!found)
		return NULL;
	oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	econtext->ecxt_scantuple = rr->slot;
	FormIndexDatum(rr->indexInfo, rr->slot, rr->estate, values, isnull);
	vec = isnull[0] ? NULL : OmenHnswDatumToVector(values[0], rr->inputType);
	MemoryContextSwitchTo(oldcxt);
	ExecClearTuple(rr->slot);
	if (vec == NULL || vec->dim != (int) rr->dim)
		return NULL;
	return vec->x;
}

/*
 * PageNodes
 *		The live records of element page blkno: offsets and, when images is
 *		not NULL, a copy of each one's first prefix bytes (images sized
 *		OMENHNSW_MAX_ITEMS_PER_PAGE * prefix).  Returns their number.
 */
static int
PageNodes(Relation index, BlockNumber blkno, OffsetNumber *offs, uint64 *payloads,
		  uint8 *images, Size prefix)
{
	Buffer		buf = ReadBuffer(index, blkno);
	Page		page;
	int			n = 0;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (OmenHnswIsElementPage(page))
	{
		OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
		OffsetNumber off;

		for (off = FirstOffsetNumber; off <= maxoff && n < OMENHNSW_MAX_ITEMS_PER_PAGE;
			 off = OffsetNumberNext(off))
		{
			ItemId		itemid = PageGetItemId(page, off);
			uint8	   *rec;

			if (!ItemIdIsUsed(itemid) || ItemIdGetLength(itemid) < prefix)
				continue;
			rec = (uint8 *) PageGetItem(page, itemid);
			if (omen_record_is_deleted(rec))
				continue;
			offs[n] = off;
			payloads[n] = omen_record_payload(rec);
			if (images)
				memcpy(images + (Size) n * prefix, rec, prefix);
			n++;
		}
	}
	UnlockReleaseBuffer(buf);
	return n;
}

/*
 * OmenHnswRefreshQuantizer
 *		Recompute the quantizer's mean from the live nodes' rows and rewrite
 *		every code with it.  Caller holds the insert lock and
 *		OMENHNSW_SCAN_LOCK in ExclusiveLock and has checked
 *		OmenHnswRefreshDue; state is the index as opened under those locks
 *		(its handle is replaced on return only by the caller reopening).
 */
void
OmenHnswRefreshQuantizer(Relation index, Relation heap, IndexInfo *indexInfo,
						 OmenHnswState *state)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	RowReader	rr;
	BlockNumber nblocks;
	BlockNumber blkno;
	OffsetNumber *offs;
	uint64	   *payloads;
	uint8	   *images;
	double	   *sums;
	uint64		used = 0;
	uint64		kept = 0;
	uint64		written = 0;
	Size		prefix;
	Size		blobLen;
	uint8	   *blob;
	omen_index_t *fresh = NULL;
	OmenHnswHandle *handle;
	instr_time	start;

	INSTR_TIME_SET_CURRENT(start);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw refresh",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	rr.heap = heap;
	rr.indexInfo = indexInfo;
	rr.inputType = OmenHnswGetInputType(index);
	rr.dim = state->meta.dim;
	rr.fetch = table_index_fetch_begin(heap);
	rr.slot = table_slot_create(heap, NULL);
	rr.estate = CreateExecutorState();

	prefix = omen_index_prefix_size(state->index);
	offs = palloc(sizeof(OffsetNumber) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	payloads = palloc(sizeof(uint64) * OMENHNSW_MAX_ITEMS_PER_PAGE);
	images = palloc(prefix * OMENHNSW_MAX_ITEMS_PER_PAGE);
	sums = palloc0(sizeof(double) * rr.dim);
	nblocks = RelationGetNumberOfBlocks(index);

	/* pass 1: the mean of the live nodes' vectors */
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		int			n = PageNodes(index, blkno, offs, payloads, NULL, prefix);
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
		{
			const float *v = ReadVector(&rr, payloads[i]);

			if (v && omen_index_mean_add(state->index, v, sums) == OMEN_OK)
				used++;
			ResetExprContext(GetPerTupleExprContext(rr.estate));
		}
	}

	if (used > 0)
	{
		blobLen = omen_index_quantizer_size(state->index);
		if (blobLen != state->meta.blobLen)
			elog(ERROR, "omenhnsw: quantizer of index \"%s\" has %zu bytes, its pages %u",
				 RelationGetRelationName(index), blobLen, state->meta.blobLen);
		blob = palloc(blobLen);
		OmenHnswCheckStatus(omen_index_retrain(state->index, sums, used, blob), NULL,
							"computing the quantizer's mean");
		handle = OmenHnswHandleRegister(cxt, NULL, OmenHnswFreeIndexCb);
		OmenHnswCheckStatus(omen_index_open(&state->params, blob, blobLen, &fresh), NULL,
							"opening the refreshed quantizer");
		handle->ptr = fresh;

		/* pass 2: every live node's code, page by page */
		for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
		{
			int			n = PageNodes(index, blkno, offs, payloads, images, prefix);
			int			m = 0;
			int			i;

			CHECK_FOR_INTERRUPTS();
			for (i = 0; i < n; i++)
			{
				const float *v = ReadVector(&rr, payloads[i]);

				if (v && omen_index_encode(fresh, v, images + (Size) i * prefix) == OMEN_OK)
				{
					if (m != i)
					{
						offs[m] = offs[i];
						memmove(images + (Size) m * prefix, images + (Size) i * prefix, prefix);
					}
					m++;
				}
				else
					kept++;
				ResetExprContext(GetPerTupleExprContext(rr.estate));
			}
			written += OmenHnswOverwriteCodes(index, blkno, m, offs, images, prefix,
											  OMEN_RECORD_CODE_OFFSET, prefix);
		}
		/* last, so that a crash before it leaves the refresh due */
		OmenHnswRewriteBlob(index, &state->meta, blob, state->meta.nodeCount);
	}
	else
		OmenHnswRewriteBlob(index, &state->meta, NULL, state->meta.nodeCount);

	table_index_fetch_end(rr.fetch);
	ExecDropSingleTupleTableSlot(rr.slot);
	FreeExecutorState(rr.estate);
	{
		instr_time	now;

		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, start);
		ereport(DEBUG1,
				(errmsg_internal("index \"%s\": quantizer refreshed from " UINT64_FORMAT " rows, " UINT64_FORMAT " codes rewritten, " UINT64_FORMAT " kept (rows gone), %.1f ms",
								 RelationGetRelationName(index), used, written, kept,
								 INSTR_TIME_GET_MILLISEC(now))));
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}
