/*-------------------------------------------------------------------------
 *
 * omenhnsw_build.c
 *	  Bulk build of an omenhnsw index.
 *
 * The table scan feeds every non-NULL vector into the core's in-memory
 * builder (budget: maintenance_work_mem).  The core then trains the
 * quantizer and builds the graph in steps of OMENHNSW_BUILD_STEP nodes, on
 * 1 + max_parallel_maintenance_workers threads (at most
 * OMENHNSW_MAX_BUILD_THREADS) that never call into PostgreSQL; between steps
 * the backend checks for interrupts and reports progress.  Finally the shim
 * writes the pages in one pass: metapage, quantizer blob pages, then the
 * node records packed in the order the builder numbered them (neighbours
 * built together land on nearby pages).  Pages are written without WAL and
 * logged at the end with log_newpage_range, as btree and pgvector do.
 *
 * If the builder runs out of budget, the graph built so far is written out,
 * a NOTICE says how much maintenance_work_mem would have kept the build in
 * memory, and the remaining rows go through the ordinary insert path (still
 * without WAL, the final log_newpage_range covers them).
 *
 * Dimensions: a typed column (vector(n), or an expression of that type)
 * fixes them at n.  Otherwise the first non-NULL vector decides and any other
 * dimension count is an ERROR, in the build and in later inserts.
 *
 * Cosine and the zero vector: the zero vector has no direction; it is
 * indexed like any other, its cosine distance to everything is NaN, and NaN
 * sorts after every number (as in PostgreSQL's float8 ordering), so such
 * rows come last.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_build.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

typedef struct OmenHnswBuildState
{
	Relation	heap;
	Relation	index;
	omen_params_t params;
	OmenHnswInputType inputType;
	bool		dimKnown;
	omen_builder_t *builder;
	OmenHnswHandle *builderHandle;
	size_t		budget;
	uint32		nthreads;
	bool		onDisk;			/* graph written, rows go through insert */
	double		indtuples;
	double		nullRows;		/* rows whose vector is NULL (not in the graph) */
	OmenHnswAttrLayout *attrLayout; /* filter columns */
	uint8	   *attrs;			/* attrLayout->size bytes per builder node, in
								 * add order */
	Size		attrCap;		/* nodes attrs has room for */
	uint8	   *rowAttrs;		/* the current row's */
	MemoryContext buildCxt;		/* owns the builder handle */
	MemoryContext tmpCxt;		/* reset after every row */
} OmenHnswBuildState;

/*
 * CheckBuildParams
 *		ERROR for option combinations the core rejects, with a useful hint.
 */
static void
CheckBuildParams(Relation index, omen_params_t *params)
{
	omen_status_t st;

	if (params->ef_construction < 2 * params->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be greater than or equal to 2 * m"),
				 errdetail("ef_construction is %u and m is %u.",
						   params->ef_construction, params->m),
				 errhint("Set ef_construction to at least %u or decrease m.",
						 2 * params->m)));
	if (params->dim == 0)
		return;					/* checked once the dimension is known */
	if (params->dim > OMEN_MAX_DIM &&
		OmenHnswGetInputType(index) == OMENHNSW_INPUT_SPARSEVEC)
		OmenHnswCheckSparseDim(params->dim);
	if (params->dim > OMEN_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("omenhnsw indexes support at most %d dimensions",
						OMEN_MAX_DIM)));

	st = omen_params_check(params);
	if (st != OMEN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid omenhnsw parameters for index \"%s\": %s",
						RelationGetRelationName(index), omen_status_message(st))));

	/*
	 * Unquantized records hold the float vector: refuse early when the
	 * largest record cannot fit in a page.
	 */
	if (params->quant == OMEN_QUANT_NONE)
	{
		omen_index_t *idx = NULL;

		if (omen_index_open(params, NULL, 0, &idx) == OMEN_OK)
		{
			Size		len = omen_index_record_size(idx, omen_index_max_level(idx));

			omen_index_free(idx);
			OmenHnswCheckRecordSize(index, len);
		}
	}
}

/*
 * InitParams
 *		Parameters from the opclass, the reloptions and the column typmod.
 */
