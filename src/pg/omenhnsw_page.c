/*-------------------------------------------------------------------------
 *
 * omenhnsw_page.c
 *	  Pages of the omenhnsw AM: page initialisation, metapage and quantizer
 *	  blob access, and the page writers, the one place that changes index
 *	  pages after they exist (build's on-disk path, insert and VACUUM all
 *	  write through here).  Reads records for the core only through
 *	  omenhnsw_storage.c; never calls into insert, scan, vacuum or build.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_page.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/rmgr.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varbit.h"

#include "pg/halfvec.h"
#include "pg/omenhnsw.h"
#include "pg/sparsevec.h"

/*
 * OmenHnswInitPage
 *		Initialise an empty page of the given type with our special area.
 */
void
OmenHnswInitPage(Page page, uint16 pageType)
{
	OmenHnswPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(OmenHnswPageOpaqueData));
	opaque = OmenHnswPageGetOpaque(page);
	opaque->pageType = pageType;
	opaque->flags = 0;
	opaque->attrCap = 0;
	opaque->pageId = OMENHNSW_PAGE_ID;
}

/*
 * OmenHnswAttrCap
 *		How many nodes an element page can hold, with attrSize bytes of
 *		filter values each in the special area, when every record is of
 *		level 0 (recordSize0 bytes; higher levels are larger): the size of
 *		the page's filter-value array.  0 without filter columns.
 */
uint16
OmenHnswAttrCap(Size recordSize0, uint32 attrSize)
{
	Size		avail;
	Size		each;

	if (attrSize == 0)
		return 0;
	avail = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(OmenHnswPageOpaqueData)) - MAXIMUM_ALIGNOF;
	each = MAXALIGN(recordSize0) + sizeof(ItemIdData) + attrSize;
	return (uint16) Max(1, Min(avail / each, OMENHNSW_MAX_ITEMS_PER_PAGE));
}

/*
 * OmenHnswInitElementPage
 *		An empty element page whose special area also holds attrCap slots of
 *		attrSize bytes of filter values (zeroed).
 */
void
OmenHnswInitElementPage(Page page, uint16 attrCap, uint32 attrSize)
{
	OmenHnswPageOpaque opaque;
	Size		special = sizeof(OmenHnswPageOpaqueData) + (Size) attrCap * attrSize;

	PageInit(page, BLCKSZ, special);
	opaque = OmenHnswPageGetOpaque(page);
	opaque->pageType = OMENHNSW_PAGE_ELEMENT;
	opaque->flags = 0;
	opaque->attrCap = attrSize > 0 ? attrCap : 0;
	opaque->pageId = OMENHNSW_PAGE_ID;
}

/*
 * OmenHnswNewBuffer
 *		Extend the fork by one page.  Returns the new buffer pinned and
 *		exclusively locked; the page is not initialised and not WAL-logged.
 *		ERROR if the index would exceed OMENHNSW_MAX_BLOCKS pages.
 */
Buffer
OmenHnswNewBuffer(Relation index, ForkNumber forkNum)
{
	Buffer		buf;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, forkNum, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);

	if (BufferGetBlockNumber(buf) >= OMENHNSW_MAX_BLOCKS)
	{
		UnlockReleaseBuffer(buf);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index \"%s\" has reached the maximum of %u pages",
						RelationGetRelationName(index), OMENHNSW_MAX_BLOCKS),
				 errhint("REINDEX reclaims the space of deleted rows.")));
	}
	return buf;
}

/*
 * OmenHnswInitMeta
 *		Fill in a fresh metapage image: no node, no quantizer yet.
 */
void
OmenHnswInitMeta(OmenHnswMetaPage meta, uint32 dim, omen_metric_t metric,
				 omen_quant_t quant, uint32 m, uint32 efConstruction)
{
	MemSet(meta, 0, sizeof(OmenHnswMetaPageData));
	meta->magic = OMENHNSW_MAGIC;
	meta->version = OMENHNSW_VERSION;
	meta->dim = dim;
	meta->metric = metric;
	meta->quant = quant;
	meta->m = m;
	meta->efConstruction = efConstruction;
	meta->flags = OMENHNSW_META_NULLS_TRACKED;
	meta->entryId = OMEN_INVALID_ID;
	meta->entryLevel = 0;
	meta->seed = OMENHNSW_BUILD_SEED;
	meta->nodeCount = 0;
	meta->blobStart = InvalidBlockNumber;
	meta->blobPages = 0;
	meta->blobLen = 0;
	meta->insertPage = InvalidBlockNumber;
}

/*
 * OmenHnswCheckMeta
 *		ERROR if a metapage copy does not belong to this version of omenhnsw.
 */
void
OmenHnswCheckMeta(Relation index, OmenHnswMetaPage meta)
{
	if (meta->magic != OMENHNSW_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an omenhnsw index",
						RelationGetRelationName(index))));
	if (meta->version < OMENHNSW_MIN_VERSION || meta->version > OMENHNSW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("index \"%s\" has omenhnsw format version %u, this omendb reads versions %u to %u",
						RelationGetRelationName(index), meta->version,
						OMENHNSW_MIN_VERSION, OMENHNSW_VERSION),
				 errhint("REINDEX the index.")));
}

/*
 * OmenHnswReadMeta
 *		Copy the metapage into *meta and check it.  Takes and releases a
 *		share lock on block 0; no lock held on return.
 */
void
OmenHnswReadMeta(Relation index, OmenHnswMetaPage meta)
{
	Buffer		buf;

	buf = ReadBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(meta, OmenHnswPageGetMeta(BufferGetPage(buf)),
		   sizeof(OmenHnswMetaPageData));
	UnlockReleaseBuffer(buf);

	OmenHnswCheckMeta(index, meta);
}

