/*
 * omen_core.h
 *	  The C ABI between OmenDB's C++ core (src/core) and the PostgreSQL shim (src/pg).
 *
 * This header is the whole contract between the two halves:
 *   - it is C99-clean and includes no PostgreSQL and no C++ header;
 *   - every function is implemented noexcept in the core: C++ exceptions never cross it, errors come
 *     back as omen_status_t;
 *   - inputs are borrowed for the duration of the call; the core copies what it keeps;
 *   - handles (omen_builder_t, omen_index_t, omen_scan_t, omen_insert_plan_t) are created and freed
 *     through this ABI only.  The shim registers a memory-context reset callback for each handle it
 *     holds so that an ERROR never leaks one.
 *
 * Node ids are opaque 32-bit values chosen by the shim (it packs a block number and a slot into them);
 * the core never interprets them.  OMEN_INVALID_ID marks "no node" (empty neighbour slot, empty index).
 * Payloads are opaque 64-bit values (the shim stores a heap TID there).
 *
 * The core owns the byte format of a node record; the shim only stores records in pages, reads them
 * back through omen_storage_t, and uses the omen_record_* accessors for the payload and deleted flag.
 * Record layout (all little-endian, fixed per index; see src/core/record.hpp for the authoritative
 * description): a fixed header (payload, level, flags, quantizer corrections), the vector's code, the
 * layer-0 neighbour list, then one neighbour list per upper level.  A record's size depends only on the
 * index parameters and the node's level (omen_index_record_size), and it never changes after the node
 * is created, so every update is an in-place overwrite of the same number of bytes.
 */
#ifndef OMEN_CORE_H
#define OMEN_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------- */
typedef enum omen_status
{
	OMEN_OK = 0,
	OMEN_ERR_OOM = 1,			/* allocation failed */
	OMEN_ERR_INVALID = 2,		/* bad argument (dimension, parameter out of range, corrupt record) */
	OMEN_ERR_BUDGET = 3,		/* builder: adding this vector would exceed the memory budget */
	OMEN_ERR_STORAGE = 4,		/* an omen_storage_t callback failed; the shim holds the real error */
	OMEN_ERR_INTERNAL = 5		/* unexpected exception or broken invariant */
} omen_status_t;

/* A static, human-readable description of a status code. */
const char *omen_status_message(omen_status_t status);

#define OMEN_INVALID_ID ((uint32_t) 0xFFFFFFFFu)
/* Stands for a new node in an insert plan made before the node has its id (the shim must never
 * hand out this id); omen_insert_plan_bind replaces it. */
#define OMEN_PENDING_ID ((uint32_t) 0xFFFFFFFEu)
#define OMEN_MAX_DIM 16000

/* ---------------------------------------------------------------------------------------------
 * Distance kernels (SIMD, dispatched once at load time)
 * ------------------------------------------------------------------------------------------- */

/* Select the fastest kernels this CPU supports.  Idempotent; call once from _PG_init. */
void		omen_init(void);

/* Name of the kernel set in use: "avx512", "avx2" or "scalar". */
const char *omen_simd_level(void);

/*
 * Force a kernel set ("avx512", "avx2", "scalar"); used by tests and by the omendb.simd GUC.
 * Returns 0 on success, -1 if the name is unknown or the CPU lacks the instructions.
 */
int			omen_set_simd_level(const char *name);

/* 1 if omen_set_simd_level(name) would succeed, else 0; changes nothing. */
int			omen_simd_available(const char *name);

/*
 * Parse a plain decimal float at p ([-]digits[.digits][e[+-]digits], correctly rounded, as strtof
 * in the C locale would).  Returns 1 and sets *out and *end when the number is finite and of that
 * form; returns 0, changing nothing, for anything else (a leading '+', hex, inf, nan, overflow,
 * underflow to zero, a number running into a letter), where the caller falls back to strtof, so
 * the accepted syntax and the values are strtof's.  About five times faster than strtof.
 */
