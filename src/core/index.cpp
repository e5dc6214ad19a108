// index.cpp: see index.hpp.  Includes no PostgreSQL headers.
#include "core/index.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/distance.hpp"

namespace omendb::core {

double Index::sql_distance(const float* a, const float* b) const {
    return core::sql_distance(kernels(), params.metric, a, b, params.dim);
}

double Index::candidate_distance(float d) const {
    return exact_candidates() ? sql_from_internal(params.metric, d) : static_cast<double>(qz.to_sql(d));
}

// ----------------------------------------------------------------------------------------------
// StoreGraph

bool StoreGraph::read_full(uint32_t id, std::vector<uint8_t>& out) {
    const Layout& lay = ix_.layout();
    const uint32_t maxrec = lay.max_record_size();
    out.resize(maxrec);
    if (st_->read(st_->ctx, &id, 1, out.data(), maxrec) != 0) return false;
    uint32_t level = rec_level(out.data());
    if (level > lay.max_level) {
        corrupt = true;
        return false;
    }
    out.resize(lay.record_size(level));
    if (!slot_.find(id)) put(id, out.data());
    return true;
}

bool StoreGraph::neighbors(uint32_t id, uint32_t level, std::vector<uint32_t>& out) {
    out.clear();
    if (!read_full(id, full_)) return false;
    if (rec_level(full_.data()) < level) return true;
    for_each_link(ix_.layout(), full_.data(), level, [&out](uint32_t v) { out.push_back(v); });
    return true;
}

void StoreGraph::reserve(size_t n) {
    cache_.reserve(n * ix_.layout().prefix);
    slot_.reserve(n);
}

void StoreGraph::put(uint32_t id, const uint8_t* prefix) {
    const uint32_t p = ix_.layout().prefix;
    const auto r = slot_.emplace(id, static_cast<uint32_t>(slot_.size()));
    const uint32_t s = *r.first;
    if (r.second) cache_.resize(static_cast<size_t>(s + 1) * p);
    std::memcpy(cache_.data() + static_cast<size_t>(s) * p, prefix, p);
}

const uint8_t* StoreGraph::prefix(uint32_t id) const {
    const uint32_t* s = slot_.find(id);
    if (!s) return nullptr;
    return cache_.data() + static_cast<size_t>(*s) * ix_.layout().prefix;
}

bool StoreGraph::load(const uint32_t* ids, size_t n) {
    const uint32_t p = ix_.layout().prefix;
    missing_.clear();
    const uint32_t first = static_cast<uint32_t>(slot_.size());
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == kInvalid) continue;
        if (slot_.emplace(ids[i], first + static_cast<uint32_t>(missing_.size())).second) missing_.push_back(ids[i]);
    }
    if (missing_.empty()) return true;
    cache_.resize(static_cast<size_t>(slot_.size()) * p);
    if (st_->read(st_->ctx, missing_.data(), static_cast<uint32_t>(missing_.size()),
                  cache_.data() + static_cast<size_t>(first) * p, p) != 0) {
        return false;
    }
    for (uint32_t id : missing_)
        if (rec_level(prefix(id)) > ix_.layout().max_level) {
            corrupt = true;
            return false;
        }
    return true;
}

bool StoreGraph::distances(const uint32_t* ids, size_t n, float* out) {
    if (!load(ids, n)) return false;
    for (size_t i = 0; i < n; i++) out[i] = (*qd_)(prefix(ids[i]));
    return true;
}

// ----------------------------------------------------------------------------------------------
// Scan

Scan::Scan(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level, const float* query,
           uint32_t ef)
    : ix_(ix), st_(*st), entry_(entry), entry_level_(entry_level), ef_(ef < 1 ? 1 : ef), walk_(query == nullptr) {
    if (!walk_) qd_.init(ix.qz, query);
    if (entry_level_ > ix.layout().max_level) entry_level_ = ix.layout().max_level;
    // A LIMIT 10 search discovers about 48 nodes per unit of ef (siftsmall at ef 40: 119 expansions,
    // 1,900 nodes): room for them up front, instead of growing the set and heaps from empty on every
    // query (6% of a query's time at 10,000 rows)
    if (!walk_) {
        const size_t expect = std::min<size_t>(static_cast<size_t>(ef_) * 48, size_t{1} << 15);
        visited_.reserve(expect);
        pending_.reserve(expect);
        frontier_.reserve(expect);
    }
}

size_t Scan::memory() const {
    return visited_.bytes() + (pending_.capacity() + frontier_.capacity()) * sizeof(Item) +
           queue_.capacity() * sizeof(uint32_t) + full_.capacity() + buf_.capacity();
}

bool Scan::read(const uint32_t* ids, uint32_t n, uint32_t stride, uint8_t* out) {
    return st_.read(st_.ctx, ids, n, out, stride) == 0;
}

Scan::Item Scan::make_item(const uint8_t* r, uint32_t id, float d) const {
    return Item{d, id, rec_payload(r), sigmas_ > 0 ? qd_.error(r, d) : 0.0f, rec_skip(r)};
}

void Scan::push(const Item& it) {
    // a node that may not be returned is only traversed: it never waits to be handed out (under a
    // selective filter, waiting for such nodes to settle cost 20 times the expansions)
    if (!it.deleted) {
        pending_.push_back(it);
        std::push_heap(pending_.begin(), pending_.end(), ItemGreater());
    }
    frontier_.push_back(it);
    std::push_heap(frontier_.begin(), frontier_.end(), ItemGreater());
}

Scan::Item Scan::pop(std::vector<Item>& heap) {
    std::pop_heap(heap.begin(), heap.end(), ItemGreater());
    Item it = heap.back();
    heap.pop_back();
    return it;
}