void
OmenHnswMetaToParams(OmenHnswMetaPage meta, omen_params_t *params)
{
	MemSet(params, 0, sizeof(omen_params_t));
	params->dim = meta->dim;
	params->metric = meta->metric;
	params->quant = meta->quant;
	params->m = meta->m;
	params->ef_construction = meta->efConstruction;
	params->seed = meta->seed;
}

/*
 * OmenHnswReadBlob
 *		Read the quantizer state.  Result: palloc'd in CurrentMemoryContext,
 *		meta->blobLen bytes (NULL if there is none).  No lock held on return.
 */
uint8 *
OmenHnswReadBlob(Relation index, OmenHnswMetaPage meta)
{
	uint8	   *blob;
	Size		done = 0;
	uint32		i;

	if (meta->blobLen == 0)
		return NULL;

	blob = palloc(meta->blobLen);
	for (i = 0; i < meta->blobPages; i++)
	{
		Buffer		buf;
		Page		page;
		Size		len = 0;
		bool		ok;

		buf = ReadBuffer(index, meta->blobStart + i);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		ok = OmenHnswPageGetOpaque(page)->pageType == OMENHNSW_PAGE_BLOB &&
			PageGetMaxOffsetNumber(page) == FirstOffsetNumber;
		if (ok)
		{
			ItemId		itemid = PageGetItemId(page, FirstOffsetNumber);

			len = ItemIdGetLength(itemid);
			ok = done + len <= meta->blobLen;
			if (ok)
				memcpy(blob + done, PageGetItem(page, itemid), len);
		}
		UnlockReleaseBuffer(buf);
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has a corrupt quantizer page %u",
							RelationGetRelationName(index), meta->blobStart + i)));
		done += len;
	}
	if (done != meta->blobLen)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has a truncated quantizer state",
						RelationGetRelationName(index))));
	return blob;
}

/*
 * OmenHnswOpenState
 *		Read the metapage and, if the index is trained, open the core index
 *		with its quantizer.  The core handle is owned by cxt.  No lock held on
 *		entry or exit.
 */
void
OmenHnswOpenState(Relation index, OmenHnswState *state, MemoryContext cxt)
{
	OmenHnswReadMeta(index, &state->meta);
	OmenHnswMetaToParams(&state->meta, &state->params);
	state->index = NULL;
	state->handle = NULL;

	if (state->meta.flags & OMENHNSW_META_TRAINED)
	{
		uint8	   *blob = OmenHnswReadBlob(index, &state->meta);
		omen_index_t *idx = NULL;
		omen_status_t st;

		state->handle = OmenHnswHandleRegister(cxt, NULL, OmenHnswFreeIndexCb);
		st = omen_index_open(&state->params, blob, state->meta.blobLen, &idx);
		state->handle->ptr = idx;
		OmenHnswCheckStatus(st, NULL, "opening the index");
		state->index = idx;
		if (blob)
			pfree(blob);
	}
}

/* ------------------------------------------------------------------------
 * Small conversions and checks
 * ------------------------------------------------------------------------
 */
uint64
OmenHnswTidToPayload(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumber(tid) << 16) |
		(uint64) ItemPointerGetOffsetNumber(tid);
}

void
OmenHnswPayloadToTid(uint64 payload, ItemPointer tid)
{
	payload &= OMENHNSW_PAYLOAD_TID_MASK;
	ItemPointerSet(tid, (BlockNumber) (payload >> 16),
				   (OffsetNumber) (payload & 0xFFFF));
}

/*
 * OmenHnswDatumToVector
 *		The float4 vector an indexed value of the given type stands for: a
 *		vector as it is, a halfvec converted to float4 (exactly), a sparsevec
 *		densified (ERROR beyond OMEN_MAX_DIM dimensions: 16,000 floats is
 *		64 kB per value), a bit string as 0/1 elements (so that squared L2
 *		distance is Hamming distance, and the Jaccard metric sees sets).
 *
 * Result: the detoasted vector or a palloc'd one in CurrentMemoryContext.
 */
Vector *
OmenHnswDatumToVector(Datum value, OmenHnswInputType type)
{
	struct varlena *v = PG_DETOAST_DATUM(value);
	Vector	   *result;

	switch (type)
	{
		case OMENHNSW_INPUT_VECTOR:
			return (Vector *) v;
		case OMENHNSW_INPUT_HALFVEC:
			{
				HalfVector *hv = (HalfVector *) v;

				result = InitVector(hv->dim);
				omen_f16_to_f32(hv->x, result->x, hv->dim);
				return result;
			}
		case OMENHNSW_INPUT_SPARSEVEC:
			{
				SparseVector *sv = (SparseVector *) v;
				const float *values = SPARSEVEC_VALUES(sv);

				OmenHnswCheckSparseDim(sv->dim);
				result = InitVector(sv->dim);
				for (int i = 0; i < sv->nnz; i++)
					result->x[sv->indices[i]] = values[i];
				return result;
			}
		case OMENHNSW_INPUT_BIT:
			{
				VarBit	   *bits = (VarBit *) v;
				int			len = VARBITLEN(bits);
				bits8	   *p = VARBITS(bits);

				VectorCheckDim(len);
				result = InitVector(len);
				for (int i = 0; i < len; i++)
					result->x[i] = (p[i / BITS_PER_BYTE] >> (7 - i % BITS_PER_BYTE)) & 1;
				return result;
			}
	}
	elog(ERROR, "omenhnsw: unknown input type %d", (int) type);
	return NULL;				/* keep compiler quiet */
}