static void
InitParams(Relation index, omen_params_t *params)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(index), 0);
	int32		typmod = att->atttypmod;

	(void) OmenHnswGetInputType(index);	/* the first column must be a vector */
	MemSet(params, 0, sizeof(omen_params_t));
	/*
	 * A typmod fixes the dimension, except varbit's, which is only a maximum
	 * length: a varbit(8) column may hold 3-bit strings, and its index then
	 * takes the dimension from the rows, as an unconstrained vector column's.
	 */
	params->dim = (typmod > 0 && att->atttypid != VARBITOID) ? (uint32) typmod : 0;
	params->metric = OmenHnswGetMetric(index);
	params->quant = OmenHnswResolveQuant(OmenHnswGetQuant(index), params->dim);
	params->m = OmenHnswGetM(index);
	params->ef_construction = OmenHnswGetEfConstruction(index);
	params->seed = OMENHNSW_BUILD_SEED;
}

static void
CreateBuilder(OmenHnswBuildState *bs)
{
	omen_builder_t *b = NULL;
	omen_status_t st;

	CheckBuildParams(bs->index, &bs->params);
	bs->builderHandle = OmenHnswHandleRegister(bs->buildCxt, NULL,
											   OmenHnswFreeBuilderCb);
	st = omen_builder_create(&bs->params, bs->budget, &b);
	bs->builderHandle->ptr = b;
	OmenHnswCheckStatus(st, NULL, "creating the index builder");
	bs->builder = b;
	/* construction = quantized: meaningful only when there are codes */
	if (OmenHnswGetQuantizedConstruction(bs->index) &&
		bs->params.quant != OMEN_QUANT_NONE)
	{
		st = omen_builder_set_quantized_construction(b, 1);
		OmenHnswCheckStatus(st, NULL, "configuring the index builder");
	}
	/* ef_construction left at its default: large graphs are built wider */
	if (!OmenHnswEfConstructionGiven(bs->index))
	{
		st = omen_builder_set_auto_ef_construction(b, 1);
		OmenHnswCheckStatus(st, NULL, "configuring the index builder");
	}
}

/*
 * RecordsPerPage
 *		About how many level-0 records fill an element page: the group size of
 *		the core's layout order.
 */
static uint32
RecordsPerPage(omen_builder_t *b, uint32 attrSize)
{
	Size		space = BLCKSZ - SizeOfPageHeaderData -
		MAXALIGN(sizeof(OmenHnswPageOpaqueData));
	Size		len = MAXALIGN(omen_builder_record_size(b, 0)) + sizeof(ItemIdData) + attrSize;

	return (uint32) Max(1, Min(space / len, OMENHNSW_MAX_ITEMS_PER_PAGE));
}

/*
 * WritePages
 *		Build the graph from everything added so far and write the metapage,
 *		blob pages and element pages (no WAL; the caller logs them).  Called
 *		on an empty index fork.  Frees the builder.  No locks held on entry
 *		or exit.
 */
