/*-------------------------------------------------------------------------
 *
 * omenhnsw_verify.c
 *	  omenhnsw_verify(regclass): an amcheck-style structural check of an
 *	  omenhnsw index.
 *
 * What is checked, in order (the first problem raises an ERROR naming the
 * block and offset; nothing is repaired):
 *	- every page: a sane page header and our special area (XX001,
 *	  ERRCODE_DATA_CORRUPTED), the page type where the metapage says it
 *	  belongs (XX002, ERRCODE_INDEX_CORRUPTED, as everything below);
 *	- the metapage: magic, version, parameters the core accepts, entry
 *	  point, quantizer pages inside the relation, free-list heads;
 *	- every record: a line pointer inside the page, the length of its level,
 *	  known flag bits, a heap TID for live and deleted nodes, the free
 *	  marker only on deleted records;
 *	- every neighbour list: used slots before empty ones, no self link, each
 *	  id a slot holding a node of at least the list's level; a live node
 *	  never links to a free slot (a deleted one may, after a crash in the
 *	  middle of VACUUM's free pass);
 *	- free lists: each chain holds exactly its count of free slots of its
 *	  level, no slot twice, and every free slot is on one;
 *	- the entry point is a node of its recorded level;
 *	- heap TIDs: no two live nodes share one, and (not on a hot standby)
 *	  every live heap row with a non-NULL vector has a live node;
 *	- reachability: live nodes a walk of layer 0 from the entry point does
 *	  not reach are counted (not an error: VACUUM links them in).
 *
 * Records are read from copies of pages taken under a share lock, and
 * through bounds-checked offsets only: garbage bytes produce an ERROR, never
 * a crash.  No core code runs on a record.
 *
 * Locks: the caller needs SELECT on the table, checked before any lock.
 * The table is then locked in ShareLock (writers and VACUUM wait; readers
 * do not), as amcheck's bt_index_parent_check does, so that the pages are a
 * consistent whole; on a hot standby, where only AccessShareLock can be
 * taken, run it while replay is quiet.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

/* Slot states in VerifyState.state */
#define SLOT_NONE		0
#define SLOT_LIVE		1
#define SLOT_DELETED	2
#define SLOT_FREE		3
#define SLOT_ONLIST		4		/* free, and found on its free list */

typedef struct LiveTid
{
	uint64		tid;
	uint32		id;
} LiveTid;

typedef struct VerifyState
{
	Relation	index;
	Relation	heap;
	BlockNumber nblocks;
	BlockNumber heapBlocks;
	OmenHnswMetaPageData meta;
	omen_index_t *core;
	uint32		maxLevel;
	uint8	   *state;			/* per slot (block * 256 + offset - 1) */
	uint8	   *level;
	uint32	   *dense;			/* slot -> dense node number, for the walk */
	uint32	   *adj;			/* layer-0 lists, 2m per dense node */
	uint32		ndense;
	LiveTid    *tids;
	Size		ntids;
	int64		nodes;
	int64		live;
	int64		deleted;
	int64		freeSlots;
	int64		links;
	int64		newPages;
	int64		heapRows;
	bool		heapChecked;
} VerifyState;

static inline Size
SlotOf(uint32 id)
{
	return (Size) OmenHnswIdGetBlock(id) * OMENHNSW_MAX_ITEMS_PER_PAGE +
		(OmenHnswIdGetOffset(id) - 1);
}

static void
Corrupt(VerifyState *vs, BlockNumber blkno, OffsetNumber off, const char *what)
{
	if (off == InvalidOffsetNumber)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is corrupt at block %u: %s",
						RelationGetRelationName(vs->index), blkno, what),
				 errhint("REINDEX the index.")));
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" is corrupt at block %u, offset %u: %s",
					RelationGetRelationName(vs->index), blkno, off, what),
			 errhint("REINDEX the index.")));
}

/*
 * ReadPageCopy
 *		Copy block blkno into page (BLCKSZ bytes) under a share lock.
 */
static void
ReadPageCopy(VerifyState *vs, BlockNumber blkno, Page page,
			 BufferAccessStrategy strategy)
{
	Buffer		buf;

	CHECK_FOR_INTERRUPTS();
	buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(page, BufferGetPage(buf), BLCKSZ);
	UnlockReleaseBuffer(buf);
}