/*
 * OmenHnswCheckSparseDim
 *		ERROR unless a sparsevec of dim dimensions can be indexed: the index
 *		keeps sparse vectors densified, within the core's dimension limit.
 */
void
OmenHnswCheckSparseDim(int64 dim)
{
	if (dim > OMEN_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("omenhnsw indexes support sparsevec values of at most %d dimensions, not " INT64_FORMAT,
						OMEN_MAX_DIM, dim),
				 errhint("The index stores sparse vectors densified. Index a column of at most %d dimensions (for example an expression that maps the indices into a smaller space), or query this column without an index: ORDER BY ... LIMIT then reads every row.",
						 OMEN_MAX_DIM)));
}

/*
 * OmenHnswCheckDim
 *		ERROR unless a vector has the index's number of dimensions.
 */
void
OmenHnswCheckDim(Relation index, uint32 expected, int actual)
{
	const char *dims;

	if ((int) expected == actual)
		return;
	/* the function a partial index per dimension would test */
	switch (OmenHnswGetInputType(index))
	{
		case OMENHNSW_INPUT_BIT:
			dims = "bit_length";
			break;
		case OMENHNSW_INPUT_SPARSEVEC:
			dims = NULL;
			break;
		default:
			dims = "vector_dims";
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("expected %u dimensions, not %d", expected, actual),
			 errdetail("Index \"%s\" holds vectors of %u dimensions.",
					   RelationGetRelationName(index), expected),
			 dims != NULL ?
			 errhint("An index holds vectors of one dimension. Declare the column with its dimension, or give each dimension its own partial index (for this one: WHERE %s(column) = %d) and repeat that condition in the query.",
					 dims, actual) :
			 errhint("An index holds vectors of one dimension: declare the column with its dimension.")));
}

/*
 * OmenHnswCheckRecordSize
 *		ERROR if a node record cannot fit in a page.
 */
void
OmenHnswCheckRecordSize(Relation index, Size len)
{
	if (len > OMENHNSW_MAX_RECORD_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("omenhnsw node of %zu bytes exceeds the maximum of %zu bytes in index \"%s\"",
						len, (Size) OMENHNSW_MAX_RECORD_SIZE,
						RelationGetRelationName(index)),
				 errhint("Use quantization 'binary' or 'rabitq', or a smaller m, for vectors of this many dimensions.")));
}


/* ------------------------------------------------------------------------
 * Page writers
 * ------------------------------------------------------------------------
 */
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

/* Unlock and release locked buffers (before an ERROR, or once written) */
static void
ReleaseBuffers(Buffer *bufs, int nbuf)
{
	int			i;

	for (i = 0; i < nbuf; i++)
		UnlockReleaseBuffer(bufs[i]);
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
	ReleaseBuffers(pw->bufs, pw->nbuf);
	pw->xlog = NULL;
	pw->nbuf = 0;
}