static void
WritePages(OmenHnswBuildState *bs)
{
	Relation	index = bs->index;
	Buffer		metabuf;
	Page		metapage;
	OmenHnswMetaPageData meta;
	uint32		count = bs->builder ? omen_builder_count(bs->builder) : 0;

	/* block 0 is the metapage, whatever else follows */
	metabuf = OmenHnswNewBuffer(index, MAIN_FORKNUM);
	Assert(BufferGetBlockNumber(metabuf) == OMENHNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);

	OmenHnswInitMeta(&meta, bs->params.dim, bs->params.metric,
					 bs->params.quant, bs->params.m, bs->params.ef_construction);
	meta.attrSize = bs->attrLayout->size;
	meta.attrVersion = meta.attrSize > 0 ? OMENHNSW_ATTR_VERSION : 0;

	if (count > 0)
	{
		omen_builder_t *b = bs->builder;
		uint32		done = 0;
		uint32	   *ids;
		uint32	   *order;
		uint32		k;
		uint8	   *record;
		uint8	   *blob;
		Size		blobLen;
		uint32		blobPages = 0;
		BlockNumber firstBlock;
		BlockNumber blkno;
		Size		freeSpace;
		uint32		nitems;
		uint16		attrCap;
		Size		pageSpace;
		uint32		maxItems;
		uint32		entry;
		uint32		entryLevel;
		Buffer		buf = InvalidBuffer;
		omen_status_t st;
		const int	progIdx[] = {PROGRESS_CREATEIDX_SUBPHASE,
			PROGRESS_CREATEIDX_TUPLES_TOTAL,
		PROGRESS_CREATEIDX_TUPLES_DONE};
		int64		progVal[3];

		progVal[0] = OMENHNSW_PHASE_GRAPH;
		progVal[1] = count;
		progVal[2] = 0;
		pgstat_progress_update_multi_param(3, progIdx, progVal);

		while (done < count)
		{
			CHECK_FOR_INTERRUPTS();
			st = omen_builder_build_step(b, bs->nthreads, OMENHNSW_BUILD_STEP, &done);
			OmenHnswCheckStatus(st, NULL, "building the graph");
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done);
		}
		/* what the build used, for later inserts and omenhnsw_index_info */
		meta.efConstruction = omen_builder_ef_construction(b);
		bs->params.ef_construction = meta.efConstruction;

		progVal[0] = OMENHNSW_PHASE_WRITE;
		progVal[1] = count;
		progVal[2] = 0;
		pgstat_progress_update_multi_param(3, progIdx, progVal);

		/* quantizer blob pages, right after the metapage */
		blobLen = omen_builder_quantizer_size(b);
		if (blobLen > 0)
		{
			blob = palloc(blobLen);
			omen_builder_quantizer(b, blob);
			meta.blobStart = OmenHnswWriteBlob(index, blob, blobLen, true, &blobPages);
			meta.blobPages = blobPages;
			meta.blobLen = blobLen;
			pfree(blob);
		}
		firstBlock = OMENHNSW_METAPAGE_BLKNO + 1 + blobPages;

		/*
		 * Assign ids: pack records in the core's layout order (neighbours
		 * close together, so a search touches fewer pages), exactly as
		 * PageAddItem will place them.
		 */
		ids = palloc_extended(sizeof(uint32) * count, MCXT_ALLOC_HUGE);
		order = palloc_extended(sizeof(uint32) * count, MCXT_ALLOC_HUGE);
		OmenHnswCheckStatus(omen_builder_layout_order(b, RecordsPerPage(b, meta.attrSize), order),
							NULL, "ordering the node records");
		blkno = firstBlock;
		attrCap = OmenHnswAttrCap(omen_builder_record_size(b, 0), meta.attrSize);
		pageSpace = BLCKSZ - SizeOfPageHeaderData -
			MAXALIGN(sizeof(OmenHnswPageOpaqueData) + (Size) attrCap * meta.attrSize);
		maxItems = meta.attrSize > 0 ? attrCap : OMENHNSW_MAX_ITEMS_PER_PAGE;
		freeSpace = pageSpace;
		nitems = 0;
		for (k = 0; k < count; k++)
		{
			uint32		i = order[k];
			Size		len = omen_builder_record_size(b, i);
			Size		need = MAXALIGN(len) + sizeof(ItemIdData);

			OmenHnswCheckRecordSize(index, len);
			if (need > freeSpace || nitems >= maxItems)
			{
				blkno++;
				freeSpace = pageSpace;
				nitems = 0;
			}
			if (blkno >= OMENHNSW_MAX_BLOCKS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("index \"%s\" would exceed the maximum of %u pages",
								RelationGetRelationName(index), OMENHNSW_MAX_BLOCKS)));
			ids[i] = OmenHnswMakeId(blkno, nitems + 1);
			freeSpace -= need;
			nitems++;
		}

		/* write the records */
		record = palloc(BLCKSZ);
		for (k = 0; k < count; k++)
		{
			uint32		i = order[k];
			Size		len = omen_builder_record_size(b, i);
			BlockNumber want = OmenHnswIdGetBlock(ids[i]);
			OffsetNumber off;

			st = omen_builder_record(b, i, ids, record);
			if (st != OMEN_OK)
			{
				if (BufferIsValid(buf))
					UnlockReleaseBuffer(buf);
				OmenHnswCheckStatus(st, NULL, "writing a node record");
			}
			if (!BufferIsValid(buf) || BufferGetBlockNumber(buf) != want)
			{
				if (BufferIsValid(buf))
				{
					MarkBufferDirty(buf);
					UnlockReleaseBuffer(buf);
					CHECK_FOR_INTERRUPTS();
					pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, k);
				}
				buf = OmenHnswNewBuffer(index, MAIN_FORKNUM);
				if (BufferGetBlockNumber(buf) != want)
				{
					BlockNumber got = BufferGetBlockNumber(buf);

					UnlockReleaseBuffer(buf);
					elog(ERROR, "omenhnsw: extended to block %u, expected %u",
						 got, want);
				}
				OmenHnswInitElementPage(BufferGetPage(buf), attrCap, meta.attrSize);
			}
			off = PageAddItem(BufferGetPage(buf), (Item) record, len,
							  InvalidOffsetNumber, false, false);
			if (off != OmenHnswIdGetOffset(ids[i]))
			{
				UnlockReleaseBuffer(buf);
				elog(ERROR, "omenhnsw: record %u landed at offset %u, expected %u",
					 i, off, OmenHnswIdGetOffset(ids[i]));
			}
			if (meta.attrSize > 0)
				OmenHnswPutAttrs(BufferGetPage(buf), meta.attrVersion, meta.attrSize,
								 off, bs->attrs + (Size) i * meta.attrSize);
		}
		if (BufferIsValid(buf))
		{
			meta.insertPage = BufferGetBlockNumber(buf);
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
		}
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, count);

		omen_builder_entry(b, &entry, &entryLevel);
		meta.entryId = (entry == OMEN_INVALID_ID) ? OMEN_INVALID_ID : ids[entry];
		meta.entryLevel = (entry == OMEN_INVALID_ID) ? 0 : entryLevel;
		meta.nodeCount = count;
		meta.trainedAt = count;	/* the builder computed the mean over them */
		meta.flags |= OMENHNSW_META_TRAINED;
		pfree(ids);
		pfree(order);
		pfree(record);
	}

	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	metapage = BufferGetPage(metabuf);
	OmenHnswInitPage(metapage, OMENHNSW_PAGE_META);
	memcpy(OmenHnswPageGetMeta(metapage), &meta, sizeof(meta));
	((PageHeader) metapage)->pd_lower =
		((char *) OmenHnswPageGetMeta(metapage) + sizeof(meta)) - (char *) metapage;
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	/* the graph is on disk: give the memory back before any on-page insert */
	OmenHnswHandleRelease(bs->builderHandle);
	bs->builderHandle = NULL;
	bs->builder = NULL;
}

