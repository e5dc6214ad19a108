/*-------------------------------------------------------------------------
 *
 * omenhnsw.h
 *	  The omenhnsw index access method: on-disk format, lock ids and the
 *	  declarations shared by src/pg/omenhnsw*.c.
 *
 * The graph algorithms live in the C++ core (include/omendb/omen_core.h);
 * this shim only stores the byte strings ("node records") the core produces
 * and reads them back for it.  A record's size is fixed when the node is
 * created, so every later change is an in-place overwrite of the item.
 *
 * On-disk layout (any change bumps OMENHNSW_VERSION):
 *
 *	block 0				metapage: OmenHnswMetaPageData after the page header
 *						(pd_lower points past it, so full-page images may
 *						omit the hole).
 *	blocks b..b+k-1		quantizer blob pages: the core's quantizer state
 *						(e.g. a centering mean, 4 * dim bytes), split into
 *						chunks; each blob page holds one item, the next chunk.
 *						Contiguous; b and k are in the metapage.  A bulk build
 *						writes them right after the metapage; an index built
 *						empty writes them when the first vector is inserted.
 *	other blocks		element pages: one item per node, the item's bytes are
 *						the core's record, opaque to the shim except through
 *						the omen_record_* accessors.  At most
 *						OMENHNSW_MAX_ITEMS_PER_PAGE items per page.
 *
 * Every page has an OmenHnswPageOpaqueData special area telling its type and
 * carrying OMENHNSW_PAGE_ID.
 *
 * Node ids: id = (block number << 8) | (offset number - 1), so blocks are
 * limited to 24 bits (an index of at most 2^24 - 1 pages, 128 GB) and pages
 * to 256 items.  An item is never removed; its slot is reused (format 2):
 *
 *	live		a node of the graph.
 *	deleted		the core's deleted flag: VACUUM found its heap row dead.
 *				Scans still traverse it, never return it.
 *	free		deleted, and no node links to it any more (VACUUM repaired
 *				every list that did); its payload carries the free marker
 *				and the next slot of its free list.  An insert of a node of
 *				the same level overwrites it (records have one size per
 *				level, so the free lists are per level: the metapage keeps
 *				each list's head and length).
 *
 * Payloads (the record's first 8 bytes, which the core never interprets):
 *	bits 0-47	live and deleted nodes: the heap TID, (block << 16) | offset
 *	bits 48-62	a record written into a reused slot: the metapage's freeGen
 *				then (never 0); 0 for every other record, and VACUUM's
 *				mark pass sets it back to 0 once it is older than the
 *				current generation (so stamps never age into ambiguity)
 *	bit 63		free marker; bits 0-31 are then the next free slot of the
 *				same level (OMEN_INVALID_ID ends the list)
 * Scans in flight and slot reuse: VACUUM increments freeGen before it frees
 * any slot, so a reused slot always carries a later generation than any
 * reader that could have learnt its id before it was freed.  Every reader
 * notes freeGen when it opens the index, and the storage callback hands the
 * core a record of a later generation with the deleted flag set: it is
 * traversed, never returned, and never chosen as a neighbour.  VACUUM bumps
 * freeGen while it holds the insert lock exclusively, so inserts always run
 * with the current generation: only scans, which never write, can meet a
 * record newer than themselves.  A reader that opened the index after the free could only reach
 * the slot through a link, and once freed, no node links to it; the new node
 * in it is linked in by its own insert.  Readers that do see such a node lose
 * nothing: its row was inserted after they started, so their snapshot cannot
 * see it.
 *
 * Filter values (omenhnsw_filter.c): the values of a node's filter columns,
 * metapage attrSize bytes (0 and attrVersion 0 without filter columns),
 * live in its element page's special area, in an array after the page's
 * OmenHnswPageOpaqueData: slot off - 1 for the item at offset number off,
 * attrCap slots (as many as level-0 records fit, fixed when the page is
 * initialised), laid out by rows or by columns as attrVersion says ("Filter
 * columns" below).  Kept apart from the records so that the exact pass of a
 * filtered scan reads a page's values as a few short runs of cache lines: in
 * the item, each node's values cost a cache miss (5 ms per 100,000 nodes
 * against 0.4 without).  Items are the core's records only.
 *
 * All fields are in the server's native byte order, like every PostgreSQL
 * page; records are the core's little-endian byte strings.
 *
 * Behaviour that follows from the format (details in the .c files):
 *	- dimensions: fixed by the column's typmod, else by the first vector
 *	  indexed; any other dimension count is an ERROR (omenhnsw_build.c);
 *	- NULL vectors are not indexed; a NULL query walks the graph;
 *	- cosine: the zero vector is indexed, its distance is NaN, it sorts last
 *	  within its batch (omenhnsw_scan.c);
 *	- rows come out in exact distance order within a batch of
 *	  ef_search * rerank_factor candidates, relaxed across batches, and the
 *	  scan continues past ef_search (omenhnsw_scan.c);
 *	- quantization 'none' is refused when the largest record does not fit in
 *	  a page (about 1800 dimensions at m = 16);
 *	- locking and WAL: omenhnsw_insert.c and omenhnsw_vacuum.c.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMENHNSW_H
#define OMENHNSW_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "access/xact.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "utils/relcache.h"

#include "omendb/omen_core.h"
#include "pg/vector.h"

/* ------------------------------------------------------------------------
 * Format identification
 * ------------------------------------------------------------------------
 */