/* Drop the changes and release every buffer (before an ERROR). */
static void
PageWriteAbort(PageWrite *pw)
{
	if (pw->xlog)
		GenericXLogAbort(pw->xlog);
	ReleaseBuffers(pw->bufs, pw->nbuf);
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
 * OmenHnswRewriteBlob
 *		Overwrite the quantizer pages in place with a state of the same
 *		length (a refreshed mean: same dimensions, same chunks), then record
 *		in the metapage the node count it was trained at (blob NULL: only
 *		that).  Caller excludes every reader of the quantizer
 *		(omenhnsw_refresh.c).
 */
void
OmenHnswRewriteBlob(Relation index, const OmenHnswMetaPageData *meta,
					const uint8 *blob, uint64 trainedAt)
{
	Size		done = 0;
	uint32		i;
	Buffer		metabuf;
	PageWrite	pw;
	OmenHnswMetaPage wmeta;

	for (i = 0; blob && i < meta->blobPages && done < meta->blobLen; i++)
	{
		Size		chunk = Min(meta->blobLen - done, (Size) OMENHNSW_BLOB_CHUNK);
		Buffer		buf = LockedBuffer(index, meta->blobStart + i);
		Page		page;

		PageWriteBegin(&pw, index, false);
		page = PageWriteAdd(&pw, buf, true);
		OmenHnswInitPage(page, OMENHNSW_PAGE_BLOB);
		if (PageAddItem(page, (Item) (blob + done), chunk, InvalidOffsetNumber,
						false, false) != FirstOffsetNumber)
		{
			PageWriteAbort(&pw);
			elog(ERROR, "omenhnsw: failed to add a quantizer chunk");
		}
		PageWriteFinish(&pw);
		done += chunk;
	}
	if (blob && done != meta->blobLen)
		elog(ERROR, "omenhnsw: quantizer of index \"%s\" does not fit its pages",
			 RelationGetRelationName(index));

	metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	PageWriteBegin(&pw, index, false);
	wmeta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
	wmeta->trainedAt = (uint32) Min(trainedAt, (uint64) PG_UINT32_MAX);
	PageWriteFinish(&pw);
}

/*
 * OmenHnswOverwriteCodes
 *		Copy bytes from .. to of each record image into the record at offs[i]
 *		of page blkno, if that record is still the node the image was taken
 *		from (same payload, not deleted: VACUUM may flag or free it
 *		meanwhile).  images[i * stride] starts each image.  One WAL record
 *		for the page.  Returns the number of records written.
 */
int
OmenHnswOverwriteCodes(Relation index, BlockNumber blkno, int n,
					   const OffsetNumber *offs, const uint8 *images,
					   Size stride, Size from, Size to)
{
	Buffer		buf;
	PageWrite	pw;
	Page		page;
	int			written = 0;
	int			i;

	if (n == 0)
		return 0;
	buf = LockedBuffer(index, blkno);
	PageWriteBegin(&pw, index, false);
	page = PageWriteAdd(&pw, buf, false);
	for (i = 0; i < n; i++)
	{
		const uint8 *img = images + (Size) i * stride;
		ItemId		itemid;
		uint8	   *rec;

		if (offs[i] > PageGetMaxOffsetNumber(page))
			continue;
		itemid = PageGetItemId(page, offs[i]);
		if (!ItemIdIsUsed(itemid) || ItemIdGetLength(itemid) < to)
			continue;
		rec = (uint8 *) PageGetItem(page, itemid);
		if (omen_record_is_deleted(rec) || memcmp(rec, img, sizeof(uint64)) != 0)
			continue;
		memcpy(rec + from, img + from, to - from);
		written++;
	}
	PageWriteFinish(&pw);
	return written;
}

/*
 * OmenHnswMetaForWrite
 *		The metapage struct of a metapage image about to be changed (a page
 *		registered with GenericXLog, or a build's page).  A format 1 metapage
 *		becomes format 2 here: its records are already format 2's, its free
 *		lists are empty, and pd_lower moves past the longer struct, because
 *		GenericXLog logs only the bytes outside the hole pd_lower..pd_upper.
 */
OmenHnswMetaPage
OmenHnswMetaForWrite(Page page)
{
	OmenHnswMetaPage meta = OmenHnswPageGetMeta(page);
	PageHeader	hdr = (PageHeader) page;
	uint16		end = (uint16) (((char *) meta + sizeof(OmenHnswMetaPageData)) - (char *) page);

	if (meta->version < OMENHNSW_VERSION)
	{
		MemSet((char *) meta + OMENHNSW_META_V1_SIZE, 0,
			   sizeof(OmenHnswMetaPageData) - OMENHNSW_META_V1_SIZE);
		meta->version = OMENHNSW_VERSION;
	}
	if (hdr->pd_lower < end)
		hdr->pd_lower = end;
	return meta;
}

/* Stamp a record image's payload with a slot generation (0: none). */
static void
StampRecord(uint8 *item, uint32 freeGen)
{
	uint64		payload;

	memcpy(&payload, item, sizeof(uint64));
	payload &= OMENHNSW_PAYLOAD_TID_MASK;
	payload |= (uint64) (freeGen & OMENHNSW_GEN_MASK) << OMENHNSW_PAYLOAD_GEN_SHIFT;
	memcpy(item, &payload, sizeof(uint64));
}

/*
 * PutAttrs
 *		Copy a node's filter values into its page's slot for offset number
 *		off (nothing without filter columns).  false: the page has no such
 *		slot, nothing written.
 */
static bool
PutAttrs(Page page, OffsetNumber off, const uint8 *attrs, uint32 attrSize,
		 uint32 attrVersion)
{
	if (attrSize == 0)
		return true;
	if (off > OmenHnswPageGetOpaque(page)->attrCap)
		return false;
	OmenHnswPutAttrs(page, attrVersion, attrSize, off, attrs);
	return true;
}

/* Count a new node in the metapage; entryLevel >= 0 makes it the entry point. */
static void
CountNode(OmenHnswMetaPage meta, uint32 id, int entryLevel)
{
	meta->nodeCount++;
	if (entryLevel >= 0)
	{
		meta->entryId = id;
		meta->entryLevel = (uint32) entryLevel;
	}
}

/*
 * ReuseSlot
 *		Try to store a record in the first free slot of its level.  Returns
 *		the id, or OMEN_INVALID_ID when that list is empty.  Locks the slot's
 *		page, then the metapage (the usual order), and pops the slot only if
 *		it is still the list's head; a concurrent insert that took it first
 *		makes us look again.  One WAL record: slot, metapage.
 */
static uint32
ReuseSlot(Relation index, const uint8 *record, Size len, const uint8 *attrs,
		  uint32 level, bool building, int entryLevel)
{
	int			attempt;

	if (level >= OMENHNSW_LEVELS)
		return OMEN_INVALID_ID;
	for (attempt = 0; attempt < 100; attempt++)
	{
		Buffer		metabuf;
		Buffer		buf;
		OmenHnswMetaPage meta;
		PageWrite	pw;
		Page		page;
		uint32		head;
		BlockNumber blkno;
		OffsetNumber off;
		ItemId		itemid;
		uint8	   *item;
		uint64		payload;

		metabuf = ReadBuffer(index, OMENHNSW_METAPAGE_BLKNO);
		LockBuffer(metabuf, BUFFER_LOCK_SHARE);
		meta = OmenHnswPageGetMeta(BufferGetPage(metabuf));
		head = (meta->version >= 2 && meta->freeCount[level] > 0) ?
			meta->freeHead[level] : OMEN_INVALID_ID;
		UnlockReleaseBuffer(metabuf);
		if (head == OMEN_INVALID_ID)
			return OMEN_INVALID_ID;

		blkno = OmenHnswIdGetBlock(head);
		off = OmenHnswIdGetOffset(head);
		if (blkno == OMENHNSW_METAPAGE_BLKNO || blkno >= RelationGetNumberOfBlocks(index))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has an invalid free slot %u for level %u",
							RelationGetRelationName(index), head, level),
					 errhint("REINDEX the index.")));
		PageWriteBegin(&pw, index, building);
		buf = LockedBuffer(index, blkno);
		page = PageWriteAdd(&pw, buf, false);
		metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
		meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
		if (meta->freeCount[level] == 0 || meta->freeHead[level] != head)
		{
			/* another insert took it: look again */
			PageWriteAbort(&pw);
			continue;
		}
		if (OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_ELEMENT ||
			off > PageGetMaxOffsetNumber(page) ||
			!ItemIdIsNormal(itemid = PageGetItemId(page, off)) ||
			ItemIdGetLength(itemid) < len)
		{
			PageWriteAbort(&pw);
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" block %u offset %u is on the free list of level %u but holds no such slot",
							RelationGetRelationName(index), blkno, off, level),
					 errhint("REINDEX the index.")));
		}
		item = (uint8 *) PageGetItem(page, itemid);
		memcpy(&payload, item, sizeof(uint64));
		if (!OmenHnswPayloadIsFree(payload) || omen_record_level(item) != level)
		{
			PageWriteAbort(&pw);
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" block %u offset %u is on the free list of level %u but is not a free slot of that level",
							RelationGetRelationName(index), blkno, off, level),
					 errhint("REINDEX the index.")));
		}
		if (!PutAttrs(page, off, attrs, meta->attrSize, meta->attrVersion))
		{
			PageWriteAbort(&pw);
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" block %u offset %u has no filter-value slot",
							RelationGetRelationName(index), blkno, off),
					 errhint("REINDEX the index.")));
		}
		memcpy(item, record, len);
		StampRecord(item, meta->freeGen);
		meta->freeHead[level] = OmenHnswFreeNext(payload);
		meta->freeCount[level]--;
		CountNode(meta, head, entryLevel);
		PageWriteFinish(&pw);
		return head;
	}
	return OMEN_INVALID_ID;		/* busy: append instead */
}