// The settle margin is this many times the largest drop seen (in SQL units, so that it does not
// grow with the distance as squared L2 distances would).  Measured on 8,000 x 48 Gaussian rows, 20
// queries each at (ef_search, LIMIT) = (10, 100), (40, 10), (40, 1000): with 1x, strict order
// skipped 7-24 late rows per 20 queries (quantization none); with 2x, 0-1; with 3x, none.
constexpr double kSettleFactor = 2.0;
// With estimated distances the margin is learnt from noise as much as from the graph: at 768
// dimensions one large estimation error made it wider than the whole spread of distances, and 40%
// of LIMIT 10 queries then expanded the entire graph before handing anything out (16 ms instead of
// 0.4 ms on 20,000 rows).  So there a node that no unexpanded node beats even without the margin
// waits at most a few expansions (20,000 x 768: 16 left the slowest fifth at 2 ms, 4 at 0.7 ms).
// Exact distances learn a true margin and wait for it (with a budget of 4 they skipped 310 rows in
// 20 queries of LIMIT 100 at ef_search 10); so do float vectors kept normalised (cosine,
// quantization none), whose distances are exact up to rounding: with the bounded budget below,
// full ordered scans of 5,000 x 24 Gaussian rows lost 28 rows in 10 scans under strict_order,
// LIMIT 100 on 20,000 of them skipped 259 rows in 50 queries (recall 0.932; with the margin 6
// rows, 0.999, at 10 ms instead of 1.6 per query).
constexpr uint32_t kSettleBudget = 4;
// A candidate that carries a lower bound (rabitq's error model, omen_scan_set_bound_sigmas) waits
// one expansion: the shim holds every row until the floor, less the bounds' spread, has passed it,
// so the order of what a batch hands out matters little there, while each expansion of the wait is
// paid for every candidate of a continuing batch.  LIMIT 10 at the default ef_search, 4 -> 1:
// expansions per query siftsmall 229 -> 119, synth-100k-128 227 -> 123, 1,000,000 x 128 584 -> 458
// (p99 2,004 -> 807; query time -12%, p99 -30%), with the same recall on those, glove-50-10k,
// mnist-784-10k and 20,000 x 768; on 40,000 x 128 tight clusters 0.9885 -> 0.9875 and on 8,000 x
// 48 Gaussian rows 0.9895 -> 0.9860 at half the time (ef_search 80 gets 0.9895 back at 0.57 of the
// time); rows skipped by strict order the same (20 per 200 queries).  Binary codes have no bounds:
// with 1 their recall on synth-100k-128 fell 0.8885 -> 0.8830, so they keep kSettleBudget.
constexpr uint32_t kSettleBudgetBounded = 1;
// The beam width of a scan's search on layer 1 (Scan::start).
constexpr uint32_t kLayer1Beam = 16;

// Read it's full record, push its unvisited layer-0 neighbours (with their estimates into fresh_) and
// widen the settle margin by any drop from it to them.  false on storage failure or corrupt level.
bool Scan::expand(const Item& it) {
    expansions_++;
    const Layout& lay = ix_.layout();
    const uint32_t maxrec = lay.max_record_size();
    full_.resize(maxrec);
    if (!read(&it.id, 1, maxrec, full_.data())) return false;
    if (rec_level(full_.data()) > lay.max_level) {
        corrupt = true;
        return false;
    }
    ids_.clear();
    for_each_link(lay, full_.data(), 0, [this](uint32_t v) {
        if (visited_.insert(v)) ids_.push_back(v);
    });
    fresh_.clear();
    if (ids_.empty()) return true;
    const uint32_t p = lay.prefix;
    buf_.resize(static_cast<size_t>(ids_.size()) * p);
    if (!read(ids_.data(), static_cast<uint32_t>(ids_.size()), p, buf_.data())) return false;
    for (size_t i = 0; i < ids_.size(); i++) {
        const uint8_t* r = buf_.data() + i * p;
        Item n = make_item(r, ids_[i], qd_(r));
        push(n);
        fresh_.push_back(Cand{n.d, n.id});
        const double drop = ix_.candidate_distance(it.d) - ix_.candidate_distance(n.d);
        if (!phase1_done_)
            phase1_drops_.push_back({it.d, drop});
        else if (kSettleFactor * drop > margin_)
            margin_ = kSettleFactor * drop;
    }
    return true;
}

// Phase 1 begins: the descent to layer 0 (see the class comment).  Greedy (one node) down to layer
// 2, then a beam of kLayer1Beam on layer 1, whose nodes all enter layer 0's search.  With a greedy
// descent all the way (HNSW's), a query in well separated clusters could land in another cluster,
// and layer 0's beam then never left it: 100 Gaussian clusters, 100,000 x 128 (bench/omenbench.py's
// generator, seed 1), LIMIT 10 at ef_search 40, 8 of 600 queries found at most one true neighbour
// (strict order then skipped up to 692 closer rows found later), recall@10 0.9803; with the beam
// none, 0.9942 (hnswlib, exact distances, same graph parameters: 0.938).  The shared synth set
// 0.9908 -> 0.9952, 20,000 x 768 in 50 clusters 0.9782 -> 0.9900; siftsmall and glove unchanged; query
// time the same within the noise (alternating runs of 100-600 queries).
bool Scan::start() {
    started_ = true;
    if (entry_ == kInvalid) {
        phase1_done_ = true;
        return true;
    }
    StoreGraph g(ix_, &st_, &qd_);
    SearchScratch s;
    Cand cur;
    const uint32_t beam_level = entry_level_ >= 1 ? 1 : 0;
    std::vector<Cand> found;
    if (!descend_from(g, entry_, entry_level_, beam_level, cur, s) ||
        (beam_level == 1 && !search_layer(g, std::vector<Cand>(1, cur), kLayer1Beam, 1, found, s))) {
        corrupt = g.corrupt;
        return false;
    }
    if (beam_level == 0) found.assign(1, cur);
    top_.reset(ef_);  // the ef best (distinct distances, see Beam)
    for (const Cand& c : found) {
        visited_.insert(c.id);
        push(make_item(g.prefix(c.id), c.id, c.d));
        top_.offer(c);
    }
    return true;
}

// Phase 1 goes on: the beam search on layer 0 with ef; everything discovered stays in pending_ /
// frontier_.  At most `budget` expansions (0: no limit), so that a filtered scan can change
// strategy before HNSW's answer is complete (1% filter on 100,000 rows: 72 expansions, 0.35 ms,
// before the exact pass took over); phase1_done_ once the beam has converged.  Most drops seen
// here belong to the beam converging on the query and say nothing about the continuation: only
// those below nodes that end among the ef best count towards the margin (with all of them, LIMIT
// 10 at 48 dimensions took 3.3 ms instead of 0.4; with none, strict order skipped 250 late rows in
// 20 queries of LIMIT 100 at ef_search 10, quantization none).
bool Scan::phase1(uint32_t budget) {
    Beam& top = top_;
    uint32_t spent = 0;
    while (!frontier_.empty()) {
        const Item& c = frontier_.front();
        if (top.full() && c.d > top.pool.back().d) break;
        if (budget > 0 && spent >= budget) return true;  // paused
        const Item it = pop(frontier_);
        spent++;
        if (!expand(it)) return false;
        for (const Cand& n : fresh_) top.offer(n);
    }
    // The margin starts from the drops below nodes that ended among the ef best: local drops.
    for (const auto& pd : phase1_drops_)
        if (!top.pool.empty() && pd.first <= top.pool.back().d && kSettleFactor * pd.second > margin_)
            margin_ = kSettleFactor * pd.second;
    phase1_drops_.clear();
    phase1_left_ = ef_;
    phase1_done_ = true;
    return true;
}