#define OMENHNSW_MAGIC			0x4F4D4E48	/* "OMNH" */
#define OMENHNSW_VERSION		2
/*
 * Format 1 (0.2.0 - 0.4.0 before issue 12) had the same records and a
 * shorter metapage, and never freed a slot: it is read as format 2 with
 * empty free lists, and the first write of its metapage makes it format 2
 * (OmenHnswMetaForWrite).
 */
#define OMENHNSW_MIN_VERSION	1

/*
 * Page id stored in every special area (pg_filedump and friends use it to
 * recognise the AM).  Distinct from bloom (0xFF83) and pgvector's ivfflat
 * (0xFF84) and hnsw (0xFF90).
 */
#define OMENHNSW_PAGE_ID		0xFF9A

/* Page types (OmenHnswPageOpaqueData.pageType) */
#define OMENHNSW_PAGE_META		1
#define OMENHNSW_PAGE_BLOB		2
#define OMENHNSW_PAGE_ELEMENT	3

#define OMENHNSW_METAPAGE_BLKNO	0

/* levels 0 .. 16: the core caps a node's level at 16 (record.hpp kLevelCap) */
#define OMENHNSW_LEVELS			17

/* Payload bits (see "Payloads" above) */
#define OMENHNSW_PAYLOAD_TID_MASK	((UINT64CONST(1) << 48) - 1)
#define OMENHNSW_PAYLOAD_GEN_SHIFT	48
#define OMENHNSW_GEN_MASK			0x7FFF
#define OMENHNSW_PAYLOAD_FREE		(UINT64CONST(1) << 63)
#define OmenHnswPayloadIsFree(p)	(((p) & OMENHNSW_PAYLOAD_FREE) != 0)
#define OmenHnswPayloadGen(p) \
	((uint32) (((p) >> OMENHNSW_PAYLOAD_GEN_SHIFT) & OMENHNSW_GEN_MASK))
#define OmenHnswFreeNext(p)			((uint32) ((p) & 0xFFFFFFFF))
/*
 * A record stamped a (non-zero) was written after a reader of generation b
 * opened the index.  Stamps are cleared by the next VACUUM but one, so a
 * non-zero stamp is never more than a few generations from the metapage's;
 * the window only has to cover how many VACUUMs a scan can outlive.
 */
#define OMENHNSW_GEN_WINDOW			1024
#define OmenHnswGenAfter(a, b) \
	((a) != 0 && \
	 (((a) - (b)) & OMENHNSW_GEN_MASK) != 0 && \
	 (((a) - (b)) & OMENHNSW_GEN_MASK) <= OMENHNSW_GEN_WINDOW)

/* Node id packing */
#define OMENHNSW_MAX_ITEMS_PER_PAGE 256
#define OMENHNSW_MAX_BLOCKS		((BlockNumber) 0x00FFFFFF)	/* exclusive */
#define OmenHnswMakeId(blkno, offnum) \
	((((uint32) (blkno)) << 8) | ((uint32) ((offnum) - 1)))
#define OmenHnswIdGetBlock(id)	((BlockNumber) ((id) >> 8))
#define OmenHnswIdGetOffset(id)	((OffsetNumber) (((id) & 0xFF) + 1))

/*
 * Heavyweight lock on a pseudo block number (never a real page since blocks
 * stop at 2^24).  Inserts and VACUUM's reconnect pass take it in ShareLock
 * and run concurrently; what changes the entry point (the first insert, a
 * node above the entry level, VACUUM replacing a deleted entry) takes
 * ExclusiveLock, and VACUUM takes it for a moment twice to wait out the
 * inserts in flight (omenhnsw_vacuum.c).  See omenhnsw_insert.c.
 */
#define OMENHNSW_INSERT_LOCK	((BlockNumber) 0xFFFFFFFE)

/*
 * Heavyweight lock held in ShareLock by every scan from its first tuple to
 * its end, and by VACUUM's repair pass: both read node codes with the
 * quantizer they opened.  The quantizer refresh (omenhnsw_refresh.c), which
 * rewrites every code, takes it in ExclusiveLock without waiting, so it only
 * runs while no code reader is in flight.
 */
#define OMENHNSW_SCAN_LOCK		((BlockNumber) 0xFFFFFFFD)

/* ------------------------------------------------------------------------
 * Page special area (every page)
 * ------------------------------------------------------------------------
 */
typedef struct OmenHnswPageOpaqueData
{
	uint16		pageType;		/* OMENHNSW_PAGE_META / _BLOB / _ELEMENT */
	uint16		flags;			/* reserved, zero */
	uint16		attrCap;		/* element pages of an index with filter
								 * columns: slots of the filter-value array
								 * after this struct (see "Filter values");
								 * else zero */
	uint16		pageId;			/* OMENHNSW_PAGE_ID */
} OmenHnswPageOpaqueData;

typedef OmenHnswPageOpaqueData *OmenHnswPageOpaque;

#define OmenHnswPageGetOpaque(page) \
	((OmenHnswPageOpaque) PageGetSpecialPointer(page))