/*
 * OmenHnswAddRecord
 *		Store a new node's record, in a free slot of its level if there is
 *		one, else on the insert page, or on a new page when it does not fit,
 *		and count it in the metapage, in one WAL record; returns its id.
 *		Slot choice and write happen under the page's lock, so concurrent
 *		inserts never pick the same slot.  If trainedMeta is given (first
 *		insert into an untrained index) the metapage is replaced by it
 *		first; entryLevel >= 0 makes the node the entry point in the same
 *		record.  The payload is stamped with the metapage's freeGen.  No
 *		buffer lock held on entry or exit; element page before metapage, as
 *		everywhere.
 */
uint32
OmenHnswAddRecord(Relation index, const uint8 *record, Size len,
				  const uint8 *attrs, bool building,
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
	uint32		attrSize;
	uint32		attrVersion;
	uint32		m;
	uint16		attrCap;

	if (trainedMeta == NULL)
	{
		id = ReuseSlot(index, record, len, attrs, omen_record_level(record),
					   building, entryLevel);
		if (id != OMEN_INVALID_ID)
			return id;
	}

	metabuf = ReadBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_SHARE);
	insertPage = OmenHnswPageGetMeta(BufferGetPage(metabuf))->insertPage;
	attrSize = trainedMeta ? trainedMeta->attrSize :
		OmenHnswPageGetMeta(BufferGetPage(metabuf))->attrSize;
	attrVersion = trainedMeta ? trainedMeta->attrVersion :
		OmenHnswPageGetMeta(BufferGetPage(metabuf))->attrVersion;
	m = trainedMeta ? trainedMeta->m : OmenHnswPageGetMeta(BufferGetPage(metabuf))->m;
	UnlockReleaseBuffer(metabuf);
	/* the level-0 record size: records are prefix + 4 (2m + level m) bytes */
	attrCap = OmenHnswAttrCap(len - (Size) 4 * m * omen_record_level(record), attrSize);

	if (BlockNumberIsValid(insertPage))
	{
		buf = LockedBuffer(index, insertPage);
		page = BufferGetPage(buf);
		if (OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_ELEMENT ||
			PageGetMaxOffsetNumber(page) >= OMENHNSW_MAX_ITEMS_PER_PAGE ||
			(attrSize > 0 &&
			 PageGetMaxOffsetNumber(page) >= OmenHnswPageGetOpaque(page)->attrCap) ||
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
		OmenHnswInitElementPage(page, attrCap, attrSize);
	}
	metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));

	offnum = PageAddItem(page, (Item) record, len, InvalidOffsetNumber, false, false);
	if (offnum == InvalidOffsetNumber)
	{
		PageWriteAbort(&pw);
		elog(ERROR, "omenhnsw: failed to add a %zu-byte record to block %u of index \"%s\"",
			 len, BufferGetBlockNumber(buf), RelationGetRelationName(index));
	}
	id = OmenHnswMakeId(BufferGetBlockNumber(buf), offnum);
	if (trainedMeta)
	{
		memcpy(meta, trainedMeta, sizeof(OmenHnswMetaPageData));
		meta = OmenHnswMetaForWrite(pw.pages[pw.nbuf - 1]);
	}
	if (!PutAttrs(page, offnum, attrs, attrSize, attrVersion))
	{
		PageWriteAbort(&pw);
		elog(ERROR, "omenhnsw: block %u of index \"%s\" has no filter-value slot for offset %u",
			 BufferGetBlockNumber(buf), RelationGetRelationName(index), offnum);
	}
	/* a slot never used before: no reader can hold its id (stamp 0) */
	StampRecord((uint8 *) PageGetItem(page, PageGetItemId(page, offnum)), 0);
	meta->insertPage = BufferGetBlockNumber(buf);
	CountNode(meta, id, entryLevel);
	PageWriteFinish(&pw);
	return id;
}