/*
 * SpillToDisk
 *		The builder is full: write what it has, tell the user what budget
 *		would have sufficed, and continue row by row.
 */
static void
SpillToDisk(OmenHnswBuildState *bs)
{
	double		reltuples = bs->heap->rd_rel->reltuples;
	double		need;

	if (reltuples < bs->indtuples * 2)
		reltuples = bs->indtuples * 2;
	need = (double) omen_builder_bytes_per_vector(&bs->params) * reltuples;

	ereport(NOTICE,
			(errmsg("omenhnsw graph no longer fits into maintenance_work_mem"),
			 errdetail("The in-memory build stopped after %.0f tuples; the remaining tuples are inserted one by one, which takes significantly more time.",
					   bs->indtuples),
			 errhint("Increase maintenance_work_mem to about %.0f MB to build index \"%s\" in memory.",
					 ceil(need / (1024.0 * 1024.0)),
					 RelationGetRelationName(bs->index))));

	WritePages(bs);
	bs->onDisk = true;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, OMENHNSW_PHASE_LOAD);
}

/*
 * BuildCallback
 *		table_index_build_scan callback: one heap row.
 */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	OmenHnswBuildState *bs = (OmenHnswBuildState *) state;
	MemoryContext oldcxt;
	Vector	   *vec;

	if (isnull[0])
	{
		bs->nullRows += 1;
		return;
	}

	oldcxt = MemoryContextSwitchTo(bs->tmpCxt);
	vec = OmenHnswDatumToVector(values[0], bs->inputType);
	if (bs->attrLayout->size > 0)
		OmenHnswAttrEncode(bs->attrLayout, values, isnull, bs->rowAttrs);

	if (!bs->dimKnown)
	{
		bs->params.dim = vec->dim;
		bs->params.quant = OmenHnswResolveQuant(bs->params.quant, vec->dim);
		bs->dimKnown = true;
		MemoryContextSwitchTo(bs->buildCxt);
		CreateBuilder(bs);
		MemoryContextSwitchTo(bs->tmpCxt);
	}
	else
		OmenHnswCheckDim(index, bs->params.dim, vec->dim);

	if (bs->onDisk)
		OmenHnswInsertVector(index, vec->x, vec->dim, tid, true, bs->rowAttrs,
							 bs->attrLayout->size, NULL, NULL);
	else
	{
		omen_status_t st;

		if (bs->attrLayout->size > 0 && omen_builder_count(bs->builder) >= bs->attrCap)
		{
			Size		cap = Max(bs->attrCap * 2, 1024);

			bs->attrs = bs->attrs == NULL ?
				MemoryContextAllocHuge(bs->buildCxt, cap * bs->attrLayout->size) :
				repalloc_huge(bs->attrs, cap * bs->attrLayout->size);
			bs->attrCap = cap;
		}
		st = omen_builder_add(bs->builder, vec->x, OmenHnswTidToPayload(tid));
		if (st == OMEN_OK && bs->attrLayout->size > 0)
			memcpy(bs->attrs + (Size) (omen_builder_count(bs->builder) - 1) * bs->attrLayout->size,
				   bs->rowAttrs, bs->attrLayout->size);

		if (st == OMEN_ERR_BUDGET)
		{
			MemoryContextSwitchTo(bs->buildCxt);
			SpillToDisk(bs);
			MemoryContextSwitchTo(bs->tmpCxt);
			OmenHnswInsertVector(index, vec->x, vec->dim, tid, true, bs->rowAttrs,
								 bs->attrLayout->size, NULL, NULL);
		}
		else
			OmenHnswCheckStatus(st, NULL, "adding a vector to the builder");
	}

	bs->indtuples += 1;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) bs->indtuples);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(bs->tmpCxt);
}

