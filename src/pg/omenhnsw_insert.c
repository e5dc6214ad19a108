/*-------------------------------------------------------------------------
 *
 * omenhnsw_insert.c
 *	  Insertion into an omenhnsw index, and the page writers shared with the
 *	  build's on-page path and VACUUM.
 *
 * Locking.  Inserts take a heavyweight lock on the pseudo page
 * OMENHNSW_INSERT_LOCK: ShareLock, so that they run concurrently, or
 * ExclusiveLock when the entry point changes; VACUUM's repair pass takes
 * ExclusiveLock, its reconnect pass ShareLock (it writes links the way an
 * insert does); scans take none.  Under it an insert reads the metapage
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
 * WAL.  Every change goes through GenericXLog, one record per step, each
 * leaving the index consistent on its own: (1) the new node's record (with
 * the metapage's node count), (2) the neighbours' new images, grouped by
 * page, at most MAX_GENERIC_XLOG_PAGES pages per record, (3) the metapage's
 * entry point if the new node becomes it.  A crash between steps leaves a node that is not yet (fully) linked,
 * never a dangling link.  During a
 * build (building = true) pages are written without WAL; the build logs
 * the whole relation when it is done.
 *
 * VACUUM marks records deleted without the insert lock, so a neighbour image
 * computed from an earlier read could clear that flag: writers keep the
 * flag of the record they overwrite.
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
StaticAssertDecl(OmenHnswMakeId(OMENHNSW_MAX_BLOCKS - 1, OMENHNSW_MAX_ITEMS_PER_PAGE) < OMEN_PENDING_ID,
				 "node ids must stay below OMEN_PENDING_ID");

/* A page being changed: through GenericXLog, or directly while building. */
typedef struct PageWrite
{
	GenericXLogState *xlog;		/* NULL while building */
	int			nbuf;
	Buffer		bufs[MAX_GENERIC_XLOG_PAGES];
	Page		pages[MAX_GENERIC_XLOG_PAGES];
} PageWrite;

static void
PageWriteBegin(PageWrite *pw, Relation index, bool building)
{
	pw->xlog = building ? NULL : GenericXLogStart(index);
	pw->nbuf = 0;
}

/*
 * PageWriteAdd
 *		Register an exclusively locked buffer; returns the page to modify.
 */
static Page
PageWriteAdd(PageWrite *pw, Buffer buf, bool fullImage)
{
	Page		page;

	Assert(pw->nbuf < MAX_GENERIC_XLOG_PAGES);
	if (pw->xlog)
		page = GenericXLogRegisterBuffer(pw->xlog, buf,
										 fullImage ? GENERIC_XLOG_FULL_IMAGE : 0);
	else
		page = BufferGetPage(buf);
	pw->bufs[pw->nbuf] = buf;
	pw->pages[pw->nbuf] = page;
	pw->nbuf++;
	return page;
}

/* Apply (WAL-log) the changes and release every buffer. */
static void
PageWriteFinish(PageWrite *pw)
{
	int			i;

	if (pw->xlog)
		GenericXLogFinish(pw->xlog);
	else
		for (i = 0; i < pw->nbuf; i++)
			MarkBufferDirty(pw->bufs[i]);
	for (i = 0; i < pw->nbuf; i++)
		UnlockReleaseBuffer(pw->bufs[i]);
	pw->xlog = NULL;
	pw->nbuf = 0;
}

/* Drop the changes and release every buffer (before an ERROR). */
static void
PageWriteAbort(PageWrite *pw)
{
	int			i;

	if (pw->xlog)
		GenericXLogAbort(pw->xlog);
	for (i = 0; i < pw->nbuf; i++)
		UnlockReleaseBuffer(pw->bufs[i]);
	pw->xlog = NULL;
	pw->nbuf = 0;
}

static Buffer
LockedBuffer(Relation index, BlockNumber blkno)
{
	Buffer		buf = ReadBuffer(index, blkno);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	return buf;
}

/*
 * OmenHnswWriteBlob
 *		Append the quantizer state as blob pages (one chunk per page).
 *		Returns the first blob block; *npages gets their count.  WAL-logged
 *		as full images unless building.
 */
