// hnsw.hpp: the HNSW search and neighbour selection, templated on a graph-access concept so that
// the same code runs over the in-memory builder graph (dense ids) and over omen_storage_t (the
// shim's pages, opaque ids).
//
// Graph concept G (every bool method returns false when the storage failed; the caller unwinds):
//   void visited_reset();                       start a new visited set
//   bool visit(uint32_t id);                    true if id was not visited yet (and marks it)
//   bool neighbors(uint32_t id, uint32_t level, std::vector<uint32_t>& out);
//                                               the valid ids of id's list at level (a copy)
//   bool distances(const uint32_t* ids, size_t n, float* out);
//                                               internal distances from the bound query
//   void prefetch(uint32_t id);                 hint: id will be expanded soon (may do nothing)
//
// Includes no PostgreSQL headers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "core/record.hpp"

namespace omendb::core {

struct Cand {
    float d;
    uint32_t id;
};
// Strict total order by (distance, id): makes results deterministic.
inline bool cand_less(const Cand& a, const Cand& b) { return a.d < b.d || (a.d == b.d && a.id < b.id); }
struct CandLess {
    bool operator()(const Cand& a, const Cand& b) const { return cand_less(a, b); }
};
struct CandGreater {
    bool operator()(const Cand& a, const Cand& b) const { return cand_less(b, a); }
};

// Epoch-tagged visited set over dense ids (hnswlib style).
class EpochVisited {
public:
    void resize(size_t n) {
        if (tags_.size() < n) tags_.resize(n, 0);
    }
    void reset() {
        if (++epoch_ == 0) {
            std::fill(tags_.begin(), tags_.end(), 0);
            epoch_ = 1;
        }
    }
    void prefetch(uint32_t id) const { __builtin_prefetch(&tags_[id]); }
    bool visit(uint32_t id) {
        if (tags_[id] == epoch_) return false;
        tags_[id] = epoch_;
        return true;
    }

private:
    std::vector<uint32_t> tags_;
    uint32_t epoch_ = 0;
};

// Open-addressing hash set of opaque 32-bit ids (OMEN_INVALID_ID marks an empty slot).
class IdSet {
public:
    IdSet() { slots_.assign(64, kInvalid); }
    void clear() {
        if (size_ == 0) return;
        if (slots_.size() > 4096) slots_.assign(64, kInvalid);
        else std::fill(slots_.begin(), slots_.end(), kInvalid);
        size_ = 0;
    }
    // True if inserted (was absent).  OMEN_INVALID_ID is never inserted.
    bool insert(uint32_t id) {
        if (id == kInvalid) return false;
        if ((size_ + 1) * 2 > slots_.size()) grow();
        size_t mask = slots_.size() - 1;
        size_t i = hash(id) & mask;
        while (slots_[i] != kInvalid) {
            if (slots_[i] == id) return false;
            i = (i + 1) & mask;
        }
        slots_[i] = id;
        size_++;
        return true;
    }
    bool contains(uint32_t id) const {
        size_t mask = slots_.size() - 1;
        size_t i = hash(id) & mask;
        while (slots_[i] != kInvalid) {
            if (slots_[i] == id) return true;
            i = (i + 1) & mask;
        }
        return false;
    }
    size_t size() const { return size_; }
    size_t bytes() const { return slots_.capacity() * sizeof(uint32_t); }
    // Room for n ids without growing (call while empty).
    void reserve(size_t n) {
        size_t cap = slots_.size();
        while (cap < 2 * n) cap *= 2;
        if (cap > slots_.size() && size_ == 0) slots_.assign(cap, kInvalid);
    }

private:
    static size_t hash(uint32_t x) {
        uint64_t h = static_cast<uint64_t>(x) * 0x9E3779B97F4A7C15ull;
        return static_cast<size_t>(h >> 32);
    }
    void grow() {
        std::vector<uint32_t> old;
        old.swap(slots_);
        slots_.assign(old.size() * 2, kInvalid);
        size_ = 0;
        for (uint32_t v : old)
            if (v != kInvalid) insert(v);
    }
    std::vector<uint32_t> slots_;
    size_t size_ = 0;
};

// A value per node id (open addressing, like IdSet): no allocation per id.  StoreGraph's prefix
// slots used std::unordered_map, one heap node per id: an insert's search caches ~2,000 prefixes,
// and malloc/free were 6.5% of an insert's CPU time.
class IdMap {
public:
    explicit IdMap(size_t expected = 32) { init(expected); }
    size_t size() const { return size_; }
    // Room for n ids without growing (call while empty).
    void reserve(size_t n) {
        if (size_ == 0 && 2 * n > keys_.size()) init(n);
    }
    // The value of id, or nullptr.
    uint32_t* find(uint32_t id) {
        const size_t i = slot(id);
        return keys_[i] == id ? &vals_[i] : nullptr;
    }
    const uint32_t* find(uint32_t id) const { return const_cast<IdMap*>(this)->find(id); }
    // id's value, set to v if id was absent; second: whether it was.  id must not be kInvalid.
    std::pair<uint32_t*, bool> emplace(uint32_t id, uint32_t v) {
        if ((size_ + 1) * 2 > keys_.size()) grow();
        const size_t i = slot(id);
        if (keys_[i] == id) return {&vals_[i], false};
        keys_[i] = id;
        vals_[i] = v;
        size_++;
        return {&vals_[i], true};
    }

private:
    void init(size_t expected) {
        size_t cap = 64;
        while (cap < 2 * expected) cap *= 2;
        keys_.assign(cap, kInvalid);
        vals_.assign(cap, 0);
        size_ = 0;
    }
    size_t slot(uint32_t id) const {
        const size_t mask = keys_.size() - 1;
        size_t i = static_cast<size_t>((static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 32) & mask;
        while (keys_[i] != kInvalid && keys_[i] != id) i = (i + 1) & mask;
        return i;
    }
    void grow() {
        std::vector<uint32_t> ok, ov;
        ok.swap(keys_);
        ov.swap(vals_);
        keys_.assign(ok.size() * 2, kInvalid);
        vals_.assign(ok.size() * 2, 0);
        for (size_t j = 0; j < ok.size(); j++)
            if (ok[j] != kInvalid) {
                const size_t i = slot(ok[j]);
                keys_[i] = ok[j];
                vals_[i] = ov[j];
            }
    }
    std::vector<uint32_t> keys_, vals_;
    size_t size_ = 0;
};

// Counts per node id: VACUUM's in-link census of a whole layer.
class IdCounts {
public:
    explicit IdCounts(size_t expected = 32) : map_(expected) {}
    void add(uint32_t id) {
        if (id == kInvalid) return;
        (*map_.emplace(id, 0).first)++;
    }
    uint32_t get(uint32_t id) const {
        const uint32_t* c = map_.find(id);
        return c ? *c : 0;
    }

private:
    IdMap map_;
};

// A beam counts the distances it holds, not the nodes: nodes at exactly the same distance (copies
// of one vector, which every table of real rows has some of) share a place in it, up to this many
// entries per place on average.  One node per row, a beam of ef over rows stored three times each
// held ef / 3 distinct points, and search missed whole groups of copies: 3,000 x 8 rows (1,000
// vectors three times), recall@21 at ef_search 40 of the graph alone 0.9936 against 0.9992 for
// 3,000 distinct rows (30,000 x 8: 0.9881 against 0.9988); through SQL, recall@20 0.9965 where
// pgvector (one element per distinct vector) had 1.0, and 7 of 20 full ordered scans skipped a group
// found late (strict order).  pgvector keeps up to 10 rows per graph element; this keeps the graph
// one node per row and widens the beam instead.
constexpr size_t kDupBeamFactor = 4;

// The ef best candidates of a beam search, ascending (by distance, then id), with an expanded
// flag each; distances counted as above.
class Beam {
public:
    static constexpr size_t kNone = ~static_cast<size_t>(0);
    void reset(uint32_t ef) {
        ef_ = ef < 1 ? 1 : ef;
        cap_ = static_cast<size_t>(ef_) * kDupBeamFactor;
        pool.clear();
        done.clear();
        same_ = 0;
    }
    // Holds ef distinct distances, or its cap of entries.
    bool full() const { return pool.size() - same_ >= ef_ || pool.size() >= cap_; }
    // Insert n if it is among the best so far; its position, or kNone.
    size_t offer(const Cand& n) {
        if (full() && n.d > pool.back().d) return kNone;
        const size_t pos = static_cast<size_t>(std::upper_bound(pool.begin(), pool.end(), n, CandLess()) - pool.begin());
        const bool dup = (pos > 0 && pool[pos - 1].d == n.d) || (pos < pool.size() && pool[pos].d == n.d);
        if (full() && (!dup || pool.size() >= cap_)) {
            if (!cand_less(n, pool.back())) return kNone;
            // room for a new distance: the farthest one leaves, with every entry that shares it
            // (only the last entry when the cap, not the distinct count, is what is full)
            const float last = pool.back().d;
            const bool group = !dup && pool.size() < cap_;
            do {
                if (pool.size() >= 2 && pool[pool.size() - 2].d == last) same_--;
                pool.pop_back();
                done.pop_back();
            } while (group && !pool.empty() && pool.back().d == last);
        }
        const size_t at = std::min(pos, pool.size());
        if (at > 0 && at < pool.size() && pool[at - 1].d == pool[at].d) same_--;
        same_ += static_cast<size_t>(at > 0 && pool[at - 1].d == n.d) + static_cast<size_t>(at < pool.size() && pool[at].d == n.d);
        pool.insert(pool.begin() + static_cast<std::ptrdiff_t>(at), n);
        done.insert(done.begin() + static_cast<std::ptrdiff_t>(at), 0);
        return at;
    }