/* An initialised element page of this AM */
static inline bool
OmenHnswIsElementPage(Page page)
{
	return !PageIsNew(page) &&
		OmenHnswPageGetOpaque(page)->pageType == OMENHNSW_PAGE_ELEMENT &&
		OmenHnswPageGetOpaque(page)->pageId == OMENHNSW_PAGE_ID;
}

/* The filter-value array of an element page (attrCap slots) */
#define OmenHnswPageAttrArray(page) \
	((uint8 *) PageGetSpecialPointer(page) + sizeof(OmenHnswPageOpaqueData))

/* ------------------------------------------------------------------------
 * Metapage contents (block 0, right after the page header)
 * ------------------------------------------------------------------------
 */
typedef struct OmenHnswMetaPageData
{
	uint32		magic;			/* OMENHNSW_MAGIC */
	uint32		version;		/* OMENHNSW_VERSION */
	uint32		dim;			/* dimensions; 0 until known (untyped column,
								 * index built empty) */
	uint32		metric;			/* omen_metric_t, from the opclass */
	uint32		quant;			/* omen_quant_t, from the reloption */
	uint32		m;				/* reloption m at build time */
	uint32		efConstruction; /* reloption ef_construction at build time */
	uint32		flags;			/* OMENHNSW_META_* bits */
	uint32		entryId;		/* entry point node id, OMEN_INVALID_ID if the
								 * graph has no live node */
	uint32		entryLevel;		/* level of the entry point */
	uint64		seed;			/* seed given to the core's builder */
	uint64		nodeCount;		/* records ever written, deleted included */
	BlockNumber blobStart;		/* first quantizer blob page, or
								 * InvalidBlockNumber */
	uint32		blobPages;		/* number of blob pages */
	uint32		blobLen;		/* quantizer state length in bytes */
	BlockNumber insertPage;		/* element page new records go to first (the
								 * last one extended), or InvalidBlockNumber */
	/* format 2; a format 1 metapage reads these as zero */
	uint32		freeGen;		/* slot-reuse generation, 15 bits, 1 .. 0x7FFF
								 * once VACUUM freed a slot (0: never), wraps
								 * past 0 (see "Payloads" above) */
	uint32		attrSize;		/* bytes after each record for the node's filter
								 * values (omenhnsw_filter.c); 0: no filter
								 * columns */
	uint32		attrVersion;	/* layout of that area: OMENHNSW_ATTR_VERSION,
								 * or 0 when attrSize is 0 */
	uint32		trainedAt;		/* nodeCount when the quantizer's mean was last
								 * computed (build, first insert, refresh:
								 * omenhnsw_refresh.c); 0 in indexes made
								 * before this field: never refreshed */
	uint64		reconnectCount; /* nodeCount when VACUUM last linked in the
								 * nodes scans could not reach */
	uint32		freeHead[OMENHNSW_LEVELS];	/* first free slot per level */
	uint32		freeCount[OMENHNSW_LEVELS]; /* length of that list (the list
											 * is empty when 0, whatever the
											 * head says) */
} OmenHnswMetaPageData;

/*
 * Slots that hold a node (live or deleted): every record ever written less
 * the free slots.  The graph's size for the core's insert plans.
 */
static inline uint64
OmenHnswOccupiedSlots(const OmenHnswMetaPageData *meta)
{
	uint64		n = meta->nodeCount;
	int			lv;

	if (meta->version >= 2)
		for (lv = 0; lv < OMENHNSW_LEVELS; lv++)
			n -= Min(n, (uint64) meta->freeCount[lv]);
	return n;
}

/* metapage bytes of format 1 (before freeGen) */
#define OMENHNSW_META_V1_SIZE	offsetof(OmenHnswMetaPageData, freeGen)

typedef OmenHnswMetaPageData *OmenHnswMetaPage;

/* The quantizer is known (trained) and dim is set: the core can open. */
#define OMENHNSW_META_TRAINED	0x0001
/*
 * Rows whose vector is NULL are not in the graph; a scan that has returned
 * every indexed row returns them last, as a sequential scan sorts them
 * (omenhnsw_scan.c, NextNullRow), finding them with a table scan.  Indexes
 * built by this version track whether any such row was ever indexed
 * (NULLS_TRACKED), so that scans of indexes without one skip that table
 * scan; HAS_NULLS is set by the first such row and never cleared (REINDEX
 * does).  Older indexes (NULLS_TRACKED clear) always look.
 */
#define OMENHNSW_META_NULLS_TRACKED	0x0002
#define OMENHNSW_META_HAS_NULLS	0x0004

#define OmenHnswPageGetMeta(page) \
	((OmenHnswMetaPage) PageGetContents(page))

/* Largest item a page can take (one line pointer, our special area). */
#define OMENHNSW_MAX_RECORD_SIZE \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
	 MAXALIGN(sizeof(OmenHnswPageOpaqueData)) - sizeof(ItemIdData))

/* Quantizer bytes per blob page (one item per page). */
#define OMENHNSW_BLOB_CHUNK		(OMENHNSW_MAX_RECORD_SIZE & ~((Size) 7))

/* ------------------------------------------------------------------------
 * Options, GUCs, defaults
 * ------------------------------------------------------------------------
 */