/*
 * OmenHnswSetReconnectCount
 *		Remember the node count at which VACUUM last linked in unreachable
 *		nodes.
 */
void
OmenHnswSetReconnectCount(Relation index, uint64 count)
{
	Buffer		metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	PageWrite	pw;
	OmenHnswMetaPage meta;

	PageWriteBegin(&pw, index, false);
	meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
	meta->reconnectCount = count;
	PageWriteFinish(&pw);
}

/*
 * OmenHnswNoteNullRow
 *		A row whose vector is NULL was indexed: set HAS_NULLS once (see
 *		omenhnsw.h).  Only a share lock when it is set already.
 */
void
OmenHnswNoteNullRow(Relation index, bool building)
{
	Buffer		metabuf;
	PageWrite	pw;
	OmenHnswMetaPage meta;
	bool		known;

	if (RelationGetNumberOfBlocks(index) == 0)
		return;
	metabuf = ReadBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_SHARE);
	known = (OmenHnswPageGetMeta(BufferGetPage(metabuf))->flags & OMENHNSW_META_HAS_NULLS) != 0;
	UnlockReleaseBuffer(metabuf);
	if (known)
		return;
	metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	PageWriteBegin(&pw, index, building);
	meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
	meta->flags |= OMENHNSW_META_HAS_NULLS;
	PageWriteFinish(&pw);
}

/*
 * OmenHnswBumpFreeGen
 *		Start a new slot-reuse generation (VACUUM, before it frees slots).
 *		Returns the new generation.
 */
uint32
OmenHnswBumpFreeGen(Relation index)
{
	Buffer		metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	PageWrite	pw;
	OmenHnswMetaPage meta;
	uint32		gen;

	PageWriteBegin(&pw, index, false);
	meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
	meta->freeGen = (meta->freeGen + 1) & OMENHNSW_GEN_MASK;
	if (meta->freeGen == 0)
		meta->freeGen = 1;		/* 0 stamps records that need no check */
	gen = meta->freeGen;
	PageWriteFinish(&pw);
	return gen;
}

/*
 * OmenHnswFreeSlots
 *		Put every deleted, not yet free record of element page blkno on the
 *		free list of its level: its payload becomes the free marker and the
 *		list's old head, the metapage's head becomes the slot.  The caller
 *		guarantees that no node links to these records any more (VACUUM's
 *		repair) and has started a new generation (OmenHnswBumpFreeGen).  One
 *		WAL record: the page, the metapage.  Returns the slots freed.
 */
uint32
OmenHnswFreeSlots(Relation index, BlockNumber blkno, BufferAccessStrategy strategy)
{
	Buffer		buf;
	Buffer		metabuf;
	PageWrite	pw;
	Page		page;
	OmenHnswMetaPage meta;
	OffsetNumber off;
	OffsetNumber maxoff;
	uint32		nfreed = 0;

	buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	if (PageIsNew(page) ||
		OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_ELEMENT)
	{
		UnlockReleaseBuffer(buf);
		return 0;
	}
	/* any slot to free?  (share the cost of the metapage lock only then) */
	maxoff = PageGetMaxOffsetNumber(page);
	for (off = FirstOffsetNumber; off <= maxoff; off++)
	{
		uint8	   *rec = (uint8 *) PageGetItem(page, PageGetItemId(page, off));
		uint64		payload;

		memcpy(&payload, rec, sizeof(uint64));
		if (omen_record_is_deleted(rec) && !OmenHnswPayloadIsFree(payload))
			break;
	}
	if (off > maxoff)
	{
		UnlockReleaseBuffer(buf);
		return 0;
	}

	PageWriteBegin(&pw, index, false);
	page = PageWriteAdd(&pw, buf, false);
	metabuf = LockedBuffer(index, OMENHNSW_METAPAGE_BLKNO);
	meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
	for (off = FirstOffsetNumber; off <= maxoff; off++)
	{
		uint8	   *rec = (uint8 *) PageGetItem(page, PageGetItemId(page, off));
		uint32		level = omen_record_level(rec);
		uint64		payload;

		memcpy(&payload, rec, sizeof(uint64));
		if (!omen_record_is_deleted(rec) || OmenHnswPayloadIsFree(payload) ||
			level >= OMENHNSW_LEVELS)
			continue;
		payload = OMENHNSW_PAYLOAD_FREE |
			(meta->freeCount[level] > 0 ? meta->freeHead[level] : OMEN_INVALID_ID);
		memcpy(rec, &payload, sizeof(uint64));
		meta->freeHead[level] = OmenHnswMakeId(blkno, off);
		meta->freeCount[level]++;
		nfreed++;
	}
	PageWriteFinish(&pw);
	return nfreed;
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
	meta = OmenHnswMetaForWrite(PageWriteAdd(&pw, metabuf, false));
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
	/* plan order within a page: a later edit of a record may be based on an earlier one's image */
	if (*(omen_edit_t *const *) a != *(omen_edit_t *const *) b)
		return *(omen_edit_t *const *) a < *(omen_edit_t *const *) b ? -1 : 1;
	return 0;
}

