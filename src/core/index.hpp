// index.hpp: operations on an index whose records live outside the core (omen_storage_t):
// the resumable scan, insert plans and repair plans.
//
// Every read goes through the storage callback; a nonzero return makes the operation unwind and
// report OMEN_ERR_STORAGE.  Ids are opaque, so visited sets are hash sets.
//
// Includes no PostgreSQL headers.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "core/hnsw.hpp"
#include "core/quantizer.hpp"
#include "omendb/omen_core.h"

namespace omendb::core {

struct Index {
    omen_params_t params;
    Quantizer qz;
    explicit Index(const omen_params_t& p) : params(p), qz(p.dim, p.metric, p.quant, p.m, p.seed) {}
    const Layout& layout() const { return qz.layout; }
    // The SQL operator's distance between two raw vectors (distance.hpp).
    double sql_distance(const float* a, const float* b) const;
    // Candidates carry the SQL distance itself (see omen_index_exact_candidates).
    // Jaccard's internal distance is computed in float, the SQL one in double: not bit-identical.
    bool exact_candidates() const {
        return params.quant == OMEN_QUANT_NONE && params.metric != OMEN_METRIC_COSINE &&
               params.metric != OMEN_METRIC_JACCARD;
    }
    // select_heuristic fills pruned slots for some metrics (hnsw.hpp).
    bool keep_pruned() const { return metric_keeps_pruned(params.metric); }
    // An internal distance as a candidate's SQL-unit distance: exact where exact_candidates(),
    // else the estimate converted.
    double candidate_distance(float d) const;
};

// Graph access over omen_storage_t (the G concept of hnsw.hpp), with a cache of record prefixes
// (used by insert and repair plans, whose heuristics need distances between nodes).
class StoreGraph {
public:
    StoreGraph(const Index& ix, const omen_storage_t* st, const QueryDist* qd) : ix_(ix), st_(st), qd_(qd) {}

    void visited_reset() { visited_.clear(); }
    bool visit(uint32_t id) { return visited_.insert(id); }
    void prefetch(uint32_t) {}
    bool neighbors(uint32_t id, uint32_t level, std::vector<uint32_t>& out);
    bool distances(const uint32_t* ids, size_t n, float* out);

    // Full record of id into out (resized to the record's length).
    bool read_full(uint32_t id, std::vector<uint8_t>& out);
    // Room for n cached prefixes, so that the cache does not grow by copying (an insert's search
    // caches ~2,000 prefixes: growing the cache was 17% of an insert's CPU time).
    void reserve(size_t n);
    // Make sure prefixes of ids are cached.
    bool load(const uint32_t* ids, size_t n);
    const uint8_t* prefix(uint32_t id) const;  // cached prefix, or nullptr
    void put(uint32_t id, const uint8_t* prefix);

    bool corrupt = false;  // a record with an impossible level was read

private:
    const Index& ix_;
    const omen_storage_t* st_;
    const QueryDist* qd_;
    IdSet visited_;
    IdMap slot_;  // id -> its prefix's slot in cache_
    std::vector<uint8_t> cache_;
    std::vector<uint32_t> missing_;
    std::vector<uint8_t> full_;
};

// The resumable search behind omen_scan_t (see omen_core.h for the contract).
//
// Phase 1 is HNSW's search: the greedy descent of hnsw.hpp through the upper levels, then a
// best-first beam search of width ef on layer 0; its ef best are handed out first, in estimate
// order.  It is written here rather than taken from hnsw.hpp's search_layer because it must keep
// every node it discovers (not only the ef best) for the continuation.
//
// The continuation hands out the other discovered nodes best-first and expands unexpanded ones as
// needed.  A graph search can discover a node closer than one already handed out (through an
// expanded node's neighbour), so a discovered node is handed out only once it is "settled": no
// unexpanded node is closer than its estimate plus the settle margin, the largest drop in estimate
// seen so far in this scan from an expanded node to a neighbour it discovered, or once it has led
// for a bounded number of expansions (see kSettleBudget).  What comes out is then in
// non-decreasing estimate order, unless an expansion shows a drop larger than the margin.
//
// Without a query (walk), every live node reachable from the entry on layer 0 is handed out once,
// breadth-first, with a NaN distance.
//
// Nodes a scan may not return (deleted, or rejected by the caller's filter: rec_skip) are traversed
// like any other.  Two things serve filters that reject most nodes near the query:
//   - an expansion budget: a next() call stops after that many expansions of the continuation,
//     handing out what it has (maybe nothing; exhausted() tells the end of the scan apart), so
//     that the caller can watch the cost and change strategy;
//   - restrict_to(ids): the rest of the scan is an exact pass over the given nodes (those the
//     filter accepts, found by the caller without the graph): their estimates are computed once
//     and handed out in order, skipping nodes already handed out; the floor is the next estimate.
class Scan {
public:
    Scan(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level, const float* query,
         uint32_t ef);
    // false: storage failure.
    bool next(omen_candidate_t* out, uint32_t max, uint32_t* n);
    // Candidates' `lower` = estimate - sigmas * (error std); 0 (the default) leaves it -inf.
    void set_bound_sigmas(float sigmas) { sigmas_ = sigmas > 0 && std::isfinite(sigmas) ? sigmas : 0.0f; }
    // Bytes held by the search state (visited set, discovered and unexpanded nodes).
    size_t memory() const;
    // SQL-unit estimate below which no later candidate is expected (see omen_scan_floor).
    double floor() const;
    // During an exact pass whose candidates carry lower bounds: the least lower bound (SQL units) of
    // the candidates not handed out yet; +inf otherwise.
    double list_lower() const;
    // At most this many continuation expansions per next() call (0: no limit).
    void set_expansion_budget(uint32_t n) { budget_ = n; }
    bool exhausted() const;
    uint64_t expansions() const { return expansions_; }
    // Continue as an exact pass over ids (see the class comment).  false: storage failure.
    // prefixes (optional): n records' first layout().prefix bytes, in ids' order, read by the caller.
    bool restrict_to(const uint32_t* ids, uint32_t n, const uint8_t* prefixes = nullptr);