/*
 * CheckPageHeader
 *		The header and special area of a page copy.  Returns false for a
 *		new (all-zero) page, which extension may leave behind after a crash.
 */
static bool
CheckPageHeader(VerifyState *vs, BlockNumber blkno, Page page)
{
	PageHeader	hdr = (PageHeader) page;
	OmenHnswPageOpaque opaque;
	uint16		attrCap = 0;

	if (PageIsNew(page))
		return false;
	/* the special area: our struct, then (element pages with filter columns) attrCap value slots */
	if (hdr->pd_special <= BLCKSZ - sizeof(OmenHnswPageOpaqueData))
		attrCap = OmenHnswPageGetOpaque(page)->attrCap;
	if (hdr->pd_lower < SizeOfPageHeaderData || hdr->pd_lower > hdr->pd_upper ||
		hdr->pd_upper > hdr->pd_special ||
		hdr->pd_special != BLCKSZ - MAXALIGN(sizeof(OmenHnswPageOpaqueData) +
											  (Size) attrCap * vs->meta.attrSize) ||
		(attrCap != 0 && (vs->meta.attrSize == 0 ||
						  OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_ELEMENT)) ||
		PageGetPageSize(page) != BLCKSZ)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("index \"%s\" has a corrupt page header at block %u",
						RelationGetRelationName(vs->index), blkno),
				 errdetail("pd_lower %u, pd_upper %u, pd_special %u.",
						   hdr->pd_lower, hdr->pd_upper, hdr->pd_special),
				 errhint("REINDEX the index.")));
	opaque = OmenHnswPageGetOpaque(page);
	if (opaque->pageId != OMENHNSW_PAGE_ID ||
		opaque->pageType < OMENHNSW_PAGE_META ||
		opaque->pageType > OMENHNSW_PAGE_ELEMENT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("index \"%s\" has a corrupt special area at block %u",
						RelationGetRelationName(vs->index), blkno),
				 errdetail("Page id 0x%04X, page type %u.", opaque->pageId,
						   opaque->pageType),
				 errhint("REINDEX the index.")));
	return true;
}

/*
 * CheckMeta
 *		Block 0; opens the core index (for record sizes) when trained.
 */
static void
CheckMeta(VerifyState *vs, Page page)
{
	OmenHnswMetaPage meta;
	omen_params_t params;
	uint32		lv;

	if (!CheckPageHeader(vs, OMENHNSW_METAPAGE_BLKNO, page) ||
		OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_META)
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "not a metapage");
	meta = OmenHnswPageGetMeta(page);
	if (meta->magic != OMENHNSW_MAGIC)
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "bad magic number");
	if (meta->version < OMENHNSW_MIN_VERSION || meta->version > OMENHNSW_VERSION)
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "unknown format version");
	memcpy(&vs->meta, meta, meta->version >= 2 ? sizeof(OmenHnswMetaPageData) : OMENHNSW_META_V1_SIZE);
	if (meta->version < 2)
		MemSet((char *) &vs->meta + OMENHNSW_META_V1_SIZE, 0,
			   sizeof(OmenHnswMetaPageData) - OMENHNSW_META_V1_SIZE);
	meta = &vs->meta;
	if (meta->attrVersion == 0 ? meta->attrSize != 0 :
		((meta->attrVersion != OMENHNSW_ATTR_ROWS &&
		  meta->attrVersion != OMENHNSW_ATTR_COLUMNS) ||
		 meta->attrSize != OmenHnswAttrLayoutGet(vs->index)->size))
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "unknown per-node attribute area");
	if (meta->freeGen > OMENHNSW_GEN_MASK)
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "slot-reuse generation out of range");

	if (!(meta->flags & OMENHNSW_META_TRAINED))
	{
		if (meta->entryId != OMEN_INVALID_ID)
			Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "an untrained index has an entry point");
		return;
	}
	OmenHnswMetaToParams(meta, &params);
	if (omen_params_check(&params) != OMEN_OK)
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "invalid index parameters");
	if (meta->blobLen > 0 &&
		(!BlockNumberIsValid(meta->blobStart) || meta->blobStart == OMENHNSW_METAPAGE_BLKNO ||
		 meta->blobStart >= vs->nblocks || meta->blobPages > vs->nblocks - meta->blobStart ||
		 (Size) meta->blobPages * OMENHNSW_BLOB_CHUNK < meta->blobLen))
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "quantizer pages outside the index");
	if (BlockNumberIsValid(meta->insertPage) &&
		(meta->insertPage == OMENHNSW_METAPAGE_BLKNO || meta->insertPage >= vs->nblocks))
		Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "insert page outside the index");
	for (lv = 0; lv < OMENHNSW_LEVELS; lv++)
		if (meta->freeCount[lv] > 0 &&
			(meta->freeHead[lv] == OMEN_INVALID_ID ||
			 OmenHnswIdGetBlock(meta->freeHead[lv]) == OMENHNSW_METAPAGE_BLKNO ||
			 OmenHnswIdGetBlock(meta->freeHead[lv]) >= vs->nblocks))
			Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "a free-list head outside the index");
}

