// builder.hpp: the in-memory HNSW builder behind omen_builder_*.
//
// Vectors are appended (copied, prepared: normalised for cosine), then the graph is built in steps.
// Each node owns one fixed-size, 64-byte aligned block in a single array (hnswlib's level-0 layout):
//   [layer-0 list: count + 2m ids][record prefix (quantized modes)][float vector]
// so a search touching a node's list finds its code or vector in the adjacent cache lines.  The first
// step trains the quantizer (data mean), encodes the prefixes and allocates one pool for the
// upper-level lists.  No allocation per node.
//
// Concurrency: build_step may use several std::threads (signals blocked in them); each node's
// lists are guarded by a 1-byte spinlock, the entry point by a mutex that is held for the whole
// insert of a node that raises the top level (hnswlib's scheme).  Nodes inserted at the same time
// cannot find each other by search, so each insert also weighs the nodes whose inserts overlapped
// its own (see insert()).  With one thread the build runs in the calling thread and is
// deterministic for a given seed.
//
// Includes no PostgreSQL headers.
#pragma once

#include <atomic>
#include <cstring>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "core/hnsw.hpp"
#include "core/params.hpp"
#include "core/quantizer.hpp"
#include "omendb/omen_core.h"

namespace omendb::core {

struct MemGraph;

class Builder {
public:
    Builder(const omen_params_t& params, size_t budget);
    ~Builder();

    static size_t bytes_per_vector(const omen_params_t& p);

    omen_status_t add(const float* vec, uint64_t payload);
    omen_status_t build_step(uint32_t nthreads, uint32_t max_nodes, uint32_t* done);

    uint32_t count() const { return static_cast<uint32_t>(payloads_.size()); }
    uint32_t done() const { return done_; }
    uint32_t level(uint32_t i) const { return levels_[i]; }
    uint32_t entry() const { return entry_; }
    uint32_t entry_level() const { return entry_ == kInvalid ? 0 : static_cast<uint32_t>(max_level_); }
    uint32_t record_size(uint32_t i) const { return qz_.layout.record_size(levels_[i]); }
    void record(uint32_t i, const uint32_t* ids, uint8_t* out) const;
    const Quantizer& quantizer() const { return qz_; }
    const omen_params_t& params() const { return params_; }
    const float* vec(uint32_t i) const {
        return split_ ? reinterpret_cast<const float*>(vdata_ + static_cast<size_t>(i) * vstride_)
                      : reinterpret_cast<const float*>(block(i) + off_vec_);
    }
    const uint8_t* prefix(uint32_t i) const { return block(i) + off_prefix_; }
    const uint8_t* block(uint32_t i) const { return data_ + static_cast<size_t>(i) * stride_; }

    // Construction with code distances instead of exact float distances: the symmetric sign-plane
    // (Hamming) estimator for both binary and rabitq.  The float vectors then move out of the node
    // blocks (which the search no longer needs), so the blocks are denser, and the sign planes with
    // the two corrections the estimate needs are copied into one dense array (32-byte aligned
    // entries: 3.2 MB for 100k 128-d nodes, against 19 MB of blocks), so that the distance to a
    // neighbour is a cache hit far more often.  The build is bound by memory latency, not by
    // arithmetic.  Call before add().
    void set_quantized_construction(bool on);

