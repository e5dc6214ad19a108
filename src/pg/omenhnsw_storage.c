/*-------------------------------------------------------------------------
 *
 * omenhnsw_storage.c
 *	  How the C++ core reads node records (the omen_storage_t callback), the
 *	  buffer hints and scan pin cache behind it, the error path back out of
 *	  the core (OmenHnswCheckStatus), and memory-context ownership of core
 *	  handles.  Calls nothing in the other omenhnsw files.
 *
 * Error handling across the core.  The core is C++ and must never be
 * longjmp'd through.  The storage callback runs inside core frames, so its
 * body is wrapped in PG_TRY: on an error it switches back to the caller's
 * memory context, saves CopyErrorData(), flushes the error state and returns
 * nonzero.  The core unwinds and returns OMEN_ERR_STORAGE, and the shim
 * re-throws the saved error (OmenHnswCheckStatus) before doing anything
 * else, so the SQLSTATE and message reach the client unchanged.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_storage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

/* ------------------------------------------------------------------------
 * Core handles owned by memory contexts
 * ------------------------------------------------------------------------
 */
static void
OmenHnswHandleCallback(void *arg)
{
	OmenHnswHandle *handle = (OmenHnswHandle *) arg;

	if (handle->ptr != NULL)
	{
		void	   *ptr = handle->ptr;

		handle->ptr = NULL;
		handle->free_fn(ptr);
	}
}

/*
 * OmenHnswHandleRegister
 *		Make cxt own a core handle: it is freed with free_fn when cxt is reset
 *		or deleted (so also when an ERROR aborts the statement).  ptr may be
 *		NULL and set later through handle->ptr.  Result lives in cxt.
 */
OmenHnswHandle *
OmenHnswHandleRegister(MemoryContext cxt, void *ptr, void (*free_fn) (void *))
{
	OmenHnswHandle *handle;
	MemoryContextCallback *cb;

	handle = MemoryContextAlloc(cxt, sizeof(OmenHnswHandle));
	handle->ptr = ptr;
	handle->free_fn = free_fn;
	cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
	cb->func = OmenHnswHandleCallback;
	cb->arg = handle;
	MemoryContextRegisterResetCallback(cxt, cb);
	return handle;
}

/* Free the handle's object now; the context callback then does nothing. */
void
OmenHnswHandleRelease(OmenHnswHandle *handle)
{
	if (handle != NULL)
		OmenHnswHandleCallback(handle);
}

void
OmenHnswFreeIndexCb(void *p)
{
	omen_index_free((omen_index_t *) p);
}

void
OmenHnswFreeScanCb(void *p)
{
	omen_scan_free((omen_scan_t *) p);
}

void
OmenHnswFreePlanCb(void *p)
{
	omen_insert_plan_free((omen_insert_plan_t *) p);
}

void
OmenHnswFreeBuilderCb(void *p)
{
	omen_builder_free((omen_builder_t *) p);
}

/* ------------------------------------------------------------------------
 * The storage callback
 * ------------------------------------------------------------------------
 */

/*
 * GetBuffer
 *		A pinned, unlocked buffer for blkno: from the scan's pin cache when it
 *		has one (evicting the pin in the slot), else a fresh pin.
 */
/*
 * Buffer hints: the buffer each index block, and each heap block the
 * re-rank reads, was last found in, kept per backend in the index's
 * rd_amcache (one chunk in rd_indexcxt: the index's hints, then the heap's,
 * so a relcache rebuild simply frees it).  ReadRecentBuffer pins a hinted
 * buffer without the buffer-mapping hash lookup, which was the largest
 * single cost of a search (the shared hash table misses the CPU cache); a
 * stale hint just falls back to ReadBuffer.  Always reached through
 * index->rd_amcache: an invalidation may free it between two calls.
 */
typedef struct OmenHnswHints
{
	BlockNumber nindex;			/* index hints, at buf[0 ..) */
	BlockNumber nheap;			/* heap hints, at buf[nindex ..) */
	Buffer		buf[FLEXIBLE_ARRAY_MEMBER];
} OmenHnswHints;

/* blocks beyond this are read without a hint (1 MB of hints per relation) */
#define OMENHNSW_HINT_MAX_BLOCKS (1 << 18)