static bool
IsBlobPage(VerifyState *vs, BlockNumber blkno)
{
	return vs->meta.blobLen > 0 && blkno >= vs->meta.blobStart &&
		blkno < vs->meta.blobStart + vs->meta.blobPages;
}

/*
 * RecordAt
 *		The record at off of a page copy, bounds-checked; *len its length.
 */
static const uint8 *
RecordAt(VerifyState *vs, BlockNumber blkno, Page page, OffsetNumber off, Size *len)
{
	PageHeader	hdr = (PageHeader) page;
	ItemId		itemid = PageGetItemId(page, off);

	if (!ItemIdIsNormal(itemid))
		Corrupt(vs, blkno, off, "line pointer is not a normal item");
	if (ItemIdGetOffset(itemid) < hdr->pd_upper ||
		(Size) ItemIdGetOffset(itemid) + ItemIdGetLength(itemid) > hdr->pd_special)
		Corrupt(vs, blkno, off, "item lies outside the page's item area");
	*len = ItemIdGetLength(itemid);
	return (const uint8 *) page + ItemIdGetOffset(itemid);
}

/*
 * CheckRecords
 *		Pass 1 over an element page copy: shapes, payloads, slot states.
 */
static void
CheckRecords(VerifyState *vs, BlockNumber blkno, Page page)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	OffsetNumber off;

	if (maxoff > OMENHNSW_MAX_ITEMS_PER_PAGE ||
		(vs->meta.attrSize > 0 && maxoff > OmenHnswPageGetOpaque(page)->attrCap) ||
		SizeOfPageHeaderData + sizeof(ItemIdData) * maxoff > ((PageHeader) page)->pd_lower)
		Corrupt(vs, blkno, InvalidOffsetNumber, "too many line pointers");
	for (off = FirstOffsetNumber; off <= maxoff; off++)
	{
		Size		len;
		const uint8 *rec = RecordAt(vs, blkno, page, off, &len);
		uint64		payload;
		uint32		level;
		uint8		flags;
		Size		slot = (Size) blkno * OMENHNSW_MAX_ITEMS_PER_PAGE + (off - 1);

		if (len < 16)
			Corrupt(vs, blkno, off, "record too short");
		memcpy(&payload, rec, sizeof(uint64));
		level = omen_record_level(rec);
		flags = rec[9];
		if (level > vs->maxLevel)
			Corrupt(vs, blkno, off, "level above the index's maximum");
		if (len != omen_index_record_size(vs->core, level))
			Corrupt(vs, blkno, off, "record length does not match its level");
		if ((flags & ~1) != 0)
			Corrupt(vs, blkno, off, "unknown record flags");
		vs->level[slot] = (uint8) level;
		if (OmenHnswPayloadIsFree(payload))
		{
			if (!omen_record_is_deleted(rec))
				Corrupt(vs, blkno, off, "a free slot without the deleted flag");
			vs->state[slot] = SLOT_FREE;
			vs->freeSlots++;
			continue;
		}
		if (OmenHnswGenAfter(OmenHnswPayloadGen(payload), vs->meta.freeGen))
			Corrupt(vs, blkno, off, "record written in a later slot-reuse generation than the metapage's");
		{
			ItemPointerData tid;

			OmenHnswPayloadToTid(payload, &tid);
			if (!OffsetNumberIsValid(ItemPointerGetOffsetNumber(&tid)) ||
				ItemPointerGetOffsetNumber(&tid) > MaxHeapTuplesPerPage)
				Corrupt(vs, blkno, off, "invalid heap TID");
			if (!omen_record_is_deleted(rec) &&
				ItemPointerGetBlockNumber(&tid) >= vs->heapBlocks)
				Corrupt(vs, blkno, off, "heap TID beyond the end of the table");
		}
		vs->nodes++;
		if (omen_record_is_deleted(rec))
		{
			vs->state[slot] = SLOT_DELETED;
			vs->deleted++;
		}
		else
		{
			vs->state[slot] = SLOT_LIVE;
			vs->live++;
			vs->tids[vs->ntids].tid = payload & OMENHNSW_PAYLOAD_TID_MASK;
			vs->tids[vs->ntids].id = OmenHnswMakeId(blkno, off);
			vs->ntids++;
		}
	}
}