    // Graphs of at least this many nodes pad each new node's own lists: the heuristic's choice
    // (at most m, usually fewer) padded to the level's slots (2m on layer 0) with the nearest
    // candidates it pruned, nearest first; only the first m of them get a back-link, the rest
    // are out-links, which cost nothing but the node's own list.  On 1,000,000 x 128 clustered
    // rows (m 16, ef_construction 64; the graph searched with exact distances, 1,000 queries)
    // recall@10 at ef_search 40 / 100 / 200 / 400 went 0.864 / 0.923 / 0.950 / 0.965 ->
    // 0.922 / 0.969 / 0.983 / 0.987 for 0-16% more build CPU (two runs); at 300,000 rows
    // 0.880 / 0.944 / 0.970 / 0.981 -> 0.910 / 0.967 / 0.986 / 0.990 for 6% more.  On small
    // graphs the extra links cost more than they give: 100,000 rows (synth-100k-128) gained
    // recall 0.948 -> 0.957 at ef 40 but lost 12% of search speed at recall 0.95, and 30,000
    // rows of low intrinsic dimension lost recall (0.986 -> 0.973 at ef 24).  Padding every list,
    // back-link merges too (as pgvector does), gained 0.003 more at ef 400 on 1,000,000 rows for
    // 1.6x the build time.  See bench/results/graph.md.  Call before add().
    static constexpr uint32_t kPadOwnListsFrom = core::kPadOwnListsFrom;
    void set_pad_own_lists_from(uint32_t n) { pad_from_ = n; }
    // Dense lists, for benchmarks (bench_graph's third mode; off in every index): as pgvector
    // links, a new node keeps up to 2m layer-0 neighbours (the heuristic's choice, then the nearest
    // it pruned), every chosen one gets a back-link, and merges of full lists keep pruned nodes
    // too.  Graph alone, exact distances, recall@20 at ef_search 20 / 40: 10,000 x 10 uniform
    // (2*random()*random()) 0.978 / 0.998 -> 0.995 / 0.9996, 10,000 x 32 0.772 / 0.907 -> 0.850 /
    // 0.948, glove-50 (9,000) 0.947 / 0.986 -> 0.976 / 0.994, for 3.5-5.5x the build time; but
    // 20,000 x 128 clustered 0.993 / 0.9998 -> 0.980 / 0.998, and on 30,000 rows in 4 clusters of
    // low intrinsic dimension recall@10 stalls below the plain graph's at any ef_search (32-d:
    // 0.9987 -> 0.9663 at ef 40, 1.0 -> 0.9667 at ef 100; 8-d: 0.9943 -> 0.9890 at ef 100), which
    // is why no index uses it.  See bench/results/graph.md.  Call before add().
    void set_dense_lists(bool on) { dense_ = on; }

    // ef_construction was left at its default: a graph of at least kWideConstructionFrom nodes
    // (set_wide_construction_from, for tests) is built with kWideEfConstruction instead (see
    // hnsw.hpp).  params().ef_construction is the value used once the build has started.  Call
    // before add().
    static constexpr uint32_t kWideConstructionFrom = core::kWideConstructionFrom;
    void set_auto_ef_construction(bool on) { auto_efc_ = on; }
    void set_wide_construction_from(uint32_t n) { wide_from_ = n; }

    // Storage order (after the build): groups of `group` nodes, each grown breadth-first over
    // layer 0 from a seed, seeds taken in global breadth-first order from the entry point (see
    // omen_builder_layout_order).
    void layout_order(uint32_t group, uint32_t* order) const;

    // Valid neighbours of node i at level (after the build; not synchronised).
    void neighbors(uint32_t i, uint32_t level, std::vector<uint32_t>& out) const;

    // Search over the built graph (for tests and benchmarks; one Searcher per thread).
    class Searcher {
    public:
        explicit Searcher(const Builder& b);
        // ef nearest by internal distance: exact (use_codes false) or estimated from the codes.
        void search(const float* query, uint32_t ef, bool use_codes, std::vector<Cand>& out);
        // Re-rank candidates exactly and keep k.
        void rerank(const float* query, const std::vector<Cand>& cands, uint32_t k, std::vector<Cand>& out);

    private:
        const Builder& b_;
        struct Impl;
        std::shared_ptr<Impl> impl_;
    };

private:
    friend struct MemGraph;
    struct Worker;