bool Scan::exhausted() const {
    if (list_mode_) return list_pos_ >= list_.size();
    if (walk_) return started_ && queue_pos_ >= queue_.size();
    return started_ && pending_.empty() && frontier_.empty() && (entry_seeded_ || entry_ == kInvalid);
}

double Scan::floor() const {
    if (list_mode_)
        return list_pos_ < list_.size() ? ix_.candidate_distance(list_[list_pos_].d)
                                        : std::numeric_limits<double>::infinity();
    if (walk_ || exhausted()) return std::numeric_limits<double>::infinity();
    // not started, or the entry point still to search from (see next()): no promise
    if (!started_ || (frontier_.empty() && !entry_seeded_)) return -std::numeric_limits<double>::infinity();
    double f = std::numeric_limits<double>::infinity();
    if (!pending_.empty()) f = ix_.candidate_distance(pending_.front().d);
    if (!frontier_.empty()) f = std::min(f, ix_.candidate_distance(frontier_.front().d) - active_margin());
    return std::max(f, last_out_);
}

// The list is in estimate order, and a later candidate's bound can reach below the next one's
// estimate less the bounds seen so far: 500 rows of norms 1e4 and 1e-2, the query one of the small
// ones, whose estimates (0-1.3) are all far off their distances (0.03): rows let out on that were
// undercut by 129 rows of later batches.
double Scan::list_lower() const {
    if (!list_mode_ || list_pos_ >= list_.size() || list_lower_.empty()) return std::numeric_limits<double>::infinity();
    return list_lower_[list_pos_];
}

bool Scan::settled() const {
    if (frontier_.empty()) return true;
    const double p = ix_.candidate_distance(pending_.front().d), f = ix_.candidate_distance(frontier_.front().d);
    const uint32_t budget = sigmas_ > 0 && std::isfinite(pending_.front().err) ? kSettleBudgetBounded : kSettleBudget;
    return p + active_margin() <= f || (ix_.qz.quantized() && p <= f && held_ >= budget);
}

bool Scan::walk_next(omen_candidate_t* out, uint32_t max, uint32_t* n) {
    const Layout& lay = ix_.layout();
    const uint32_t head = lay.record_size(0);  // prefix and layer-0 list
    if (!started_) {
        started_ = true;
        if (entry_ != kInvalid && visited_.insert(entry_)) queue_.push_back(entry_);
    }
    constexpr size_t kChunk = 64;
    uint32_t k = 0;
    while (k < max && queue_pos_ < queue_.size()) {
        const size_t c = std::min<size_t>({kChunk, queue_.size() - queue_pos_, static_cast<size_t>(max - k)});
        buf_.resize(c * head);
        if (!read(queue_.data() + queue_pos_, static_cast<uint32_t>(c), head, buf_.data())) return false;
        for (size_t i = 0; i < c; i++) {
            const uint8_t* r = buf_.data() + i * head;
            if (rec_level(r) > lay.max_level) {
                corrupt = true;
                return false;
            }
            for_each_link(lay, r, 0, [this](uint32_t v) {
                if (visited_.insert(v)) queue_.push_back(v);
            });
            if (!rec_skip(r)) {
                const double nan = std::numeric_limits<double>::quiet_NaN();
                out[k++] = omen_candidate_t{queue_[queue_pos_ + i], rec_payload(r), nan, nan};
            }
        }
        queue_pos_ += c;
    }
    *n = k;
    return true;
}

omen_candidate_t Scan::candidate(const Item& it) const {
    const double d = ix_.candidate_distance(it.d);
    double lower = -std::numeric_limits<double>::infinity();
    if (ix_.exact_candidates())
        lower = d;
    else if (sigmas_ > 0 && std::isfinite(it.err)) {
        lower = ix_.qz.to_sql(it.d - sigmas_ * it.err);
        // Float vectors kept normalised (cosine, quantization none): the distance between them is
        // the SQL one up to the rounding of two float computations, which ties of equal direction
        // and different norms expose (8-dimensional integer rows: a row of the first batch let out
        // on a bound 5e-9 above another's SQL distance, and strict_order skipped that one).
        if (!ix_.qz.quantized())
            lower -= static_cast<double>(ix_.params.dim) * std::numeric_limits<float>::epsilon();
    }
    return omen_candidate_t{it.id, it.payload, d, lower};
}

bool Scan::restrict_to(const uint32_t* ids, uint32_t n, const uint8_t* prefixes) {
    // Handed out so far: discovered (visited_) and no longer waiting (pending_, or the walk's queue).
    // Deleted and rejected nodes count as handed out too: the exact pass skips them anyway.
    IdSet waiting;
    if (walk_)
        for (size_t i = queue_pos_; i < queue_.size(); i++) waiting.insert(queue_[i]);
    else
        for (const Item& it : pending_) waiting.insert(it.id);
    auto handed = [this, &waiting](uint32_t id) { return visited_.contains(id) && !waiting.contains(id); };
    if (walk_) {
        // no distances to order by: hand out the listed nodes not handed out yet, in list order
        list_.clear();
        for (uint32_t i = 0; i < n; i++)
            if (!handed(ids[i])) list_.push_back(Item{0.0f, ids[i], 0, 0.0f, false});
    } else {
        list_.clear();
        const uint32_t p = ix_.layout().prefix;
        auto add = [this](const uint8_t* r, uint32_t id) {
            if (rec_level(r) > ix_.layout().max_level) {
                corrupt = true;
                return false;
            }
            if (!rec_skip(r)) list_.push_back(make_item(r, id, qd_(r)));
            return true;
        };
        if (prefixes) {
            // read by the caller while it found the nodes: no second read
            for (uint32_t i = 0; i < n; i++)
                if (!handed(ids[i]) && !add(prefixes + static_cast<size_t>(i) * p, ids[i])) return false;
        } else {
            constexpr uint32_t kChunk = 256;
            buf_.resize(static_cast<size_t>(kChunk) * p);
            for (uint32_t start = 0; start < n; start += kChunk) {
                ids_.clear();
                for (uint32_t i = start; i < n && i < start + kChunk; i++)
                    if (!handed(ids[i])) ids_.push_back(ids[i]);
                if (ids_.empty()) continue;
                if (!read(ids_.data(), static_cast<uint32_t>(ids_.size()), p, buf_.data())) return false;
                for (size_t i = 0; i < ids_.size(); i++)
                    if (!add(buf_.data() + i * p, ids_[i])) return false;
            }
        }
        std::sort(list_.begin(), list_.end(), [](const Item& a, const Item& b) {
            // NaN estimates last
            const bool na = std::isnan(a.d), nb = std::isnan(b.d);
            if (na != nb) return nb;
            return a.d < b.d || (a.d == b.d && a.id < b.id);
        });
        list_lower_.clear();
        if (sigmas_ > 0 && !ix_.exact_candidates()) {
            list_lower_.resize(list_.size() + 1, std::numeric_limits<double>::infinity());
            for (size_t i = list_.size(); i > 0; i--) {
                const omen_candidate_t c = candidate(list_[i - 1]);
                const double l = std::isnan(c.distance) ? std::numeric_limits<double>::infinity()
                                 : std::isfinite(c.lower) ? c.lower : c.distance;
                list_lower_[i - 1] = std::min(l, list_lower_[i]);
            }
        }
    }
    started_ = true;
    list_mode_ = true;
    list_pos_ = 0;
    pending_.clear();
    frontier_.clear();
    return true;
}