/*
 * CheckLinks
 *		Pass 2 over an element page copy: neighbour lists; fills the
 *		layer-0 adjacency for the walk.
 */
static void
CheckLinks(VerifyState *vs, BlockNumber blkno, Page page)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	OffsetNumber off;
	uint32		m0 = omen_index_list_slots(vs->core, 0);

	for (off = FirstOffsetNumber; off <= maxoff; off++)
	{
		Size		len;
		const uint8 *rec = RecordAt(vs, blkno, page, off, &len);
		Size		slot = (Size) blkno * OMENHNSW_MAX_ITEMS_PER_PAGE + (off - 1);
		uint32		self = OmenHnswMakeId(blkno, off);
		uint32		level = vs->level[slot];
		uint32		lv;
		uint8		st = vs->state[slot];

		if (st != SLOT_LIVE && st != SLOT_DELETED)
			continue;
		for (lv = 0; lv <= level; lv++)
		{
			uint32		loff = omen_index_list_offset(vs->core, lv);
			uint32		slots = omen_index_list_slots(vs->core, lv);
			bool		ended = false;
			uint32		i;

			if (loff == 0 || slots == 0 || (Size) loff + 4 * (Size) slots > len)
				Corrupt(vs, blkno, off, "neighbour list outside the record");
			for (i = 0; i < slots; i++)
			{
				uint32		nb;
				Size		nslot;
				char		what[128];

				memcpy(&nb, rec + loff + 4 * i, sizeof(uint32));
				if (lv == 0)
					vs->adj[(Size) vs->dense[slot] * m0 + i] = nb;
				if (nb == OMEN_INVALID_ID)
				{
					ended = true;
					continue;
				}
				if (ended)
				{
					snprintf(what, sizeof(what), "level %u neighbour list has a used slot after an empty one", lv);
					Corrupt(vs, blkno, off, what);
				}
				if (nb == self)
				{
					snprintf(what, sizeof(what), "links to itself on level %u", lv);
					Corrupt(vs, blkno, off, what);
				}
				if (OmenHnswIdGetBlock(nb) == OMENHNSW_METAPAGE_BLKNO ||
					OmenHnswIdGetBlock(nb) >= vs->nblocks ||
					vs->state[nslot = SlotOf(nb)] == SLOT_NONE)
				{
					snprintf(what, sizeof(what), "level %u neighbour %u (block %u, offset %u) is no node",
							 lv, nb, OmenHnswIdGetBlock(nb), OmenHnswIdGetOffset(nb));
					Corrupt(vs, blkno, off, what);
				}
				if (vs->state[nslot] == SLOT_FREE && st == SLOT_LIVE)
				{
					snprintf(what, sizeof(what), "level %u neighbour %u (block %u, offset %u) is a free slot",
							 lv, nb, OmenHnswIdGetBlock(nb), OmenHnswIdGetOffset(nb));
					Corrupt(vs, blkno, off, what);
				}
				if (vs->level[nslot] < lv)
				{
					snprintf(what, sizeof(what), "level %u neighbour %u (block %u, offset %u) has level %u",
							 lv, nb, OmenHnswIdGetBlock(nb), OmenHnswIdGetOffset(nb),
							 vs->level[nslot]);
					Corrupt(vs, blkno, off, what);
				}
				vs->links++;
			}
		}
	}
}

