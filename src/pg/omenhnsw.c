/*-------------------------------------------------------------------------
 *
 * omenhnsw.c
 *	  The omenhnsw index access method: handler, reloptions, GUCs, cost
 *	  estimation, build phase names and small helpers shared by the AM.
 *
 * Cost model.  An omenhnsw scan is a graph search: before the first row it
 * explores about ef_search * rerank_factor candidates (each costs 2*m code
 * distances, and a heap fetch plus an exact distance when the codes are
 * quantized); every further row costs about as much as one more candidate.
 * The planner scales the run cost by LIMIT / (estimated rows), so a WHERE
 * clause keeping a fraction s of the rows makes the scan cost about 1/s
 * times more per returned row, which is what an iterative scan really does;
 * a very selective clause thus makes an exact plan (a B-tree, then a sort of
 * the few matching rows) cheaper, and a moderately selective one does not.
 * Conditions on filter columns (index quals) cost a key check per node but
 * spare the re-rank of every node they reject, and a filtered scan may
 * switch to an exact pass over the matching nodes, which is charged as
 * startup cost (omenhnswcostestimate).
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/amapi.h"
#include "access/genam.h"
#include "access/reloptions.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "pg/omendb.h"
#include "pg/omenhnsw.h"

PG_FUNCTION_INFO_V1(omenhnswhandler);
PG_FUNCTION_INFO_V1(omendb_hnsw_handler);

int			omenhnsw_ef_search = OMENHNSW_DEFAULT_EF_SEARCH;
int			omenhnsw_rerank_factor = OMENHNSW_DEFAULT_RERANK_FACTOR;
double		omenhnsw_rerank_sigmas = OMENHNSW_DEFAULT_RERANK_SIGMAS;
static int	omenhnsw_iterative_scan = OMENHNSW_DEFAULT_ITERATIVE_SCAN;
int			omenhnsw_filter_strategy = OMENHNSW_FILTER_STRATEGY_AUTO;
bool		omenhnsw_first_batch_final = false;
int			omenhnsw_hold_batches = 0;
static int	omenhnsw_max_scan_tuples = 0;
static double omenhnsw_scan_mem_multiplier = 0;

/*
 * pgvector's scan settings under their own names (hnsw.*), so that an
 * application written for pgvector is obeyed, and a bad value is an error
 * rather than a placeholder nobody reads.  Their defaults are OmenDB's, so
 * SHOW tells what a scan does; a value other than the default overrides the
 * omenhnsw.* setting (ef_search: the larger of the two wins).  When pgvector's
 * own library is loaded in the same backend (both in
 * shared_preload_libraries), it owns these names: they are then read as text,
 * and overrides when they differ from pgvector's defaults.
 */
static bool hnsw_gucs_ours = false;
static int	hnsw_ef_search = OMENHNSW_DEFAULT_EF_SEARCH;
static int	hnsw_iterative_scan = OMENHNSW_DEFAULT_ITERATIVE_SCAN;
static int	hnsw_max_scan_tuples = 0;
static double hnsw_scan_mem_multiplier = 0;

