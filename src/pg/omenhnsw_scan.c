/*-------------------------------------------------------------------------
 *
 * omenhnsw_scan.c
 *	  Ordered scans of an omenhnsw index (ORDER BY vector <op> constant).
 *
 * The core runs a resumable best-first search (omen_scan_next).  The shim
 * pulls candidates in batches and returns rows with xs_recheckorderby =
 * false: the ORDER BY value it reports for a row is omen_distance() of the
 * row's value, the very function the SQL operator calls, so the executor
 * never re-sorts and the SELECT list shows the same value bit for bit.
 *
 *	- exact candidates (quantization 'none' with L2, inner product or L1;
 *	  omen_index_exact_candidates): the core's distances are that value; a
 *	  batch is ef_search candidates.
 *	- otherwise (quantized codes; cosine, whose records hold normalised
 *	  vectors; sparsevec, whose ORDER BY value is the sparsevec operator's,
 *	  not the dense kernels'): candidate distances are estimates.  A batch is ef_search *
 *	  omenhnsw.rerank_factor candidates; for each one the shim fetches the
 *	  heap row with the scan's snapshot (invisible rows are dropped),
 *	  computes the indexed value (the expression's value for an expression
 *	  index) and its exact distance.  On heap tables with an MVCC snapshot
 *	  the fetch is done here (heap_hot_search_buffer on a page pinned through
 *	  the index's buffer hints, see OmenHnswReadHinted), other table AMs go
 *	  through table_index_fetch_tuple.
 *
 * Re-ranked rows go into a pool (a min-heap on exact distance, NaN last, ties
 * by TID) that outlives batches.  A row leaves the pool only when no row not
 * yet in the pool can be closer, as far as the scan can tell (LaterBound, PendingBound):
 * the candidates of the batch still to re-rank are bounded by their lower
 * bounds or estimates, and the candidates the core has not handed out yet by
 * the core's floor (omen_scan_floor: the estimate below which it expects
 * nothing more) less the largest overestimate seen in this scan.  Otherwise the next batch is pulled first,
 * continuing the same search.  So a LIMIT larger than ef_search, or a WHERE
 * clause that rejects most rows, keeps getting rows in order until the graph
 * is exhausted.
 *
 * Neither bound is a proof: a graph search can find a closer row late.
 * omenhnsw.iterative_scan (pgvector's hnsw.iterative_scan) says what then:
 * strict_order (the default) skips such a row, so rows always come out in
 * non-decreasing ORDER BY value; relaxed_order returns it where it was found;
 * off returns at most ef_search rows from the first batch, as pgvector does.
 * omenhnsw.max_scan_tuples and omenhnsw.scan_mem_multiplier (pgvector's
 * hnsw.* names too) end a scan early; by default nothing does.
 *
 * ORDER BY v <-> NULL: a sequential scan returns every row (all distances
 * NULL); the scan does the same, walking the graph (omen_scan_begin with no
 * query) and reporting NULL ORDER BY values.  Rows whose vector is NULL are
 * not in the graph: every scan returns them last, from a pass over the table
 * (NextNullRow), as a sequential scan sorts them.
 *
 * Deleted nodes are skipped by the core.  A TID is returned only if its node
 * was live when read; since VACUUM marks nodes deleted before the heap
 * reuses their TIDs, and a reused TID holds a row inserted after our
 * snapshot, an MVCC scan never returns a stale row.  A scan holds
 * OMENHNSW_SCAN_LOCK in ShareLock from its first search to amendscan, so
 * that no quantizer refresh rewrites codes under it (omenhnsw_refresh.c),
 * and at most one buffer share lock at a time (in the storage callback),
 * never across an ereport.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/omenhnsw.h"

typedef struct OmenHnswResult
{
	ItemPointerData tid;
	float8		distance;
} OmenHnswResult;

typedef struct OmenHnswScanOpaqueData
{
	MemoryContext scanCxt;		/* lives as long as the scan */
	MemoryContext queryCxt;		/* reset by every rescan: core handles */
	MemoryContext batchCxt;		/* reset for every batch */
	bool		first;			/* next gettuple starts the search */
	bool		locked;			/* holds OMENHNSW_SCAN_LOCK (first search to
								 * endscan; omenhnsw_refresh.c) */
	bool		exhausted;		/* the core has no more candidates (or a cap ended the scan) */
	bool		capped;			/* max_scan_tuples / scan_mem_multiplier ended it */
	int			vectorNulls;	/* the keys' SK_SEARCHNULL / SK_SEARCHNOTNULL on the vector */
	bool		nullsListed;	/* nullTids holds the rows whose vector is NULL */
	ItemPointerData *nullTids;	/* those rows (root TIDs), in queryCxt */
	int64		nnull;
	int64		nullPos;		/* next of nullTids to return */
	bool		walk;			/* every row in graph order: the query is NULL, or a
								 * zero vector under cosine (every distance NaN) */
	bool		walkNaN;		/* walk: ORDER BY values NaN (else NULL) */
	bool		exact;			/* candidates carry exact distances */
	bool		exactCodes;		/* the index keeps float vectors (quantization none) */
	OmenHnswScanSettings settings;
	int64		visitedTuples;	/* candidates pulled from the core */
	int64		returned;		/* rows returned */
	int64		skipped;		/* strict_order: late rows skipped */
	bool		haveLast;
	float8		lastDistance;	/* the last row's ORDER BY value */
	int			walkPos;		/* walk: next of cands[0 .. npending) */
	OmenHnswState state;
	OmenHnswStorage storage;
	omen_scan_t *search;
	OmenHnswFilter *filter;		/* keys on filter columns, or NULL */
	bool		restricted;		/* the exact pass over the matching nodes runs */
	double		nodes;			/* nodes in the index (metapage), for the switch */
	uint32		exactNodes;		/* nodes the exact pass listed */
	bool		phase1Seen;		/* the first slice of the search ran */
	bool		sigmasNarrowed;	/* a filter most nodes pass: plain scan's sigmas */
	int			batches;		/* batches pulled with candidates */
	int			heldBatches;	/* batches pulled while rows waited in the pool */
	int64		heldCands;		/* candidates those batches brought */
	OmenHnswInputType inputType;	/* what the indexed values are */
	Vector	   *query;
	Datum		queryDatum;		/* sparsevec: the query as given, in queryCxt */
	uint32		batchSize;
	omen_candidate_t *cands;	/* candsSize, in queryCxt */
	uint32		candsSize;		/* a batch and the candidates a held pull
								 * carries over */
	float8	   *minEstimate;	/* bounded order: minEstimate[i] = least estimate
								 * of cands[i ..], in queryCxt */
	OmenHnswResult *pool;		/* re-ranked rows not yet returned: a min-heap,
								 * in queryCxt */
	int			npool;
	int			poolSize;		/* allocated entries */
	float8		floor;			/* no later candidate's estimate is expected below
								 * this (omen_scan_floor) */
	float8		listLower;		/* an exact pass: no later candidate's lower
								 * bound is below this (omen_scan_list_lower) */

	/*
	 * Lazy re-rank (quantized indexes): the batch's candidates not re-ranked
	 * yet are cands[pendingPos .. npending), sorted by estimate.
	 */
	int			npending;
	int			pendingPos;
	int			reranked;		/* candidates re-ranked in this scan */
	float8		maxOver;		/* largest estimate - exact seen in this scan */
	float8		minRatio;		/* L1: least exact / estimate seen (see L1Bound) */
	float8		maxSpread;		/* largest estimate - lower bound seen in this scan */
	bool		lazy;			/* rows are stored out of line: re-rank lazily */
	bool		bounded;		/* the batch has lower bounds: re-rank in their order */

	/* heap access for the re-rank (quantized indexes), created lazily */
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	IndexInfo  *indexInfo;
	EState	   *estate;
	bool		heapam;			/* heap table, MVCC snapshot: the fast fetch */
} OmenHnswScanOpaqueData;