#define OMENHNSW_DEFAULT_M				16
#define OMENHNSW_MIN_M					OMEN_MIN_M
#define OMENHNSW_MAX_M					OMEN_MAX_M
#define OMENHNSW_DEFAULT_EF_CONSTRUCTION 64
#define OMENHNSW_MIN_EF_CONSTRUCTION	4
#define OMENHNSW_MAX_EF_CONSTRUCTION	OMEN_MAX_EF_CONSTRUCTION
/*
 * quantization = 'auto' (the default) resolves, once the dimension is known, to
 * 'rabitq' (2-bit codes, re-ranked from the heap: 0.97 recall@10 at the default
 * ef_search on 128-d data, a quarter of pgvector's index size) for vectors of
 * at least OMENHNSW_AUTO_QUANT_MIN_DIM dimensions, and to 'none' below: codes of
 * a few bits cannot rank such short vectors, and their float form is no
 * bigger than the neighbour list anyway.  The metapage stores the resolved
 * mode; OMENHNSW_QUANT_AUTO is never passed to the core.
 */
#define OMENHNSW_QUANT_AUTO				100
#define OMENHNSW_DEFAULT_QUANT			OMENHNSW_QUANT_AUTO
#define OMENHNSW_AUTO_QUANT_MIN_DIM		32
#define OMENHNSW_DEFAULT_EF_SEARCH		40
#define OMENHNSW_DEFAULT_RERANK_FACTOR	2
/* 2.5: at 128 dimensions a third fewer rows read than re-ranking whole batches, recall unchanged */
#define OMENHNSW_DEFAULT_RERANK_SIGMAS	2.5
/*
 * added to rerank_sigmas in a filtered scan (omenhnsw_scan.c, StartSearch),
 * until its first slice shows at least this share of the nodes passing
 */
#define OMENHNSW_FILTER_EXTRA_SIGMAS	1.5
#define OMENHNSW_FILTER_NARROW_RATE		0.5
#define OMENHNSW_BUILD_SEED				UINT64CONST(0x4F6D656E44420001)
/* bulk-build threads: 1 + max_parallel_maintenance_workers, at most this */
#define OMENHNSW_MAX_BUILD_THREADS		8
/* nodes per omen_builder_build_step call (interrupt/progress granularity) */
#define OMENHNSW_BUILD_STEP				1000

/* cost model calibration (see omenhnswcostestimate) */
#define OMENHNSW_RERANK_SCALE			270.0
/* PostgreSQL cost units per microsecond of a cached B-tree bitmap plan */
#define OMENHNSW_COST_PER_US			1.7

/* Build sub-phases (PROGRESS_CREATEIDX_SUBPHASE); 1 is "initializing" */
#define OMENHNSW_PHASE_LOAD		2
#define OMENHNSW_PHASE_GRAPH	3
#define OMENHNSW_PHASE_WRITE	4

typedef struct OmenHnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			m;
	int			efConstruction;
	int			quantization;	/* omen_quant_t */
	int			construction;	/* OMENHNSW_CONSTRUCTION_* */
} OmenHnswOptions;

/* reloption construction: the distances the bulk build orders candidates by */
#define OMENHNSW_CONSTRUCTION_EXACT		0
#define OMENHNSW_CONSTRUCTION_QUANTIZED	1

extern int	omenhnsw_ef_search;

/* omenhnsw.filter_strategy (omenhnsw_scan.c, "Filters") */
#define OMENHNSW_FILTER_STRATEGY_AUTO	0
#define OMENHNSW_FILTER_STRATEGY_GRAPH	1
#define OMENHNSW_FILTER_STRATEGY_EXACT	2
extern int	omenhnsw_filter_strategy;
extern bool omenhnsw_first_batch_final;
extern int	omenhnsw_hold_batches;
/* expansions per slice of a filtered graph search */
#define OMENHNSW_FILTER_SLICE			32
/*
 * expansions per slice of a plain search: how far a batch's search may run
 * before the scan weighs the exact pass again (omenhnsw_scan.c, "A plain scan
 * gone deep"); a LIMIT 10 query's beam rarely needs more
 */
#define OMENHNSW_PLAIN_SLICE			512
/*
 * What a scan costs, in microseconds (100,000 x 128 clustered rows, 2-core
 * VM, warm, 40 queries per case in a PL/pgSQL loop, LIMIT 10): a graph
 * expansion (2m node reads and estimates) 2.0 (1.7-2.4 measured on filtered
 * graph searches at 0.1-10%); a plain scan's continuation (the executor
 * filters) expands about OMENHNSW_SETTLE_EXPANSIONS nodes per row it hands
 * out (10% filter: 255 expansions for 104 rows, 0.89 ms with the re-ranks);
 * a filtered graph search about OMENHNSW_FILTER_EXPANSIONS per node it gets
 * past, matching or not (10%: 518 expansions, 0.87 ms; 5%: 870, 1.6 ms; 1%:
 * 10,943, 23 ms; 0.3%: 23,930, 52 ms; 0.1%: 39,754, 76 ms); the exact pass
 * reads a node's filter values in 0.004 (0.4 ms per 100,000 nodes) and a
 * matching node's code in 0.2 (100 / 1,000 / 5,000 / 10,000 matching: 0.50 /
 * 0.87 / 1.34 / 1.9-2.2 ms).  Calibrated 2026-12-03; the constants before
 * (4.4 us an expansion, 3 expansions a node, 0.8 us a match) priced the
 * exact pass four times too high at 10% and a plain scan's continuation 1.7
 * times, so a generic plan for a 10% filter that its statistics averaged to
 * 0.7% (a B-tree bitmap, 10 ms) undercut the index's custom plan (0.9 ms)
 * and the plan cache kept it.  The scan (to switch to the exact pass) and
 * the planner (to cost it) both predict with OmenHnswFilterGraphUs /
 * OmenHnswFilterExactUs, for OMENHNSW_FILTER_ROWS rows at a filter pass
 * rate.
 */