/* The hint slot of blkno of rel (the index itself or its heap), or NULL. */
static Buffer *
HintSlot(Relation index, Relation rel, BlockNumber blkno)
{
	OmenHnswHints *h = (OmenHnswHints *) index->rd_amcache;
	bool		heap = rel != index;
	OmenHnswHints *g;
	BlockNumber ni,
				nh,
				want;

	if (h != NULL && blkno < (heap ? h->nheap : h->nindex))
		return heap ? &h->buf[h->nindex + blkno] : &h->buf[blkno];
	if (blkno >= OMENHNSW_HINT_MAX_BLOCKS || index->rd_indexcxt == NULL)
		return NULL;
	want = Max(RelationGetNumberOfBlocks(rel), blkno + 1);
	want = Min(Max(want + want / 4, 64), OMENHNSW_HINT_MAX_BLOCKS);
	ni = h ? h->nindex : 0;
	nh = h ? h->nheap : 0;
	if (heap)
		nh = want;
	else
		ni = want;
	g = MemoryContextAllocZero(index->rd_indexcxt,
							   offsetof(OmenHnswHints, buf) + sizeof(Buffer) * (ni + nh));
	g->nindex = ni;
	g->nheap = nh;
	if (h != NULL)
	{
		memcpy(g->buf, h->buf, sizeof(Buffer) * h->nindex);
		memcpy(g->buf + ni, h->buf + h->nindex, sizeof(Buffer) * h->nheap);
		pfree(h);
	}
	index->rd_amcache = g;
	return heap ? &g->buf[ni + blkno] : &g->buf[blkno];
}

/*
 * OmenHnswReadHinted
 *		ReadBuffer(rel, blkno) for rel = the index or its heap, through the
 *		index's buffer hints.  Returns a pinned, unlocked buffer.
 */
Buffer
OmenHnswReadHinted(Relation index, Relation rel, BlockNumber blkno)
{
#if PG_VERSION_NUM >= 140000
	Buffer	   *slot = HintSlot(index, rel, blkno);
	Buffer		buf;

	if (slot != NULL && BufferIsValid(*slot) &&
#if PG_VERSION_NUM >= 160000
		ReadRecentBuffer(rel->rd_locator, MAIN_FORKNUM, blkno, *slot)
#else
		ReadRecentBuffer(rel->rd_node, MAIN_FORKNUM, blkno, *slot)
#endif
		)
		return *slot;
	buf = ReadBuffer(rel, blkno);
	slot = HintSlot(index, rel, blkno);
	if (slot != NULL)
		*slot = buf;
	return buf;
#else
	return ReadBuffer(rel, blkno);
#endif
}

static Buffer
GetBuffer(OmenHnswStorage *storage, BlockNumber blkno)
{
	OmenHnswPinCache *pins = storage->pins;
	uint32		slot;
	Buffer		buf;

	if (pins == NULL)
		return OmenHnswReadHinted(storage->index, storage->index, blkno);
	slot = blkno % OMENHNSW_PIN_CACHE_SIZE;
	if (pins->blkno[slot] == blkno && BufferIsValid(pins->buf[slot]))
		return pins->buf[slot];
	if (BufferIsValid(pins->buf[slot]))
	{
		ReleaseBuffer(pins->buf[slot]);
		pins->buf[slot] = InvalidBuffer;
	}
	buf = OmenHnswReadHinted(storage->index, storage->index, blkno);
	pins->blkno[slot] = blkno;
	pins->buf[slot] = buf;
	return buf;
}

/* Unlock a buffer from GetBuffer; drop its pin unless the cache keeps it. */
static void
DoneWithBuffer(OmenHnswStorage *storage, Buffer buf)
{
	if (storage->pins)
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	else
		UnlockReleaseBuffer(buf);
}

/* batches up to this many ids are read in block order */
#define OMENHNSW_READ_SORT_MAX 256

/*
 * PrefetchRecords
 *		Start the cache misses of a batch before copying it.  A record read
 *		is two dependent misses (the line pointer, then the item) on pages
 *		the CPU has rarely seen; copying one record after the other served
 *		them one at a time, and that copy was the largest cost of a search.
 *		Two passes over the batch put all line pointers, then all items, in
 *		flight together.  The pages are pinned (the scan's pin cache) but not
 *		locked: the line pointers read here only choose prefetch addresses,
 *		clamped to the page, and the copy that follows reads under the lock.
 */