typedef OmenHnswScanOpaqueData *OmenHnswScanOpaque;

/* What the last search of this backend did: omenhnsw_last_scan() */
typedef struct OmenHnswLastScan
{
	bool		valid;
	bool		filtered;
	bool		walk;
	bool		exactOnly;		/* the exact pass from the start */
	bool		restricted;
	int64		expansions;
	int64		checked;
	int64		passed;
	int64		exactNodes;
	int64		candidates;
	int64		returned;
	int64		skipped;
} OmenHnswLastScan;

static OmenHnswLastScan last_scan;

/* Note what the search that is ending did. */
static void
SaveLastScan(OmenHnswScanOpaque so)
{
	if (so->search == NULL)
		return;
	last_scan.valid = true;
	last_scan.filtered = so->filter != NULL;
	last_scan.walk = so->walk;
	last_scan.restricted = so->restricted;
	last_scan.exactOnly = so->restricted && omen_scan_expansions(so->search) == 0;
	last_scan.expansions = (int64) omen_scan_expansions(so->search);
	last_scan.checked = so->storage.filterChecks;
	last_scan.passed = so->storage.filterPasses;
	last_scan.exactNodes = so->exactNodes;
	last_scan.candidates = so->visitedTuples;
	last_scan.returned = so->returned;
	last_scan.skipped = so->skipped;
}

PG_FUNCTION_INFO_V1(omenhnsw_last_scan);

/*
 * omenhnsw_last_scan
 *		What the last omenhnsw index scan of this session did (the strategy a
 *		filtered scan used, its counters); all NULL before the first scan.
 */
Datum
omenhnsw_last_scan(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9];
	const char *strategy;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	memset(nulls, !last_scan.valid, sizeof(nulls));
	if (last_scan.walk)
		strategy = last_scan.restricted ? "walk+exact" : "walk";
	else if (last_scan.exactOnly)
		strategy = "exact";
	else if (last_scan.restricted)
		strategy = "graph+exact";
	else
		strategy = "graph";
	values[0] = CStringGetTextDatum(strategy);
	values[1] = BoolGetDatum(last_scan.filtered);
	values[2] = Int64GetDatum(last_scan.expansions);
	values[3] = Int64GetDatum(last_scan.checked);
	values[4] = Int64GetDatum(last_scan.passed);
	values[5] = Int64GetDatum(last_scan.exactNodes);
	values[6] = Int64GetDatum(last_scan.candidates);
	values[7] = Int64GetDatum(last_scan.returned);
	values[8] = Int64GetDatum(last_scan.skipped);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * omenhnswbeginscan
 *		ambeginscan: allocate the scan state; nothing is read yet.
 */
IndexScanDesc
omenhnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	OmenHnswScanOpaque so;
	MemoryContext scanCxt;

	scanCxt = AllocSetContextCreate(CurrentMemoryContext, "omenhnsw scan",
									ALLOCSET_DEFAULT_SIZES);
	so = MemoryContextAllocZero(scanCxt, sizeof(OmenHnswScanOpaqueData));
	so->scanCxt = scanCxt;
	so->queryCxt = AllocSetContextCreate(scanCxt, "omenhnsw scan query",
										 ALLOCSET_DEFAULT_SIZES);
	so->batchCxt = AllocSetContextCreate(scanCxt, "omenhnsw scan batch",
										 ALLOCSET_DEFAULT_SIZES);
	so->first = true;
	scan->opaque = so;

	/* the AM provides the ORDER BY value arrays */
	if (norderbys > 0)
	{
		scan->xs_orderbyvals = palloc0(sizeof(Datum) * norderbys);
		scan->xs_orderbynulls = palloc(sizeof(bool) * norderbys);
		memset(scan->xs_orderbynulls, true, sizeof(bool) * norderbys);
	}
	return scan;
}

/*
 * omenhnswrescan
 *		amrescan: take the new ORDER BY argument; the search restarts at the
 *		next gettuple.  Frees the previous search's core handles.
 */
void
omenhnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
			   int norderbys)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;

	SaveLastScan(so);
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));

	OmenHnswStorageReleasePins(&so->storage);
	MemoryContextReset(so->batchCxt);
	MemoryContextReset(so->queryCxt);	/* frees the search, then the index */
	so->storage.pins = NULL;
	so->search = NULL;
	so->state.index = NULL;
	so->state.handle = NULL;
	so->query = NULL;
	so->queryDatum = (Datum) 0;
	so->cands = NULL;
	so->pool = NULL;
	so->npool = 0;
	so->poolSize = 0;
	so->floor = -get_float8_infinity();
	so->listLower = get_float8_infinity();
	so->npending = 0;
	so->pendingPos = 0;
	so->reranked = 0;
	so->maxOver = 0;
	so->minRatio = get_float8_infinity();
	so->maxSpread = 0;
	so->lazy = false;
	so->bounded = false;
	so->exhausted = false;
	so->capped = false;
	so->nullsListed = false;
	so->nullTids = NULL;
	so->nnull = 0;
	so->nullPos = 0;
	so->vectorNulls = 0;
	so->walk = false;
	so->walkNaN = false;
	so->exact = false;
	so->visitedTuples = 0;
	so->returned = 0;
	so->skipped = 0;
	so->haveLast = false;
	so->lastDistance = 0;
	so->walkPos = 0;
	so->filter = NULL;
	so->restricted = false;
	so->nodes = 0;
	so->exactNodes = 0;
	so->phase1Seen = false;
	so->sigmasNarrowed = false;
	so->batches = 0;
	so->heldBatches = 0;
	so->heldCands = 0;
	so->first = true;
}

/*
 * Filters.  Keys on filter columns are evaluated by the storage callback on
 * each node's stored values (omenhnsw_filter.c); the core traverses the
 * nodes that fail and never hands them out.  Near the query most nodes may
 * fail (a selective filter, or one whose matches lie far from the query),
 * and a best-first search then expands node after node without finding
 * rows.  So a filtered search runs in slices of OMENHNSW_FILTER_SLICE
 * expansions, and switches to an exact pass once that is predicted cheaper
 * (SwitchToExact): every matching node, found by reading the element pages'
 * filter values in order, handed out in estimate order (omen_scan_restrict),
 * re-ranked like any candidate.  Rows the graph already returned are not
 * returned again.  omenhnsw.filter_strategy = graph | exact forces one of
 * the two.
 */

/*
 * Whether the exact pass is now cheaper: at the rate the filter passed the
 * nodes read so far (near the query, which is what sees a filter whose
 * matches lie far away), OMENHNSW_FILTER_ROWS more rows from the graph
 * against the exact pass (whose cost grows with the matching nodes); or the
 * graph has already spent twice the exact pass.  Decided from the first
 * slice on: the slices cut HNSW's first answer too (omen_scan_set_expansion_
 * budget), so a 1% filter on 100,000 rows switches after 32 expansions
 * instead of the 72 of the whole beam search (0.35 ms).
 */