    std::vector<Cand> pool;     // ascending
    std::vector<uint8_t> done;  // parallel to pool: expanded

private:
    uint32_t ef_ = 1;
    size_t cap_ = kDupBeamFactor;
    size_t same_ = 0;  // entries whose distance equals the one before them
};

// Scratch vectors reused across searches by one thread.
struct SearchScratch {
    Beam beam;  // search_layer's
    std::vector<uint32_t> nbr, fresh;
    std::vector<float> dist;
};

// Graph access G restricted to the nodes keep(id) accepts: their links to other nodes are not
// there.  A search for a node that nothing reachable links to yet, run within the reachable part
// (which a search from the entry can leave through upper-level links).
template <class G, class Keep>
struct KeptGraph {
    G& g;
    Keep keep;

    void visited_reset() { g.visited_reset(); }
    bool visit(uint32_t id) { return g.visit(id); }
    void prefetch(uint32_t id) { g.prefetch(id); }
    bool neighbors(uint32_t id, uint32_t level, std::vector<uint32_t>& out) {
        if (!g.neighbors(id, level, out)) return false;
        out.erase(std::remove_if(out.begin(), out.end(), [this](uint32_t v) { return !keep(v); }), out.end());
        return true;
    }
    bool distances(const uint32_t* ids, size_t n, float* out) { return g.distances(ids, n, out); }
};

template <class G, class Keep>
KeptGraph<G, Keep> kept_graph(G& g, Keep keep) {
    return KeptGraph<G, Keep>{g, keep};
}

// Greedy descent from `cur` through levels from_level .. to_level+1 (each level: move to the
// closest neighbour while it improves).
template <class G>
bool greedy_descend(G& g, Cand& cur, uint32_t from_level, uint32_t to_level, SearchScratch& s) {
    for (uint32_t level = from_level; level > to_level; level--) {
        bool changed = true;
        while (changed) {
            changed = false;
            if (!g.neighbors(cur.id, level, s.nbr)) return false;
            if (s.nbr.empty()) break;
            s.dist.resize(s.nbr.size());
            if (!g.distances(s.nbr.data(), s.nbr.size(), s.dist.data())) return false;
            for (size_t i = 0; i < s.nbr.size(); i++) {
                Cand c{s.dist[i], s.nbr[i]};
                if (cand_less(c, cur)) {
                    cur = c;
                    changed = true;
                }
            }
        }
    }
    return true;
}

// Start at `entry` (its distance computed here) and descend greedily to to_level + 1; the closest
// node found is left in `cur`.
template <class G>
bool descend_from(G& g, uint32_t entry, uint32_t from_level, uint32_t to_level, Cand& cur, SearchScratch& s) {
    float d;
    if (!g.distances(&entry, 1, &d)) return false;
    cur = Cand{d, entry};
    return greedy_descend(g, cur, from_level, to_level, s);
}

// Beam search on one level (HNSW Algorithm 2).  `entries` hold the entry points with their
// distances; `result` receives up to ef nearest found, sorted ascending.
//
// Kept as one sorted pool of the ef best found, each marked once expanded, instead of the paper's
// two heaps: expanding the nearest unexpanded pool entry until none is left visits the same nodes
// (a candidate that falls out of the best ef is never expanded by the paper's stopping rule
// either), and one binary search plus a short memmove per accepted neighbour is cheaper than three
// heap operations.  The heaps were a third of a quantized build's time, where coarse code
// distances let many neighbours in.
template <class G>
bool search_layer(G& g, const std::vector<Cand>& entries, uint32_t ef, uint32_t level,
                  std::vector<Cand>& result, SearchScratch& s) {
    Beam& beam = s.beam;
    beam.reset(ef);
    std::vector<Cand>& pool = beam.pool;
    std::vector<uint8_t>& done = beam.done;
    g.visited_reset();
    for (const Cand& e : entries)
        if (g.visit(e.id)) beam.offer(e);
    // Every entry before `cursor` is expanded.
    size_t cursor = 0;
    while (cursor < pool.size()) {
        const Cand c = pool[cursor];
        done[cursor] = 1;
        size_t next = cursor + 1;
        while (next < pool.size() && done[next]) next++;
        if (next < pool.size()) g.prefetch(pool[next].id);
        if (!g.neighbors(c.id, level, s.nbr)) return false;
        s.fresh.clear();
        for (uint32_t id : s.nbr)
            if (g.visit(id)) s.fresh.push_back(id);
        if (!s.fresh.empty()) {
            s.dist.resize(s.fresh.size());
            if (!g.distances(s.fresh.data(), s.fresh.size(), s.dist.data())) return false;
            for (size_t i = 0; i < s.fresh.size(); i++) {
                const size_t pos = beam.offer(Cand{s.dist[i], s.fresh[i]});
                if (pos < cursor) cursor = pos;
            }
        }
        while (cursor < pool.size() && done[cursor]) cursor++;
    }
    result.assign(pool.begin(), pool.end());
    return true;
}

// Neighbour selection heuristic (HNSW Algorithm 4 without extendCandidates): candidates sorted
// ascending by distance to the base; keep c unless some already kept r is closer to c than the
// base is.  pair(a, b) returns the internal distance between two ids.  With keep_pruned
// (keepPrunedConnections), the slots the heuristic left empty take the pruned candidates, nearest
// first; metric_keeps_pruned says for which metrics.
//
// Inner product, whose "distance" is no metric: the heuristic prunes so hard that lists stay
// short and searches miss (pgvector's recall test, 10,000 3-d rows: recall@20 0.895-0.9675
// without).  L1: pgvector's halfvec recall test (10,000 x 10, 2*random()*random(), recall@20 of
// 20 queries at ef_search 40 >= 0.98) failed about one run in four; the heuristic left layer-0
// lists at 19.3 links a node on average (26.9 with the pruned ones), and recall@20 over 100
// queries, 4 builds each, went from 0.979-0.9885 to 0.9835-0.9935 (pgvector 0.991-0.9975); on
// siftsmall (128-d) L1 it doubles the build (0.23 -> 0.48 s) for the same recall@10 (0.99).  For
// L2 it costs build time (siftsmall: 0.25 -> 0.50 s) and QPS at equal recall, for no gain.
inline bool metric_keeps_pruned(uint32_t metric) { return metric == OMEN_METRIC_IP || metric == OMEN_METRIC_L1; }

// Graphs of at least this many nodes pad each new node's own layer-0 list, in a bulk build
// (Builder) and in a later insert (plan_insert): the heuristic's choice padded to the layer's 2m
// slots with the nearest candidates it pruned; only the first m get a back-link.  See
// Builder::set_pad_own_lists_from for the measurements behind it.
constexpr uint32_t kPadOwnListsFrom = 150000;

// Graphs of at least kWideConstructionFrom nodes, built with ef_construction left at its default,
// are built with ef_construction kWideEfConstruction (Builder::set_auto_ef_construction).  On
// 1,000,000 x 128 clustered rows (padded lists, through SQL, 200 queries) recall@10 at ef_search
// 200 / 400 / 800 went 0.984 / 0.985 / 0.988 -> 0.992 / 0.993 / 0.995 for about 1.2x the build CPU;
// the graph alone (exact distances, 1,000 queries) 0.987 / 0.991 / 0.991 -> 0.990 / 0.993 / 0.995
// at 1,000,000 and 0.985 / 0.988 / 0.989 -> 0.988 / 0.991 / 0.993 at 10,000,000.  Below 500,000
// nodes the default already reaches 0.99 (300,000: 0.990 at ef_search 400).
constexpr uint32_t kWideConstructionFrom = 500000;
constexpr uint32_t kWideEfConstruction = 96;

// extend_heuristic: the same, appending to a list that already holds kept neighbours (out), each
// candidate judged against everything kept so far.  A repair keeps a node's live neighbours this way
// and replaces only its deleted ones.
template <class PairFn>
void extend_heuristic(const std::vector<Cand>& sorted, uint32_t max_n, PairFn&& pair, std::vector<Cand>& out,
                      bool keep_pruned = false) {
    size_t pruned_from = sorted.size();
    thread_local std::vector<uint8_t> kept;
    kept.assign(sorted.size(), 0);
    for (size_t i = 0; i < sorted.size(); i++) {
        const Cand& c = sorted[i];
        if (out.size() >= max_n) break;
        bool good = true;
        for (const Cand& r : out) {
            if (pair(c.id, r.id) < c.d) {
                good = false;
                break;
            }
        }
        if (good) {
            out.push_back(c);
            kept[i] = 1;
        } else if (pruned_from == sorted.size()) {
            pruned_from = i;
        }
    }
    if (!keep_pruned) return;
    for (size_t i = pruned_from; i < sorted.size() && out.size() < max_n; i++)
        if (!kept[i]) out.push_back(sorted[i]);
}

template <class PairFn>
void select_heuristic(const std::vector<Cand>& sorted, uint32_t max_n, PairFn&& pair, std::vector<Cand>& out,
                      bool keep_pruned = false) {
    out.clear();
    if (sorted.size() <= max_n) {
        // Fewer candidates than slots: the heuristic could only drop some; keep them all when
        // there is room (hnswlib does the same).
        out = sorted;
        return;
    }
    extend_heuristic(sorted, max_n, pair, out, keep_pruned);
}

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