static const struct config_enum_entry omenhnsw_iterative_scan_options[] = {
	{"off", OMENHNSW_ITERATIVE_OFF, false},
	{"relaxed_order", OMENHNSW_ITERATIVE_RELAXED, false},
	{"strict_order", OMENHNSW_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

static const struct config_enum_entry omenhnsw_filter_strategy_options[] = {
	{"auto", OMENHNSW_FILTER_STRATEGY_AUTO, false},
	{"graph", OMENHNSW_FILTER_STRATEGY_GRAPH, false},
	{"exact", OMENHNSW_FILTER_STRATEGY_EXACT, false},
	{NULL, 0, false}
};

static relopt_kind omenhnsw_relopt_kind;

static relopt_enum_elt_def omenhnsw_quant_values[] = {
	{"none", OMEN_QUANT_NONE},
	{"binary", OMEN_QUANT_BINARY},
	{"rabitq", OMEN_QUANT_RABITQ},
	{"auto", OMENHNSW_QUANT_AUTO},
	{(const char *) NULL}
};

static relopt_enum_elt_def omenhnsw_construction_values[] = {
	{"exact", OMENHNSW_CONSTRUCTION_EXACT},
	{"quantized", OMENHNSW_CONSTRUCTION_QUANTIZED},
	{(const char *) NULL}		/* list terminator */
};

/*
 * OmenHnswInit
 *		Define the reloptions and GUCs.  Called once from _PG_init.
 */
void
OmenHnswInit(void)
{
	omenhnsw_relopt_kind = add_reloption_kind();
	RegisterXactCallback(OmenHnswXactCallback, NULL);

	add_int_reloption(omenhnsw_relopt_kind, "m",
					  "Maximum number of neighbours per node on upper layers (layer 0 keeps 2*m)",
					  OMENHNSW_DEFAULT_M, OMENHNSW_MIN_M, OMENHNSW_MAX_M,
					  AccessExclusiveLock);
	add_int_reloption(omenhnsw_relopt_kind, "ef_construction",
					  "Candidate list size while building the graph (at least 2*m)",
					  OMENHNSW_DEFAULT_EF_CONSTRUCTION,
					  OMENHNSW_MIN_EF_CONSTRUCTION, OMENHNSW_MAX_EF_CONSTRUCTION,
					  AccessExclusiveLock);
	add_enum_reloption(omenhnsw_relopt_kind, "quantization",
					   "How vectors are coded in the graph: auto, none, binary or rabitq",
					   omenhnsw_quant_values, OMENHNSW_DEFAULT_QUANT,
					   gettext_noop("Valid values are \"auto\", \"none\", \"binary\" and \"rabitq\"."),
					   AccessExclusiveLock);
	add_enum_reloption(omenhnsw_relopt_kind, "construction",
					   "Distances the build orders candidates by: exact, or quantized (the codes; faster)",
					   omenhnsw_construction_values, OMENHNSW_CONSTRUCTION_EXACT,
					   gettext_noop("Valid values are \"exact\" and \"quantized\"."),
					   AccessExclusiveLock);

	DefineCustomIntVariable("omenhnsw.ef_search",
							"Candidate list size of an omenhnsw search.",
							"Larger values give better recall and slower queries.",
							&omenhnsw_ef_search,
							OMENHNSW_DEFAULT_EF_SEARCH, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("omenhnsw.rerank_factor",
							"Candidates re-ranked with exact distances per batch, as a multiple of ef_search.",
							"Only used with quantized indexes; larger values give better recall and slower queries.",
							&omenhnsw_rerank_factor,
							OMENHNSW_DEFAULT_RERANK_FACTOR, 1, 100,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("omenhnsw.rerank_sigmas",
							 "How sure the re-rank must be that no waiting candidate is closer, in standard deviations of the estimation error.",
							 "0 re-ranks every candidate of a batch before returning rows.",
							 &omenhnsw_rerank_sigmas,
							 OMENHNSW_DEFAULT_RERANK_SIGMAS, 0.0, 100.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomEnumVariable("omenhnsw.iterative_scan",
							 "How an omenhnsw scan continues once its first ef_search candidates are used up.",
							 "strict_order: continue, rows in exact distance order; relaxed_order: continue, "
							 "rows nearly in order; off: return at most ef_search rows.",
							 &omenhnsw_iterative_scan, OMENHNSW_DEFAULT_ITERATIVE_SCAN,
							 omenhnsw_iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("omenhnsw.filter_strategy",
							 "How an omenhnsw scan with conditions on filter columns finds its rows.",
							 "auto: search the graph, and switch to an exact pass over the matching nodes "
							 "when the graph search gets expensive; graph: never switch; exact: only the exact pass.",
							 &omenhnsw_filter_strategy, OMENHNSW_FILTER_STRATEGY_AUTO,
							 omenhnsw_filter_strategy_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("omenhnsw.first_batch_final",
							 "Return the rows of an omenhnsw scan's first batch without waiting for the continuation.",
							 "Faster (HNSW's answer at ef_search, no more), lower recall where codes rank poorly; "
							 "with a WHERE clause the index does not evaluate, strict_order then drops many rows.",
							 &omenhnsw_first_batch_final, false,
							 PGC_USERSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomIntVariable("omenhnsw.hold_batches",
							"Batches an omenhnsw scan may pull while rows wait for them, per batch of rows returned (0: no limit).",
							"Lower is faster on data where estimates rank neighbours poorly, at some recall; strict_order still keeps rows in order.",
							&omenhnsw_hold_batches, 0, 0, 1000,
							PGC_USERSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomIntVariable("omenhnsw.max_scan_tuples",
							"Most index entries a continued omenhnsw scan visits; 0 means no limit.",
							"A scan that reaches it ends, possibly with fewer rows than its LIMIT.",
							&omenhnsw_max_scan_tuples, 0, 0, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("omenhnsw.scan_mem_multiplier",
							 "Most memory a continued omenhnsw scan holds, as a multiple of work_mem; 0 means no limit.",
							 "A scan that reaches it ends, possibly with fewer rows than its LIMIT.",
							 &omenhnsw_scan_mem_multiplier, 0, 0, 1000,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("omenhnsw");
	OmenHnswPlanInit();

	/* pgvector's names, unless pgvector's library defined them already */
	{
		int			flags = GetConfigOptionFlags("hnsw.ef_search", true);

		hnsw_gucs_ours = GetConfigOption("hnsw.ef_search", true, false) == NULL ||
			(flags & GUC_CUSTOM_PLACEHOLDER) != 0;
	}
	if (hnsw_gucs_ours)
	{
		DefineCustomIntVariable("hnsw.ef_search",
								"pgvector's name for omenhnsw.ef_search (when not 40, the larger of the two is used).",
								NULL, &hnsw_ef_search, OMENHNSW_DEFAULT_EF_SEARCH, 1, 1000,
								PGC_USERSET, 0, NULL, NULL, NULL);
		DefineCustomEnumVariable("hnsw.iterative_scan",
								 "pgvector's name for omenhnsw.iterative_scan (overrides it when not strict_order).",
								 NULL, &hnsw_iterative_scan, OMENHNSW_DEFAULT_ITERATIVE_SCAN,
								 omenhnsw_iterative_scan_options,
								 PGC_USERSET, 0, NULL, NULL, NULL);
		DefineCustomIntVariable("hnsw.max_scan_tuples",
								"pgvector's name for omenhnsw.max_scan_tuples (overrides it when not 0).",
								NULL, &hnsw_max_scan_tuples, 0, 0, INT_MAX,
								PGC_USERSET, 0, NULL, NULL, NULL);
		DefineCustomRealVariable("hnsw.scan_mem_multiplier",
								 "pgvector's name for omenhnsw.scan_mem_multiplier (overrides it when not 0).",
								 NULL, &hnsw_scan_mem_multiplier, 0, 0, 1000,
								 PGC_USERSET, 0, NULL, NULL, NULL);
	}
}

/* An integer setting of pgvector's library, read as text; fallback if unset or not a number. */
static double
ForeignSetting(const char *name, double fallback)
{
	const char *text = GetConfigOption(name, true, false);
	char	   *end;
	double		v;

	if (text == NULL || *text == '\0')
		return fallback;
	errno = 0;
	v = strtod(text, &end);
	return (errno == 0 && end != text && *end == '\0') ? v : fallback;
}

/*
 * OmenHnswGetScanSettings
 *		The settings a scan starting now runs with (see hnsw_gucs_ours).
 */
void
OmenHnswGetScanSettings(OmenHnswScanSettings *settings)
{
	settings->efSearch = OmenHnswEfSearch();
	settings->iterative = omenhnsw_iterative_scan;
	settings->maxScanTuples = omenhnsw_max_scan_tuples;
	settings->memMultiplier = omenhnsw_scan_mem_multiplier;
	if (hnsw_gucs_ours)
	{
		if (hnsw_iterative_scan != OMENHNSW_DEFAULT_ITERATIVE_SCAN)
			settings->iterative = hnsw_iterative_scan;
		if (hnsw_max_scan_tuples != 0)
			settings->maxScanTuples = hnsw_max_scan_tuples;
		if (hnsw_scan_mem_multiplier != 0)
			settings->memMultiplier = hnsw_scan_mem_multiplier;
	}
	else
	{
		/* pgvector's defaults: off, 20000, 1 */
		const char *mode = GetConfigOption("hnsw.iterative_scan", true, false);
		double		tuples = ForeignSetting("hnsw.max_scan_tuples", 20000);
		double		mult = ForeignSetting("hnsw.scan_mem_multiplier", 1);

		if (mode != NULL && strcmp(mode, "relaxed_order") == 0)
			settings->iterative = OMENHNSW_ITERATIVE_RELAXED;
		else if (mode != NULL && strcmp(mode, "strict_order") == 0)
			settings->iterative = OMENHNSW_ITERATIVE_STRICT;
		if (tuples != 20000 && tuples >= 1)
			settings->maxScanTuples = (int) Min(tuples, (double) INT_MAX);
		if (mult != 1 && mult > 0)
			settings->memMultiplier = mult;
	}
	/* off, or a cap on the scan's work: the search width the user set */
	settings->beamEf = settings->efSearch;
	if (settings->iterative != OMENHNSW_ITERATIVE_OFF && settings->maxScanTuples == 0 &&
		settings->memMultiplier == 0)
		settings->beamEf = Max(settings->efSearch, OMENHNSW_MIN_BEAM_EF);
}

/*
 * OmenHnswScaleBeam
 *		Widen a continuing scan's smallest beam for a graph of `nodes` nodes
 *		(see OMENHNSW_BEAM_SCALE_NODES); settings as OmenHnswGetScanSettings
 *		left them.
 */
void
OmenHnswScaleBeam(OmenHnswScanSettings *settings, double nodes)
{
	double		least;

	if (settings->iterative == OMENHNSW_ITERATIVE_OFF || settings->maxScanTuples != 0 ||
		settings->memMultiplier != 0 || nodes <= OMENHNSW_BEAM_SCALE_NODES)
		return;
	least = OMENHNSW_MIN_BEAM_EF * pow(nodes / OMENHNSW_BEAM_SCALE_NODES, 0.7);
	least = Min(least, OMENHNSW_MAX_MIN_BEAM_EF);
	settings->beamEf = Max(settings->beamEf, (int) least);
}

/*
 * OmenHnswEfSearch
 *		The ef_search a scan uses: omenhnsw.ef_search, or the larger of it and
 *		pgvector's hnsw.ef_search when that is set to other than its default
 *		(both default to 40).  When pgvector's library owns hnsw.ef_search
 *		it is read as text: values that are not an integer are ignored, larger
 *		ones are capped at 1000, as pgvector does.
 */
int
OmenHnswEfSearch(void)
{
	const char *alias;
	int			ef = omenhnsw_ef_search;

	if (hnsw_gucs_ours)
		return hnsw_ef_search == OMENHNSW_DEFAULT_EF_SEARCH ? ef : Max(ef, hnsw_ef_search);
	alias = GetConfigOption("hnsw.ef_search", true, false);
	if (alias != NULL && *alias != '\0')
	{
		char	   *end;
		long		v;

		errno = 0;
		v = strtol(alias, &end, 10);
		if (errno == 0 && end != alias && *end == '\0' && v > ef)
			ef = (int) Min(v, 1000);
	}
	return ef;
}

/*
 * omenhnswoptions
 *		Parse and validate reloptions.  ef_construction >= 2*m is checked at
 *		build time, since either option may be set alone.
 */
static bytea *
omenhnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(OmenHnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(OmenHnswOptions, efConstruction)},
		{"quantization", RELOPT_TYPE_ENUM, offsetof(OmenHnswOptions, quantization)},
		{"construction", RELOPT_TYPE_ENUM, offsetof(OmenHnswOptions, construction)},
	};

	return (bytea *) build_reloptions(reloptions, validate,
									  omenhnsw_relopt_kind,
									  sizeof(OmenHnswOptions),
									  tab, lengthof(tab));
}

int
OmenHnswGetM(Relation index)
{
	OmenHnswOptions *opts = (OmenHnswOptions *) index->rd_options;

	return opts ? opts->m : OMENHNSW_DEFAULT_M;
}

int
OmenHnswGetEfConstruction(Relation index)
{
	OmenHnswOptions *opts = (OmenHnswOptions *) index->rd_options;

	return opts ? opts->efConstruction : OMENHNSW_DEFAULT_EF_CONSTRUCTION;
}

/*
 * OmenHnswEfConstructionGiven
 *		Whether the index's reloptions name ef_construction.  The parsed
 *		options hold the default when they don't, so look at the catalog's
 *		text: a default build may widen ef_construction on large graphs (see
 *		omen_builder_set_auto_ef_construction), a value the user gave is kept.
 */
bool
OmenHnswEfConstructionGiven(Relation index)
{
	HeapTuple	tuple;
	Datum		datum;
	bool		isnull;
	bool		given = false;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(RelationGetRelid(index)));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", RelationGetRelid(index));
	datum = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_reloptions, &isnull);
	if (!isnull)
	{
		ListCell   *lc;

		foreach(lc, untransformRelOptions(datum))
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (pg_strcasecmp(def->defname, "ef_construction") == 0)
				given = true;
		}
	}
	ReleaseSysCache(tuple);
	return given;
}

omen_quant_t
OmenHnswGetQuant(Relation index)
{
	OmenHnswOptions *opts = (OmenHnswOptions *) index->rd_options;

	return (omen_quant_t) (opts ? opts->quantization : OMENHNSW_DEFAULT_QUANT);
}

bool
OmenHnswGetQuantizedConstruction(Relation index)
{
	OmenHnswOptions *opts = (OmenHnswOptions *) index->rd_options;

	return opts && opts->construction == OMENHNSW_CONSTRUCTION_QUANTIZED;
}

/*
 * OmenHnswResolveQuant
 *		The quantization mode 'auto' stands for, given the dimension (see
 *		OMENHNSW_QUANT_AUTO); other modes are returned unchanged, and 'auto'
 *		too while the dimension is unknown (dim == 0).
 */
omen_quant_t
OmenHnswResolveQuant(omen_quant_t quant, uint32 dim)
{
	if ((int) quant != OMENHNSW_QUANT_AUTO || dim == 0)
		return quant;
	return dim < OMENHNSW_AUTO_QUANT_MIN_DIM ? OMEN_QUANT_NONE : OMEN_QUANT_RABITQ;
}

/*
 * OmenHnswMetricFromProc
 *		The metric a distance function implements, by its name, or -1.
 *		The opclass's support function 1 is the distance function.
 */
int
OmenHnswMetricFromProc(Oid procoid)
{
	char	   *name = get_func_name(procoid);
	int			metric = -1;

	if (name == NULL)
		return -1;
	if (strcmp(name, "l2_distance") == 0)
		metric = OMEN_METRIC_L2;
	else if (strcmp(name, "vector_negative_inner_product") == 0 ||
			 strcmp(name, "halfvec_negative_inner_product") == 0 ||
			 strcmp(name, "sparsevec_negative_inner_product") == 0)
		metric = OMEN_METRIC_IP;
	else if (strcmp(name, "cosine_distance") == 0)
		metric = OMEN_METRIC_COSINE;
	else if (strcmp(name, "l1_distance") == 0)
		metric = OMEN_METRIC_L1;
	else if (strcmp(name, "hamming_distance") == 0)
		metric = OMEN_METRIC_L2;	/* on 0/1 elements: sqrt of Hamming */
	else if (strcmp(name, "jaccard_distance") == 0)
		metric = OMEN_METRIC_JACCARD;	/* on 0/1 elements */
	pfree(name);
	return metric;
}

/*
 * OmenHnswGetInputType
 *		The input type of the index's opclass (see OmenHnswInputType).  Our
 *		operator classes exist for vector, halfvec, sparsevec and bit only,
 *		so the type's name decides; anything else is an ERROR.
 */
OmenHnswInputType
OmenHnswGetInputType(Relation index)
{
	Oid			typid = index->rd_opcintype[0];
	HeapTuple	tuple;
	char	   *name;
	int			result = -1;

	if (typid == BITOID || typid == VARBITOID)
		return OMENHNSW_INPUT_BIT;
	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", typid);
	name = NameStr(((Form_pg_type) GETSTRUCT(tuple))->typname);
	if (strcmp(name, "vector") == 0)
		result = OMENHNSW_INPUT_VECTOR;
	else if (strcmp(name, "halfvec") == 0)
		result = OMENHNSW_INPUT_HALFVEC;
	else if (strcmp(name, "sparsevec") == 0)
		result = OMENHNSW_INPUT_SPARSEVEC;
	ReleaseSysCache(tuple);
	if (result < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("omenhnsw cannot index values of type %s",
						format_type_be(typid)),
				 errhint("The first column of an omenhnsw index is the vector (vector, halfvec, sparsevec or bit); filter columns follow it.")));
	return (OmenHnswInputType) result;
}

/*
 * OmenHnswGetMetric
 *		The metric of the index's opclass.  ERROR if support function 1 is
 *		not one of the four distance functions (amvalidate reports it too).
 */
omen_metric_t
OmenHnswGetMetric(Relation index)
{
	Oid			procoid = index_getprocid(index, 1, 1);
	int			metric;

	if (!OidIsValid(procoid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator class of index \"%s\" has no distance function",
						RelationGetRelationName(index))));
	metric = OmenHnswMetricFromProc(procoid);
	if (metric < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("distance function %s is not supported by omenhnsw",
						format_procedure(procoid)),
				 errhint("Use one of the operator classes vector_l2_ops, vector_ip_ops, vector_cosine_ops or vector_l1_ops (halfvec_* for halfvec, sparsevec_* for sparsevec, bit_hamming_ops or bit_jaccard_ops for bit).")));
	return (omen_metric_t) metric;
}

/*
 * omenhnswbuildphasename
 *		Names of the build sub-phases shown in pg_stat_progress_create_index.
 */
static char *
omenhnswbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case OMENHNSW_PHASE_LOAD:
			return "loading tuples";
		case OMENHNSW_PHASE_GRAPH:
			return "building graph";
		case OMENHNSW_PHASE_WRITE:
			return "writing pages";
		default:
			return NULL;
	}
}

/*
 * IsDistanceRange
 *		Whether rinfo compares one of the path's ORDER BY distances with a
 *		value known when the scan starts (`embedding <-> $1 < 0.5`).
 */
static bool
IsDistanceRange(RestrictInfo *rinfo, List *orderbys)
{
	OpExpr	   *op;
	ListCell   *lc;

	if (!IsA(rinfo->clause, OpExpr))
		return false;
	op = (OpExpr *) rinfo->clause;
	if (list_length(op->args) != 2 || op->opresulttype != BOOLOID)
		return false;
	foreach(lc, orderbys)
	{
		Node	   *ob = (Node *) lfirst(lc);

		if (equal(linitial(op->args), ob) && !contain_var_clause(lsecond(op->args)))
			return true;
		if (equal(lsecond(op->args), ob) && !contain_var_clause(linitial(op->args)))
			return true;
	}
	return false;
}

/*
 * GraphStartupCost
 *		The descent and the first batch: every node read costs nodeCost, a
 *		candidate re-ranked rerankCost.
 */
static Cost
GraphStartupCost(double ntuples, double m, double nodeCost, double batch, Cost rerankCost)
{
	return log(ntuples) * 2.0 * m * nodeCost + batch * (2.0 * m * nodeCost + rerankCost);
}

/*
 * PlainScanCost
 *		A scan whose rows the executor filters, at `wanted` rows of those
 *		that pass (a share sel of the rows): the first batch holds about
 *		batch * sel rows that pass, but a selective filter also keeps the
 *		scan from releasing them until the continuation has gone further, so
 *		batch * sel^2 are credited to the startup; each further row costs
 *		nodeCost / sel (nodeCost: one node got past, re-rank included).
 */
static Cost
PlainScanCost(Cost startup, double batch, double wanted, double sel, Cost nodeCost)
{
	return startup + Max(0.0, wanted - batch * sel * sel) * nodeCost / Max(sel, 1e-9);
}

/*
 * omenhnswcostestimate
 *		See the cost model in the file header.  Reads the metapage (m, dim,
 *		quantization) under a short buffer share lock.
 */
void
omenhnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
					 Cost *indexStartupCost, Cost *indexTotalCost,
					 Selectivity *indexSelectivity, double *indexCorrelation,
					 double *indexPages)
{
	IndexOptInfo *info = path->indexinfo;
	RelOptInfo *rel = info->rel;
	GenericCosts costs;
	OmenHnswMetaPageData meta;
	Relation	index;
	double		ntuples;
	OmenHnswScanSettings settings;
	double		m;
	double		dim;
	double		batch;
	double		distCost;
	double		nodeCost;
	double		rerankCost;
	double		keySel = 1.0;
	double		keyCost = 0;
	double		rows;
	double		wanted;
	Cost		graphStartup;
	Cost		graphRun;
	Cost		atWanted;
	List	   *keyQuals = NIL;
	List	   *filters = NIL;
	ListCell   *lc;

	/*
	 * Without ORDER BY the index answers nothing: conditions on filter
	 * columns alone could be searched, but rows whose vector is NULL are not
	 * in the index.  Priced above a disabled sequential scan, so that even
	 * with enable_seqscan = off the planner never takes this path.
	 */
	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = disable_cost * 1000.0;
		*indexTotalCost = disable_cost * 1000.0;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);

	/* the metapage tells m, dim and quantization (defaults if not built) */
	index = index_open(info->indexoid, NoLock);
	if (RelationGetNumberOfBlocks(index) > OMENHNSW_METAPAGE_BLKNO)
		OmenHnswReadMeta(index, &meta);
	else
		OmenHnswInitMeta(&meta, 0, OMEN_METRIC_L2, OMENHNSW_DEFAULT_QUANT,
						 OMENHNSW_DEFAULT_M, OMENHNSW_DEFAULT_EF_CONSTRUCTION);
	index_close(index, NoLock);

	ntuples = Max(info->tuples, 1.0);
	OmenHnswGetScanSettings(&settings);
	OmenHnswScaleBeam(&settings, (double) meta.nodeCount);
	m = meta.m > 0 ? meta.m : OMENHNSW_DEFAULT_M;
	dim = meta.dim > 0 ? meta.dim : 128;
	meta.quant = OmenHnswResolveQuant(meta.quant, dim);

	/* one node read and estimated distance, on codes or on float vectors */
	if (meta.quant == OMEN_QUANT_NONE)
	{
		distCost = cpu_operator_cost * (1.0 + dim / 32.0);
		batch = settings.beamEf;
		rerankCost = 0;
	}
	else
	{
		distCost = cpu_operator_cost * (1.0 + dim / 512.0);
		batch = (double) settings.beamEf * omenhnsw_rerank_factor;
		/* heap fetch + exact distance */
		rerankCost = cpu_tuple_cost + cpu_operator_cost * (1.0 + dim / 32.0);
	}
	batch = Min(batch, ntuples);

	/* conditions on filter columns the scan evaluates itself */
	foreach(lc, path->indexclauses)
	{
		IndexClause *iclause = lfirst_node(IndexClause, lc);

		/* `embedding IS [NOT] NULL` is no filter the graph search must get past */
		if (iclause->indexcol == 0)
			continue;
		keyQuals = lappend(keyQuals, iclause->rinfo);
	}
	if (keyQuals != NIL)
	{
		keySel = clauselist_selectivity(root, keyQuals, rel->relid, JOIN_INNER, NULL);
		keySel = Max(keySel, 1.0 / ntuples);
		/* a comparison of stored values: a tenth of a code distance's cost */
		keyCost = 0.1 * cpu_operator_cost * list_length(keyQuals);
	}
	/*
	 * The first batch is charged with the CPU constants alone, so that an
	 * unfiltered ORDER BY ... LIMIT takes the index on any table (a
	 * sequential scan and sort is charged about 3.5 us per unit, and the
	 * index is faster from a few thousand rows up).  What grows with a
	 * filter's selectivity (the continuation, the exact pass) is charged in
	 * the units of the plans a filtered query competes with (cached pages;
	 * 100,000 x 128, 2 cores): a B-tree bitmap plan over 1,000 rows is
	 * charged 2,822 for 1.6 ms, OMENHNSW_COST_PER_US units per microsecond;
	 * the microseconds are those the scan itself predicts with
	 * (omenhnsw.h: a graph expansion, the exact pass).  A candidate
	 * re-ranked from the table (and, on a plain index, handed to the
	 * executor's filter) cost several microseconds (10% filter: 467 QPS with
	 * 93 rows re-ranked per query on a plain index, 1,016 with 10 through
	 * filter columns): OMENHNSW_RERANK_SCALE times its CPU constants.
	 */
	nodeCost = distCost + keyCost;

	/*
	 * Rows the path returns (all restrictions, the executor's too) and how
	 * many of them the query wants (LIMIT, when the planner knows it).  On
	 * a plain index a WHERE clause the scan cannot see makes each returned
	 * row cost 1/s nodes' worth of search: a selective one sends the
	 * planner to an exact plan, as it should (the index cannot tell whether
	 * the matching rows lie near the query).
	 */
	foreach(lc, info->indrestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		/*
		 * A range on the ordering distance itself is no filter the scan must
		 * get past: with `<`, the rows it passes are the first ones the scan
		 * returns; the planner's estimate of its selectivity is a default
		 * (1/3) anyway.  Counted as a filter, it sent pgvector's own
		 * distance-filtering test (10,000 x 3, `v <-> q < 1 ... LIMIT 20`)
		 * to a sequential scan, where pgvector uses its index, for `>` too.
		 */
		if (!IsDistanceRange(rinfo, path->indexorderbys))
			filters = lappend(filters, rinfo);
	}
	rows = clamp_row_est(ntuples * clauselist_selectivity(root, filters,
														   rel->relid, JOIN_INNER, NULL));
	wanted = root->limit_tuples > 0 ? Min(root->limit_tuples, rows) : rows;

	/*
	 * The graph search: a node costs a read and a distance (and the key
	 * checks); a node that passes the keys a re-rank.  Reaching `rows`
	 * rows means visiting all nodes, each read from about 2m neighbours;
	 * a plain scan's continuation expands about OMENHNSW_SETTLE_EXPANSIONS
	 * nodes per row it hands out, a filtered graph search about
	 * OMENHNSW_FILTER_EXPANSIONS per node it gets past (omenhnsw.h).
	 */
	graphStartup = GraphStartupCost(ntuples, m, nodeCost, batch, keySel * rerankCost);
	if (keyQuals == NIL && rows >= ntuples)
	{
		/*
		 * No condition at all: rows come in order at the CPU constants'
		 * price, as before the calibration.  Underpriced for a scan read to
		 * the end, but such scans are mostly cursors read for a few rows
		 * (postgres_fdw shards: the remote query has no LIMIT) where the
		 * index is far faster than a sort of the whole table.
		 */
		graphRun = ntuples * (2.0 * m * nodeCost + rerankCost);
	}
	else
		graphRun = ntuples * ((keyQuals == NIL ? OMENHNSW_SETTLE_EXPANSIONS : OMENHNSW_FILTER_EXPANSIONS) *
							  OMENHNSW_EXPANSION_US * OMENHNSW_COST_PER_US +
							  keySel * rerankCost * OMENHNSW_RERANK_SCALE);

	*indexStartupCost = graphStartup;
	if (keyQuals == NIL)
	{
		/* No conditions in the index: the executor filters (unfiltered: sel 1) */
		atWanted = PlainScanCost(graphStartup, batch, wanted, rows / ntuples, graphRun / ntuples);
	}
	else
	{
		/*
		 * Conditions in the index: mirror the scan's own choice (omenhnsw_scan.c,
		 * SwitchToExact) with the planner's pass rate, keySel.  The graph
		 * search needs about OMENHNSW_FILTER_EXPANSIONS expansions per node it
		 * gets past, need / keySel nodes; the exact pass reads every node's
		 * values and every matching node's code before its first row.
		 */
		double		need = Max(wanted * ntuples * keySel / Max(rows, 1.0), 1.0);
		Cost		rerank = rerankCost * OMENHNSW_RERANK_SCALE;
		bool		exact;

		exact = omenhnsw_filter_strategy == OMENHNSW_FILTER_STRATEGY_EXACT ||
			(omenhnsw_filter_strategy == OMENHNSW_FILTER_STRATEGY_AUTO &&
			 OmenHnswFilterGraphUs(OMENHNSW_FILTER_ROWS, keySel) >
			 OmenHnswFilterExactUs(ntuples, keySel));
		if (exact)
		{
			*indexStartupCost = graphStartup +
				OmenHnswFilterExactUs(ntuples, keySel) * OMENHNSW_COST_PER_US;
			atWanted = *indexStartupCost + need * rerank;
		}
		else
			atWanted = graphStartup +
				OmenHnswFilterGraphUs(need, keySel) * OMENHNSW_COST_PER_US + need * rerank;

		/*
		 * The keys in the index never make the scan slower than the same
		 * scan with the executor filtering its rows: it re-ranks none of the
		 * rejected rows and can switch to the exact pass.  Near 10% the
		 * model above prices it a little above a plain scan (measured: 0.87
		 * and 0.89 ms); price it just below, or the planner drops the keys
		 * from the path, and an anti-correlated filter then runs without
		 * the switch (5% of the rows, in the clusters farthest from the
		 * query: 9 QPS against 300 with the keys).  Not when the exact pass
		 * is forced: that is what the setting asks for.
		 */
		if (omenhnsw_filter_strategy != OMENHNSW_FILTER_STRATEGY_EXACT)
		{
			Cost		plainAt = PlainScanCost(GraphStartupCost(ntuples, m, distCost, batch, rerankCost),
												batch, wanted, rows / ntuples,
												OMENHNSW_SETTLE_EXPANSIONS * OMENHNSW_EXPANSION_US *
												OMENHNSW_COST_PER_US + rerank);

			if (atWanted > 0.95 * plainAt)
			{
				atWanted = 0.95 * plainAt;
				*indexStartupCost = Min(*indexStartupCost, atWanted);
			}
		}
	}
	/* the planner interpolates linearly: total gives atWanted at `wanted` rows */
	*indexTotalCost = wanted > 0 ?
		*indexStartupCost + (atWanted - *indexStartupCost) * rows / wanted :
		*indexStartupCost + graphRun;
	if (*indexTotalCost < atWanted)
		*indexTotalCost = atWanted;

	*indexStartupCost += costs.indexStartupCost;
	*indexTotalCost += costs.indexStartupCost;
	*indexSelectivity = keySel;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}