static bool
SwitchToExact(OmenHnswScanOpaque so)
{
	double		rate = ((double) so->storage.filterPasses + 1.0) /
		((double) so->storage.filterChecks + 1.0);
	double		exact = OmenHnswFilterExactUs(so->nodes, rate);
	double		spent = (double) omen_scan_expansions(so->search) * OMENHNSW_EXPANSION_US;

	if (omenhnsw_filter_strategy != OMENHNSW_FILTER_STRATEGY_AUTO)
		return false;
	return spent >= 2.0 * exact ||
		(so->phase1Seen && OmenHnswFilterGraphUs(OMENHNSW_FILTER_ROWS, rate) > exact);
}

/*
 * WideBeamSigmas
 *		The bounds' standard deviations for a scan whose beam is ef_search
 *		wide.  Before OMENHNSW_DEEP_FROM rows are out, every candidate of the
 *		batch still waiting is a chance for an error past the bound, and a
 *		wider beam holds more of them: with ef_search 1000 and all 1,000
 *		rows of 1,000 x 1,900 uniform rows in one batch, 2.5 skipped 2 of
 *		the first 10 rows in 30 scans (3.56: none in 90).  So the sigmas grow
 *		as a Gaussian quantile does with the number of draws it covers:
 *		sigma^2 = base^2 + 2 ln(ef_search / OMENHNSW_MIN_BEAM_EF), 2.5 at
 *		ef_search 40 and below, 2.84 at 100, 3.56 at 1000.
 */
static double
WideBeamSigmas(OmenHnswScanOpaque so, double base)
{
	if (base <= 0 || so->settings.efSearch <= OMENHNSW_MIN_BEAM_EF)
		return base;
	return sqrt(base * base +
				2.0 * log((double) so->settings.efSearch / OMENHNSW_MIN_BEAM_EF));
}

/*
 * A filtered scan holds its rows OMENHNSW_FILTER_EXTRA_SIGMAS longer than a
 * plain one (StartSearch) because a selective filter makes every row wait
 * among many candidates, each a chance to undercut it.  Where its first
 * slice shows that most nodes near the query pass, the scan is a plain one
 * in all but name, and the extra hold only costs: a 1% filter on the
 * query's own cluster (100,000 x 128, 83% of the nodes read passing) took
 * 264 expansions against 161 for the plain index with the executor
 * filtering.  The rest of such a scan gets rerank_sigmas; the candidates of
 * the first slice keep the wider bounds they were handed out with.
 */
static void
NarrowFilterSigmas(OmenHnswScanOpaque so)
{
	double		rate = ((double) so->storage.filterPasses + 1.0) /
		((double) so->storage.filterChecks + 1.0);

	so->sigmasNarrowed = true;
	if (rate >= OMENHNSW_FILTER_NARROW_RATE && omenhnsw_rerank_sigmas > 0)
		omen_scan_set_bound_sigmas(so->search,
								   (float) WideBeamSigmas(so, omenhnsw_rerank_sigmas));
}

/*
 * A plain scan gone deep.  A WHERE clause on columns the index does not hold
 * is checked by the executor on the rows the scan returns, and when the rows
 * that pass lie far from the query it asks for thousands: the graph hands
 * them out at about one expansion each, plus the re-ranks of whole
 * continuation batches (a 5% filter on the clusters farthest from the query,
 * 100,000 x 128: 12,784 rows, 40,764 expansions, 39,600 re-ranks, 237 ms).
 * Once the graph search has spent what an exact pass over every node would
 * cost, the rest of the scan is that pass: every node not handed out yet, in
 * estimate order, re-ranked like the filtered exact pass.  Ski rental: the
 * switch never costs more than twice the better of the two.  It is also what
 * keeps deep scans of small indexes in order: the graph continuation can find
 * rows after farther ones were returned (strict_order then skips them), the
 * exact pass only where an estimate lies past its bound.  With a floor of
 * 2 ms on the switch (1,000 expansions), full ordered scans of 1,000-1,500
 * rows in tight groups (copies of a few bit patterns under Jaccard distance,
 * clusters of very different norms under inner product, half-precision
 * copies) skipped up to 586 rows; without it none, and LIMIT 100 on 3,000 x
 * 128 rows went from about 1.0 to 1.5-2 ms.  omenhnsw.filter_strategy =
 * graph keeps the graph.
 */
static bool
DeepPlainScan(OmenHnswScanOpaque so)
{
	double		exact = OmenHnswFilterExactUs(so->nodes, 1.0);
	double		spent = (double) omen_scan_expansions(so->search) * OMENHNSW_EXPANSION_US;

	/*
	 * Before the first batch: what its beam search would spend.  On a graph
	 * of fewer than about ten nodes per unit of ef_search the exact pass is
	 * the cheaper start, and it misses nothing: a beam of 400 over 774 nodes
	 * of 4 small-integer dimensions (m = 4) never found one of them, which
	 * strict_order then skipped (LIMIT 1000: 773 rows of 774).
	 */
	if (!so->phase1Seen)
		spent = (double) so->settings.beamEf * OMENHNSW_EXPANSION_US;
	return omenhnsw_filter_strategy != OMENHNSW_FILTER_STRATEGY_GRAPH && spent >= exact;
}

static void
StartExactPass(IndexScanDesc scan)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;
	MemoryContext oldcxt = MemoryContextSwitchTo(so->batchCxt);
	uint32		n = 0;
	uint32	   *ids;
	omen_status_t st;
	uint8	   *prefixes = NULL;
	Size		prefixLen = so->walk ? 0 : omen_index_prefix_size(so->state.index);

	/* a walk hands out the listed nodes without distances: no prefixes */
	ids = OmenHnswFilterCollect(scan->indexRelation, so->filter,
								so->storage.freeGen, prefixLen, &prefixes, &n);
	st = prefixes != NULL ?
		omen_scan_restrict_prefixes(so->search, ids, prefixes, n) :
		omen_scan_restrict(so->search, ids, n);
	OmenHnswCheckStatus(st, &so->storage, "starting the exact pass");
	so->restricted = true;
	so->exactNodes = n;
	MemoryContextSwitchTo(oldcxt);
	elog(DEBUG1, "omenhnsw filtered scan: exact pass over %u matching nodes after " UINT64_FORMAT " expansions",
		 n, omen_scan_expansions(so->search));
}

/*
 * StartSearch
 *		First gettuple after a rescan: read the metapage, open the core index
 *		and start the search.  Returns false if there is nothing to return.
 */