/*
 * CheckFreeLists
 *		Each level's chain: its count of free slots of that level, each once.
 */
static void
CheckFreeLists(VerifyState *vs, BufferAccessStrategy strategy, Page page)
{
	uint32		lv;
	int64		onLists = 0;

	for (lv = 0; lv < OMENHNSW_LEVELS; lv++)
	{
		uint32		id = vs->meta.freeHead[lv];
		uint32		n;
		char		what[160];

		for (n = 0; n < vs->meta.freeCount[lv]; n++)
		{
			BlockNumber blkno = OmenHnswIdGetBlock(id);
			OffsetNumber off = OmenHnswIdGetOffset(id);
			Size		slot;
			Size		len;
			uint64		payload;

			if (id == OMEN_INVALID_ID || blkno == OMENHNSW_METAPAGE_BLKNO ||
				blkno >= vs->nblocks ||
				(vs->state[slot = SlotOf(id)] != SLOT_FREE))
			{
				snprintf(what, sizeof(what),
						 "free list of level %u: entry %u of %u, id %u, is not a free slot%s",
						 lv, n + 1, vs->meta.freeCount[lv], id,
						 (id != OMEN_INVALID_ID && blkno < vs->nblocks &&
						  vs->state[SlotOf(id)] == SLOT_ONLIST) ? " or is on a list twice" : "");
				Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, what);
			}
			if (vs->level[slot] != lv)
			{
				snprintf(what, sizeof(what), "free slot on the list of level %u has level %u",
						 lv, vs->level[slot]);
				Corrupt(vs, blkno, off, what);
			}
			vs->state[slot] = SLOT_ONLIST;
			onLists++;
			ReadPageCopy(vs, blkno, page, strategy);
			memcpy(&payload, RecordAt(vs, blkno, page, off, &len), sizeof(uint64));
			id = OmenHnswFreeNext(payload);
		}
		if (vs->meta.freeCount[lv] > 0 && id != OMEN_INVALID_ID)
		{
			snprintf(what, sizeof(what), "free list of level %u continues past its %u entries",
					 lv, vs->meta.freeCount[lv]);
			Corrupt(vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, what);
		}
	}
	if (onLists != vs->freeSlots)
	{
		Size		slot;

		for (slot = 0; slot < (Size) vs->nblocks * OMENHNSW_MAX_ITEMS_PER_PAGE; slot++)
			if (vs->state[slot] == SLOT_FREE)
				Corrupt(vs, (BlockNumber) (slot / OMENHNSW_MAX_ITEMS_PER_PAGE),
						(OffsetNumber) (slot % OMENHNSW_MAX_ITEMS_PER_PAGE + 1),
						"free slot on no free list");
	}
}

static int
CompareLiveTid(const void *a, const void *b)
{
	const LiveTid *x = (const LiveTid *) a;
	const LiveTid *y = (const LiveTid *) b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return 0;
}

/* table_index_build_scan callback: each live row must have a live node */
static void
HeapRowCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	VerifyState *vs = (VerifyState *) state;
	LiveTid		key;

	if (isnull[0] || !tupleIsAlive)
		return;
	vs->heapRows++;
	key.tid = OmenHnswTidToPayload(tid);
	if (bsearch(&key, vs->tids, vs->ntids, sizeof(LiveTid), CompareLiveTid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has no node for heap row (%u,%u) of table \"%s\"",
						RelationGetRelationName(vs->index),
						ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
						RelationGetRelationName(vs->heap)),
				 errhint("REINDEX the index.")));
}

/*
 * Unreachable
 *		Live nodes a walk of layer 0 from the entry point misses.
 */