bool Scan::list_next(omen_candidate_t* out, uint32_t max, uint32_t* n) {
    uint32_t k = 0;
    if (walk_) {
        // payloads are not known without a read: read the prefixes of the next chunk
        const uint32_t p = ix_.layout().prefix;
        while (k < max && list_pos_ < list_.size()) {
            const size_t c = std::min<size_t>(list_.size() - list_pos_, max - k);
            ids_.clear();
            for (size_t i = 0; i < c; i++) ids_.push_back(list_[list_pos_ + i].id);
            buf_.resize(c * p);
            if (!read(ids_.data(), static_cast<uint32_t>(c), p, buf_.data())) return false;
            for (size_t i = 0; i < c; i++) {
                const uint8_t* r = buf_.data() + i * p;
                if (rec_skip(r)) continue;
                const double nan = std::numeric_limits<double>::quiet_NaN();
                out[k++] = omen_candidate_t{ids_[i], rec_payload(r), nan, nan};
            }
            list_pos_ += c;
        }
        *n = k;
        return true;
    }
    while (k < max && list_pos_ < list_.size()) {
        out[k++] = candidate(list_[list_pos_++]);
    }
    *n = k;
    return true;
}

bool Scan::next(omen_candidate_t* out, uint32_t max, uint32_t* n) {
    *n = 0;
    if (list_mode_) return list_next(out, max, n);
    if (walk_) return walk_next(out, max, n);
    if (!started_ && !start()) return false;
    if (!phase1_done_) {
        if (!phase1(budget_)) return false;
        if (!phase1_done_) return true;  // paused by the budget: *n == 0, not exhausted
    }
    calls_++;
    uint32_t k = 0;
    uint32_t spent = 0;  // continuation expansions in this call
    while (k < max) {
        if (phase1_left_ > 0 && !pending_.empty()) {
            phase1_left_--;
        } else {
            phase1_left_ = 0;
            if (frontier_.empty() && !entry_seeded_) {
                // Every live node is reachable on layer 0 from the entry point (the build, inserts
                // and VACUUM keep it so), but the search started from the layer-1 beam's nodes, and
                // links go one way: once nothing is left to expand, it goes on from the entry point
                // (a no-op when the entry point was reached), before an empty frontier lets the
                // rows still pending settle.  Without that, a full ordered scan of 975 rows (506
                // copies of one vector, a third deleted) returned 974, every node the start could
                // reach.
                entry_seeded_ = true;
                if (entry_ != kInvalid && visited_.insert(entry_)) {
                    const uint32_t p = ix_.layout().prefix;
                    buf_.resize(p);
                    if (!read(&entry_, 1, p, buf_.data())) return false;
                    push(make_item(buf_.data(), entry_, qd_(buf_.data())));
                }
                continue;
            }
            if (pending_.empty() && frontier_.empty()) break;
            if (pending_.empty() || !settled()) {
                if (budget_ > 0 && spent >= budget_) break;
                if (!pending_.empty() && pending_.front().d <= frontier_.front().d) held_++;
                spent++;
                if (!expand(pop(frontier_))) return false;
                continue;
            }
            // a hand-out the budget forced moves the floor up to it: the scan gave up waiting
            const double p = ix_.candidate_distance(pending_.front().d);
            if (!frontier_.empty() && p + active_margin() > ix_.candidate_distance(frontier_.front().d))
                last_out_ = std::max(last_out_, p);
        }
        const Item it = pop(pending_);
        held_ = 0;
        if (it.deleted) continue;
        out[k++] = candidate(it);
    }
    std::sort(out, out + k, [](const omen_candidate_t& a, const omen_candidate_t& b) {
        return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
    });
    *n = k;
    return true;
}

// ----------------------------------------------------------------------------------------------
// Insert and repair plans

namespace {

void write_list(const Layout& lay, uint8_t* rec, uint32_t level, const std::vector<Cand>& sel) {
    uint8_t* l = rec + lay.list_offset(level);
    const uint32_t slots = lay.slots(level);
    for (uint32_t i = 0; i < slots; i++) store_u32(l + 4 * i, i < sel.size() ? sel[i].id : kInvalid);
}

void read_list(const Layout& lay, const uint8_t* rec, uint32_t level, std::vector<uint32_t>& out) {
    out.clear();
    for_each_link(lay, rec, level, [&out](uint32_t v) { out.push_back(v); });
}

omen_status_t fail(const StoreGraph& g) { return g.corrupt ? OMEN_ERR_INVALID : OMEN_ERR_STORAGE; }

// Link new_id into img (node id's record) on level lv: append when there is room, else choose the
// list again with the heuristic; the live nodes that choice leaves out are added to *dropped (when
// given).  false: a storage read failed.
bool link_back(StoreGraph& g, const Index& ix, uint32_t id, uint8_t* img, uint32_t lv, uint32_t new_id,
               std::vector<uint32_t>& lst, std::vector<uint32_t>* dropped = nullptr) {
    const Layout& lay = ix.layout();
    const Quantizer& qz = ix.qz;
    if (rec_level(img) < lv) return true;
    read_list(lay, img, lv, lst);
    if (std::find(lst.begin(), lst.end(), new_id) != lst.end()) return true;
    const uint32_t cap = lay.slots(lv);
    if (lst.size() < cap) {
        store_u32(img + lay.list_offset(lv) + 4 * lst.size(), new_id);
        return true;
    }
    lst.push_back(new_id);
    if (!g.load(lst.data(), lst.size()) || !g.load(&id, 1)) return false;
    const uint8_t* base = g.prefix(id);
    std::vector<Cand> keep, sel;
    for (uint32_t x : lst)
        if (x == new_id || !rec_deleted(g.prefix(x))) keep.push_back(Cand{qz.pair(base, g.prefix(x)), x});
    std::sort(keep.begin(), keep.end(), CandLess());
    auto pair = [&g, &qz](uint32_t a, uint32_t b) { return qz.pair(g.prefix(a), g.prefix(b)); };
    // keepPruned even for the metrics: a full list re-chosen by the heuristic alone can shrink to a
    // few entries and drop many nodes at once, each of which may lose its last in-link (measured:
    // 5 of 10,000 clustered rows inserted one by one stranded that way).  Kept full, the list
    // drops exactly one node, which the caller links from the new node.
    select_heuristic(keep, cap, pair, sel, true);
    write_list(lay, img, lv, sel);
    if (dropped)
        for (const Cand& c : keep)
            if (c.id != new_id && std::none_of(sel.begin(), sel.end(), [&c](const Cand& x) { return x.id == c.id; }))
                dropped->push_back(c.id);
    return true;
}

// Graph access whose distances are pair() estimates to a stored node: a search for a node whose
// float vector is not at hand (only its record is).
struct TargetGraph {
    StoreGraph& g;
    const Quantizer& qz;
    std::vector<uint8_t> target;  // the node's record prefix