static void
PrefetchRecords(OmenHnswStorage *storage, const uint32 *ids,
				const uint16 *sorted, uint32 n, uint32 stride)
{
	char	   *pages[OMENHNSW_READ_SORT_MAX];
	BlockNumber cur = InvalidBlockNumber;
	char	   *page = NULL;
	uint32		j;

	for (j = 0; j < n; j++)
	{
		uint32		id = ids[sorted[j]];
		BlockNumber blkno = OmenHnswIdGetBlock(id);
		OffsetNumber off = OmenHnswIdGetOffset(id);

		pages[j] = NULL;
		if (id == OMEN_INVALID_ID || blkno == OMENHNSW_METAPAGE_BLKNO ||
			off < FirstOffsetNumber || off > MaxOffsetNumber)
			continue;
		if (blkno != cur)
		{
			cur = blkno;
			page = BufferGetPage(GetBuffer(storage, blkno));
		}
		pages[j] = page;
		__builtin_prefetch(&((PageHeader) page)->pd_linp[off - 1]);
	}
	for (j = 0; j < n; j++)
	{
		ItemIdData	lp;
		Size		start;
		Size		o;

		if (pages[j] == NULL)
			continue;
		lp = ((PageHeader) pages[j])->pd_linp[OmenHnswIdGetOffset(ids[sorted[j]]) - 1];
		start = lp.lp_off;
		for (o = 0; o < stride && start + o < BLCKSZ; o += 64)
			__builtin_prefetch(pages[j] + start + o);
	}
}


/*
 * OmenHnswStorageRead
 *		omen_storage_t.read: copy the first `stride` bytes of each record into
 *		out.  Takes a share lock on one element page at a time and releases it
 *		before reading the next page and before any ereport.  Never longjmps:
 *		errors are saved in the OmenHnswStorage and 1 is returned.
 */
static int
OmenHnswStorageRead(void *ctx, const uint32_t *ids, uint32_t n, uint8_t *out,
					uint32_t stride)
{
	OmenHnswStorage *storage = (OmenHnswStorage *) ctx;
	volatile int rc = 0;

	PG_TRY();
	{
		Buffer		buf = InvalidBuffer;
		BlockNumber cur = InvalidBlockNumber;
		uint16		sorted[OMENHNSW_READ_SORT_MAX];
		uint32		j;

		/*
		 * Visit the ids grouped by block, so that records sharing a page
		 * (the build stores neighbours together) cost one buffer lookup and
		 * one lock.  Insertion sort: batches are a neighbour list long.
		 */
		if (n <= OMENHNSW_READ_SORT_MAX)
		{
			for (j = 0; j < n; j++)
			{
				uint32		k = j;

				while (k > 0 && ids[sorted[k - 1]] > ids[j])
				{
					sorted[k] = sorted[k - 1];
					k--;
				}
				sorted[k] = (uint16) j;
			}
			if (storage->pins != NULL && n > 1)
				PrefetchRecords(storage, ids, sorted, n, stride);
		}

		for (j = 0; j < n; j++)
		{
			uint32		i = n <= OMENHNSW_READ_SORT_MAX ? sorted[j] : j;
			BlockNumber blkno = OmenHnswIdGetBlock(ids[i]);
			OffsetNumber offnum = OmenHnswIdGetOffset(ids[i]);
			Page		page;
			ItemId		itemid;
			Size		len;

			if (blkno != cur)
			{
				if (BufferIsValid(buf))
					DoneWithBuffer(storage, buf);
				buf = InvalidBuffer;
				CHECK_FOR_INTERRUPTS();
				if (ids[i] == OMEN_INVALID_ID || blkno == OMENHNSW_METAPAGE_BLKNO)
					elog(ERROR, "omenhnsw: invalid node id %u in index \"%s\"",
						 ids[i], RelationGetRelationName(storage->index));
				buf = GetBuffer(storage, blkno);
				LockBuffer(buf, BUFFER_LOCK_SHARE);
				cur = blkno;
			}
			/*
			 * Validate through the line pointer only: testing the page type
			 * in the special space touched one more cache line per page, a
			 * miss that cost 8% of a search.  A node id comes from a record
			 * the core has validated; the metapage is rejected above, and
			 * on any other page a wrong id finds no normal item of a
			 * node's size.
			 */
			page = BufferGetPage(buf);
			if (offnum < FirstOffsetNumber || offnum > PageGetMaxOffsetNumber(page) ||
				!ItemIdIsNormal(PageGetItemId(page, offnum)) ||
				ItemIdGetLength(PageGetItemId(page, offnum)) < storage->minRecord)
			{
				DoneWithBuffer(storage, buf);
				ereport(ERROR,
						(errcode(ERRCODE_INDEX_CORRUPTED),
						 errmsg("index \"%s\" has no node %u",
								RelationGetRelationName(storage->index), ids[i])));
			}
			itemid = PageGetItemId(page, offnum);
			len = ItemIdGetLength(itemid);
			memcpy(out + (Size) i * stride, PageGetItem(page, itemid),
				   Min(len, (Size) stride));

			/*
			 * A scan's filter: a node whose filter values fail it is
			 * traversed, never returned (omenhnsw_filter.c)
			 */
			if (storage->filter != NULL && stride > 9)
			{
				storage->filterChecks++;
				if (offnum <= OmenHnswPageGetOpaque(page)->attrCap &&
					OmenHnswFilterMatch(storage->filter, page, offnum))
					storage->filterPasses++;
				else
					omen_record_set_rejected(out + (Size) i * stride);
			}

			/*
			 * A slot freed and reused after this reader opened the index
			 * (see omenhnsw.h, "Payloads"): traverse, never return or link.
			 */
			if (stride >= sizeof(uint64))
			{
				uint64		payload;

				memcpy(&payload, out + (Size) i * stride, sizeof(uint64));
				if (!OmenHnswPayloadIsFree(payload) &&
					OmenHnswGenAfter(OmenHnswPayloadGen(payload), storage->freeGen) &&
					stride > 9)
					omen_record_set_deleted(out + (Size) i * stride);
			}
		}
		if (BufferIsValid(buf))
			DoneWithBuffer(storage, buf);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(storage->callerCxt);
		storage->error = CopyErrorData();
		FlushErrorState();
		rc = 1;
	}
	PG_END_TRY();

	return rc;
}