BlockNumber
OmenHnswWriteBlob(Relation index, const uint8 *blob, Size len, bool building,
				  uint32 *npages)
{
	BlockNumber first = InvalidBlockNumber;
	Size		done = 0;
	uint32		n = 0;

	while (done < len)
	{
		Size		chunk = Min(len - done, (Size) OMENHNSW_BLOB_CHUNK);
		Buffer		buf = OmenHnswNewBuffer(index, MAIN_FORKNUM);
		PageWrite	pw;
		Page		page;

		if (n == 0)
			first = BufferGetBlockNumber(buf);
		else if (BufferGetBlockNumber(buf) != first + n)
			elog(ERROR, "omenhnsw: quantizer pages of index \"%s\" are not contiguous",
				 RelationGetRelationName(index));
		PageWriteBegin(&pw, index, building);
		page = PageWriteAdd(&pw, buf, true);
		OmenHnswInitPage(page, OMENHNSW_PAGE_BLOB);
		if (PageAddItem(page, (Item) (blob + done), chunk, InvalidOffsetNumber,
						false, false) != FirstOffsetNumber)
			elog(ERROR, "omenhnsw: failed to add a quantizer chunk");
		PageWriteFinish(&pw);
		done += chunk;
		n++;
	}
	*npages = n;
	return first;
}

/*
 * AddNewRecord
 *		Store a new node's record on the insert page, or on a new page when it
 *		does not fit, and count it in the metapage, in one WAL record; returns
 *		its id.  Slot choice and write happen under the page's lock, so
 *		concurrent inserts never pick the same slot.  If trainedMeta is given
 *		(first insert into an untrained index) the metapage is replaced by it
 *		first; entryLevel >= 0 makes the node the entry point in the same
 *		record.  No buffer lock held on entry or exit; element page before
 *		metapage, as everywhere.
 */
static uint32
AddNewRecord(Relation index, const uint8 *record, Size len, bool building,
			 const OmenHnswMetaPageData *trainedMeta, int entryLevel)
{
	Buffer		metabuf;
	Buffer		buf = InvalidBuffer;
	BlockNumber insertPage;
	PageWrite	pw;
	Page		page;
	OmenHnswMetaPage meta;
	OffsetNumber offnum;
	uint32		id;

	metabuf = ReadBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_SHARE);
	insertPage = OmenHnswPageGetMeta(BufferGetPage(metabuf))->insertPage;
	UnlockReleaseBuffer(metabuf);

	if (BlockNumberIsValid(insertPage))
	{
		buf = LockedBuffer(index, insertPage);
		page = BufferGetPage(buf);
		if (OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_ELEMENT ||
			PageGetMaxOffsetNumber(page) >= OMENHNSW_MAX_ITEMS_PER_PAGE ||
			PageGetFreeSpace(page) < MAXALIGN(len))
		{
			UnlockReleaseBuffer(buf);
			buf = InvalidBuffer;
		}
	}

	PageWriteBegin(&pw, index, building);
	if (BufferIsValid(buf))
		page = PageWriteAdd(&pw, buf, false);
	else
	{
		/* concurrent inserts may each add a page; the last one becomes the hint */
		buf = OmenHnswNewBuffer(index, MAIN_FORKNUM);
		page = PageWriteAdd(&pw, buf, true);
		OmenHnswInitPage(page, OMENHNSW_PAGE_ELEMENT);
	}
	metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	meta = OmenHnswPageGetMeta(PageWriteAdd(&pw, metabuf, false));

	offnum = PageAddItem(page, (Item) record, len, InvalidOffsetNumber, false, false);
	if (offnum == InvalidOffsetNumber)
	{
		PageWriteAbort(&pw);
		elog(ERROR, "omenhnsw: failed to add a %zu-byte record to block %u of index \"%s\"",
			 len, BufferGetBlockNumber(buf), RelationGetRelationName(index));
	}
	id = OmenHnswMakeId(BufferGetBlockNumber(buf), offnum);
	if (trainedMeta)
		memcpy(meta, trainedMeta, sizeof(OmenHnswMetaPageData));
	meta->insertPage = BufferGetBlockNumber(buf);
	meta->nodeCount++;
	if (entryLevel >= 0)
	{
		meta->entryId = id;
		meta->entryLevel = (uint32) entryLevel;
	}
	PageWriteFinish(&pw);
	return id;
}

/*
 * OmenHnswSetEntry
 *		Point the metapage at a new entry node (OMEN_INVALID_ID: empty).
 */
void
OmenHnswSetEntry(Relation index, uint32 id, uint32 level, bool building)
{
	Buffer		metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	PageWrite	pw;
	OmenHnswMetaPage meta;

	PageWriteBegin(&pw, index, building);
	meta = OmenHnswPageGetMeta(PageWriteAdd(&pw, metabuf, false));
	meta->entryId = id;
	meta->entryLevel = (id == OMEN_INVALID_ID) ? 0 : level;
	PageWriteFinish(&pw);
}