    void visited_reset() { g.visited_reset(); }
    bool visit(uint32_t id) { return g.visit(id); }
    void prefetch(uint32_t id) { g.prefetch(id); }
    bool neighbors(uint32_t id, uint32_t level, std::vector<uint32_t>& out) { return g.neighbors(id, level, out); }
    bool distances(const uint32_t* ids, size_t n, float* out) {
        if (!g.load(ids, n)) return false;
        for (size_t i = 0; i < n; i++) out[i] = qz.pair(target.data(), g.prefix(ids[i]));
        return true;
    }
};

// The live node nearest to deleted node d on level lv among its neighbours, or (none live) among
// its deleted neighbours' neighbours; neither `self` nor a node in `taken`.  best.id stays
// kInvalid when there is none.  false: a storage read failed.
bool nearest_live(StoreGraph& g, const Index& ix, uint32_t d, uint32_t lv, uint32_t self,
                  const std::vector<Cand>& taken, Cand& best) {
    const Layout& lay = ix.layout();
    std::vector<uint8_t> rec;
    std::vector<uint32_t> ring, next, lst;
    ring.push_back(d);
    for (int hop = 0; hop < 2 && best.id == kInvalid; hop++) {
        next.clear();
        for (uint32_t x : ring) {
            if (!g.read_full(x, rec)) return false;
            if (rec_level(rec.data()) < lv) continue;
            read_list(lay, rec.data(), lv, lst);
            if (!g.load(lst.data(), lst.size())) return false;
            for (uint32_t y : lst) {
                if (y == self || y == d) continue;
                if (rec_deleted(g.prefix(y))) {
                    next.push_back(y);
                    continue;
                }
                if (std::any_of(taken.begin(), taken.end(), [y](const Cand& c) { return c.id == y; })) continue;
                const Cand c{ix.qz.pair(g.prefix(d), g.prefix(y)), y};
                if (best.id == kInvalid || cand_less(c, best)) best = c;
            }
        }
        ring.swap(next);
    }
    return true;
}

}  // namespace

omen_status_t plan_insert(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level,
                          const float* vec, uint64_t payload, uint32_t new_id, uint32_t new_level, uint64_t nodes,
                          Plan& plan) {
    const Layout& lay = ix.layout();
    const Quantizer& qz = ix.qz;
    if (new_level > lay.max_level || new_id == kInvalid) return OMEN_ERR_INVALID;
    for (uint32_t i = 0; i < qz.dim; i++)
        if (!std::isfinite(vec[i])) return OMEN_ERR_INVALID;
    if (entry_level > lay.max_level) entry_level = lay.max_level;

    QueryDist qd;
    qd.init(qz, vec);
    std::vector<uint8_t>& rec = plan.record;
    rec.assign(lay.record_size(new_level), 0);
    std::memcpy(rec.data() + kOffPayload, &payload, 8);
    rec[kOffLevel] = static_cast<uint8_t>(new_level);
    std::memcpy(rec.data() + kOffCorr, qd.own_prefix() + kOffCorr, lay.prefix - kOffCorr);
    for (uint32_t lv = 0; lv <= new_level; lv++) write_list(lay, rec.data(), lv, {});
    plan.has_record = true;
    if (entry == kInvalid) {
        plan.new_entry = true;
        return OMEN_OK;
    }

    StoreGraph g(ix, st, &qd);
    g.reserve(static_cast<size_t>(ix.params.ef_construction) * 4 * ix.params.m);
    g.put(new_id, rec.data());
    SearchScratch s;
    Cand cur;
    if (!descend_from(g, entry, entry_level, new_level, cur, s)) return fail(g);

    std::vector<Cand> entries{cur}, found, cands, selected;
    std::unordered_map<uint32_t, size_t> edit_idx;
    std::vector<uint32_t> lst, dropped;
    auto pair = [&g, &qz](uint32_t a, uint32_t b) { return qz.pair(g.prefix(a), g.prefix(b)); };
    for (int lvi = static_cast<int>(std::min(new_level, entry_level)); lvi >= 0; lvi--) {
        const uint32_t lv = static_cast<uint32_t>(lvi);
        if (!search_layer(g, entries, ix.params.ef_construction, lv, found, s)) return fail(g);
        cands.clear();
        for (const Cand& c : found)
            if (c.id != new_id && !rec_deleted(g.prefix(c.id))) cands.push_back(c);
        // Padded (a large graph, layer 0): up to 2m chosen, the heuristic's first, then the
        // nearest it pruned; only the first m get back-links (kPadOwnListsFrom).
        const bool pad = lv == 0 && nodes >= kPadOwnListsFrom;
        select_heuristic(cands, pad ? lay.slots(0) : ix.params.m, pair, selected, pad || ix.keep_pruned());
        const size_t nback = pad ? std::min<size_t>(selected.size(), ix.params.m) : selected.size();
        write_list(lay, rec.data(), lv, selected);
        g.put(new_id, rec.data());

        dropped.clear();
        for (size_t si = 0; si < nback; si++) {
            const Cand& sc = selected[si];
            auto it = edit_idx.find(sc.id);
            if (it == edit_idx.end()) {
                Edit e;
                e.id = sc.id;
                if (!g.read_full(sc.id, e.base)) return fail(g);
                e.image = e.base;
                it = edit_idx.emplace(sc.id, plan.edits.size()).first;
                plan.edits.push_back(std::move(e));
            }
            Edit& e = plan.edits[it->second];
            e.levels |= 1u << lv;
            e.link = new_id;
            if (!link_back(g, ix, sc.id, e.image.data(), lv, new_id, lst, &dropped)) return fail(g);
        }
        // If no neighbour kept the new node on layer 0, nothing links to it: the nearest takes it in
        // the place of its farthest kept node, which then counts as dropped.
        if (lv == 0 && nback > 0) {
            bool linked = false;
            for (size_t si = 0; si < nback; si++) {
                read_list(lay, plan.edits[edit_idx.at(selected[si].id)].image.data(), 0, lst);
                if (std::find(lst.begin(), lst.end(), new_id) != lst.end()) linked = true;
            }
            if (!linked) {
                Edit& e = plan.edits[edit_idx.at(selected[0].id)];
                read_list(lay, e.image.data(), 0, lst);
                if (!lst.empty()) {
                    if (!g.load(&lst.back(), 1)) return fail(g);
                    if (!rec_deleted(g.prefix(lst.back()))) dropped.push_back(lst.back());
                    store_u32(e.image.data() + lay.list_offset(0) + 4 * (lst.size() - 1), new_id);
                }
            }
        }
        // A neighbour's list that made room for the new node dropped a node, which may have been
        // that node's last in-link: a node nothing links to is invisible to every scan.  The new
        // node lies where the dropped one was linked from, and its list has room (it chose at most
        // m of its slots, or padded past m with nodes that have in-links), so it links the dropped
        // nodes itself, before any padding.
        std::vector<Cand> own(selected.begin(), selected.begin() + static_cast<std::ptrdiff_t>(nback));
        for (uint32_t x : dropped) {
            if (own.size() >= lay.slots(lv)) break;
            if (std::none_of(own.begin(), own.end(), [x](const Cand& c) { return c.id == x; }))
                own.push_back(Cand{0.0f, x});
        }
        const bool relinked = own.size() > nback;
        for (size_t si = nback; si < selected.size() && own.size() < lay.slots(lv); si++) {
            const uint32_t x = selected[si].id;
            if (std::none_of(own.begin(), own.end(), [x](const Cand& c) { return c.id == x; }))
                own.push_back(selected[si]);
        }
        if (relinked) {
            write_list(lay, rec.data(), lv, own);
            g.put(new_id, rec.data());
        }
        entries = found;
    }
    plan.new_entry = new_level > entry_level;
    return OMEN_OK;
}