static bool
StartSearch(IndexScanDesc scan)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	MemoryContext oldcxt;
	ScanKey		key;
	Vector	   *query;
	omen_scan_t *search = NULL;
	OmenHnswHandle *handle;
	omen_status_t st;
	int			efSearch;
	const float *qx = NULL;
	double		sigmas;

	if (scan->numberOfOrderBys != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("omenhnsw index scans need exactly one ORDER BY distance operator")));

	pgstat_count_index_scan(index);

	key = &scan->orderByData[0];
	OmenHnswGetScanSettings(&so->settings);
	so->walk = (key->sk_flags & SK_ISNULL) != 0;
	/* `embedding IS NULL`: only rows the graph does not hold (NextNullRow) */
	so->vectorNulls = OmenHnswVectorNullTest(scan->keyData, scan->numberOfKeys);
	if (so->vectorNulls & SK_SEARCHNULL)
		return false;

	oldcxt = MemoryContextSwitchTo(so->queryCxt);

	OmenHnswOpenState(index, &so->state, so->queryCxt);
	if (so->state.index == NULL || so->state.meta.entryId == OMEN_INVALID_ID)
	{
		MemoryContextSwitchTo(oldcxt);
		return false;			/* empty index */
	}
	OmenHnswScaleBeam(&so->settings, (double) so->state.meta.nodeCount);

	so->inputType = OmenHnswGetInputType(index);
	if (!so->walk)
	{
		query = OmenHnswDatumToVector(key->sk_argument, so->inputType);
		if (query->dim != (int) so->state.meta.dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("query vector has %d dimensions, but index \"%s\" holds vectors of %u dimensions",
							query->dim, RelationGetRelationName(index),
							so->state.meta.dim)));
		/* keep our own copy: the argument may be freed before the scan ends */
		so->query = (Vector *) palloc(VARSIZE(query));
		memcpy(so->query, query, VARSIZE(query));
		qx = so->query->x;
		if (so->inputType == OMENHNSW_INPUT_SPARSEVEC)
			so->queryDatum = datumCopy(PointerGetDatum(PG_DETOAST_DATUM(key->sk_argument)),
									   false, -1);
		if (so->state.meta.metric == OMEN_METRIC_COSINE &&
			omen_dot(qx, qx, (uint32) query->dim) == 0.0f)
		{
			/* cosine to a zero vector is NaN for every row: no order to find */
			so->walk = true;
			so->walkNaN = true;
			qx = NULL;
		}
	}

	efSearch = so->settings.beamEf;
	/*
	 * A sparsevec's ORDER BY value is the sparsevec operator's (a merge over
	 * the non-zero elements, summed in another order than the core's dense
	 * kernels): its candidates are always re-ranked from the row.
	 */
	so->exact = so->walk ||
		(omen_index_exact_candidates(so->state.index) &&
		 so->inputType != OMENHNSW_INPUT_SPARSEVEC);
	so->exactCodes = so->state.meta.quant == OMEN_QUANT_NONE;
	so->batchSize = efSearch;
	if (!so->exact)
		so->batchSize *= omenhnsw_rerank_factor;
	so->candsSize = 2 * so->batchSize;
	so->cands = palloc(sizeof(omen_candidate_t) * so->candsSize);
	so->minEstimate = palloc(sizeof(float8) * so->candsSize);

	OmenHnswStorageInit(&so->storage, index, so->state.index, &so->state.meta);
	OmenHnswStorageEnablePins(&so->storage, so->queryCxt);
	so->filter = OmenHnswFilterCreate(index, scan->keyData, scan->numberOfKeys,
									  so->state.meta.attrSize,
									  so->state.meta.attrVersion);
	so->storage.filter = so->filter;
	if (so->filter != NULL && so->filter->never)
	{
		MemoryContextSwitchTo(oldcxt);
		return false;			/* a key that nothing satisfies */
	}
	handle = OmenHnswHandleRegister(so->queryCxt, NULL, OmenHnswFreeScanCb);
	st = omen_scan_begin(so->state.index, &so->storage.api,
						 so->state.meta.entryId, so->state.meta.entryLevel,
						 qx, efSearch, &search);
	handle->ptr = search;
	OmenHnswCheckStatus(st, &so->storage, "starting a scan");
	/*
	 * A filtered graph walk re-ranks its few matching rows among thousands
	 * of expansions, and every row it lets out on a lower bound is one a
	 * later candidate may undercut, an error beyond the bound, which
	 * strict_order then skips: a filter matching 48 rows (LIMIT 1000) got 47
	 * in about 1 run in 4 at 2.5 standard deviations, 48 from 3 on.  So it
	 * holds rows OMENHNSW_FILTER_EXTRA_SIGMAS longer (forced graph strategy
	 * on 14,000 x 32: 10% filter 4.1 -> 4.9 ms, 1% 8.1 -> 8.4, 50% the
	 * same).
	 */
	sigmas = omenhnsw_rerank_sigmas;
	if (so->filter != NULL && sigmas > 0)
		sigmas += OMENHNSW_FILTER_EXTRA_SIGMAS;
	omen_scan_set_bound_sigmas(search, (float) WideBeamSigmas(so, sigmas));
	so->search = search;
	so->nodes = (double) so->state.meta.nodeCount;

	if (so->filter != NULL)
	{
		/*
		 * Filtered: the graph search runs in slices of expansions, and once
		 * it has spent what an exact pass over the matching nodes would
		 * cost, the rest of the scan is that exact pass (see "Filters").
		 */
		omen_scan_set_expansion_budget(search, OMENHNSW_FILTER_SLICE);
		if (omenhnsw_filter_strategy == OMENHNSW_FILTER_STRATEGY_EXACT)
			StartExactPass(scan);
	}
	else if (!so->walk)
		omen_scan_set_expansion_budget(search, OMENHNSW_PLAIN_SLICE);

	MemoryContextSwitchTo(oldcxt);
	return true;
}

/* Distance order with NaN last; 0 for equal distances (callers break ties). */
static int
CompareDistances(float8 a, float8 b)
{
	bool		na = isnan(a);
	bool		nb = isnan(b);

	if (na != nb)
		return na ? 1 : -1;
	if (na || a == b)
		return 0;
	return a < b ? -1 : 1;
}

static int
CompareResults(const void *a, const void *b)
{
	const OmenHnswResult *ra = (const OmenHnswResult *) a;
	const OmenHnswResult *rb = (const OmenHnswResult *) b;
	int			c = CompareDistances(ra->distance, rb->distance);

	if (c != 0)
		return c;
	return ItemPointerCompare((ItemPointer) &ra->tid, (ItemPointer) &rb->tid);
}

/*
 * ExactDistance
 *		Fetch the heap row of tid with the scan's snapshot and compute the
 *		exact distance of its indexed value to the query.  false if the row
 *		is not visible (or its value is NULL).  Runs in batchCxt.
 */