/*
 * Edits written in place.  An edit overwrites one record with an image the
 * core computed: an insert's back-links change a few bytes of each of ~17
 * records, each on its own page.  GenericXLog copied every page it was given
 * and, at the end, compared the whole page with the copy byte by byte to find
 * those bytes: 15% of an insert's time (GenericXLogFinish and its page
 * copies; 100,000 x 128, 100 rows per INSERT).  An edit knows what it can
 * change, its record, so the writer compares only that.  A group of edits on
 * at most MAX_GENERIC_XLOG_PAGES locked pages is checked first (a record that
 * no longer matches its base, a slot that holds no such record) without
 * touching the pages; the new images are staged, then copied into the pages
 * in one critical section that logs a generic WAL record (RM_GENERIC_ID) with
 * one delta per page in generic_xlog.c's format: fragments of (offset,
 * length, bytes), runs of changed bytes less than EDIT_MERGE_GAP apart
 * merged, as GenericXLogFinish would have logged them.  Replay is
 * PostgreSQL's generic_redo, as for every other change of the index.  The
 * hole between pd_lower and pd_upper, which generic_redo zeroes, is not
 * touched here: a record lies above pd_upper.
 */
#define EDIT_FRAGMENT_HEADER	(2 * sizeof(OffsetNumber))
#define EDIT_MERGE_GAP			EDIT_FRAGMENT_HEADER

/* A record's new image, staged until the group is written */
typedef struct StagedRecord
{
	int			page;			/* the page's slot in the group */
	OffsetNumber offnum;
	uint8	   *item;			/* the record on the page */
	uint8	   *image;			/* its new image, len bytes */
	uint32		len;			/* the record's length on the page */
} StagedRecord;

/*
 * StageRecordEdit
 *		Stage edit over the record at offnum of a locked page (slot k of the
 *		group), on top of what earlier edits of the group staged for it, keeping
 *		the record's payload and deleted flag; a free slot is left alone.
 *		Returns 1 when staged (or nothing to do), 0 when the record no longer
 *		equals the edit's base (changed by a concurrent insert; nothing
 *		staged), -1 if the slot does not hold a record of that length.
 */
static int
StageRecordEdit(Page page, int k, OffsetNumber offnum, const omen_edit_t *edit,
				StagedRecord *staged, int *nstaged)
{
	StagedRecord *sr = NULL;
	const uint8 *cur;
	bool		wasDeleted;
	uint64		payload;
	int			s;

	for (s = 0; s < *nstaged; s++)
		if (staged[s].page == k && staged[s].offnum == offnum)
		{
			sr = &staged[s];
			break;
		}
	if (sr != NULL)
	{
		if (sr->len < edit->len)
			return -1;
		cur = sr->image;
	}
	else
	{
		ItemId		itemid;

		if (offnum < FirstOffsetNumber || offnum > PageGetMaxOffsetNumber(page))
			return -1;
		itemid = PageGetItemId(page, offnum);
		if (!ItemIdHasStorage(itemid) || ItemIdGetLength(itemid) < edit->len)
			return -1;
		cur = (const uint8 *) PageGetItem(page, itemid);
	}
	if (edit->base && !omen_record_same(cur, edit->base, edit->len))
		return 0;
	memcpy(&payload, cur, sizeof(uint64));
	if (OmenHnswPayloadIsFree(payload))
		return 1;				/* a free slot takes no links: nothing to do */
	wasDeleted = omen_record_is_deleted(cur);
	if (sr == NULL)
	{
		ItemId		itemid = PageGetItemId(page, offnum);

		sr = &staged[(*nstaged)++];
		sr->page = k;
		sr->offnum = offnum;
		sr->item = (uint8 *) PageGetItem(page, itemid);
		sr->len = ItemIdGetLength(itemid);
		sr->image = palloc(sr->len);
		memcpy(sr->image, sr->item, sr->len);
	}
	memcpy(sr->image, edit->record, edit->len);
	/* the payload (heap TID, generation) is the shim's and never changes */
	memcpy(sr->image, &payload, sizeof(uint64));
	if (wasDeleted)
		omen_record_set_deleted(sr->image);
	return 1;
}

/*
 * AppendFragments
 *		Append to delta (at *dlen) the fragments that turn the len bytes at
 *		page offset at, now old, into new.
 */
static void
AppendFragments(char *delta, Size *dlen, const uint8 *old, const uint8 *new,
				uint32 len, uint32 at)
{
	uint32		i = 0;

	while (i < len)
	{
		uint32		begin;
		uint32		end;
		OffsetNumber off;
		OffsetNumber flen;

		if (old[i] == new[i])
		{
			i++;
			continue;
		}
		begin = i;
		end = i + 1;
		for (i = end; i < len; i++)
		{
			if (old[i] != new[i])
				end = i + 1;
			else if (i - end + 1 > EDIT_MERGE_GAP)
				break;
		}
		off = (OffsetNumber) (at + begin);
		flen = (OffsetNumber) (end - begin);
		memcpy(delta + *dlen, &off, sizeof(off));
		memcpy(delta + *dlen + sizeof(off), &flen, sizeof(flen));
		memcpy(delta + *dlen + EDIT_FRAGMENT_HEADER, new + begin, flen);
		*dlen += EDIT_FRAGMENT_HEADER + flen;
		i = end;
	}
}

/*
 * WriteStaged
 *		Copy the staged images into the group's pages and WAL-log them (one
 *		generic record for the group, pages without a changed byte left out);
 *		while building or for an unlogged index only mark the pages dirty.
 */