static int
CompareEditBlocks(const void *a, const void *b)
{
	BlockNumber ba = OmenHnswIdGetBlock((*(omen_edit_t *const *) a)->id);
	BlockNumber bb = OmenHnswIdGetBlock((*(omen_edit_t *const *) b)->id);

	if (ba != bb)
		return ba < bb ? -1 : 1;
	return 0;
}

/*
 * OverwriteRecord
 *		memcpy a new image over an existing record on a locked page copy,
 *		keeping its deleted flag.  Returns 1 when written, 0 when the record
 *		no longer equals the edit's base (changed by a concurrent insert;
 *		nothing written), -1 if the slot does not hold a record of that length.
 */
static int
OverwriteRecord(Page page, OffsetNumber offnum, const omen_edit_t *edit)
{
	ItemId		itemid;
	uint8	   *item;
	bool		wasDeleted;

	if (offnum > PageGetMaxOffsetNumber(page))
		return -1;
	itemid = PageGetItemId(page, offnum);
	if (!ItemIdHasStorage(itemid) || ItemIdGetLength(itemid) != edit->len)
		return -1;
	item = (uint8 *) PageGetItem(page, itemid);
	if (edit->base && !omen_record_same(item, edit->base, edit->len))
		return 0;
	wasDeleted = omen_record_is_deleted(item);
	memcpy(item, edit->record, edit->len);
	if (wasDeleted)
		omen_record_set_deleted(item);
	return 1;
}

/*
 * OmenHnswWriteEdits
 *		Overwrite records with new images, grouped by page, at most
 *		MAX_GENERIC_XLOG_PAGES pages per WAL record; pages locked in block
 *		order.  Each record is self-consistent (edits are independent).  An
 *		edit with a base is written only if the record still equals it;
 *		otherwise stale[i] is set (stale may be NULL when no edit has a base).
 */
void
OmenHnswWriteEdits(Relation index, omen_edit_t *edits, uint32 n, bool building,
				   bool *stale)
{
	omen_edit_t **sorted;
	uint32		i = 0;
	BlockNumber nblocks;

	if (n == 0)
		return;
	nblocks = RelationGetNumberOfBlocks(index);
	sorted = palloc(sizeof(omen_edit_t *) * n);
	for (i = 0; i < n; i++)
		sorted[i] = &edits[i];
	qsort(sorted, n, sizeof(omen_edit_t *), CompareEditBlocks);

	i = 0;
	while (i < n)
	{
		PageWrite	pw;
		uint32		start = i;
		uint32		j;

		PageWriteBegin(&pw, index, building);
		while (i < n)
		{
			BlockNumber blkno = OmenHnswIdGetBlock(sorted[i]->id);

			if (pw.nbuf == 0 ||
				BufferGetBlockNumber(pw.bufs[pw.nbuf - 1]) != blkno)
			{
				if (pw.nbuf == MAX_GENERIC_XLOG_PAGES)
					break;
				if (blkno == OMENHNSW_METAPAGE_BLKNO || blkno >= nblocks)
				{
					PageWriteAbort(&pw);
					elog(ERROR, "omenhnsw: edit of invalid node %u in index \"%s\"",
						 sorted[i]->id, RelationGetRelationName(index));
				}
				PageWriteAdd(&pw, LockedBuffer(index, blkno), false);
			}
			i++;
		}
		for (j = start; j < i; j++)
		{
			BlockNumber blkno = OmenHnswIdGetBlock(sorted[j]->id);
			int			k;
			int			r = -1;

			for (k = 0; k < pw.nbuf; k++)
				if (BufferGetBlockNumber(pw.bufs[k]) == blkno)
					break;
			if (OmenHnswPageGetOpaque(pw.pages[k])->pageType == OMENHNSW_PAGE_ELEMENT)
				r = OverwriteRecord(pw.pages[k], OmenHnswIdGetOffset(sorted[j]->id), sorted[j]);
			if (r < 0 || (r == 0 && stale == NULL))
			{
				PageWriteAbort(&pw);
				elog(ERROR, "omenhnsw: node %u of index \"%s\" does not match its new image",
					 sorted[j]->id, RelationGetRelationName(index));
			}
			if (r == 0)
				stale[sorted[j] - edits] = true;
		}
		PageWriteFinish(&pw);
	}
	pfree(sorted);
}

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
			ItemPointer tid, bool building)
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
	/* AddNewRecord counts the node and makes it the entry point */
	AddNewRecord(index, record, len, building, &meta, (int) level);

	OmenHnswHandleRelease(handle);
}