/*
 * omenhnswbuild
 *		ambuild: build a new index on an empty index relation.
 */
IndexBuildResult *
omenhnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	OmenHnswBuildState bs;
	double		reltuples;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));

	MemSet(&bs, 0, sizeof(bs));
	bs.heap = heap;
	bs.index = index;
	InitParams(index, &bs.params);
	bs.inputType = OmenHnswGetInputType(index);
	bs.dimKnown = bs.params.dim > 0;
	bs.budget = (size_t) maintenance_work_mem * 1024;
	bs.nthreads = Min(max_parallel_maintenance_workers + 1, OMENHNSW_MAX_BUILD_THREADS);
	/* pgvector logs its worker count at DEBUG1; its tests and users look for it */
	if (bs.nthreads > 1)
		ereport(DEBUG1,
				(errmsg_internal("building omenhnsw index \"%s\" using %u parallel workers (build threads of this backend)",
								 RelationGetRelationName(index), bs.nthreads - 1)));
	bs.buildCxt = AllocSetContextCreate(CurrentMemoryContext,
										"omenhnsw build",
										ALLOCSET_DEFAULT_SIZES);
	bs.tmpCxt = AllocSetContextCreate(CurrentMemoryContext,
									  "omenhnsw build row",
									  ALLOCSET_DEFAULT_SIZES);

	/* checks options and filter column types even when the table turns out empty */
	CheckBuildParams(index, &bs.params);
	bs.attrLayout = OmenHnswAttrLayoutGet(index);
	bs.rowAttrs = palloc0(Max(bs.attrLayout->size, 1));
	if (bs.dimKnown)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(bs.buildCxt);

		CreateBuilder(&bs);
		MemoryContextSwitchTo(oldcxt);
	}

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, OMENHNSW_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 (int64) Max(heap->rd_rel->reltuples, 0));

	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   BuildCallback, (void *) &bs, NULL);

	if (!bs.onDisk)
		WritePages(&bs);
	if (bs.nullRows > 0)
		OmenHnswNoteNullRow(index, true);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(index), true);

	MemoryContextDelete(bs.buildCxt);
	MemoryContextDelete(bs.tmpCxt);

	result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/*
 * omenhnswbuildempty
 *		ambuildempty: write an empty metapage into the init fork (unlogged
 *		tables).  The quantizer is trained by the first insert.
 */
void
omenhnswbuildempty(Relation index)
{
	omen_params_t params;
	Buffer		buf;
	Page		page;
	OmenHnswMetaPageData meta;

	InitParams(index, &params);
	OmenHnswInitMeta(&meta, params.dim, params.metric, params.quant,
					 params.m, params.ef_construction);
	meta.attrSize = OmenHnswAttrLayoutGet(index)->size;
	meta.attrVersion = meta.attrSize > 0 ? OMENHNSW_ATTR_VERSION : 0;

	buf = OmenHnswNewBuffer(index, INIT_FORKNUM);
	page = BufferGetPage(buf);
	START_CRIT_SECTION();
	OmenHnswInitPage(page, OMENHNSW_PAGE_META);
	memcpy(OmenHnswPageGetMeta(page), &meta, sizeof(meta));
	((PageHeader) page)->pd_lower =
		((char *) OmenHnswPageGetMeta(page) + sizeof(meta)) - (char *) page;
	MarkBufferDirty(buf);
	log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}