static void
WriteStaged(Relation index, Buffer *bufs, int nbuf, StagedRecord *staged,
			int nstaged, bool building)
{
	bool		logged = !building && RelationNeedsWAL(index);
	char	   *delta[MAX_GENERIC_XLOG_PAGES];
	Size		dlen[MAX_GENERIC_XLOG_PAGES];
	bool		changed[MAX_GENERIC_XLOG_PAGES];
	bool		any = false;
	int			k;
	int			s;

	for (k = 0; k < nbuf; k++)
	{
		Size		cap = 0;

		for (s = 0; s < nstaged; s++)
			if (staged[s].page == k)
				cap += 2 * (Size) staged[s].len + EDIT_FRAGMENT_HEADER;
		delta[k] = cap > 0 ? palloc(cap) : NULL;
		dlen[k] = 0;
		changed[k] = false;
	}
	for (s = 0; s < nstaged; s++)
	{
		StagedRecord *sr = &staged[s];
		Page		page = BufferGetPage(bufs[sr->page]);
		Size		before = dlen[sr->page];

		/* the fragments are the comparison; without WAL a memcmp will do */
		if (logged)
			AppendFragments(delta[sr->page], &dlen[sr->page], sr->item, sr->image,
							sr->len, (uint32) (sr->item - (uint8 *) page));
		if (logged ? dlen[sr->page] == before : memcmp(sr->item, sr->image, sr->len) == 0)
			continue;
		changed[sr->page] = any = true;
	}
	if (!any)
		return;

	START_CRIT_SECTION();
	for (s = 0; s < nstaged; s++)
		memcpy(staged[s].item, staged[s].image, staged[s].len);
	for (k = 0; k < nbuf; k++)
		if (changed[k])
			MarkBufferDirty(bufs[k]);
	if (logged)
	{
		XLogRecPtr	lsn;

		XLogBeginInsert();
		for (k = 0; k < nbuf; k++)
			if (changed[k])
			{
				XLogRegisterBuffer((uint8) k, bufs[k], REGBUF_STANDARD);
				XLogRegisterBufData((uint8) k, delta[k], (int) dlen[k]);
			}
		lsn = XLogInsert(RM_GENERIC_ID, 0);
		for (k = 0; k < nbuf; k++)
			if (changed[k])
				PageSetLSN(BufferGetPage(bufs[k]), lsn);
	}
	END_CRIT_SECTION();
}

/*
 * OmenHnswWriteEdits
 *		Overwrite records with new images, grouped by page, at most
 *		MAX_GENERIC_XLOG_PAGES pages per WAL record (see "Edits written in
 *		place"); pages locked in block order, in plan order within a page.
 *		Each record is self-consistent.  An edit with a base is written only
 *		if the record still equals it; otherwise stale[i] is set (stale may be
 *		NULL when no edit has a base).
 */
void
OmenHnswWriteEdits(Relation index, omen_edit_t *edits, uint32 n, bool building,
				   bool *stale)
{
	omen_edit_t **sorted;
	StagedRecord *staged;
	uint32		i = 0;
	BlockNumber nblocks;

	if (n == 0)
		return;
	nblocks = RelationGetNumberOfBlocks(index);
	sorted = palloc(sizeof(omen_edit_t *) * n);
	for (i = 0; i < n; i++)
		sorted[i] = &edits[i];
	qsort(sorted, n, sizeof(omen_edit_t *), CompareEditBlocks);
	staged = palloc(sizeof(StagedRecord) * n);

	i = 0;
	while (i < n)
	{
		Buffer		bufs[MAX_GENERIC_XLOG_PAGES];
		int			nbuf = 0;
		int			nstaged = 0;
		uint32		start = i;
		uint32		j;

		while (i < n)
		{
			BlockNumber blkno = OmenHnswIdGetBlock(sorted[i]->id);

			if (nbuf == 0 || BufferGetBlockNumber(bufs[nbuf - 1]) != blkno)
			{
				if (nbuf == MAX_GENERIC_XLOG_PAGES)
					break;
				if (blkno == OMENHNSW_METAPAGE_BLKNO || blkno >= nblocks)
				{
					ReleaseBuffers(bufs, nbuf);
					elog(ERROR, "omenhnsw: edit of invalid node %u in index \"%s\"",
						 sorted[i]->id, RelationGetRelationName(index));
				}
				bufs[nbuf++] = LockedBuffer(index, blkno);
			}
			i++;
		}
		for (j = start; j < i; j++)
		{
			BlockNumber blkno = OmenHnswIdGetBlock(sorted[j]->id);
			Page		page;
			int			k;
			int			r = -1;

			for (k = 0; k < nbuf; k++)
				if (BufferGetBlockNumber(bufs[k]) == blkno)
					break;
			page = BufferGetPage(bufs[k]);
			if (OmenHnswPageGetOpaque(page)->pageType == OMENHNSW_PAGE_ELEMENT)
				r = StageRecordEdit(page, k, OmenHnswIdGetOffset(sorted[j]->id), sorted[j],
									staged, &nstaged);
			if (r < 0 || (r == 0 && stale == NULL))
			{
				ReleaseBuffers(bufs, nbuf);
				elog(ERROR, "omenhnsw: node %u of index \"%s\" does not match its new image",
					 sorted[j]->id, RelationGetRelationName(index));
			}
			if (r == 0)
				stale[sorted[j] - edits] = true;
		}
		WriteStaged(index, bufs, nbuf, staged, nstaged, building);
		ReleaseBuffers(bufs, nbuf);
		for (j = 0; j < (uint32) nstaged; j++)
			pfree(staged[j].image);
	}
	pfree(staged);
	pfree(sorted);
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
			uint32		k;
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
			/*
			 * One at a time, in plan order: the new node's own edit (linking
			 * what the other's full list drops) is written before the list
			 * that drops it, and a stale one stops the rest.
			 */
			for (k = 0; k < plan->n_edits && !stale[i]; k++)
				OmenHnswWriteEdits(index, &plan->edits[k], 1, building, &stale[i]);
			OmenHnswHandleRelease(handle);
		}
	}
	pfree(stale);
}