static int64
Unreachable(VerifyState *vs)
{
	uint32		m0 = omen_index_list_slots(vs->core, 0);
	uint8	   *seen = palloc0(vs->ndense);
	uint32	   *queue = palloc_extended(sizeof(uint32) * Max(vs->ndense, 1), MCXT_ALLOC_HUGE);
	Size		head = 0;
	Size		tail = 0;
	int64		reached = 0;
	uint32		entry = vs->meta.entryId;

	if (entry != OMEN_INVALID_ID)
	{
		Size		slot = SlotOf(entry);

		seen[vs->dense[slot]] = 1;
		queue[tail++] = vs->dense[slot];
	}
	while (head < tail)
	{
		uint32		d = queue[head++];
		uint32		i;

		for (i = 0; i < m0; i++)
		{
			uint32		nb = vs->adj[(Size) d * m0 + i];
			Size		slot;
			uint32		nd;

			if (nb == OMEN_INVALID_ID)
				break;
			slot = SlotOf(nb);
			if (vs->state[slot] != SLOT_LIVE && vs->state[slot] != SLOT_DELETED)
				continue;
			nd = vs->dense[slot];
			if (seen[nd])
				continue;
			seen[nd] = 1;
			queue[tail++] = nd;
		}
	}
	{
		Size		i;

		for (i = 0; i < vs->ntids; i++)
			if (seen[vs->dense[SlotOf(vs->tids[i].id)]])
				reached++;
	}
	return vs->live - reached;
}