#define OMENHNSW_EXPANSION_US			2.0
#define OMENHNSW_SETTLE_EXPANSIONS		2.5
#define OMENHNSW_FILTER_EXPANSIONS		5.0
#define OMENHNSW_EXACT_NODE_US			0.004
#define OMENHNSW_EXACT_MATCH_US			0.2
#define OMENHNSW_FILTER_ROWS			10
#define OmenHnswFilterGraphUs(rows, rate) \
	(OMENHNSW_FILTER_EXPANSIONS * (rows) / Max((rate), 1e-6) * OMENHNSW_EXPANSION_US)
#define OmenHnswFilterExactUs(nodes, rate) \
	((nodes) * (OMENHNSW_EXACT_NODE_US + (rate) * OMENHNSW_EXACT_MATCH_US))
extern int	OmenHnswEfSearch(void);
extern int	omenhnsw_rerank_factor;
extern double omenhnsw_rerank_sigmas;

/*
 * How a scan continues past its first ef_search candidates (omenhnsw.iterative_scan,
 * pgvector's hnsw.iterative_scan; see omenhnsw.c, OmenHnswGetScanSettings).
 */
typedef enum OmenHnswIterativeScan
{
	OMENHNSW_ITERATIVE_OFF = 0,			/* only the first ef_search rows */
	OMENHNSW_ITERATIVE_RELAXED = 1,		/* continue; a late row may be closer */
	OMENHNSW_ITERATIVE_STRICT = 2		/* continue; rows in exact order */
} OmenHnswIterativeScan;

#define OMENHNSW_DEFAULT_ITERATIVE_SCAN	OMENHNSW_ITERATIVE_STRICT

/* The settings one scan runs with, resolved from both GUC families. */
/*
 * The smallest beam a scan that continues (iterative_scan strict_order or
 * relaxed_order) searches with: below it, the continuation that finds the
 * rows a too-narrow first batch missed costs more than the wider batch.
 * synth-100k-128, LIMIT 10: ef_search 10 gave 881 QPS, recall@10 0.931 and
 * p99 13.4 ms (up to 6,425 expansions); 40 gave 1,673 QPS, 0.990 and
 * 0.88 ms.  iterative_scan = off keeps ef_search as given (it bounds the
 * rows returned), and so does a scan with max_scan_tuples or
 * scan_mem_multiplier set (they bound its work).
 */
#define OMENHNSW_MIN_BEAM_EF			40

/*
 * Larger graphs need a wider smallest beam: the rows near a query lie closer
 * together, so a narrow first batch is held back longer (its rows wait for
 * the estimate's error margin) and its continuation pulls more batches, and
 * a narrow beam more often ends in a local minimum whose rows strict_order
 * has already returned when the continuation finds the closer ones.  Above
 * OMENHNSW_BEAM_SCALE_NODES nodes the smallest beam grows as the node count
 * to the power 0.7 (201 at 1,000,000), up to OMENHNSW_MAX_MIN_BEAM_EF.
 * 1,000,000 x 128 clustered rows, LIMIT 10, 200 queries, dev cluster: with
 * 40, ef_search 40 gave 293 QPS, recall@10 0.964, p99 5.5 ms and one query
 * of 92 ms (70 batches: its first batch returned rows at 9.3-13.5 before the
 * continuation found the nearest at 7.0, and strict_order skipped 5,509
 * closer rows after them); beams of 126 / 160 / 200 / 250 gave 334-404 /
 * 374 / 428-454 / 447 QPS at recall 0.983 and at most 5.5-7 ms; 201 now
 * gives ef_search 40 369-449 QPS (noise), 0.983, at most 5.8-6.8 ms.
 */
#define OMENHNSW_BEAM_SCALE_NODES		100000
#define OMENHNSW_MAX_MIN_BEAM_EF		400

typedef struct OmenHnswScanSettings
{
	int			efSearch;		/* the setting: rows returned when iterative
								 * is off */
	int			beamEf;			/* the beam searched with: efSearch, at least
								 * OMENHNSW_MIN_BEAM_EF unless iterative is off
								 * or the scan's work is capped */
	int			iterative;		/* OmenHnswIterativeScan */
	int			maxScanTuples;	/* candidates a scan may visit; 0: no cap */
	double		memMultiplier;	/* scan memory cap, x work_mem; 0: no cap */
} OmenHnswScanSettings;

extern void OmenHnswGetScanSettings(OmenHnswScanSettings *settings);
extern void OmenHnswScaleBeam(OmenHnswScanSettings *settings, double nodes);

/* ------------------------------------------------------------------------
 * Storage callback context: lets the core read records, catching errors
 * ------------------------------------------------------------------------
 */
/*
 * Buffers a scan keeps pinned between reads, direct-mapped by block number.
 * A search reads a thousand or more records, many on pages it already read;
 * a held pin turns those reads into a lock of a known buffer instead of a
 * shared buffer-mapping lookup (the largest single cost in profiles).  Pins
 * are not locks: writers are not blocked, and records are still copied under
 * a share lock.  Released by OmenHnswStorageReleasePins.
 */