static bool
ExactDistance(IndexScanDesc scan, ItemPointer tid, float8 *distance)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;
	ExprContext *econtext;
	bool		call_again = false;
	bool		all_dead = false;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	Vector	   *vec;
	bool		found;

	if (so->slot == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(so->scanCxt);

		so->slot = table_slot_create(scan->heapRelation, NULL);
		so->indexInfo = BuildIndexInfo(scan->indexRelation);
		so->estate = CreateExecutorState();
		so->heapam = scan->heapRelation->rd_tableam == GetHeapamTableAmRoutine() &&
			IsMVCCSnapshot(scan->xs_snapshot) && TTS_IS_BUFFERTUPLE(so->slot);
		if (!so->heapam)
			so->fetch = table_index_fetch_begin(scan->heapRelation);
		MemoryContextSwitchTo(oldcxt);
	}

	if (so->heapam)
	{
		/*
		 * Heap tables: what heapam_index_fetch_tuple does for one MVCC
		 * snapshot, less the opportunistic pruning (the executor's own fetch
		 * of each returned row still prunes), with the page pinned through
		 * the index's buffer hints: the buffer-mapping lookup of every
		 * candidate's heap page was a tenth of a search.
		 */
		ItemPointerData htid = *tid;
		BufferHeapTupleTableSlot *bslot = (BufferHeapTupleTableSlot *) so->slot;
		HeapTuple	tup = &bslot->base.tupdata; /* the slot keeps pointing here */
		Buffer		buf;

		buf = OmenHnswReadHinted(scan->indexRelation, scan->heapRelation,
								 ItemPointerGetBlockNumber(tid));
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		found = heap_hot_search_buffer(&htid, scan->heapRelation, buf,
									   scan->xs_snapshot, tup, &all_dead, true);
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		if (found)
			ExecStoreBufferHeapTuple(tup, so->slot, buf);	/* pins buf again */
		ReleaseBuffer(buf);
	}
	else
		found = table_index_fetch_tuple(so->fetch, tid, scan->xs_snapshot, so->slot,
										&call_again, &all_dead);
	if (!found)
		return false;

	econtext = GetPerTupleExprContext(so->estate);
	econtext->ecxt_scantuple = so->slot;
	FormIndexDatum(so->indexInfo, so->slot, so->estate, values, isnull);
	if (isnull[0])
	{
		ResetExprContext(econtext);
		return false;
	}
	if (VARATT_IS_EXTERNAL(DatumGetPointer(values[0])) ||
		VARATT_IS_COMPRESSED(DatumGetPointer(values[0])))
		so->lazy = true;		/* each fetch reads TOAST or decompresses */
	if (so->inputType == OMENHNSW_INPUT_SPARSEVEC)
	{
		/* the ORDER BY operator itself (dimensions were checked on insert) */
		ScanKey		key = &scan->orderByData[0];

		*distance = DatumGetFloat8(FunctionCall2Coll(&key->sk_func, key->sk_collation,
													 values[0], so->queryDatum));
		ResetExprContext(econtext);
		ExecClearTuple(so->slot);
		return true;
	}
	vec = OmenHnswDatumToVector(values[0], so->inputType);
	if (vec->dim != so->query->dim)
	{
		ResetExprContext(econtext);
		return false;
	}
	*distance = omen_index_distance(so->state.index, so->query->x, vec->x);
	ResetExprContext(econtext);
	ExecClearTuple(so->slot);
	return true;
}

/* Pool order: exact distance, NaN last, ties by TID. */
static bool
ResultLess(const OmenHnswResult *a, const OmenHnswResult *b)
{
	return CompareResults(a, b) < 0;
}

/* Add r to the pool heap (queryCxt). */
static void
PoolPush(OmenHnswScanOpaque so, const OmenHnswResult *r)
{
	int			i;

	if (so->npool == so->poolSize)
	{
		int			newSize = Max(64, so->poolSize * 2);

		if (so->pool == NULL)
			so->pool = MemoryContextAlloc(so->queryCxt, sizeof(OmenHnswResult) * newSize);
		else
			so->pool = repalloc_huge(so->pool, sizeof(OmenHnswResult) * newSize);
		so->poolSize = newSize;
	}
	i = so->npool++;
	while (i > 0 && ResultLess(r, &so->pool[(i - 1) / 2]))
	{
		so->pool[i] = so->pool[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	so->pool[i] = *r;
}

/* Remove the pool's smallest row into *out. */
static void
PoolPop(OmenHnswScanOpaque so, OmenHnswResult *out)
{
	OmenHnswResult last;
	int			i = 0;

	*out = so->pool[0];
	last = so->pool[--so->npool];
	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= so->npool)
			break;
		if (c + 1 < so->npool && ResultLess(&so->pool[c + 1], &so->pool[c]))
			c++;
		if (!ResultLess(&so->pool[c], &last))
			break;
		so->pool[i] = so->pool[c];
		i = c;
	}
	if (so->npool > 0)
		so->pool[i] = last;
}

/*
 * Lazy re-rank.  A batch is ef_search * rerank_factor candidates, but a
 * LIMIT 10 query needs only the first rows, and every candidate re-ranked is
 * a heap fetch (at 784 dimensions a TOAST fetch: re-ranking whole batches
 * was 45% of a query there).
 *
 * Bounded order (rabitq codes, L2 / cosine / inner product): the core gives
 * each candidate a lower bound, its estimate less omenhnsw.rerank_sigmas
 * standard deviations of the estimate's predicted error (omen_core.h,
 * omen_scan_set_bound_sigmas).  The batch is re-ranked one candidate at a
 * time in lower-bound order, and a re-ranked row leaves the pool once its
 * exact distance is at most the lower bound of the next candidate waiting.
 * On synth-100k-128 at ef_search 40 this read 57 rows per query instead of
 * 80 with the same recall@10 (0.967); at 784 dimensions 15 instead of 24.
 *
 * Without bounds (binary codes, L1, rerank_sigmas = 0) the batch is
 * re-ranked whole before any row leaves, unless the rows are stored out of
 * line (TOAST) or compressed: then in estimate order, a few at a time, and
 * a row leaves once its exact distance is below the next waiting estimate
 * less OMENHNSW_LAZY_SAFETY times the largest overestimate seen so far in
 * this scan, after a warm-up of OMENHNSW_LAZY_WARMUP candidates that gives
 * the margin some evidence.
 *
 * Either way, once the batch is re-ranked, the rule for later batches
 * (exact <= floor - largest overestimate) applies.
 */
#define OMENHNSW_LAZY_WARMUP	10
#define OMENHNSW_LAZY_CHUNK		4
#define OMENHNSW_LAZY_SAFETY	3.0

/* Estimate order, NaN last, ties by payload. */
static int
CompareCandidates(const void *a, const void *b)
{
	const omen_candidate_t *ca = (const omen_candidate_t *) a;
	const omen_candidate_t *cb = (const omen_candidate_t *) b;
	int			c = CompareDistances(ca->distance, cb->distance);

	if (c != 0)
		return c;
	if (ca->payload != cb->payload)
		return ca->payload < cb->payload ? -1 : 1;
	return 0;
}

/* Lower-bound order, NaN last, ties by estimate, then payload. */
static int
CompareLowerBounds(const void *a, const void *b)
{
	const omen_candidate_t *ca = (const omen_candidate_t *) a;
	const omen_candidate_t *cb = (const omen_candidate_t *) b;
	int			c = CompareDistances(ca->lower, cb->lower);

	return c != 0 ? c : CompareCandidates(a, b);
}

/*
 * ScanCapReached
 *		Whether omenhnsw.max_scan_tuples or omenhnsw.scan_mem_multiplier ends
 *		the scan before the next batch.  The first batch is always pulled.
 */
static bool
ScanCapReached(OmenHnswScanOpaque so)
{
	if (so->visitedTuples == 0)
		return false;
	if (so->settings.maxScanTuples > 0 &&
		so->visitedTuples >= so->settings.maxScanTuples)
	{
		elog(DEBUG1, "omenhnsw scan ended at max_scan_tuples after " INT64_FORMAT " candidates",
			 so->visitedTuples);
		return true;
	}
	if (so->settings.memMultiplier > 0)
	{
		double		used = (double) omen_scan_memory(so->search) +
			(double) so->poolSize * sizeof(OmenHnswResult);
		double		cap = so->settings.memMultiplier * work_mem * 1024.0;

		if (used > cap)
		{
			elog(DEBUG1, "omenhnsw scan ended at scan_mem_multiplier: %.0f bytes", used);
			return true;
		}
	}
	return false;
}