omen_status_t plan_repair(const Index& ix, const omen_storage_t* st, uint32_t id, Plan& plan) {
    const Layout& lay = ix.layout();
    const Quantizer& qz = ix.qz;
    StoreGraph g(ix, st, nullptr);
    std::vector<uint8_t> rec, other;
    if (!g.read_full(id, rec)) return fail(g);
    const uint32_t level = rec_level(rec.data());
    std::vector<uint32_t> lst, olst;
    std::vector<Cand> cands, sel;
    auto pair = [&g, &qz](uint32_t a, uint32_t b) { return qz.pair(g.prefix(a), g.prefix(b)); };

    // Which levels lost a neighbour; most nodes of a VACUUM that deleted few rows lost none.
    uint32_t damaged = 0;
    for (uint32_t lv = 0; lv <= level; lv++) {
        read_list(lay, rec.data(), lv, lst);
        if (!g.load(lst.data(), lst.size())) return fail(g);
        for (uint32_t x : lst)
            if (rec_deleted(g.prefix(x))) damaged |= 1u << lv;
    }
    if (damaged == 0) return OMEN_OK;

    // a copy: the cache's storage moves as it grows
    const std::vector<uint8_t> own(g.prefix(id), g.prefix(id) + lay.prefix);
    const uint8_t* base = own.data();
    for (uint32_t lv = 0; lv <= level; lv++) {
        if (!((damaged >> lv) & 1u)) continue;
        read_list(lay, rec.data(), lv, lst);
        // A deleted neighbour with this node's very code is its former self (an UPDATE that was
        // not HOT inserted the row again; now VACUUM removes the old version).  Its list was chosen
        // for this same vector when the graph was young, with the links between clusters that a
        // node inserted into a grown graph never gets: this node takes it over, ahead of its own.
        // Without that, every row of 10,000 x 64 in 50 clusters updated once left 803 nodes
        // unreachable and recall@10 0.57 (1.0 after a REINDEX); 20,000 x 768: 0.956 (0.996).
        //
        // Only one such neighbour can be that: where several are, the rows are duplicates (many
        // rows with one vector), not versions of one row, and taking over their lists ahead of
        // this node's own filled the list with theirs, so that its live neighbours lost their
        // in-links: 1,000 rows of one vector, a third deleted, left 618 of 667 live nodes
        // unreachable after the repair.
        std::vector<uint32_t> twin;
        uint32_t former = kInvalid;
        bool several = false;
        for (uint32_t x : lst) {
            const uint8_t* px = g.prefix(x);
            if (!rec_deleted(px) || std::memcmp(px + kOffCorr, base + kOffCorr, lay.prefix - kOffCorr) != 0) continue;
            several = former != kInvalid;
            former = x;
            if (several) break;
        }
        if (former != kInvalid && !several) {
            if (!g.read_full(former, other)) return fail(g);
            if (rec_level(other.data()) >= lv) {
                read_list(lay, other.data(), lv, olst);
                twin.assign(olst.begin(), olst.end());
            }
        }
        if (!g.load(twin.data(), twin.size())) return fail(g);
        // Taking a former self's list as well as its own, a list grows to every slot: no room
        // left for later inserts' back-links (each then prunes a link), more neighbours read per
        // expansion.  It keeps the length it had then (at least m).
        const uint32_t cap = twin.empty() ? lay.slots(lv)
                                          : std::min<uint32_t>(lay.slots(lv), std::max<uint32_t>(
                                                static_cast<uint32_t>(lst.size()), ix.params.m));
        sel.clear();
        IdSet seen;
        seen.insert(id);
        // Live entries are kept as they are; a deleted one of the former self's list gives its
        // place to its nearest live neighbour (its stand-in): the path through it survives.
        auto take = [&](uint32_t x, bool stand_in) -> bool {
            if (sel.size() >= cap || !seen.insert(x)) return true;
            uint32_t y = x;
            if (rec_deleted(g.prefix(x))) {
                if (!stand_in) return true;
                Cand best{0.0f, kInvalid};
                if (!nearest_live(g, ix, x, lv, id, sel, best)) return false;
                y = best.id;
                if (y == kInvalid || !seen.insert(y)) return true;
            }
            sel.push_back(Cand{qz.pair(base, g.prefix(y)), y});
            return true;
        };
        for (uint32_t x : twin)
            if (!take(x, true)) return fail(g);
        // Every live neighbour stays (it keeps this in-link).  Re-choosing the whole list and
        // padding it to full with pruned candidates (as before) dropped live neighbours' in-links
        // and left no slot free for later back-links: 5 cycles of deleting half of 20,000 x 64 and
        // reinserting left 37 nodes unreachable and recall@10 0.005-0.009 below a REINDEX (1,000
        // queries); see plan_reconnect for the rest.
        for (uint32_t x : lst)
            if (!rec_deleted(g.prefix(x))) take(x, false);
        // The places of the deleted neighbours: the heuristic, judged against what is kept, picks
        // from the live nodes reached through them, breadth-first through deleted nodes only, until
        // ef_construction are found or 4 * ef_construction records were read (one hop was not
        // enough once most rows are deleted: m = 4, 75% deleted, recall@20 0.937, 007_scan_trust).
        if (sel.size() < cap) {
            std::vector<uint32_t> pool, through;
            for (uint32_t x : lst)
                if (rec_deleted(g.prefix(x)) && seen.insert(x)) through.push_back(x);
            const size_t want = ix.params.ef_construction, max_reads = 4 * ix.params.ef_construction;
            for (size_t h = 0; h < through.size() && h < max_reads && pool.size() < want; h++) {
                if (!g.read_full(through[h], other)) return fail(g);
                if (rec_level(other.data()) < lv) continue;
                read_list(lay, other.data(), lv, olst);
                if (!g.load(olst.data(), olst.size())) return fail(g);
                for (uint32_t y : olst) {
                    if (!seen.insert(y)) continue;
                    if (rec_deleted(g.prefix(y))) through.push_back(y);
                    else pool.push_back(y);
                }
            }
            cands.clear();
            for (uint32_t y : pool) cands.push_back(Cand{qz.pair(base, g.prefix(y)), y});
            std::sort(cands.begin(), cands.end(), CandLess());
            extend_heuristic(cands, cap, pair, sel, ix.keep_pruned());
        }
        write_list(lay, rec.data(), lv, sel);
    }
    plan.record = std::move(rec);
    plan.has_record = true;
    return OMEN_OK;
}