    void train_and_layout(uint32_t nthreads);
    void grow(size_t cap_n);
    // Insert order_[ticket]; `concurrent`: other workers insert at the same time.
    void insert(Worker& w, uint32_t ticket, bool concurrent);
    void add_concurrent_peers(Worker& w, MemGraph& g, uint32_t q, uint32_t ticket);
    void merge_list(Worker& w, uint32_t base, uint32_t* l, uint32_t cap, bool pad = false);
    void connect_unreachable(Worker& w);
    uint32_t* list(uint32_t i, uint32_t level) {
        return level == 0 ? reinterpret_cast<uint32_t*>(data_ + static_cast<size_t>(i) * stride_)
                          : &up_[(static_cast<size_t>(up_off_[i]) + level - 1) * (1 + m_)];
    }
    const uint32_t* list(uint32_t i, uint32_t level) const {
        return level == 0 ? reinterpret_cast<const uint32_t*>(data_ + static_cast<size_t>(i) * stride_)
                          : &up_[(static_cast<size_t>(up_off_[i]) + level - 1) * (1 + m_)];
    }
    float* vec_mut(uint32_t i) { return const_cast<float*>(vec(i)); }
    void layout_blocks(bool split);
    void lock(uint32_t i) const;
    void unlock(uint32_t i) const;
    float pair(uint32_t a, uint32_t b) const;
    // select_heuristic fills pruned slots for some metrics (hnsw.hpp).
    bool keep_pruned() const { return dense_ || metric_keeps_pruned(qz_.metric); }
    // Dense construction code of node i: float |r|, float <o - c, c>, then the sign plane.
    const uint8_t* ccode(uint32_t i) const { return cc_ + static_cast<size_t>(i) * cstride_; }
    float cdist(const uint8_t* a, const uint8_t* b) const {
        float na, nb, oa, ob;
        std::memcpy(&na, a, 4);
        std::memcpy(&nb, b, 4);
        std::memcpy(&oa, a + 4, 4);
        std::memcpy(&ob, b + 4, 4);
        return qz_.sym_estimate(ham_(a + 8, b + 8, qz_.layout.plane_bytes), na, nb, oa, ob);
    }

    omen_params_t params_;
    Quantizer qz_;
    size_t budget_;
    size_t bpv_;
    uint32_t m_;
    std::mt19937_64 rng_;

    uint8_t* data_ = nullptr;  // node blocks (aligned_alloc)
    size_t cap_ = 0;           // blocks allocated
    size_t stride_ = 0, off_prefix_ = 0, off_vec_ = 0;
    uint8_t* vdata_ = nullptr;  // float vectors when split_ (aligned_alloc)
    uint8_t* cc_ = nullptr;     // dense construction codes (quantized construction; aligned_alloc)
    size_t cstride_ = 0;
    uint64_t (*ham_)(const uint8_t*, const uint8_t*, size_t) = nullptr;
    size_t vstride_ = 0;
    bool split_ = false;
    std::vector<uint64_t> payloads_;
    std::vector<uint8_t> levels_;
    std::vector<uint32_t> order_;  // insertion order: a seeded permutation of the nodes

    bool trained_ = false;
    bool quantized_construction_ = false;
    uint32_t pad_from_ = kPadOwnListsFrom;
    bool pad_ = false;  // pad own lists in this build (count() >= pad_from_)
    bool dense_ = false;  // dense lists (set_dense_lists)
    bool auto_efc_ = false;  // ef_construction at its default (set_auto_ef_construction)
    uint32_t wide_from_ = kWideConstructionFrom;
    bool concurrent_ = false;
    std::vector<uint32_t> up_;
    std::vector<uint32_t> up_off_;
    std::unique_ptr<std::atomic<uint8_t>[]> locks_;
    std::mutex global_;
    uint32_t entry_ = kInvalid;
    int max_level_ = -1;
    uint32_t done_ = 0;
    std::vector<std::unique_ptr<Worker>> workers_;
    uint32_t nworkers_ = 0;               // workers of the running step
    std::atomic<uint32_t> next_{0};       // next ticket of the running step
    uint32_t step_end_ = 0;               // its first ticket not to hand out
};

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