/*
 * NextBatch
 *		Pull the next batch of candidates from the core and note the core's
 *		floor.  Exact candidates go straight into the pool;
 *		others are left pending for RerankSome (a walk's for gettuple).  Sets
 *		exhausted when the core has no more, or a setting ends the scan.
 */
static void
NextBatch(IndexScanDesc scan)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;
	uint32		n = 0;
	uint32		i;
	omen_status_t st;
	uint32		carried = 0;

	MemoryContextReset(so->batchCxt);
	/*
	 * Candidates not re-ranked yet stay pending (see "Held pulls"): move
	 * them to the front, the new ones follow
	 */
	if (!so->walk && !so->exact && so->pendingPos < so->npending)
	{
		carried = (uint32) (so->npending - so->pendingPos);
		memmove(so->cands, so->cands + so->pendingPos,
				sizeof(omen_candidate_t) * carried);
		/* a suffix's least estimates stay right for it (used if nothing new comes) */
		memmove(so->minEstimate, so->minEstimate + so->pendingPos,
				sizeof(float8) * carried);
	}
	so->npending = (int) carried;
	so->pendingPos = 0;
	so->walkPos = 0;

	if (so->settings.iterative == OMENHNSW_ITERATIVE_OFF && so->visitedTuples > 0)
	{
		so->exhausted = true;
		return;
	}
	if (ScanCapReached(so))
	{
		so->exhausted = true;
		so->capped = true;
		return;
	}
	if (so->filter != NULL && !so->restricted && so->phase1Seen && !so->sigmasNarrowed)
		NarrowFilterSigmas(so);
	if (!so->restricted &&
		(so->filter != NULL ? SwitchToExact(so) : !so->walk && DeepPlainScan(so)))
	{
		MemoryContextReset(so->batchCxt);
		StartExactPass(scan);
	}
	st = omen_scan_next(so->search, so->cands + carried,
						Min(so->batchSize, so->candsSize - carried), &n);
	OmenHnswCheckStatus(st, &so->storage, "scanning");
	so->phase1Seen = true;
	if (n == 0)
	{
		/* a filtered search may pause between slices */
		if (omen_scan_exhausted(so->search))
			so->exhausted = true;
		else
			so->floor = omen_scan_floor(so->search);
		so->listLower = omen_scan_list_lower(so->search);
		return;
	}
	so->visitedTuples += n;
	so->batches++;
	if (so->npool > 0)
		so->heldCands += n;
	so->floor = omen_scan_floor(so->search);
	so->listLower = omen_scan_list_lower(so->search);
	if (so->walk)
	{
		so->npending = (int) n;
		return;
	}
	n += carried;

	if (so->exact)
	{
		for (i = 0; i < n; i++)
		{
			OmenHnswResult r;

			OmenHnswPayloadToTid(so->cands[i].payload, &r.tid);
			r.distance = so->cands[i].distance;
			PoolPush(so, &r);
		}
	}
	else
	{
		so->bounded = false;
		for (i = 0; i < n; i++)
		{
			omen_candidate_t *c = &so->cands[i];

			/*
			 * The exact pass re-ranks whole batches (its candidates are the
			 * complete set of matching nodes, and a row let out on a lower
			 * bound that a later one undercuts, an error beyond
			 * rerank_sigmas, would be skipped by strict_order: 1 of 40 rows
			 * in 008_filter_columns); the bounds still widen the margin
			 * held against later batches (maxSpread)
			 */
			if (isinf(c->lower) && c->lower < 0)
				continue;
			so->bounded = !so->restricted;
			if (c->distance - c->lower > so->maxSpread)
				so->maxSpread = c->distance - c->lower;
		}
		qsort(so->cands, n, sizeof(omen_candidate_t),
			  so->bounded ? CompareLowerBounds : CompareCandidates);
		so->npending = (int) n;
		if (so->bounded)
		{
			float8		least = get_float8_infinity();

			for (i = n; i > 0; i--)
			{
				if (so->cands[i - 1].distance < least)	/* NaN never is */
					least = so->cands[i - 1].distance;
				so->minEstimate[i - 1] = least;
			}
		}
	}
}

/* Re-rank the next few pending candidates into the pool. */
static void
RerankSome(IndexScanDesc scan)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;
	MemoryContext oldcxt = MemoryContextSwitchTo(so->batchCxt);
	int			count = OMENHNSW_LAZY_CHUNK;

	/* one at a time in bound order; else the first call re-ranks the warm-up */
	if (so->bounded)
		count = 1;
	else if (so->reranked < OMENHNSW_LAZY_WARMUP)
		count = OMENHNSW_LAZY_WARMUP - so->reranked;
	for (; count > 0 && so->pendingPos < so->npending; count--)
	{
		omen_candidate_t *c = &so->cands[so->pendingPos++];
		OmenHnswResult r;

		so->reranked++;
		OmenHnswPayloadToTid(c->payload, &r.tid);
		if (!ExactDistance(scan, &r.tid, &r.distance))
			continue;
		if (!isnan(c->distance) && !isnan(r.distance) &&
			c->distance - r.distance > so->maxOver)
			so->maxOver = c->distance - r.distance;
		if (c->distance > 0 && !isnan(r.distance) && r.distance / c->distance < so->minRatio)
			so->minRatio = r.distance / c->distance;
		PoolPush(so, &r);
	}
	MemoryContextSwitchTo(oldcxt);
}

static float8 L1Bound(OmenHnswScanOpaque so, float8 bound, float8 estimate);
static bool FirstBatchUnheld(OmenHnswScanOpaque so);

/*
 * LaterBound
 *		No candidate the core hands out later is expected closer than this:
 *		estimates >= floor, and exact distances at most the largest error seen
 *		(or allowed for by the lower bounds) below that.
 */
static float8
LaterBound(OmenHnswScanOpaque so)
{
	if (so->exhausted)
		return get_float8_infinity();
	/*
	 * omenhnsw.first_batch_final: the first batch is taken as HNSW's answer
	 * at ef_search, its rows leave in exact order without waiting on what
	 * the continuation may find.  Off by default: 100,000 x 128 clustered
	 * rows (tight clusters, where 2-bit codes rank neighbours poorly),
	 * LIMIT 10 at ef_search 40: recall 0.68 at 1,000 QPS with it, 1.00 at
	 * 330 QPS without (the hold re-ranks ~940 candidates); with a 10%
	 * WHERE clause on a plain index, strict_order kept 0.35 of the rows.
	 */
	if (so->batches <= 1 && omenhnsw_first_batch_final)
		return get_float8_infinity();
	/*
	 * omenhnsw.hold_batches: at most that many batches' worth of candidates
	 * pulled while rows wait, per batch of rows returned; past it the pool's
	 * rows leave on what the scan has seen (strict_order skips any closer
	 * row found later).  Off by default.  LIMIT 10, ef_search 40, unbounded
	 * -> 4: 100,000 x 128 uniform random rows recall 0.810 at 60 QPS -> 0.791
	 * at 96; 40,000 x 128 tight clusters 1.000 at 349 -> 0.997 at 482, with a
	 * 10% WHERE clause on a plain index 1.000 at 291 -> 0.985 at 358; uniform
	 * with that clause 0.977 at 20 -> 0.882 at 61; synth-100k-128 unchanged.
	 */
	if (FirstBatchUnheld(so))
		return -get_float8_infinity();
	if (omenhnsw_hold_batches > 0 &&
		so->heldCands > (int64) omenhnsw_hold_batches * so->batchSize *
		(1 + so->returned / Max(so->batchSize, 1)))
		return get_float8_infinity();
	/*
	 * an exact pass's nodes still listed may hold a bound below the next
	 * estimate less the bounds seen so far (omen_scan_list_lower)
	 */
	return L1Bound(so, Min(so->floor - Max(so->maxOver, so->maxSpread), so->listLower),
				   so->floor);
}