#define OMENHNSW_PIN_CACHE_SIZE 128

typedef struct OmenHnswPinCache
{
	BlockNumber blkno[OMENHNSW_PIN_CACHE_SIZE];
	Buffer		buf[OMENHNSW_PIN_CACHE_SIZE];
} OmenHnswPinCache;

typedef struct OmenHnswStorage
{
	omen_storage_t api;			/* handed to the core; api.ctx = this */
	Relation	index;
	MemoryContext callerCxt;	/* where the saved error is copied */
	ErrorData  *error;			/* saved error, rethrown by the shim */
	OmenHnswPinCache *pins;		/* scans only; NULL: pin per read */
	Size		minRecord;		/* smallest valid node record (0: unchecked) */
	uint32		freeGen;		/* metapage freeGen when the reader opened the
								 * index: later records read as deleted */
	uint32		attrSize;		/* bytes of filter values after each record */
	const struct OmenHnswFilter *filter;	/* scans with filter keys: records
											 * it rejects are marked so */
	int64		filterChecks;	/* records the filter was evaluated on */
	int64		filterPasses;	/* ... and passed */
} OmenHnswStorage;

/*
 * Handles owned by a memory context: the core handle is freed when the
 * context is reset or deleted (also on ERROR), or earlier through
 * OmenHnswHandleRelease.
 */
typedef struct OmenHnswHandle
{
	void	   *ptr;
	void		(*free_fn) (void *);
} OmenHnswHandle;

/* The index's parameters and opened core index, as read from the metapage */
typedef struct OmenHnswState
{
	OmenHnswMetaPageData meta;	/* copy of the metapage */
	omen_params_t params;
	omen_index_t *index;		/* NULL if not trained */
	OmenHnswHandle *handle;		/* owns index */
} OmenHnswState;

/*
 * What an index's values are: the opclass's input type (rd_opcintype[0]),
 * which says how a value becomes the float vector the core indexes (see
 * OmenHnswDatumToVector).  The varlena layouts alone cannot tell them apart.
 */
typedef enum OmenHnswInputType
{
	OMENHNSW_INPUT_VECTOR = 0,
	OMENHNSW_INPUT_HALFVEC = 1,
	OMENHNSW_INPUT_SPARSEVEC = 2,	/* densified: at most OMEN_MAX_DIM dimensions */
	OMENHNSW_INPUT_BIT = 3		/* bits as 0/1 elements */
} OmenHnswInputType;

/* ------------------------------------------------------------------------
 * Filter columns (omenhnsw_filter.c)
 * ------------------------------------------------------------------------
 */
#define OMENHNSW_MAX_FILTER_COLUMNS 31

/*
 * The layouts of a page's filter-value array (metapage attrVersion).  A
 * node's area is attrSize bytes: a 4-byte word of NULL bits, then 8-byte
 * words (one per scalar column, two per array column; omenhnsw_filter.c).
 *	ROWS (1, indexes built before the columns layout; their inserts keep
 *	it until REINDEX): slot s (offset number s + 1) holds its node's area
 *	at s * attrSize.
 *	COLUMNS (2, what builds write): the NULL-bit words of all attrCap slots
 *	first, then word 0 of every slot, word 1 of every slot, and so on: a
 *	filter on one column reads 12 bytes per node instead of the whole area.
 */
#define OMENHNSW_ATTR_ROWS			1
#define OMENHNSW_ATTR_COLUMNS		2
#define OMENHNSW_ATTR_VERSION		OMENHNSW_ATTR_COLUMNS	/* new indexes */
#define OMENHNSW_ATTR_NULLBITS		4	/* bytes of the NULL-bit word */

/*
 * Where byte `at` of slot's area lies in an array of attrCap slots (its
 * offset from the array's start): at is 0 (the NULL bits) or the first byte
 * of an 8-byte word.
 */
static inline Size
OmenHnswAttrOffset(uint32 attrVersion, uint32 attrSize, uint32 attrCap,
				   uint32 slot, uint32 at)
{
	if (attrVersion == OMENHNSW_ATTR_ROWS)
		return (Size) slot * attrSize + at;
	if (at == 0)
		return (Size) slot * OMENHNSW_ATTR_NULLBITS;
	return (Size) attrCap * OMENHNSW_ATTR_NULLBITS +
		((Size) ((at - OMENHNSW_ATTR_NULLBITS) / 8) * attrCap + slot) * 8;
}

static inline uint8 *
OmenHnswAttrAt(const uint8 *array, uint32 attrVersion, uint32 attrSize,
			   uint32 attrCap, uint32 slot, uint32 at)
{
	return (uint8 *) array +
		OmenHnswAttrOffset(attrVersion, attrSize, attrCap, slot, at);
}

/* The distance between the same byte of consecutive slots (see above) */
static inline uint32
OmenHnswAttrStride(uint32 attrVersion, uint32 attrSize, uint32 at)
{
	if (attrVersion == OMENHNSW_ATTR_ROWS)
		return attrSize;
	return at == 0 ? OMENHNSW_ATTR_NULLBITS : 8;
}