/*
 * OmenHnswStorageInit
 *		Set up a storage callback reading the index's element pages; errors
 *		are saved in CurrentMemoryContext.  meta: the metapage as read when
 *		the caller opened the index (its freeGen and attrSize).
 */
void
OmenHnswStorageInit(OmenHnswStorage *storage, Relation index,
					const omen_index_t *core, const OmenHnswMetaPageData *meta)
{
	storage->freeGen = meta->freeGen & OMENHNSW_GEN_MASK;
	storage->attrSize = meta->attrSize;
	storage->filter = NULL;
	storage->filterChecks = 0;
	storage->filterPasses = 0;
	storage->api.ctx = storage;
	storage->api.read = OmenHnswStorageRead;
	storage->index = index;
	storage->callerCxt = CurrentMemoryContext;
	storage->error = NULL;
	storage->pins = NULL;
	storage->minRecord = core ? omen_index_record_size(core, 0) : 0;
}

/*
 * OmenHnswStorageEnablePins
 *		Give a scan's storage a pin cache (allocated in cxt).  Skipped when
 *		shared_buffers is small, and for temporary indexes (local buffers,
 *		temp_buffers): several scans each holding OMENHNSW_PIN_CACHE_SIZE
 *		pins could then leave no unpinned buffer.
 */
void
OmenHnswStorageEnablePins(OmenHnswStorage *storage, MemoryContext cxt)
{
	int			i;

	if (NBuffers < OMENHNSW_PIN_CACHE_SIZE * 64 ||
		RelationUsesLocalBuffers(storage->index))
		return;
	storage->pins = MemoryContextAlloc(cxt, sizeof(OmenHnswPinCache));
	for (i = 0; i < OMENHNSW_PIN_CACHE_SIZE; i++)
	{
		storage->pins->blkno[i] = InvalidBlockNumber;
		storage->pins->buf[i] = InvalidBuffer;
	}
}

/*
 * OmenHnswStorageReleasePins
 *		Drop every pin the cache holds (end of a search: rescan, endscan).
 *		After an ERROR the resource owner has already released them and the
 *		scan is never used again, so this runs only on normal paths.
 */
void
OmenHnswStorageReleasePins(OmenHnswStorage *storage)
{
	int			i;

	if (storage->pins == NULL)
		return;
	for (i = 0; i < OMENHNSW_PIN_CACHE_SIZE; i++)
	{
		if (BufferIsValid(storage->pins->buf[i]))
			ReleaseBuffer(storage->pins->buf[i]);
		storage->pins->buf[i] = InvalidBuffer;
		storage->pins->blkno[i] = InvalidBlockNumber;
	}
}

/*
 * OmenHnswCheckStatus
 *		Turn a core status into an ERROR.  OMEN_ERR_STORAGE re-throws the
 *		error the storage callback saved (keeping its SQLSTATE).  Must be
 *		called with no buffer content lock held.
 */
void
OmenHnswCheckStatus(omen_status_t st, OmenHnswStorage *storage, const char *what)
{
	if (st == OMEN_OK)
		return;
	if (st == OMEN_ERR_STORAGE && storage != NULL && storage->error != NULL)
	{
		ErrorData  *edata = storage->error;

		storage->error = NULL;
		ReThrowError(edata);
	}
	if (st == OMEN_ERR_OOM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("omenhnsw: %s failed to allocate memory.", what)));
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("omenhnsw: %s failed: %s", what, omen_status_message(st))));
}