omen_status_t plan_link(const Index& ix, const omen_storage_t* st, uint32_t id, uint32_t new_id, uint32_t levels,
                        Plan& plan) {
    const Layout& lay = ix.layout();
    StoreGraph g(ix, st, nullptr);
    Edit e;
    e.id = id;
    e.levels = levels;
    e.link = new_id;
    if (!g.read_full(id, e.base)) return fail(g);
    e.image = e.base;
    // A full list makes room by dropping one node, which may have been that node's last in-link
    // (plan_insert links what its own edits drop from the new node; this re-plan, after a
    // concurrent insert changed the list, did not: m = 4, four clients inserting 6,000 rows left
    // a node unreachable in 2 of 6 runs).  The new node links the dropped one at that level; with
    // no room there, the level is left as it was.
    Edit self;
    std::vector<uint32_t> lst, dropped, own;
    for (uint32_t lv = 0; lv <= lay.max_level && lv < 32; lv++) {
        if (!((levels >> lv) & 1u)) continue;
        const std::vector<uint8_t> before = e.image;
        dropped.clear();
        if (!link_back(g, ix, id, e.image.data(), lv, new_id, lst, &dropped)) return fail(g);
        // On layer 0 the list keeps the new node even where the heuristic would drop it: the
        // first plan counted on this link (it may be the only one that kept the node), and a
        // node every re-plan dropped would have no way in.  Its farthest entry makes room.
        if (lv == 0 && !rec_deleted(e.image.data())) {
            read_list(lay, e.image.data(), 0, lst);
            if (std::find(lst.begin(), lst.end(), new_id) == lst.end() && !lst.empty()) {
                dropped.push_back(lst.back());
                store_u32(e.image.data() + lay.list_offset(0) + 4 * (lst.size() - 1), new_id);
            }
        }
        if (dropped.empty()) continue;
        if (self.base.empty()) {
            self.id = new_id;
            self.levels = 0;
            self.link = kInvalid;
            if (!g.read_full(new_id, self.base)) return fail(g);
            self.image = self.base;
        }
        bool room = !rec_deleted(self.image.data()) && rec_level(self.image.data()) >= lv;
        if (room) {
            read_list(lay, self.image.data(), lv, own);
            for (uint32_t y : dropped)
                if (std::find(own.begin(), own.end(), y) == own.end()) own.push_back(y);
            room = own.size() <= lay.slots(lv);
        }
        if (!room) {
            e.image = before;
            continue;
        }
        for (size_t k = 0; k < own.size(); k++) store_u32(self.image.data() + lay.list_offset(lv) + 4 * k, own[k]);
    }
    // The new node's edit first: written alone before the other, it can only add a link.
    if (!self.base.empty() && self.image != self.base) plan.edits.push_back(std::move(self));
    if (e.image != e.base) plan.edits.push_back(std::move(e));
    return OMEN_OK;
}