/* kinds of filter values (see omenhnsw_filter.c for the encodings) */
#define OMENHNSW_ATTR_INT		1
#define OMENHNSW_ATTR_FLOAT		2
#define OMENHNSW_ATTR_NUMERIC	3
#define OMENHNSW_ATTR_HASH		4
#define OMENHNSW_ATTR_ARRAY		5

typedef struct OmenHnswAttrColumn
{
	int			attno;			/* index column, 2 .. */
	int			kind;			/* OMENHNSW_ATTR_* */
	Oid			type;			/* the column's type */
	Oid			collation;
	Oid			elemType;		/* arrays */
	Oid			hashProc;		/* HASH, ARRAY: extended hash of the (element) type */
	int16		elemLen;
	bool		elemByVal;
	char		elemAlign;
	uint32		offset;			/* in the attribute area */
} OmenHnswAttrColumn;

typedef struct OmenHnswAttrLayout
{
	int			ncols;			/* filter columns (key columns after the vector) */
	uint32		size;			/* bytes of the attribute area; 0 without filter columns */
	OmenHnswAttrColumn cols[FLEXIBLE_ARRAY_MEMBER];
} OmenHnswAttrLayout;

typedef struct OmenHnswFilterKey
{
	OmenHnswAttrColumn column;
	int			strategy;
	int			nvals;			/* scalar kinds: the argument(s), encoded */
	uint64	   *vals;
	uint64		sig[2];			/* arrays: the argument's signature */
} OmenHnswFilterKey;

/* A scan's keys on filter columns, compiled */
typedef struct OmenHnswFilter
{
	int			nkeys;
	OmenHnswFilterKey *keys;
	bool		lossy;			/* some key may pass nodes the clause rejects */
	bool		never;			/* some key can match nothing (NULL argument) */
	uint32		attrSize;
	uint32		attrVersion;	/* the index's layout of filter values */
	uint32		keyColumns;		/* bit i: some key searches filter column i */
	uint32		nullColumns;	/* bit i: filter column i IS NULL */
	uint32		notNullColumns; /* bit i: filter column i IS NOT NULL */
} OmenHnswFilter;

extern OmenHnswAttrLayout *OmenHnswAttrLayoutGet(Relation index);
extern void OmenHnswAttrEncode(const OmenHnswAttrLayout *lay, Datum *values,
							   bool *isnull, uint8 *out);
extern OmenHnswFilter *OmenHnswFilterCreate(Relation index, ScanKey keys,
											int nkeys, uint32 attrSize,
											uint32 attrVersion);
extern int	OmenHnswVectorNullTest(ScanKey keys, int nkeys);
extern bool OmenHnswFilterMatch(const OmenHnswFilter *f, Page page,
								OffsetNumber off);
extern void OmenHnswPutAttrs(Page page, uint32 attrVersion, uint32 attrSize,
							 OffsetNumber off, const uint8 *attrs);
extern uint32 *OmenHnswFilterCollect(Relation index, const OmenHnswFilter *f,
									 uint32 freeGen, Size prefixLen, uint8 **prefixes,
									 uint32 *count);

/* omenhnsw.c */
extern void omenhnswcostestimate(struct PlannerInfo *root, struct IndexPath *path, double loop_count,
								 Cost *indexStartupCost, Cost *indexTotalCost,
								 Selectivity *indexSelectivity, double *indexCorrelation,
								 double *indexPages);
extern int	OmenHnswMetricFromProc(Oid procoid);
extern OmenHnswInputType OmenHnswGetInputType(Relation index);
extern omen_metric_t OmenHnswGetMetric(Relation index);
extern int	OmenHnswGetM(Relation index);
extern int	OmenHnswGetEfConstruction(Relation index);
extern bool OmenHnswEfConstructionGiven(Relation index);
extern omen_quant_t OmenHnswGetQuant(Relation index);
extern bool OmenHnswGetQuantizedConstruction(Relation index);
extern omen_quant_t OmenHnswResolveQuant(omen_quant_t quant, uint32 dim);

/* omenhnsw_plan.c */
extern void OmenHnswPlanInit(void);

/* omenhnsw_page.c: pages, metapage, blobs and every page writer */
extern void OmenHnswInitPage(Page page, uint16 pageType);
extern uint16 OmenHnswAttrCap(Size recordSize0, uint32 attrSize);
extern void OmenHnswInitElementPage(Page page, uint16 attrCap, uint32 attrSize);
extern Buffer OmenHnswNewBuffer(Relation index, ForkNumber forkNum);
extern void OmenHnswInitMeta(OmenHnswMetaPage meta, uint32 dim,
							 omen_metric_t metric, omen_quant_t quant,
							 uint32 m, uint32 efConstruction);
extern void OmenHnswReadMeta(Relation index, OmenHnswMetaPage meta);
extern void OmenHnswCheckMeta(Relation index, OmenHnswMetaPage meta);
extern void OmenHnswMetaToParams(OmenHnswMetaPage meta, omen_params_t *params);
extern uint8 *OmenHnswReadBlob(Relation index, OmenHnswMetaPage meta);
extern void OmenHnswOpenState(Relation index, OmenHnswState *state,
							  MemoryContext cxt);