    bool corrupt = false;  // a record with an impossible level was read

private:
    struct Item {
        float d;
        uint32_t id;
        uint64_t payload;
        float err;  // std of d's estimation error (0 exact, inf unknown); 0 unless sigmas_ > 0
        bool deleted;
    };
    Item make_item(const uint8_t* prefix, uint32_t id, float d) const;  // d: the estimate for prefix
    struct ItemGreater {
        bool operator()(const Item& a, const Item& b) const {
            return b.d < a.d || (b.d == a.d && b.id < a.id);
        }
    };
    bool start();
    bool phase1(uint32_t budget);
    bool expand(const Item& it);
    bool walk_next(omen_candidate_t* out, uint32_t max, uint32_t* n);
    bool list_next(omen_candidate_t* out, uint32_t max, uint32_t* n);
    omen_candidate_t candidate(const Item& it) const;
    bool read(const uint32_t* ids, uint32_t n, uint32_t stride, uint8_t* out);
    void push(const Item& it);
    Item pop(std::vector<Item>& heap);
    bool settled() const;  // pending_.front() may be handed out (continuation)
    // The margin holds back only once the caller came back for a second batch: a LIMIT that the
    // first batch satisfies takes HNSW's answer as it is (with the margin from the start, LIMIT 10
    // at 48 dimensions took 4.1 ms instead of 0.4, the margin reaching far beyond the ef best in
    // concentrated high-dimensional distances).
    double active_margin() const { return calls_ > 1 ? margin_ : 0.0; }

    const Index& ix_;
    omen_storage_t st_;
    uint32_t entry_, entry_level_, ef_;
    bool walk_;  // no query
    float sigmas_ = 0.0f;
    double margin_ = 0.0;   // the settle margin (SQL units)
    uint32_t held_ = 0;     // expansions since the last hand-out while pending_.front() led
    double last_out_ = -std::numeric_limits<double>::infinity();  // the last forced hand-out (SQL units)
    QueryDist qd_;
    bool started_ = false;
    // The entry point was put into the search once everything reached from the start was handed
    // out (see next()).
    bool entry_seeded_ = false;
    uint32_t phase1_left_ = 0;
    uint32_t calls_ = 0;  // next() calls
    bool phase1_done_ = false;  // the beam search is over: drops count towards the margin
    std::vector<std::pair<float, double>> phase1_drops_;  // (expanded node's estimate, drop)
    IdSet visited_;
    std::vector<Item> pending_;   // min-heap: discovered, not yet returned
    std::vector<Item> frontier_;  // min-heap: discovered, not yet expanded
    Beam top_;                    // the first beam search's ef best
    std::vector<uint8_t> full_, buf_;
    std::vector<uint32_t> ids_, queue_;
    size_t queue_pos_ = 0;
    std::vector<Cand> fresh_;
    uint32_t budget_ = 0;        // continuation expansions per next() call; 0: no limit
    uint64_t expansions_ = 0;    // expansions so far (phase 1 included)
    bool list_mode_ = false;     // restrict_to was called
    // restrict_to's list, when its candidates carry lower bounds: from each position on, the least
    // of the remaining candidates' lower bounds (SQL units; see list_lower())
    std::vector<double> list_lower_;
    std::vector<Item> list_;     // restrict_to's nodes, sorted by estimate
    size_t list_pos_ = 0;
};

struct Edit {
    uint32_t id;
    std::vector<uint8_t> image;  // the new record
    std::vector<uint8_t> base;   // the record it was computed from
    uint32_t levels = 0;         // bit lv: `link` is linked in on level lv
    uint32_t link = kInvalid;    // the node this edit links in
};

struct Plan {
    std::vector<uint8_t> record;
    bool has_record = false;
    std::vector<Edit> edits;
    bool new_entry = false;
    uint32_t unreachable = 0;  // reconnect plans: live nodes the walk did not reach
    uint32_t linked = 0;       // reconnect plans: of those, how many got a link
    uint32_t inlinks = 0;      // reconnect plans: links added to nodes with few in-links
    uint32_t relinked = 0;     // reconnect plans: of the linked, how many into a full list
};

// 0 = ok, otherwise an omen_status_t.
// nodes: how many nodes the graph holds; from kPadOwnListsFrom on, the new node's layer-0 list is
// padded as a bulk build of that size would pad it.
omen_status_t plan_insert(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level,
                          const float* vec, uint64_t payload, uint32_t new_id, uint32_t new_level, uint64_t nodes,
                          Plan& plan);
omen_status_t plan_repair(const Index& ix, const omen_storage_t* st, uint32_t id, Plan& plan);
// Re-plan one back-link edit of an insert from a fresh read of node id: link new_id into its lists
// on the levels in `levels` (at most one edit; none when nothing is left to do).
omen_status_t plan_link(const Index& ix, const omen_storage_t* st, uint32_t id, uint32_t new_id, uint32_t levels,
                        Plan& plan);
// Give every live node that a layer-0 walk from the entry does not reach an in-link (see
// omen_reconnect_plan).
omen_status_t plan_reconnect(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level,
                             const uint32_t* live, uint32_t n_live, bool top_up, Plan& plan);

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