/*
 * omenhnswproperty
 *		amproperty: the indexed column is distance-orderable (the generic
 *		code cannot tell); everything else is left to the generic code.
 */
static bool
omenhnswproperty(Oid index_oid, int attno, IndexAMProperty prop,
				 const char *propname, bool *res, bool *isnull)
{
	if (attno == 1 && prop == AMPROP_DISTANCE_ORDERABLE)
	{
		*res = true;
		*isnull = false;
		return true;
	}
	return false;
}

/*
 * omenhnswhandler
 *		The AM handler: fills in the IndexAmRoutine.
 */
Datum
omenhnswhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = 1;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	/* key columns after the vector are filter columns (omenhnsw_filter.c) */
	amroutine->amcanmulticol = true;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = true;
	amroutine->amsearchnulls = true;	/* IS [NOT] NULL on any key column */
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = omenhnswbuild;
	amroutine->ambuildempty = omenhnswbuildempty;
	amroutine->aminsert = omenhnswinsert;
	amroutine->ambulkdelete = omenhnswbulkdelete;
	amroutine->amvacuumcleanup = omenhnswvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = omenhnswcostestimate;
	amroutine->amoptions = omenhnswoptions;
	amroutine->amproperty = omenhnswproperty;
	amroutine->ambuildphasename = omenhnswbuildphasename;
	amroutine->amvalidate = omenhnswvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = omenhnswbeginscan;
	amroutine->amrescan = omenhnswrescan;
	amroutine->amgettuple = omenhnswgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = omenhnswendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/*
 * omendb_hnsw_handler
 *		The AM handler of "hnsw", pgvector's name: omenhnsw with one column,
 *		as pgvector's hnsw has (filter columns need the omenhnsw name).
 */
Datum
omendb_hnsw_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine;

	amroutine = (IndexAmRoutine *) DatumGetPointer(omenhnswhandler(fcinfo));
	amroutine->amcanmulticol = false;
	amroutine->amsearcharray = false;
	PG_RETURN_POINTER(amroutine);
}