/*
 * OmenHnswWriteLinks
 *		Write edits that link a node in (an insert's back-links, VACUUM's
 *		reconnections).  An edit whose record was changed by a concurrent
 *		insert since the plan read it is planned again from a fresh read and
 *		retried.  Caller holds the insert lock (ShareLock at least).
 */
void
OmenHnswWriteLinks(Relation index, OmenHnswState *state, OmenHnswStorage *storage,
				   omen_edit_t *edits, uint32 n, bool building)
{
	bool	   *stale;
	uint32		i;

	if (n == 0)
		return;
	stale = palloc0(sizeof(bool) * n);
	OmenHnswWriteEdits(index, edits, n, building, stale);
	for (i = 0; i < n; i++)
	{
		int			attempt;

		for (attempt = 0; stale[i]; attempt++)
		{
			omen_insert_plan_t *plan = NULL;
			OmenHnswHandle *handle;
			omen_status_t st;

			if (attempt >= 1000)
				elog(ERROR, "omenhnsw: could not link node %u into node %u of index \"%s\": it kept changing",
					 edits[i].link_id, edits[i].id, RelationGetRelationName(index));
			CHECK_FOR_INTERRUPTS();
			handle = OmenHnswHandleRegister(CurrentMemoryContext, NULL, OmenHnswFreePlanCb);
			st = omen_link_plan(state->index, &storage->api, edits[i].id, edits[i].link_id,
								edits[i].levels, &plan);
			handle->ptr = plan;
			OmenHnswCheckStatus(st, storage, "linking a new node");
			stale[i] = false;
			if (plan->n_edits > 0)
				OmenHnswWriteEdits(index, plan->edits, 1, building, &stale[i]);
			OmenHnswHandleRelease(handle);
		}
	}
	pfree(stale);
}

/*
 * OmenHnswInsertVector
 *		Insert one vector with its heap TID.  Takes and releases the insert
 *		lock; no buffer lock held on entry or exit.  building: called from
 *		ambuild, write without WAL.
 *
 *		Inserts run concurrently under ShareLock.  ExclusiveLock is taken for
 *		what changes the entry point (the first node, a node above the entry
 *		level, an index whose nodes were all vacuumed away); VACUUM's repair
 *		takes it too.
 */
void
OmenHnswInsertVector(Relation index, const float *x, int dim, ItemPointer tid,
					 bool building)
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
		if (mode == ExclusiveLock || (state.index != NULL &&
									  state.meta.entryId != OMEN_INVALID_ID &&
									  level <= state.meta.entryLevel))
			break;
		/* the entry point changes: exclude other inserts and look again */
		OmenHnswHandleRelease(state.handle);
		UnlockPage(index, OMENHNSW_INSERT_LOCK, mode);
		mode = ExclusiveLock;
		LockPage(index, OMENHNSW_INSERT_LOCK, mode);
	}

	if (state.index == NULL)
	{
		InsertFirst(index, &state, x, dim, tid, building);
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
	OmenHnswStorageInit(&storage, index, state.index);
	planHandle = OmenHnswHandleRegister(CurrentMemoryContext, NULL, OmenHnswFreePlanCb);
	st = omen_insert_plan(state.index, &storage.api, state.meta.entryId,
						  state.meta.entryLevel, x, OmenHnswTidToPayload(tid),
						  OMEN_PENDING_ID, level, &plan);
	planHandle->ptr = plan;
	OmenHnswCheckStatus(st, &storage, "planning an insert");
	if (plan->record == NULL || plan->record_len != len)
		elog(ERROR, "omenhnsw: insert plan has a %u-byte record, expected %zu",
			 plan->record_len, len);

	/* (1) the new node with its lists, (2) the neighbours' back-links, (3) the entry point */
	newId = AddNewRecord(index, plan->record, len, building, NULL, -1);
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
 *		aminsert: index one heap row.  NULL vectors are not indexed.
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

	if (isnull[0])
		return false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw insert",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	vec = OmenHnswDatumToVector(values[0], OmenHnswGetInputType(index));
	OmenHnswInsertVector(index, vec->x, vec->dim, heap_tid, false);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);

	return false;
}