PG_FUNCTION_INFO_V1(omenhnsw_verify);
Datum
omenhnsw_verify(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Oid			amoid = get_index_am_oid("omenhnsw", false);
	Oid			heapoid;
	LOCKMODE	heapLock = RecoveryInProgress() ? AccessShareLock : ShareLock;
	VerifyState vs;
	TupleDesc	tupdesc;
	BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
	Page		page;
	BlockNumber blkno;
	Size		nslots;
	Datum		values[9];
	bool		nulls[9] = {0};
	MemoryContext cxt;
	MemoryContext oldcxt;
	OmenHnswHandle *handle = NULL;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	/* privileges first, then locks (table before index, as DML does) */
	heapoid = OmenHnswCheckTarget(indexoid, amoid, "omenhnsw_verify");
	MemSet(&vs, 0, sizeof(vs));
	vs.heap = table_open(heapoid, heapLock);
	vs.index = index_open(indexoid, AccessShareLock);
	if (!OmenHnswIsOmenHnswAm(vs.index->rd_rel->relam) || vs.index->rd_index->indrelid != heapoid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" changed while waiting for a lock",
						RelationGetRelationName(vs.index))));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw verify",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	vs.nblocks = RelationGetNumberOfBlocks(vs.index);
	vs.heapBlocks = RelationGetNumberOfBlocks(vs.heap);
	if (vs.nblocks == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" has no pages", RelationGetRelationName(vs.index)),
				 errhint("An unlogged index is empty after a crash until it is rebuilt.")));
	if (vs.nblocks > OMENHNSW_MAX_BLOCKS)
		Corrupt(&vs, vs.nblocks - 1, InvalidOffsetNumber, "more pages than node ids can address");

	page = palloc(BLCKSZ);
	ReadPageCopy(&vs, OMENHNSW_METAPAGE_BLKNO, page, strategy);
	CheckMeta(&vs, page);

	if (vs.meta.flags & OMENHNSW_META_TRAINED)
	{
		OmenHnswState state;

		/* reads and checks the quantizer pages (XX002 on a bad one) */
		OmenHnswOpenState(vs.index, &state, cxt);
		vs.core = state.index;
		handle = state.handle;
		vs.maxLevel = Min(omen_index_max_level(vs.core), OMENHNSW_LEVELS - 1);
	}

	nslots = (Size) vs.nblocks * OMENHNSW_MAX_ITEMS_PER_PAGE;
	vs.state = palloc_extended(nslots, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	vs.level = palloc_extended(nslots, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	vs.tids = palloc_extended(sizeof(LiveTid) * Max(nslots, 1), MCXT_ALLOC_HUGE);

	/* pass 1: every page's header and type, every record's shape */
	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < vs.nblocks; blkno++)
	{
		uint16		type;

		ReadPageCopy(&vs, blkno, page, strategy);
		if (!CheckPageHeader(&vs, blkno, page))
		{
			vs.newPages++;
			continue;
		}
		type = OmenHnswPageGetOpaque(page)->pageType;
		if (IsBlobPage(&vs, blkno) != (type == OMENHNSW_PAGE_BLOB))
			Corrupt(&vs, blkno, InvalidOffsetNumber,
					type == OMENHNSW_PAGE_BLOB ? "quantizer page outside the metapage's range" :
					"page in the quantizer range is not a quantizer page");
		if (type == OMENHNSW_PAGE_META)
			Corrupt(&vs, blkno, InvalidOffsetNumber, "a second metapage");
		if (type != OMENHNSW_PAGE_ELEMENT)
			continue;
		if (vs.core == NULL)
		{
			if (PageGetMaxOffsetNumber(page) > 0)
				Corrupt(&vs, blkno, InvalidOffsetNumber, "node records in an untrained index");
			continue;
		}
		CheckRecords(&vs, blkno, page);
	}

	/* the entry point */
	if (vs.meta.entryId != OMEN_INVALID_ID)
	{
		uint32		e = vs.meta.entryId;

		if (OmenHnswIdGetBlock(e) == OMENHNSW_METAPAGE_BLKNO ||
			OmenHnswIdGetBlock(e) >= vs.nblocks ||
			(vs.state[SlotOf(e)] != SLOT_LIVE && vs.state[SlotOf(e)] != SLOT_DELETED))
			Corrupt(&vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber, "the entry point is no node");
		if (vs.level[SlotOf(e)] != vs.meta.entryLevel)
			Corrupt(&vs, OMENHNSW_METAPAGE_BLKNO, InvalidOffsetNumber,
					"the entry point's level differs from the metapage's");
	}

	if (vs.core != NULL)
	{
		Size		slot;
		uint32		m0 = omen_index_list_slots(vs.core, 0);

		/* pass 2: neighbour lists */
		vs.dense = palloc_extended(sizeof(uint32) * nslots, MCXT_ALLOC_HUGE);
		for (slot = 0; slot < nslots; slot++)
			if (vs.state[slot] == SLOT_LIVE || vs.state[slot] == SLOT_DELETED)
				vs.dense[slot] = vs.ndense++;
		vs.adj = palloc_extended(sizeof(uint32) * m0 * Max(vs.ndense, 1), MCXT_ALLOC_HUGE);
		for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < vs.nblocks; blkno++)
		{
			ReadPageCopy(&vs, blkno, page, strategy);
			if (!PageIsNew(page) &&
				OmenHnswPageGetOpaque(page)->pageType == OMENHNSW_PAGE_ELEMENT)
				CheckLinks(&vs, blkno, page);
		}
		CheckFreeLists(&vs, strategy, page);
	}

	/* heap TIDs: each live one once */
	qsort(vs.tids, vs.ntids, sizeof(LiveTid), CompareLiveTid);
	{
		Size		i;

		for (i = 1; i < vs.ntids; i++)
			if (vs.tids[i].tid == vs.tids[i - 1].tid)
			{
				char		what[128];

				snprintf(what, sizeof(what), "heap TID (%u,%u) is also in block %u, offset %u",
						 (uint32) (vs.tids[i].tid >> 16), (uint32) (vs.tids[i].tid & 0xFFFF),
						 OmenHnswIdGetBlock(vs.tids[i - 1].id), OmenHnswIdGetOffset(vs.tids[i - 1].id));
				Corrupt(&vs, OmenHnswIdGetBlock(vs.tids[i].id), OmenHnswIdGetOffset(vs.tids[i].id), what);
			}
	}
	if (!RecoveryInProgress())
	{
		IndexInfo  *indexInfo = BuildIndexInfo(vs.index);

		table_index_build_scan(vs.heap, vs.index, indexInfo, true, false,
							   HeapRowCallback, &vs, NULL);
		vs.heapChecked = true;
	}

	values[0] = Int64GetDatum(vs.heapRows);
	nulls[0] = !vs.heapChecked;
	values[1] = Int64GetDatum((int64) vs.nblocks);
	values[2] = Int64GetDatum(vs.nodes);
	values[3] = Int64GetDatum(vs.live);
	values[4] = Int64GetDatum(vs.deleted);
	values[5] = Int64GetDatum(vs.freeSlots);
	values[6] = Int64GetDatum(vs.links);
	values[7] = Int64GetDatum(vs.core ? Unreachable(&vs) : 0);
	values[8] = Int32GetDatum((int32) vs.meta.version);

	OmenHnswHandleRelease(handle);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	FreeAccessStrategy(strategy);
	index_close(vs.index, AccessShareLock);
	table_close(vs.heap, heapLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