/*
 * Deep scans.  A row that leaves on the lower bounds of the candidates still
 * waiting is wrong when one of them lies beyond its bound (an error past
 * rerank_sigmas standard deviations); strict_order then skips that row.
 * Each row returned is such a chance: full ordered scans of 1,000 x 1,900
 * uniform rows (pgvector's 016_hnsw_inserts: ef_search 1000, every
 * candidate in one batch) skipped 63 rows in 30 scans, 2 in one scan where
 * that test allows 3.  Widening the bounds with the rows returned (sigma^2
 * growing with the log of the rows, 4.5 sigmas at 1,000 rows) still skipped
 * 18 rows in 90 scans: the tails are heavier than the model's.  So once
 * OMENHNSW_DEEP_FROM rows are out the lazy re-rank stops and each batch is
 * re-ranked whole before more rows leave: rows that a batch holds then come
 * out in exact order, and only the floor (later batches) is left to the
 * error model.  A LIMIT 10 query never gets there; a deeper scan reads most
 * of each batch's rows anyway (it returns them), so this costs at most the
 * rest of the last batch.
 */
#define OMENHNSW_DEEP_FROM		10

/*
 * L1Bound
 *		bound, or lower for an L1 index: its estimates carry no error bound
 *		(an L2 estimate scaled by sqrt(2D/pi), which the data's shape can
 *		make too high by any factor), and their error grows with the
 *		distance, so the largest overestimate seen near the query says
 *		little about rows farther out.  The least ratio exact / estimate seen
 *		so far scales the next estimate instead.  siftsmall under L1, 50
 *		queries, LIMIT 100: strict_order skipped 96 rows with the additive
 *		margin alone, 33 with this (recall 0.976 -> 0.992); LIMIT 1000: 350
 *		-> 73 (0.993 -> 0.998).  Only in deep scans (OMENHNSW_DEEP_FROM rows
 *		out): at LIMIT 10 it pulled 25% more candidates (0.5 -> 0.8 ms) for
 *		the same recall, 0.986 (what the first batch misses, the L2-shaped
 *		estimates rank too far out).
 */
static float8
L1Bound(OmenHnswScanOpaque so, float8 bound, float8 estimate)
{
	if (so->state.meta.metric != OMEN_METRIC_L1 || so->returned < OMENHNSW_DEEP_FROM ||
		isinf(so->minRatio) ||
		!(estimate > 0) || isinf(estimate))
		return bound;
	return Min(bound, estimate * so->minRatio);
}

/*
 * FirstBatchUnheld
 *		Whether the scan's next rows come from a first batch that nothing
 *		held, and must wait for the next batch.  The core hands out its first
 *		batch, HNSW's answer at ef_search, with no settle margin (a LIMIT 10
 *		query pays for no continuation), and with float vectors in the index
 *		(quantization none: every index under 32 dimensions by default) the
 *		candidates' distances are exact, so no estimation error widens the
 *		hold either: the rows leave as soon as the nearest unexpanded node is
 *		farther.  The beam's last places are its least sure: full ordered
 *		scans of 5,000 Gaussian rows in 24 dimensions, 10 queries, lost 17
 *		rows under strict_order (8 of the 10 scans short), every one of them
 *		found by the second batch closer than the 40th row the first had
 *		let out; 8 dimensions and inner product or cosine on integer grids
 *		lost 1-18.  So past OMENHNSW_DEEP_FROM rows, or a quarter of the beam
 *		if that is more (a beam's first places are its surest: ef_search is
 *		the knob that buys them back), what is left of the first batch waits
 *		for the second, whose floor carries the margin.  Codes (rabitq,
 *		binary) already hold rows by their error margins.
 */
static bool
FirstBatchUnheld(OmenHnswScanOpaque so)
{
	return so->exactCodes && !so->restricted && so->batches <= 1 &&
		so->returned >= Max(OMENHNSW_DEEP_FROM, so->settings.beamEf / 4);
}

/*
 * PendingBound
 *		No candidate pulled but not re-ranked yet is expected closer than
 *		this (+Infinity when there is none).
 */
static float8
PendingBound(OmenHnswScanOpaque so)
{
	float8		next;

	if (so->pendingPos >= so->npending)
		return get_float8_infinity();
	if (so->bounded)
	{
		/* a deep scan re-ranks the rest of the batch first (see "Deep scans") */
		if (so->returned >= OMENHNSW_DEEP_FROM)
			return -get_float8_infinity();
		/*
		 * The next lower bound, unless a waiting estimate less the largest
		 * overestimate seen is lower: the error model's tails are not a proof
		 */
		next = so->cands[so->pendingPos].lower;
		if (isnan(next))
			return get_float8_infinity();
		return Min(next, so->minEstimate[so->pendingPos] - so->maxOver);
	}
	/*
	 * The exact pass re-ranks whole batches even when each fetch is costly:
	 * estimates less the largest overestimate seen are no bound, and on
	 * TOASTed rows (1,000 x 1,900 uniform, ef_search 1000, a whole-index
	 * exact pass) strict_order skipped 7 of 20,000 rows on them.
	 */
	if (so->reranked < OMENHNSW_LAZY_WARMUP || !so->lazy || so->restricted)
		return -get_float8_infinity();
	next = so->cands[so->pendingPos].distance;
	if (isnan(next))
		return get_float8_infinity();
	return L1Bound(so, next - OMENHNSW_LAZY_SAFETY * so->maxOver, next);
}

/*
 * Held pulls.  When the pool's first row waits only for the core's floor
 * (the candidates still to re-rank are all bounded above it), re-ranking
 * them cannot let it out: each re-rank can only lower the threshold.  The
 * scan then pulls the next batch first and keeps the candidates not
 * re-ranked yet (NextBatch carries them over, up to candsSize); they are
 * re-ranked only if a row still needs them.  Re-ranking the rest of the
 * batch first, as before, read 10% more rows for the same rows returned
 * (LIMIT 10 at ef_search 40: siftsmall 61.6 -> 56.0 per query, synth-100k-128
 * 66.1 -> 59.7, recall unchanged).
 *
 * Pulling fewer candidates while rows wait was tried too: a quarter of a
 * batch cut the core's expansions by a third (siftsmall 229 -> 151 per
 * query) but lost recall on tight clusters (40,000 x 128, 0.9885 -> 0.9785;
 * a half batch 0.9850): the rest of a whole batch sometimes finds a closer
 * row that the floor's margin did not allow for.
 */