int			omen_parse_float(const char *p, const char *limit, const char **end, float *out);

/* Squared Euclidean distance. */
float		omen_l2sq(const float *a, const float *b, uint32_t n);

/* Inner product. */
float		omen_dot(const float *a, const float *b, uint32_t n);

/* Sum of absolute differences. */
float		omen_l1(const float *a, const float *b, uint32_t n);

/*
 * The distance the SQL operator of `metric` (omen_metric_t) returns: <-> Euclidean, <#> negative
 * inner product, <=> cosine distance (1 - cosine similarity clamped to [0, 2]; NaN when either
 * vector has zero norm), <+> L1; OMEN_METRIC_JACCARD is <%> on bit strings given as 0/1 elements
 * (1 - dot / (|a|^2 + |b|^2 - dot), 1 when both are zero).  The one definition of each distance (src/core/distance.hpp): the
 * SQL operators and index scans both return this value, so an index scan orders rows by exactly
 * the value the SELECT list shows.
 */
double		omen_distance(uint32_t metric, const float *a, const float *b, uint32_t n);

/* Number of differing bits between two codes of nbytes bytes. */
uint64_t	omen_hamming(const uint8_t *a, const uint8_t *b, size_t nbytes);

/*
 * IEEE 754 half precision (binary16, the halfvec element) to float and back, n values.
 * float -> half rounds to nearest, ties to even; magnitudes from 65520 up become infinity (the
 * caller rejects them), NaN stays NaN.  half -> float is exact.  F16C when the CPU has it and the
 * kernel set is not "scalar"; both paths give identical bits.
 */