// Inserts can prune the last link into a node (near-duplicates, periodic data), which leaves it
// invisible to every scan; the build repairs that (Builder::connect_unreachable), and this does the
// same for an index grown by inserts.  Walk layer 0 from the entry; for each live node not reached,
// search for it (by its code) and link it from the nearest reached node with a free slot, then
// count what it reaches as reached.  No slot is ever taken from another link, so nothing else can
// become unreachable; a node with no reached neighbour with room stays as it is (counted).
//
// With top_up (after a VACUUM that deleted rows), live nodes left with fewer than m in-links on
// layer 0 get back-links from their own neighbours, nearest first, where those have a free slot.
// A deleted node's out-links were in-links of its neighbours, and nothing else gives them back:
// the repair replaces a node's deleted out-links, not the in-links its neighbours lost.  5 cycles
// of deleting half of 20,000 x 64 and reinserting (1,000 queries, recall@10 at ef_search 40,
// churned vs REINDEX): without the top-up 0.9877 vs 0.9973; with it, to 8 in-links 0.9952 vs
// 0.9972; to m (16) 0.9969 vs 0.9960 and 0.9960 vs 0.9966 -- no gap left.
omen_status_t plan_reconnect(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level,
                             const uint32_t* live, uint32_t n_live, bool top_up, Plan& plan) {
    if (entry == kInvalid || n_live == 0) return OMEN_OK;
    const Layout& lay = ix.layout();
    if (entry_level > lay.max_level) entry_level = lay.max_level;
    // The walk reads only each record's head (prefix and layer-0 list), a frontier chunk per
    // storage call, and keeps the reached set and (with top_up) each node's in-link count.
    const uint32_t head = lay.record_size(0);
    constexpr size_t kChunk = 256;
    std::vector<uint8_t> heads(kChunk * head);
    IdSet reached;
    IdCounts inlinks(top_up ? n_live : 0);
    std::vector<uint32_t> queue;
    auto walk = [&](uint32_t from) -> bool {
        if (!reached.insert(from)) return true;
        queue.assign(1, from);
        for (size_t h = 0; h < queue.size();) {
            const size_t n = std::min(kChunk, queue.size() - h);
            if (st->read(st->ctx, queue.data() + h, static_cast<uint32_t>(n), heads.data(), head) != 0) return false;
            for (size_t i = 0; i < n; i++) {
                const bool counts = top_up && !rec_deleted(heads.data() + i * head);
                for_each_link(lay, heads.data() + i * head, 0, [&](uint32_t x) {
                    if (counts) inlinks.add(x);
                    if (reached.insert(x)) queue.push_back(x);
                });
            }
            h += n;
        }
        return true;
    };
    if (!walk(entry)) return OMEN_ERR_STORAGE;

    // Links are appended to a node's layer-0 list; a second link into the same node is computed
    // from the first one's image (and written after it: the shim keeps a page's edits in order).
    const uint32_t cap = lay.slots(0);
    std::unordered_map<uint32_t, size_t> last_edit;
    std::vector<uint8_t> img;
    std::vector<uint32_t> lst;
    // v's record as this plan leaves it: an earlier edit's image is the next one's base
    auto current = [&](StoreGraph& g, uint32_t v, std::vector<uint8_t>& out) -> bool {
        auto it = last_edit.find(v);
        if (it == last_edit.end()) return g.read_full(v, out);
        out = plan.edits[it->second].image;
        return true;
    };
    // an edit of v (record `base`) that puts u in slot `slot` of its layer-0 list
    auto put = [&](uint32_t v, const std::vector<uint8_t>& base, size_t slot, uint32_t u) {
        Edit e;
        e.id = v;
        e.levels = 1;
        e.link = u;
        e.base = base;
        e.image = base;
        store_u32(e.image.data() + lay.list_offset(0) + 4 * slot, u);
        last_edit[v] = plan.edits.size();
        plan.edits.push_back(std::move(e));
    };
    // 1: appended; 0: v is full, deleted or links u already; -1: a read failed
    auto append = [&](StoreGraph& g, uint32_t v, uint32_t u) -> int {
        if (!current(g, v, img)) return -1;
        if (rec_deleted(img.data())) return 0;
        read_list(lay, img.data(), 0, lst);
        if (lst.size() >= cap || std::find(lst.begin(), lst.end(), u) != lst.end()) return 0;
        put(v, img, lst.size(), u);
        return 1;
    };

    for (uint32_t i = 0; i < n_live; i++) plan.unreachable += reached.contains(live[i]) ? 0 : 1;
    for (uint32_t i = 0; i < n_live; i++) {
        const uint32_t u = live[i];
        if (reached.contains(u)) continue;
        StoreGraph g(ix, st, nullptr);
        if (!g.load(&u, 1)) return fail(g);
        TargetGraph tg{g, ix.qz, std::vector<uint8_t>(g.prefix(u), g.prefix(u) + lay.prefix)};
        SearchScratch s;
        Cand cur;
        std::vector<Cand> found;
        if (!descend_from(tg, entry, entry_level, 0, cur, s)) return fail(g);
        if (!search_layer(tg, std::vector<Cand>{cur}, ix.params.ef_construction, 0, found, s)) return fail(g);
        // The search may end among nodes the walk did not reach (the upper levels lead into u's
        // island); then search again on layer 0 within the reached nodes only (connected from the
        // entry).  Without that, a repair that had split layer 0 into islands (10,000 x 64 rows
        // in 50 clusters, every row updated) left 804 nodes unreachable after VACUUM; with it, 0.
        bool linked = false;
        for (int pass = 0; pass < 2 && !linked; pass++) {
            if (pass == 1) {
                auto rg = kept_graph(tg, [&reached](uint32_t v) { return reached.contains(v); });
                float d;
                if (!rg.distances(&entry, 1, &d) ||
                    !search_layer(rg, std::vector<Cand>{Cand{d, entry}}, ix.params.ef_construction, 0, found, s))
                    return fail(g);
            }
            for (const Cand& c : found) {
                if (c.id == u || !reached.contains(c.id) || rec_deleted(g.prefix(c.id))) continue;
                const int r = append(g, c.id, u);
                if (r < 0) return fail(g);
                if (r == 0) continue;
                linked = true;
                break;
            }
        }
        // Every reached node near u has a full list.  Then the nearest one, v, takes u in place of
        // its last entry d, and u links d, so whatever was reached through d still is (through u).
        // Appending alone left nodes out for good: 300 rows of 130 dimensions in five tight
        // clusters, inner product, a third deleted: 6-20 of 200 live nodes unreachable after
        // VACUUM ("linked 0 of 18").  u's edit comes first in the plan, and the shim writes such a
        // plan one edit at a time in plan order (relinked), so d is never without a way in and an
        // edit of a record this plan already edited has that edit's image as its base; each edit
        // carries what a re-plan needs if a concurrent insert changes its record (levels, link).
        if (!linked) {
            std::vector<uint8_t> uimg;
            std::vector<uint32_t> ul;
            if (!current(g, u, uimg)) return fail(g);
            read_list(lay, uimg.data(), 0, ul);
            // Where u's list is full, d takes the place of u's last link to a node reached
            // already: that node keeps its way in, and d, its own (through v and u).
            size_t slot = ul.size();
            for (size_t k = ul.size(); slot == cap && k > 0; k--)
                if (reached.contains(ul[k - 1])) slot = k - 1;
            for (size_t k = 0; k < found.size() && !linked && slot < cap; k++) {
                const uint32_t v = found[k].id;
                if (v == u || !reached.contains(v) || rec_deleted(g.prefix(v))) continue;
                if (!current(g, v, img)) return fail(g);
                if (rec_deleted(img.data())) continue;
                read_list(lay, img.data(), 0, lst);
                if (lst.empty() || std::find(lst.begin(), lst.end(), u) != lst.end()) continue;
                const uint32_t d = lst.back();
                if (d != u && std::find(ul.begin(), ul.end(), d) == ul.end()) put(u, uimg, slot, d);
                put(v, img, lst.size() - 1, u);
                plan.relinked++;
                linked = true;
            }
        }
        if (!linked) continue;
        plan.linked++;
        if (top_up) inlinks.add(u);
        if (!walk(u)) return OMEN_ERR_STORAGE;
    }
    if (!top_up) return OMEN_OK;
    StoreGraph g(ix, st, nullptr);
    std::vector<uint8_t> urec;
    std::vector<uint32_t> ulst;
    for (uint32_t i = 0; i < n_live; i++) {
        const uint32_t u = live[i];
        uint32_t have = inlinks.get(u);
        if (have >= ix.params.m || !reached.contains(u)) continue;
        if (!g.read_full(u, urec)) return fail(g);
        read_list(lay, urec.data(), 0, ulst);
        for (uint32_t v : ulst) {
            if (have >= ix.params.m) break;
            if (!reached.contains(v)) continue;
            const int r = append(g, v, u);
            if (r < 0) return fail(g);
            have += static_cast<uint32_t>(r);
            plan.inlinks += static_cast<uint32_t>(r);
        }
    }
    return OMEN_OK;
}

}  // namespace omendb::core