static bool
HeldByFloor(OmenHnswScanOpaque so, float8 pending)
{
	return so->bounded && so->npool > 0 && !so->exhausted &&
		so->npending - so->pendingPos <= (int) (so->candsSize - so->batchSize) &&
		so->pool[0].distance <= pending;
}

/* table_index_build_scan callback: note the rows whose vector is NULL */
static void
NullRowCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) state;

	if (!isnull[0])
		return;
	if (so->nnull % 1024 == 0)
	{
		Size		want = sizeof(ItemPointerData) * (Size) (so->nnull + 1024);

		so->nullTids = so->nullTids == NULL ?
			MemoryContextAllocHuge(so->queryCxt, want) :
			repalloc_huge(so->nullTids, want);
	}
	so->nullTids[so->nnull++] = *tid;
}

/*
 * NextNullRow
 *		Once every indexed row is out: the rows whose vector is NULL, which a
 *		sequential scan sorts after every distance (NULLS LAST) and which the
 *		graph does not hold.  Found by a scan of the table with the scan's
 *		snapshot (root TIDs of HOT chains, the partial index's predicate
 *		applied), unless the metapage says no such row was ever indexed.  Not
 *		for iterative_scan = off (at most ef_search rows) or a scan a cap
 *		ended.  Filter-column conditions are rechecked by the executor (the
 *		index has no values for these rows).  false: none left.
 */
static bool
NextNullRow(IndexScanDesc scan)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;

	if (so->settings.iterative == OMENHNSW_ITERATIVE_OFF || so->capped ||
		(so->vectorNulls & SK_SEARCHNOTNULL) ||
		(so->filter != NULL && so->filter->never) || scan->heapRelation == NULL ||
		!IsMVCCSnapshot(scan->xs_snapshot))
		return false;
	if (!so->nullsListed)
	{
		OmenHnswMetaPageData meta;

		so->nullsListed = true;
		OmenHnswReadMeta(scan->indexRelation, &meta);
		if (!(meta.flags & OMENHNSW_META_NULLS_TRACKED) || (meta.flags & OMENHNSW_META_HAS_NULLS))
		{
			IndexInfo  *indexInfo = BuildIndexInfo(scan->indexRelation);
			TableScanDesc tscan = table_beginscan_strat(scan->heapRelation, scan->xs_snapshot,
														0, NULL, true, false);

			/* ends tscan */
			table_index_build_scan(scan->heapRelation, scan->indexRelation, indexInfo,
								   false, false, NullRowCallback, (void *) so, tscan);
		}
	}
	if (so->nullPos >= so->nnull)
		return false;
	scan->xs_heaptid = so->nullTids[so->nullPos++];
	scan->xs_recheck = scan->numberOfKeys > 0;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = (Datum) 0;
	scan->xs_orderbynulls[0] = true;
	so->returned++;
	return true;
}

/*
 * omenhnswgettuple
 *		amgettuple: the next row in distance order (see the file header).
 */
bool
omenhnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;

	if (!ScanDirectionIsForward(dir))
		elog(ERROR, "omenhnsw only supports forward scans");

	if (so->first)
	{
		so->first = false;
		if (!so->locked)
		{
			/* codes must not be rewritten under the quantizer this scan opens */
			OmenHnswScanLock(scan->indexRelation);
			so->locked = true;
		}
		if (!StartSearch(scan))
			so->exhausted = true;
	}

	if (so->walk)
	{
		/* every live row once, in graph order; the executor checks visibility */
		while (so->walkPos >= so->npending)
		{
			if (so->exhausted)
				return NextNullRow(scan);
			CHECK_FOR_INTERRUPTS();
			NextBatch(scan);
		}
		OmenHnswPayloadToTid(so->cands[so->walkPos++].payload, &scan->xs_heaptid);
		scan->xs_recheck = so->filter != NULL && so->filter->lossy;
		scan->xs_recheckorderby = false;
		scan->xs_orderbyvals[0] = so->walkNaN ? Float8GetDatum(get_float8_nan()) : (Datum) 0;
		scan->xs_orderbynulls[0] = !so->walkNaN;
		so->returned++;
		return true;
	}

	for (;;)
	{
		bool		drained = so->pendingPos >= so->npending;
		float8		pending;

		if (so->settings.iterative == OMENHNSW_ITERATIVE_OFF &&
			so->returned >= so->settings.efSearch)
			return false;

		/*
		 * Rows of the pool no farther than both bounds may leave: no row
		 * outside the pool is expected closer (see the file header and "Lazy
		 * re-rank").  NaN distances sort last and leave only once the search
		 * is done.
		 */
		pending = PendingBound(so);
		if (so->npool > 0 &&
			((so->exhausted && drained) ||
			 so->pool[0].distance <= Min(LaterBound(so), pending)))
		{
			OmenHnswResult r;

			PoolPop(so, &r);
			if (so->settings.iterative == OMENHNSW_ITERATIVE_STRICT && so->haveLast &&
				CompareDistances(r.distance, so->lastDistance) < 0)
			{
				/* found after a farther row was returned: out of order */
				so->skipped++;
				continue;
			}
			so->haveLast = true;
			so->lastDistance = r.distance;
			so->returned++;
			scan->xs_heaptid = r.tid;
			scan->xs_recheck = so->filter != NULL && so->filter->lossy;
			scan->xs_recheckorderby = false;
			scan->xs_orderbyvals[0] = Float8GetDatum(r.distance);
			scan->xs_orderbynulls[0] = false;
			return true;
		}
		CHECK_FOR_INTERRUPTS();
		if (!drained && !HeldByFloor(so, pending))
		{
			RerankSome(scan);
			continue;
		}
		if (so->exhausted)
			return NextNullRow(scan);
		if (so->npool > 0)
			so->heldBatches++;	/* pulled while rows wait for it */
		NextBatch(scan);
	}
}

/*
 * omenhnswendscan
 *		amendscan: release heap access and every core handle.
 */
void
omenhnswendscan(IndexScanDesc scan)
{
	OmenHnswScanOpaque so = (OmenHnswScanOpaque) scan->opaque;

	if (so->skipped > 0)
		elog(DEBUG1, "omenhnsw scan skipped " INT64_FORMAT " rows found after farther rows (strict_order)",
			 so->skipped);
	/* what a slow query did (batches held while rows waited for the margin) */
	elog(DEBUG2, "omenhnsw scan: %d batches (%d pulled while rows waited), " UINT64_FORMAT " expansions, " INT64_FORMAT " candidates, " INT64_FORMAT " re-ranked, " INT64_FORMAT " returned; margins %g (overestimate) %g (bounds), floor %g",
		 (int) so->batches, (int) so->heldBatches,
		 so->search ? (uint64) omen_scan_expansions(so->search) : UINT64CONST(0),
		 (int64) so->visitedTuples,
		 (int64) so->reranked, (int64) so->returned, so->maxOver, so->maxSpread, so->floor);
	SaveLastScan(so);
	OmenHnswStorageReleasePins(&so->storage);
	if (so->locked)
		OmenHnswScanUnlock(scan->indexRelation);
	if (so->fetch)
		table_index_fetch_end(so->fetch);
	if (so->slot)
		ExecDropSingleTupleTableSlot(so->slot);
	if (so->estate)
		FreeExecutorState(so->estate);
	MemoryContextDelete(so->scanCxt);	/* also frees the core handles */
	scan->opaque = NULL;
}
