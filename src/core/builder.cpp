// builder.cpp: see builder.hpp.  Includes no PostgreSQL headers.
#include "core/builder.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <thread>

namespace omendb::core {

namespace {
// The builder's large arrays (node blocks, vectors, sign planes).  Each 4 KB page of fresh memory
// faults on its first touch, and in a virtual machine a fault costs microseconds: mnist-784-10k
// (9,000 x 3.5 KB blocks) spent 0.44-0.48 s of a 1.1-1.2 s CREATE INDEX loading rows, mostly in
// those faults (the copies of doubling growth are cheap); with huge pages 0.11-0.19 s.  Arrays of
// several MB are therefore aligned to 2 MB and advised as transparent huge pages (honoured when
// the kernel's THP mode is "madvise" or "always"; a hint only, never required).  Free with
// std::free.
void* alloc_array(size_t bytes, size_t align) {
    constexpr size_t kHuge = size_t{2} << 20;
    if (bytes >= 2 * kHuge) {
        const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
        void* p = std::aligned_alloc(kHuge, rounded);
        if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
        (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
        return p;
    }
    void* p = std::aligned_alloc(align, (std::max<size_t>(bytes, 1) + align - 1) / align * align);
    if (!p) throw std::bad_alloc();
    return p;
}

// body(t) for t in [0, nthreads) at once: t = 0 on the calling thread, the others on helper threads
// that start with every signal blocked (PostgreSQL's handlers belong to the backend's own thread,
// which keeps its mask).  Returns after all have finished; the first exception of any of them
// (a failure to start a thread included, in which case the calling thread skips its own share)
// is rethrown then.
template <class F>
void run_threads(uint32_t nthreads, F body) {
    if (nthreads <= 1) {
        body(uint32_t{0});
        return;
    }
    std::vector<std::exception_ptr> errors(nthreads);
    std::vector<std::thread> threads;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    try {
        for (uint32_t t = 1; t < nthreads; t++) {
            threads.emplace_back([&body, &errors, t]() {
                try {
                    body(t);
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            });
        }
    } catch (...) {
        errors[0] = std::current_exception();
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (!errors[0]) {
        try {
            body(uint32_t{0});
        } catch (...) {
            errors[0] = std::current_exception();
        }
    }
    for (auto& th : threads) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

// fn(begin, end) over [0, n) in up to nthreads contiguous chunks at once (run_threads).
template <class F>
void parallel_chunks(uint32_t nthreads, size_t n, F fn) {
    constexpr size_t kMinChunk = 1024;
    nthreads = static_cast<uint32_t>(std::min<size_t>(std::max<uint32_t>(nthreads, 1), n / kMinChunk + 1));
    const size_t chunk = (n + nthreads - 1) / nthreads;
    run_threads(nthreads, [&fn, n, chunk](uint32_t t) {
        const size_t b = std::min(n, t * chunk);
        fn(b, std::min(n, b + chunk));
    });
}
}  // namespace

// Per-thread state: visited tags, scratch and the query bound to the node being inserted.
struct Builder::Worker {
    EpochVisited vis;
    SearchScratch s;
    QueryDist qd;
    std::vector<Cand> entries, found, cands, keep;
    std::vector<std::vector<Cand>> chosen;  // insert: the neighbours chosen at each level
    // The ticket this worker inserts, or the one it inserted last (read by the other workers to
    // learn which inserts overlap theirs), and the overlapping tickets of the current insert.
    std::atomic<uint32_t> ticket{0};
    std::vector<uint32_t> overlap;
};

// Graph access over the builder (the G concept of hnsw.hpp).
struct MemGraph {
    const Builder& b;
    EpochVisited& vis;
    const QueryDist* qd;    // when using codes
    const float* qv;        // prepared query when exact
    bool codes;
    const uint8_t* qcc = nullptr;  // the inserted node's dense construction code (quantized construction)

    void visited_reset() { vis.reset(); }
    bool visit(uint32_t id) { return vis.visit(id); }
    void prefetch(uint32_t id) { __builtin_prefetch(b.block(id)); }
    bool neighbors(uint32_t id, uint32_t level, std::vector<uint32_t>& out) {
        const uint32_t* l = b.list(id, level);
        b.lock(id);
        uint32_t n = l[0];
        out.assign(l + 1, l + 1 + n);
        b.unlock(id);
        for (uint32_t x : out) vis.prefetch(x);
        return true;
    }
    bool distances(const uint32_t* ids, size_t n, float* out) {
        if (qcc) {
            for (size_t i = 0; i < n; i++) __builtin_prefetch(b.ccode(ids[i]));
            for (size_t i = 0; i < n; i++) out[i] = b.cdist(qcc, b.ccode(ids[i]));
        } else if (codes) {
            for (size_t i = 0; i < n; i++) __builtin_prefetch(b.prefix(ids[i]));
            for (size_t i = 0; i < n; i++) {
                if (i + 1 < n) __builtin_prefetch(b.prefix(ids[i + 1]) + 64);
                out[i] = (*qd)(b.prefix(ids[i]));
            }
        } else {
            const Quantizer& qz = b.qz_;
            const size_t vb = 4 * static_cast<size_t>(qz.dim);
            for (size_t i = 0; i < n; i++) __builtin_prefetch(b.vec(ids[i]));
            for (size_t i = 0; i < n; i++) {
                if (i + 1 < n) {
                    const char* nx = reinterpret_cast<const char*>(b.vec(ids[i + 1]));
                    for (size_t o = 64; o < vb; o += 64) __builtin_prefetch(nx + o);
                }
                out[i] = qz.exact(qv, b.vec(ids[i]));
            }
        }
        return true;
    }
};

Builder::Builder(const omen_params_t& params, size_t budget)
    : params_(params),
      qz_(params.dim, params.metric, params.quant, params.m, params.seed),
      budget_(budget),
      bpv_(bytes_per_vector(params)),
      m_(params.m),
      rng_(params.seed) {
    (void)kernels();  // bind the kernel table before any thread exists
    layout_blocks(false);
}

void Builder::layout_blocks(bool split) {
    const Layout& lay = qz_.layout;
    split_ = split;
    off_prefix_ = 4 * (1 + 2 * static_cast<size_t>(m_));
    off_vec_ = off_prefix_ + (qz_.quantized() ? lay.prefix : 0);
    vstride_ = (4 * static_cast<size_t>(qz_.dim) + 63) / 64 * 64;
    stride_ = ((split_ ? off_vec_ : off_vec_ + 4 * static_cast<size_t>(qz_.dim)) + 63) / 64 * 64;
}

void Builder::set_quantized_construction(bool on) {
    if (count() != 0 || trained_) return;
    quantized_construction_ = on;
    layout_blocks(on && qz_.quantized());
    bpv_ = bytes_per_vector(params_);
    if (on && qz_.quantized()) {
        cstride_ = (8 + static_cast<size_t>(qz_.layout.plane_bytes) + 31) / 32 * 32;
        bpv_ += cstride_;
    }
}

Builder::~Builder() {
    std::free(data_);
    std::free(vdata_);
    std::free(cc_);
}

size_t Builder::bytes_per_vector(const omen_params_t& p) {
    Layout lay(p.dim, p.quant, p.m);
    size_t b = 4 * (1 + 2 * static_cast<size_t>(p.m));                // block: layer 0,
    if (p.quant != OMEN_QUANT_NONE) b += lay.prefix;                  // code,
    b = (b + 4 * static_cast<size_t>(p.dim) + 63) / 64 * 64;          // prepared vector
    b += (4 * (1 + static_cast<size_t>(p.m)) + p.m - 2) / (p.m - 1); // upper levels, expected
    b += 8 + 1 + 1 + 4 + 4;                                         // payload, level, lock, offset, order
    b += 8;                                                         // visited tags (2 threads)
    return b;
}

omen_status_t Builder::add(const float* vec, uint64_t payload) {
    if (trained_) return OMEN_ERR_INVALID;
    const size_t n = payloads_.size();
    const size_t fixed = 65536;
    if ((n + 1) * bpv_ + fixed > budget_) return OMEN_ERR_BUDGET;
    if (n >= 0xFFFFFFF0u) return OMEN_ERR_BUDGET;
    for (uint32_t i = 0; i < qz_.dim; i++)
        if (!std::isfinite(vec[i])) return OMEN_ERR_INVALID;
    if (n + 1 > cap_) {
        size_t max_n = (budget_ - fixed) / bpv_ + 1;
        grow(std::max<size_t>(std::min(std::max<size_t>(2 * n, 1024), max_n), n + 1));
    }
    std::memset(data_ + n * stride_, 0, stride_);
    if (split_) std::memset(vdata_ + n * vstride_, 0, vstride_);
    payloads_.push_back(payload);
    qz_.prepare(vec, vec_mut(static_cast<uint32_t>(n)));
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    levels_.push_back(static_cast<uint8_t>(random_level(uni(rng_), m_, qz_.layout.max_level)));
    return OMEN_OK;
}

void Builder::grow(size_t cap_n) {
    const size_t n = payloads_.size();
    if (cap_n <= cap_) return;
    using Array = std::unique_ptr<uint8_t, void (*)(void*)>;
    Array nd(static_cast<uint8_t*>(alloc_array(cap_n * stride_, 64)), std::free);
    Array nv(nullptr, std::free);
    if (split_) nv.reset(static_cast<uint8_t*>(alloc_array(cap_n * vstride_, 64)));
    payloads_.reserve(cap_n);
    levels_.reserve(cap_n);
    // nothing below throws
    if (data_) std::memcpy(nd.get(), data_, n * stride_);
    std::free(data_);
    data_ = nd.release();
    if (split_) {
        if (vdata_) std::memcpy(nv.get(), vdata_, n * vstride_);
        std::free(vdata_);
        vdata_ = nv.release();
    }
    cap_ = cap_n;
}

void Builder::train_and_layout(uint32_t nthreads) {
    const size_t n = payloads_.size();
    if (qz_.quantized()) {
        std::vector<double> acc(qz_.dim, 0.0);
        for (size_t i = 0; i < n; i++) {
            const float* v = vec(static_cast<uint32_t>(i));
            for (uint32_t j = 0; j < qz_.dim; j++) acc[j] += v[j];
        }
        qz_.set_mean(acc, n);
        // Encoding rotates each vector (three Hadamard rounds): 9,000 x 784 took 0.25 s serially.
        parallel_chunks(nthreads, n, [this](size_t b, size_t e) {
            for (size_t i = b; i < e; i++)
                qz_.encode(vec(static_cast<uint32_t>(i)), data_ + i * stride_ + off_prefix_);
        });
        if (cstride_) {
            cc_ = static_cast<uint8_t*>(alloc_array(std::max<size_t>(n, 1) * cstride_, 32));
            ham_ = kernels().hamming;
            for (size_t i = 0; i < n; i++) {
                const uint8_t* p = prefix(static_cast<uint32_t>(i));
                uint8_t* c = cc_ + i * cstride_;
                std::memset(c, 0, cstride_);
                std::memcpy(c, p + kOffCorr, 4);          // |r|
                std::memcpy(c + 4, p + kOffCorr + 8, 4);  // <o - c, c>
                std::memcpy(c + 8, p + qz_.layout.header, qz_.layout.plane_bytes);
            }
        }
    }
    up_off_.resize(n);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        up_off_[i] = static_cast<uint32_t>(total);
        total += levels_[i];
    }
    up_.assign(total * (1 + m_), 0);
    locks_.reset(new std::atomic<uint8_t>[n == 0 ? 1 : n]);
    for (size_t i = 0; i < n; i++) locks_[i].store(0, std::memory_order_relaxed);

    // Insert in a seeded random order, not in table order.  Rows often arrive sorted (by time, by
    // a key correlated with the vector); concurrent threads would then insert near-identical
    // neighbours at the same moment, neither sees the other, the heuristic prunes the back-link
    // of one of them, and it is left unreachable (5000 points on a line lost 80% of their nodes
    // with 2 threads).  A shuffled order makes such collisions rare and also helps serial builds
    // on sorted data.  Fisher-Yates with our own index draw, so the order is the same everywhere.
    order_.resize(n);
    for (size_t i = 0; i < n; i++) order_[i] = static_cast<uint32_t>(i);
    std::mt19937_64 shuffle_rng(params_.seed ^ 0x9E3779B97F4A7C15ull);
    for (size_t i = n; i > 1; i--) std::swap(order_[i - 1], order_[shuffle_rng() % i]);
    pad_ = n >= pad_from_;
    if (auto_efc_ && n >= wide_from_) params_.ef_construction = std::max(params_.ef_construction, kWideEfConstruction);
    trained_ = true;
}

void Builder::lock(uint32_t i) const {
    if (!concurrent_) return;
    std::atomic<uint8_t>& l = locks_[i];
    while (l.exchange(1, std::memory_order_acquire)) {
        while (l.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }
}

void Builder::unlock(uint32_t i) const {
    if (!concurrent_) return;
    locks_[i].store(0, std::memory_order_release);
}

float Builder::pair(uint32_t a, uint32_t b) const {
    if (cc_) return cdist(ccode(a), ccode(b));
    return qz_.exact(vec(a), vec(b));
}

// Two nodes inserted at the same time do not see each other: neither is linked when the other
// searches, so near-duplicates could end up with no edge between them.  So the layer-0 candidates
// also get the nodes whose inserts overlap this one: those other workers held when it started
// (w.overlap) and every ticket handed out since (usually one or two; many when this thread was
// descheduled mid-insert, so capped).  Layer 0 only: a link on an upper level would make a peer
// reachable there before its layer-0 list exists (see insert()).
void Builder::add_concurrent_peers(Worker& w, MemGraph& g, uint32_t q, uint32_t ticket) {
    constexpr uint32_t kMaxLater = 512;
    const uint32_t hi = std::min({next_.load(), step_end_, ticket + 1 + kMaxLater});
    bool added = false;
    auto weigh = [&](uint32_t t) {
        const uint32_t p = order_[t];
        // Visited nodes were weighed by the search already (found, or worse than the ef best).
        if (p == q || !g.visit(p)) return;
        float d;
        g.distances(&p, 1, &d);
        w.cands.push_back(Cand{d, p});
        added = true;
    };
    for (uint32_t t : w.overlap) weigh(t);
    for (uint32_t t = ticket + 1; t < hi; t++) weigh(t);
    if (added) std::sort(w.cands.begin(), w.cands.end(), CandLess());
}

// Node base's list l (locked by the caller) becomes the heuristic's choice, at most cap, among
// w.cands (distances to base) and the ids already in l; with pad, padded to cap with what it
// pruned (a new node's own list, see Builder::kPadOwnListsFrom).
void Builder::merge_list(Worker& w, uint32_t base, uint32_t* l, uint32_t cap, bool pad) {
    std::vector<Cand>& cs = w.cands;
    const size_t given = cs.size();
    for (uint32_t i = 0; i < l[0]; i++) {
        const uint32_t x = l[1 + i];
        bool dup = false;
        for (size_t j = 0; j < given; j++) dup |= cs[j].id == x;
        if (!dup) cs.push_back(Cand{pair(base, x), x});
    }
    std::sort(cs.begin(), cs.end(), CandLess());
    select_heuristic(cs, cap, [this](uint32_t a, uint32_t b) { return pair(a, b); }, w.keep, pad || keep_pruned());
    l[0] = static_cast<uint32_t>(w.keep.size());
    for (size_t i = 0; i < w.keep.size(); i++) l[1 + i] = w.keep[i].id;
}

// Searches top-down, then links bottom-up: a node becomes reachable on a level (through its
// back-links there) only once it is linked on every level below.  Linked top-down, a concurrent
// insert could descend onto it and start its layer-0 search from an empty list, and kept one
// neighbour (threaded builds of 3000 points on a curve: a few such nodes per build, and queries
// for their own vectors missed them; serial builds: none).
void Builder::insert(Worker& w, uint32_t ticket, bool concurrent) {
    const uint32_t q = order_[ticket];
    const uint32_t L = levels_[q];
    std::unique_lock<std::mutex> gl(global_);
    const int cur_max = max_level_;
    const uint32_t ep = entry_;
    if (ep == kInvalid) {
        entry_ = q;
        max_level_ = static_cast<int>(L);
        return;
    }
    if (static_cast<int>(L) <= cur_max) gl.unlock();

    const bool codes = cc_ != nullptr;
    MemGraph g{*this, w.vis, &w.qd, vec(q), codes, codes ? ccode(q) : nullptr};
    auto pf = [this](uint32_t a, uint32_t b) { return pair(a, b); };
    Cand cur;
    descend_from(g, ep, static_cast<uint32_t>(cur_max), L, cur, w.s);
    w.entries.assign(1, cur);
    const int top = std::min(static_cast<int>(L), cur_max);
    if (w.chosen.size() < static_cast<size_t>(top) + 1) w.chosen.resize(static_cast<size_t>(top) + 1);
    for (int lv = top; lv >= 0; lv--) {
        const uint32_t level = static_cast<uint32_t>(lv);
        search_layer(g, w.entries, params_.ef_construction, level, w.found, w.s);
        w.cands.clear();
        for (const Cand& c : w.found)
            if (c.id != q) w.cands.push_back(c);
        if (concurrent && level == 0) add_concurrent_peers(w, g, q, ticket);
        if (pad_ || dense_)
            select_heuristic(w.cands, level == 0 ? 2 * m_ : m_, pf, w.chosen[level], true);
        else
            select_heuristic(w.cands, m_, pf, w.chosen[level], keep_pruned());
        w.entries = w.found;
    }

    for (int lv = 0; lv <= top; lv++) {
        const uint32_t level = static_cast<uint32_t>(lv);
        const std::vector<Cand>& selected = w.chosen[level];
        const uint32_t cap = level == 0 ? 2 * m_ : m_;

        // The new node's own list.  A concurrent peer that chose this node may have linked back
        // into it already: keep those links (chosen again with the rest when there is no room).
        lock(q);
        w.cands.assign(selected.begin(), selected.end());
        merge_list(w, q, list(q, level), cap, pad_);
        unlock(q);

        // Back-links from the first m chosen (all of them unless padded; all of them with dense
        // lists), pruned with the heuristic when the list is full.
        const size_t nback = dense_ ? selected.size() : std::min<size_t>(selected.size(), m_);
        for (size_t si = 0; si < nback; si++) {
            const Cand& s = selected[si];
            uint32_t* nl = list(s.id, level);
            lock(s.id);
            uint32_t cnt = nl[0];
            bool present = false;
            for (uint32_t i = 0; i < cnt; i++)
                if (nl[1 + i] == q) present = true;
            if (!present) {
                if (cnt < cap) {
                    nl[1 + cnt] = q;
                    nl[0] = cnt + 1;
                } else {
                    w.cands.assign(1, Cand{s.d, q});
                    merge_list(w, s.id, nl, cap);
                }
            }
            unlock(s.id);
        }
    }
    if (static_cast<int>(L) > cur_max) {
        entry_ = q;
        max_level_ = static_cast<int>(L);
    }
}

constexpr uint32_t kMinParallelNodes = 1000;

omen_status_t Builder::build_step(uint32_t nthreads, uint32_t max_nodes, uint32_t* done) {
    if (!trained_) train_and_layout(std::min<uint32_t>(std::max<uint32_t>(nthreads, 1), 64));
    const uint32_t n = count();
    const uint32_t start = done_;
    const uint32_t end = static_cast<uint32_t>(std::min<uint64_t>(n, static_cast<uint64_t>(start) + max_nodes));
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    // Small graphs are built serially: threads gain nothing there, and concurrent inserts into a
    // graph of a few hundred nodes collide often enough to cost recall (see train_and_layout).
    if (end - start < 2 * nthreads || n < kMinParallelNodes) nthreads = 1;
    while (workers_.size() < nthreads) workers_.emplace_back(new Worker());
    for (uint32_t t = 0; t < nthreads; t++) workers_[t]->vis.resize(n);

    if (nthreads == 1) {
        concurrent_ = false;
        for (uint32_t t = start; t < end; t++) insert(*workers_[0], t, false);
    } else {
        concurrent_ = true;
        nworkers_ = nthreads;
        step_end_ = end;
        next_.store(start);
        for (uint32_t t = 0; t < nthreads; t++) workers_[t]->ticket.store(start);
        std::atomic<bool> stop{false};
        omen_status_t failed = OMEN_OK;
        try {
            run_threads(nthreads, [this, end, &stop](uint32_t t) {
                Worker& w = *workers_[t];
                for (;;) {
                    const uint32_t q = next_.fetch_add(1);
                    if (q >= end || stop.load(std::memory_order_relaxed)) break;
                    w.ticket.store(q);
                    w.overlap.clear();
                    for (uint32_t o = 0; o < nworkers_; o++) {
                        const uint32_t other = workers_[o]->ticket.load();
                        if (other < q) w.overlap.push_back(other);
                    }
                    try {
                        insert(w, q, true);
                    } catch (...) {
                        stop.store(true, std::memory_order_relaxed);  // the others stop at their next ticket
                        throw;
                    }
                }
            });
        } catch (const std::bad_alloc&) {
            failed = OMEN_ERR_OOM;
        } catch (...) {
            failed = OMEN_ERR_INTERNAL;
        }
        concurrent_ = false;
        if (failed != OMEN_OK) return failed;
    }
    done_ = end;
    if (done_ == n && start < n) connect_unreachable(*workers_[0]);
    *done = done_;
    return OMEN_OK;
}

// HNSW does not keep every node reachable: the heuristic may prune the last link into a node
// (near-duplicates, periodic or sorted data; 8 of 1,000 rows of sin(i * d) vectors).  An
// unreachable row is invisible to every scan, so a filter whose matches sit there returns fewer
// rows than LIMIT.  After the build, walk layer 0 from the entry point and give each node not
// reached an in-link from the nearest reachable node that has a free slot (found by a search that
// can only reach reachable nodes), or, when none of them has room, in place of the nearest one's
// farthest link; repeat while that displaced any node.  Serial, and cheap: one BFS per round and
// one search per unreachable node.
void Builder::connect_unreachable(Worker& w) {
    const uint32_t n = count();
    if (n < 2 || entry_ == kInvalid) return;
    concurrent_ = false;
    std::vector<uint8_t> reached(n, 0);
    std::vector<uint32_t> queue;
    auto walk = [&](uint32_t from) {
        if (reached[from]) return;
        reached[from] = 1;
        queue.assign(1, from);
        for (size_t h = 0; h < queue.size(); h++) {
            const uint32_t* l = list(queue[h], 0);
            for (uint32_t j = 0; j < l[0]; j++)
                if (!reached[l[1 + j]]) {
                    reached[l[1 + j]] = 1;
                    queue.push_back(l[1 + j]);
                }
        }
    };
    const bool codes = cc_ != nullptr;
    const uint32_t cap = 2 * m_;
    for (int round = 0; round < 8; round++) {
        std::fill(reached.begin(), reached.end(), 0);
        walk(entry_);
        bool displaced = false;
        for (uint32_t u = 0; u < n; u++) {
            if (reached[u]) continue;
            MemGraph g{*this, w.vis, &w.qd, vec(u), codes, codes ? ccode(u) : nullptr};
            Cand cur;
            descend_from(g, entry_, static_cast<uint32_t>(max_level_), 0, cur, w.s);
            w.entries.assign(1, cur);
            search_layer(g, w.entries, params_.ef_construction, 0, w.found, w.s);
            // The descent can lead into u's own island (upper-level links reach it), and then
            // nothing found is reached: search again on layer 0 among the reached nodes, from the
            // entry.  Without that, 1,500 x 64 rows in five tight clusters under L1 kept 310
            // unreachable after the build (the reconnect pass of VACUUM has done this since it
            // met the same on a repaired graph).
            if (std::none_of(w.found.begin(), w.found.end(), [&](const Cand& c) { return c.id != u && reached[c.id]; })) {
                auto rg = kept_graph(g, [&reached](uint32_t v) { return reached[v] != 0; });
                float d;
                rg.distances(&entry_, 1, &d);
                search_layer(rg, std::vector<Cand>{Cand{d, entry_}}, params_.ef_construction, 0, w.found, w.s);
            }
            uint32_t* target = nullptr;
            for (const Cand& c : w.found) {
                if (c.id == u || !reached[c.id]) continue;
                uint32_t* l = list(c.id, 0);
                if (l[0] < cap) {
                    target = l;
                    break;
                }
            }
            if (target) {
                target[1 + target[0]] = u;
                target[0]++;
            } else {
                // Every candidate is full: replace the nearest one's farthest link.
                const Cand* near = nullptr;
                for (const Cand& c : w.found)
                    if (c.id != u && reached[c.id]) {
                        near = &c;
                        break;
                    }
                if (!near) continue;
                uint32_t* l = list(near->id, 0);
                uint32_t worst = 0;
                float wd = -1.0f;
                for (uint32_t j = 0; j < l[0]; j++) {
                    float d = pair(near->id, l[1 + j]);
                    if (d > wd) {
                        wd = d;
                        worst = j;
                    }
                }
                const uint32_t d = l[1 + worst];
                l[1 + worst] = u;
                // u links d itself (in a free slot, or in place of its last link to a node already
                // reached), so that d keeps a way in and nothing is displaced.  Without that, each
                // round stranded about as many nodes as it linked: 1,500 x 64 rows in five tight
                // clusters under inner product were left with 315 unreachable after 8 rounds.
                uint32_t* ul = list(u, 0);
                bool has = false;
                for (uint32_t j = 0; j < ul[0] && !has; j++) has = ul[1 + j] == d;
                if (!has && ul[0] < cap) {
                    ul[1 + ul[0]] = d;
                    ul[0]++;
                } else if (!has) {
                    uint32_t j = ul[0];
                    while (j > 0 && !reached[ul[j]]) j--;
                    if (j > 0) ul[j] = d;
                    else displaced = true;
                }
            }
            walk(u);
        }
        if (!displaced) break;
    }
}

void Builder::layout_order(uint32_t group, uint32_t* order) const {
    const uint32_t n = count();
    if (n == 0) return;
    // Global breadth-first order: the sequence seeds are drawn from (entry point's component
    // first, then every node no earlier pass reached, in add order).
    std::vector<uint32_t> bfs;
    bfs.reserve(n);
    {
        std::vector<uint8_t> seen(n, 0);
        size_t head = 0;
        auto take = [&](uint32_t v) {
            if (!seen[v]) {
                seen[v] = 1;
                bfs.push_back(v);
            }
        };
        auto run = [&]() {
            while (head < bfs.size()) {
                const uint32_t* l = list(bfs[head++], 0);
                for (uint32_t j = 0; j < l[0]; j++) take(l[1 + j]);
            }
        };
        if (entry_ != kInvalid) {
            take(entry_);
            run();
        }
        for (uint32_t root = 0; root < n; root++) {
            take(root);
            run();
        }
    }
    // Fill each group breadth-first from the next unplaced seed: a node lands in the same group
    // as its nearest neighbours, so expanding it reads few distinct pages.
    std::vector<uint8_t> placed(n, 0);
    std::vector<uint32_t> local;
    uint32_t out = 0;
    size_t next_seed = 0;
    while (out < n) {
        while (placed[bfs[next_seed]]) next_seed++;
        local.assign(1, bfs[next_seed]);
        uint32_t filled = 0;
        for (size_t h = 0; h < local.size() && filled < group; h++) {
            const uint32_t v = local[h];
            if (placed[v]) continue;
            placed[v] = 1;
            order[out++] = v;
            filled++;
            const uint32_t* l = list(v, 0);
            for (uint32_t j = 0; j < l[0]; j++)
                if (!placed[l[1 + j]]) local.push_back(l[1 + j]);
        }
    }
}

void Builder::neighbors(uint32_t i, uint32_t level, std::vector<uint32_t>& out) const {
    out.clear();
    if (i >= count() || !trained_ || level > levels_[i]) return;
    const uint32_t* l = list(i, level);
    out.assign(l + 1, l + 1 + l[0]);
}

void Builder::record(uint32_t i, const uint32_t* ids, uint8_t* out) const {
    const Layout& lay = qz_.layout;
    const uint32_t level = levels_[i];
    std::memset(out, 0, lay.prefix);
    std::memcpy(out + kOffPayload, &payloads_[i], 8);
    out[kOffLevel] = static_cast<uint8_t>(level);
    if (qz_.quantized()) {
        if (trained_) std::memcpy(out + kOffCorr, prefix(i) + kOffCorr, lay.prefix - kOffCorr);
        else qz_.encode(vec(i), out);  // mean not trained yet: zero
    } else {
        std::memcpy(out + lay.header, vec(i), 4 * static_cast<size_t>(qz_.dim));
    }
    for (uint32_t lv = 0; lv <= level; lv++) {
        uint8_t* dst = out + lay.list_offset(lv);
        const uint32_t slots = lay.slots(lv);
        uint32_t cnt = 0;
        const uint32_t* l = nullptr;
        if (trained_ && i < done_) {
            l = list(i, lv);
            cnt = std::min(l[0], slots);
        }
        for (uint32_t s = 0; s < slots; s++) store_u32(dst + 4 * s, s < cnt ? ids[l[1 + s]] : kInvalid);
    }
}

struct Builder::Searcher::Impl {
    EpochVisited vis;
    SearchScratch s;
    QueryDist qd;
    std::vector<float> qv;
    std::vector<Cand> entries;
};

Builder::Searcher::Searcher(const Builder& b) : b_(b), impl_(std::make_shared<Impl>()) {
    impl_->vis.resize(b.count());
    impl_->qv.resize(b.qz_.dim);
}

void Builder::Searcher::search(const float* query, uint32_t ef, bool use_codes, std::vector<Cand>& out) {
    out.clear();
    if (b_.entry_ == kInvalid) return;
    Impl& im = *impl_;
    const bool codes = use_codes && b_.qz_.quantized();
    im.qd.init(b_.qz_, query);
    MemGraph g{b_, im.vis, &im.qd, im.qd.prepared(), codes};
    Cand cur;
    descend_from(g, b_.entry_, static_cast<uint32_t>(b_.max_level_), 0, cur, im.s);
    im.entries.assign(1, cur);
    search_layer(g, im.entries, ef, 0, out, im.s);
}

void Builder::Searcher::rerank(const float* query, const std::vector<Cand>& cands, uint32_t k,
                               std::vector<Cand>& out) {
    Impl& im = *impl_;
    b_.qz_.prepare(query, im.qv.data());
    out.clear();
    for (const Cand& c : cands) out.push_back(Cand{b_.qz_.exact(im.qv.data(), b_.vec(c.id)), c.id});
    std::sort(out.begin(), out.end(), CandLess());
    if (out.size() > k) out.resize(k);
}

}  // namespace omendb::core