extern uint64 OmenHnswTidToPayload(ItemPointer tid);
extern void OmenHnswPayloadToTid(uint64 payload, ItemPointer tid);
extern Vector *OmenHnswDatumToVector(Datum value, OmenHnswInputType type);
extern void OmenHnswCheckSparseDim(int64 dim);
extern void OmenHnswCheckDim(Relation index, uint32 expected, int actual);
extern void OmenHnswCheckRecordSize(Relation index, Size len);
extern BlockNumber OmenHnswWriteBlob(Relation index, const uint8 *blob,
									 Size len, bool building, uint32 *npages);
extern OmenHnswMetaPage OmenHnswMetaForWrite(Page page);
extern uint32 OmenHnswBumpFreeGen(Relation index);
extern void OmenHnswSetReconnectCount(Relation index, uint64 count);
extern void OmenHnswNoteNullRow(Relation index, bool building);
extern void OmenHnswRewriteBlob(Relation index, const OmenHnswMetaPageData *meta,
								const uint8 *blob, uint64 trainedAt);
extern int	OmenHnswOverwriteCodes(Relation index, BlockNumber blkno, int n,
								   const OffsetNumber *offs, const uint8 *images,
								   Size stride, Size from, Size to);
extern uint32 OmenHnswFreeSlots(Relation index, BlockNumber blkno,
								BufferAccessStrategy strategy);
extern uint32 OmenHnswAddRecord(Relation index, const uint8 *record, Size len,
								const uint8 *attrs, bool building,
								const OmenHnswMetaPageData *trainedMeta,
								int entryLevel);
extern void OmenHnswWriteEdits(Relation index, omen_edit_t *edits, uint32 n,
							   bool building, bool *stale);
extern void OmenHnswSetEntry(Relation index, uint32 id, uint32 level,
							 bool building);
extern void OmenHnswWriteLinks(Relation index, OmenHnswState *state,
							   OmenHnswStorage *storage, omen_edit_t *edits,
							   uint32 n, bool building);

/* omenhnsw_storage.c: the core's record reads, pins, hints, core handles */
extern void OmenHnswCheckStatus(omen_status_t st, OmenHnswStorage *storage,
								const char *what);
extern Buffer OmenHnswReadHinted(Relation index, Relation rel, BlockNumber blkno);
extern void OmenHnswStorageInit(OmenHnswStorage *storage, Relation index,
								const omen_index_t *core,
								const OmenHnswMetaPageData *meta);
extern void OmenHnswStorageEnablePins(OmenHnswStorage *storage, MemoryContext cxt);
extern void OmenHnswStorageReleasePins(OmenHnswStorage *storage);
extern OmenHnswHandle *OmenHnswHandleRegister(MemoryContext cxt, void *ptr,
											  void (*free_fn) (void *));
extern void OmenHnswHandleRelease(OmenHnswHandle *handle);
extern void OmenHnswFreeIndexCb(void *p);
extern void OmenHnswFreeScanCb(void *p);
extern void OmenHnswFreePlanCb(void *p);
extern void OmenHnswFreeBuilderCb(void *p);

/* omenhnsw_build.c */
extern IndexBuildResult *omenhnswbuild(Relation heap, Relation index,
									   IndexInfo *indexInfo);
extern void omenhnswbuildempty(Relation index);

/* omenhnsw_insert.c */
extern bool omenhnswinsert(Relation index, Datum *values, bool *isnull,
						   ItemPointer heap_tid, Relation heap,
						   IndexUniqueCheck checkUnique,
						   bool indexUnchanged,
						   IndexInfo *indexInfo);
extern void OmenHnswInsertVector(Relation index, const float *x, int dim,
								 ItemPointer tid, bool building,
								 const uint8 *attrs, uint32 attrSize,
								 Relation heap, IndexInfo *indexInfo);

/* omenhnsw_refresh.c */
extern int	omenhnsw_open_scans;
extern bool OmenHnswRefreshDue(const OmenHnswMetaPageData *meta);
extern bool OmenHnswRefreshLock(Relation index);
extern void OmenHnswRefreshQuantizer(Relation index, Relation heap,
									 IndexInfo *indexInfo, OmenHnswState *state);
extern void OmenHnswScanLock(Relation index);
extern void OmenHnswScanUnlock(Relation index);
extern void OmenHnswXactCallback(XactEvent event, void *arg);

/* omenhnsw_scan.c */
extern IndexScanDesc omenhnswbeginscan(Relation index, int nkeys, int norderbys);
extern void omenhnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
						   ScanKey orderbys, int norderbys);
extern bool omenhnswgettuple(IndexScanDesc scan, ScanDirection dir);
extern void omenhnswendscan(IndexScanDesc scan);

/* omenhnsw_vacuum.c */
extern IndexBulkDeleteResult *omenhnswbulkdelete(IndexVacuumInfo *info,
												 IndexBulkDeleteResult *stats,
												 IndexBulkDeleteCallback callback,
												 void *callback_state);
extern IndexBulkDeleteResult *omenhnswvacuumcleanup(IndexVacuumInfo *info,
													IndexBulkDeleteResult *stats);

/* omenhnsw_info.c */
extern Oid	OmenHnswCheckTarget(Oid indexoid, Oid amoid, const char *funcname);
extern bool OmenHnswIsOmenHnswAm(Oid amoid);

/* omenhnsw_validate.c */
extern bool omenhnswvalidate(Oid opclassoid);

#endif							/* OMENHNSW_H */