void		omen_f16_to_f32(const uint16_t *in, float *out, size_t n);
void		omen_f32_to_f16(const float *in, uint16_t *out, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Index parameters
 * ------------------------------------------------------------------------------------------- */
typedef enum omen_metric
{
	OMEN_METRIC_L2 = 0,			/* distance reported as Euclidean distance (not squared) */
	OMEN_METRIC_IP = 1,			/* reported as the negative inner product */
	OMEN_METRIC_COSINE = 2,		/* reported as 1 - cosine similarity */
	OMEN_METRIC_L1 = 3,			/* reported as the sum of absolute differences */
	OMEN_METRIC_JACCARD = 4		/* on 0/1 vectors (bit strings): reported as
								 * 1 - |a AND b| / |a OR b|, 1 when both are
								 * empty (the bit operator <%>) */
} omen_metric_t;

typedef enum omen_quant
{
	OMEN_QUANT_NONE = 0,		/* float32 vectors in the records; distances are exact */
	OMEN_QUANT_BINARY = 1,		/* 1 bit per dimension after centering and a random
								 * rotation; Hamming traversal */
	OMEN_QUANT_RABITQ = 2		/* 2 bits per dimension (after centering and a random rotation)
								 * with a corrected asymmetric estimator */
} omen_quant_t;

typedef struct omen_params
{
	uint32_t	dim;			/* 1 .. OMEN_MAX_DIM */
	uint32_t	metric;			/* omen_metric_t */
	uint32_t	quant;			/* omen_quant_t */
	uint32_t	m;				/* max neighbours per upper layer; layer 0 holds 2*m */
	uint32_t	ef_construction;
	uint64_t	seed;			/* seeds level assignment in the builder */
} omen_params_t;

#define OMEN_MIN_M 2
#define OMEN_MAX_M 100
#define OMEN_MAX_EF_CONSTRUCTION 1000
/* Returns OMEN_OK or OMEN_ERR_INVALID (m out of OMEN_MIN_M..OMEN_MAX_M, ef_construction out of
 * 2*m..OMEN_MAX_EF_CONSTRUCTION, bad dim/metric/quant). */
omen_status_t omen_params_check(const omen_params_t *params);

/* ---------------------------------------------------------------------------------------------
 * Storage: how the core reads records that live outside it (in PostgreSQL pages)
 * ------------------------------------------------------------------------------------------- */
typedef struct omen_storage
{
	void	   *ctx;

	/*
	 * Copy the first `stride` bytes (or the whole record, if shorter) of the record of each ids[i]
	 * into out + i * stride.  The core asks for a short prefix (header and code) when it only needs
	 * distances, and for the full record when it needs neighbour lists.
	 * Returns 0 on success.  Nonzero means the shim caught and saved an error: the core unwinds and
	 * returns OMEN_ERR_STORAGE, and the shim re-throws the saved error.  Never longjmps.
	 */
	int			(*read) (void *ctx, const uint32_t *ids, uint32_t n, uint8_t *out, uint32_t stride);
} omen_storage_t;

/* ---------------------------------------------------------------------------------------------
 * Record accessors (records are the byte strings the core produced)
 * ------------------------------------------------------------------------------------------- */
uint64_t	omen_record_payload(const uint8_t *record);
/* Where a record's corrections and code start (payload, level and flags come before). */
#define OMEN_RECORD_CODE_OFFSET 12
int			omen_record_is_deleted(const uint8_t *record);
void		omen_record_set_deleted(uint8_t *record);
/*
 * Mark a record copy as rejected by a scan's filter: the scan traverses the node but never returns
 * it.  Only for the copies the storage callback hands a scan (never stored).
 */
void		omen_record_set_rejected(uint8_t *record);
uint32_t	omen_record_level(const uint8_t *record);
/* Nonzero when two records of len bytes are equal but for the deleted flag. */
int			omen_record_same(const uint8_t *a, const uint8_t *b, uint32_t len);

/* ---------------------------------------------------------------------------------------------
 * Bulk build in memory
 * ------------------------------------------------------------------------------------------- */
typedef struct omen_builder omen_builder_t;

/* budget_bytes bounds everything the builder allocates (vectors, codes, graph). */
omen_status_t omen_builder_create(const omen_params_t *params, size_t budget_bytes,
								  omen_builder_t **out);
void		omen_builder_free(omen_builder_t *builder);

/*
 * Build the graph on code distances (binary / rabitq: the symmetric sign-plane estimate) instead
 * of exact float distances: about 1.8x faster at 100,000 x 128 with the same recall.  Call before
 * the first omen_builder_add; ignored for quant none.  OMEN_ERR_INVALID once vectors were added.
 */
omen_status_t omen_builder_set_quantized_construction(omen_builder_t *builder, int on);

/*
 * ef_construction was left at its default: a graph of at least 500,000 nodes is built with
 * ef_construction 96 instead (recall@10 0.99 stays reachable at 1,000,000 rows; see
 * src/core/hnsw.hpp).  Call before the first omen_builder_add; OMEN_ERR_INVALID once vectors were
 * added.  omen_builder_ef_construction: the value the build uses (final once the first
 * omen_builder_build_step has run), for the metapage, where later inserts read it.
 */
omen_status_t omen_builder_set_auto_ef_construction(omen_builder_t *builder, int on);
uint32_t	omen_builder_ef_construction(const omen_builder_t *builder);

/* Estimated builder bytes per vector, for the "would have needed N MB" notice. */
size_t		omen_builder_bytes_per_vector(const omen_params_t *params);

/* Append a vector.  OMEN_ERR_BUDGET: it would not fit; nothing was added. */
omen_status_t omen_builder_add(omen_builder_t *builder, const float *vec, uint64_t payload);

uint32_t	omen_builder_count(const omen_builder_t *builder);

/*
 * Build the graph incrementally so that the caller can report progress and check for interrupts
 * between calls.  The first call trains the quantizer on all added vectors.  Each call inserts up
 * to `max_nodes` more nodes using `nthreads` threads (threads never call back into the shim);
 * *done is the total number of nodes in the graph after the call.  Finished when
 * *done == omen_builder_count().
 */
omen_status_t omen_builder_build_step(omen_builder_t *builder, uint32_t nthreads,
									  uint32_t max_nodes, uint32_t *done);

/* Size of the record of builder node i (0-based, in add order). */
uint32_t	omen_builder_record_size(const omen_builder_t *builder, uint32_t i);

/* Entry point (builder node index) and its level; OMEN_INVALID_ID when empty. */
void		omen_builder_entry(const omen_builder_t *builder, uint32_t *entry, uint32_t *level);

/*
 * Write the record of node i into out (omen_builder_record_size bytes), with every neighbour
 * translated through ids[] (ids[j] is the shim id given to builder node j).
 */
omen_status_t omen_builder_record(const omen_builder_t *builder, uint32_t i, const uint32_t *ids,
								  uint8_t *out);

/*
 * A page-friendly placement order: order[k] is the builder node to store k-th (a permutation of
 * 0 .. count-1), starting with the entry point.  Nodes are laid out in groups of `group` (about
 * the records that fit in a page), each group grown breadth-first from a seed over layer-0 links,
 * so that a node's neighbours tend to share its page and a search reads fewer distinct pages.
 * Seeds follow a global breadth-first order, so consecutive groups are near each other too.
 */
omen_status_t omen_builder_layout_order(const omen_builder_t *builder, uint32_t group,
										uint32_t *order);

/* Quantizer state (e.g. centering mean) to store with the index; pass it to omen_index_open. */
size_t		omen_builder_quantizer_size(const omen_builder_t *builder);
void		omen_builder_quantizer(const omen_builder_t *builder, uint8_t *out);

/* ---------------------------------------------------------------------------------------------
 * An opened on-disk index: parameters, quantizer and kernels bound together
 * ------------------------------------------------------------------------------------------- */
typedef struct omen_index omen_index_t;

omen_status_t omen_index_open(const omen_params_t *params, const uint8_t *quantizer,
							  size_t quantizer_len, omen_index_t **out);
void		omen_index_free(omen_index_t *index);

/* Record size for a node of the given level. */
uint32_t	omen_index_record_size(const omen_index_t *index, uint32_t level);

/* Bytes of the record prefix (header and code) the core needs to estimate a distance. */
uint32_t	omen_index_prefix_size(const omen_index_t *index);

/* Largest level a node may have (bounds the record size). */
uint32_t	omen_index_max_level(const omen_index_t *index);

/*
 * Where the neighbour list of `level` starts in a record (bytes) and how many uint32 ids it holds
 * (empty slots are OMEN_INVALID_ID, after the used ones).  For checkers that read records without
 * the core (omenhnsw_verify); 0 when level exceeds omen_index_max_level.
 */
uint32_t	omen_index_list_offset(const omen_index_t *index, uint32_t level);
uint32_t	omen_index_list_slots(const omen_index_t *index, uint32_t level);

/* Level for a new node, from a uniform random number u in [0, 1). */
uint32_t	omen_index_random_level(const omen_index_t *index, double u);

/* omen_distance() with the index's metric. */
double		omen_index_distance(const omen_index_t *index, const float *a, const float *b);
/*
 * 1 when scan candidates carry the exact SQL distance (omen_distance, bit for bit): quantization
 * none with the L2, inner-product or L1 metric.  0 otherwise (estimates; and cosine indexes, whose
 * records hold normalised vectors): the caller computes the exact value from the row.
 */
int			omen_index_exact_candidates(const omen_index_t *index);

/*
 * Quantizer refresh: a quantizer trained on few vectors (an index created empty trains on its first
 * row) codes the rest of the data relative to a mean far from it, and estimates then barely tell
 * near neighbours apart.  The shim adds each live node's vector to sums[dim] (omen_index_mean_add:
 * prepared as the index prepares it, i.e. normalised for cosine), asks for a quantizer with that
 * mean and the same rotation (omen_index_retrain: writes omen_index_quantizer_size bytes), opens it,
 * and rewrites each node's code with it (omen_index_encode: the record's correction and code bytes,
 * i.e. bytes OMEN_RECORD_CODE_OFFSET .. omen_index_prefix_size; payload, level, flags and lists are left alone).
 * Quantized indexes only; OMEN_ERR_INVALID for non-finite values.
 */
size_t		omen_index_quantizer_size(const omen_index_t *index);
omen_status_t omen_index_mean_add(const omen_index_t *index, const float *v, double *sums);
omen_status_t omen_index_retrain(const omen_index_t *index, const double *sums, uint64_t n,
								 uint8_t *out);
omen_status_t omen_index_encode(const omen_index_t *index, const float *v, uint8_t *record);

/* ---------------------------------------------------------------------------------------------
 * Search that can be resumed
 * ------------------------------------------------------------------------------------------- */
typedef struct omen_candidate
{
	uint32_t	id;
	uint64_t	payload;
	double		distance;		/* SQL units: exact where omen_index_exact_candidates, else an
								 * estimate; NaN in a walk (no query) */
	double		lower;			/* the estimate less omen_scan_set_bound_sigmas standard
								 * deviations of its error (SQL units); -INFINITY when no
								 * bound was asked for or the estimator has no error model */
} omen_candidate_t;

typedef struct omen_scan omen_scan_t;

/*
 * Start a search for `query` from the entry point with beam width ef_search.  Nothing is read until
 * the first omen_scan_next.  query may be NULL: the scan then walks the graph and hands out every
 * live node reachable from the entry on layer 0 once, breadth-first, with NaN distances (an
 * ORDER BY whose argument is NULL).
 */
omen_status_t omen_scan_begin(const omen_index_t *index, const omen_storage_t *storage,
							  uint32_t entry, uint32_t entry_level, const float *query,
							  uint32_t ef_search, omen_scan_t **out);

/*
 * Next candidates, at most `max`, in non-decreasing distance within the batch; deleted nodes are
 * skipped (but still traversed).  Every node is returned at most once over the whole scan.  The
 * first ef_search are HNSW's answer (the beam search's best, in order).  After them the search
 * continues best-first and hands out a node only once no unexpanded node is closer than its
 * estimate plus the largest drop in estimate seen so far between an expanded node and a neighbour
 * (src/core/index.hpp, Scan), so across calls the distances are non-decreasing too, except where
 * an expansion shows a larger drop than any before.  Calling again eventually returns every live
 * node reachable from the entry point.  *n == 0 means the scan is exhausted.
 */
omen_status_t omen_scan_next(omen_scan_t *scan, omen_candidate_t *out, uint32_t max, uint32_t *n);

/*
 * Ask for lower bounds: each candidate's `lower` becomes its estimate less `sigmas` standard
 * deviations of the estimate's error.  The error model is RaBitQ's: for the 2-bit code of r (the
 * rotated, centred row) with levels d, the estimate of <r, q> errs by <e, q> with e = s d - r
 * orthogonal to r, which for a random rotation is close to normal with standard deviation
 * |e| |q_perp| / sqrt(D').  Known for quantization rabitq with the L2, cosine and inner-product
 * metrics; exact (lower = distance) for quantization none; unknown (-INFINITY) otherwise.
 * Call before the first omen_scan_next.
 */
void		omen_scan_set_bound_sigmas(omen_scan_t *scan, float sigmas);

/*
 * The estimate (SQL units) below which no candidate handed out later is expected: the least of the
 * next discovered node's estimate and the nearest unexpanded node's estimate less the drop margin
 * (see omen_scan_next); during an exact pass (omen_scan_restrict) the next listed node's estimate.
 * +INFINITY once the scan is exhausted.
 */
double		omen_scan_floor(const omen_scan_t *scan);

/*
 * During an exact pass whose candidates carry lower bounds (omen_scan_set_bound_sigmas): the least
 * lower bound of the nodes still listed, which a node with a wide bound can hold below the next
 * estimate; +INFINITY otherwise.
 */
double		omen_scan_list_lower(const omen_scan_t *scan);

/*
 * Filtered scans.  The storage callback of a filtered scan marks the records its filter rejects
 * (omen_record_set_rejected); the scan traverses them and never returns them.  Two controls let the
 * shim change strategy when the filter rejects most nodes near the query:
 *   - omen_scan_set_expansion_budget: each omen_scan_next call expands at most `expansions` nodes
 *     (0, the default: no limit), also while it searches for the first ef_search candidates (the
 *     beam search of HNSW's answer), which then resumes in the next call.  A call may then
 *     return *n == 0 without the scan being over: omen_scan_exhausted tells.
 *   - omen_scan_restrict: the rest of the scan is an exact pass over `ids` (the nodes the filter
 *     accepts, found by the shim without the graph): every listed live node not handed out yet is
 *     handed out once, in estimate order (the floor is the next estimate).  With no query, in list
 *     order.  Reads every listed record's prefix.
 */
void		omen_scan_set_expansion_budget(omen_scan_t *scan, uint32_t expansions);
int			omen_scan_exhausted(const omen_scan_t *scan);
/* Nodes expanded so far (their neighbour lists read). */
uint64_t	omen_scan_expansions(const omen_scan_t *scan);
omen_status_t omen_scan_restrict(omen_scan_t *scan, const uint32_t *ids, uint32_t n);
/*
 * omen_scan_restrict with the listed records' first omen_index_prefix_size bytes given (n of them,
 * in ids' order, as the storage callback would return them: deleted and rejected marks set), read
 * by the shim while it found the nodes, so that the scan does not read them again.
 */
omen_status_t omen_scan_restrict_prefixes(omen_scan_t *scan, const uint32_t *ids,
										  const uint8_t *prefixes, uint32_t n);

/* Bytes the scan's state holds now (visited set, discovered nodes): grows as the scan widens. */
size_t		omen_scan_memory(const omen_scan_t *scan);

void		omen_scan_free(omen_scan_t *scan);

/* ---------------------------------------------------------------------------------------------
 * Insert and repair plans: the core decides, the shim writes
 * ------------------------------------------------------------------------------------------- */
typedef struct omen_edit
{
	uint32_t	id;				/* node whose record changes */
	uint32_t	len;			/* == its current record length */
	uint8_t    *record;			/* the full new record image */
	uint8_t    *base;			/* the record it was computed from (NULL: write unconditionally) */
	uint32_t	levels;			/* insert, reconnect plans: bit lv set where link_id is linked in */
	uint32_t	link_id;		/* the node this edit links in (for omen_link_plan) */
} omen_edit_t;

typedef struct omen_insert_plan
{
	uint8_t    *record;			/* the new node's record (NULL for a repair with nothing to do) */
	uint32_t	record_len;
	omen_edit_t *edits;			/* neighbour records to overwrite (back-links, pruned lists) */
	uint32_t	n_edits;
	int			new_entry;		/* nonzero: the new node becomes the entry point */
	uint32_t	unreachable;	/* reconnect plans: live nodes the walk from the entry missed */
	uint32_t	linked;			/* reconnect plans: of those, how many got an in-link */
	uint32_t	inlinks;		/* reconnect plans (top_up): links added to nodes with few in-links */
	uint32_t	relinked;		/* reconnect plans: of the linked, how many in place of a full list's
								 * last entry, which the linked node then links; nonzero: write the
								 * edits one at a time, in plan order */
} omen_insert_plan_t;

/*
 * Plan the insertion of `vec` as node new_id with level new_level.  new_id may be OMEN_PENDING_ID
 * when the shim learns the id only by storing the record: it then stores plan->record and calls
 * omen_insert_plan_bind.  entry may be OMEN_INVALID_ID for an empty index.  The shim writes
 * plan->record first, then each edit, then (if new_entry) the entry point; each write leaves the
 * graph consistent on its own.
 *
 * Inserts may run concurrently: each edit carries the record it was computed from (base).  The
 * shim writes an edit only while the stored record still equals its base (omen_record_same), and
 * otherwise asks omen_link_plan for a new edit from a fresh read.
 *
 * nodes: how many nodes the index holds (deleted ones included).  Graphs of 150,000 nodes or more
 * pad the new node's layer-0 list to its 2m slots with the nearest candidates the neighbour
 * heuristic pruned, as their bulk build does; only the first m chosen get back-links.
 */
omen_status_t omen_insert_plan(const omen_index_t *index, const omen_storage_t *storage,
							   uint32_t entry, uint32_t entry_level, const float *vec,
							   uint64_t payload, uint32_t new_id, uint32_t new_level,
							   uint64_t nodes, omen_insert_plan_t **out);

/*
 * Plan the repair of node `id` (a live node) after some of its neighbours were marked deleted:
 * deleted neighbours are replaced by good candidates among their own neighbours; a deleted one
 * with the node's own code (its former version, re-inserted by an UPDATE) first hands over its
 * list, each deleted entry replaced by its nearest live neighbour.  plan->record is
 * the new image of `id`'s record, or NULL when none of its neighbours is deleted.  No edits.
 */
omen_status_t omen_repair_plan(const omen_index_t *index, const omen_storage_t *storage,
							   uint32_t id, omen_insert_plan_t **out);

/*
 * Give a plan made with new_id = OMEN_PENDING_ID the node's real id, once the shim has stored
 * plan->record and so learned it: every link to OMEN_PENDING_ID in the edits' images (and their
 * link_id) becomes new_id.  The bases are left alone.
 */
void		omen_insert_plan_bind(const omen_index_t *index, omen_insert_plan_t *plan, uint32_t new_id);

/*
 * Re-plan an insert's edit of node `id` whose record changed since it was read: link new_id into
 * its lists on the levels in `levels` (the edit's mask), from a fresh read.  A full list drops one
 * node to make room; new_id's own list then links that node (or, with no room there, that level
 * is left as it was), so no node loses its way in.  The plan has up to two edits, each with its
 * base: new_id's record (when it links a dropped node) first, then id's; none when the links are
 * already there.  The shim writes them one at a time, in order, and re-plans when one is stale.
 */
omen_status_t omen_link_plan(const omen_index_t *index, const omen_storage_t *storage, uint32_t id,
							 uint32_t new_id, uint32_t levels, omen_insert_plan_t **out);

/*
 * Plan in-links for live nodes that scans cannot reach: walk layer 0 from the entry; link each
 * live node not reached (of the n_live in `live`) from the nearest reached node that has a free
 * slot, found by a search for the node's code.  With top_up (after deletes), also give live nodes
 * left with few layer-0 in-links back-links from their own neighbours that have a free slot.  One
 * edit per link (with its base; a second link into the same node is based on the first's image,
 * so the shim must write one page's edits in plan order; stale ones are re-planned with
 * omen_link_plan, like an insert's edits).  plan->unreachable counts the nodes not reached,
 * plan->linked those of them that got a link (the others had no reached neighbour with room),
 * plan->inlinks the top-up links.  Reads every reachable record: for VACUUM.
 */
omen_status_t omen_reconnect_plan(const omen_index_t *index, const omen_storage_t *storage,
								  uint32_t entry, uint32_t entry_level, const uint32_t *live,
								  uint32_t n_live, int top_up, omen_insert_plan_t **out);

void		omen_insert_plan_free(omen_insert_plan_t *plan);

#ifdef __cplusplus
}
#endif

#endif							/* OMEN_CORE_H */
