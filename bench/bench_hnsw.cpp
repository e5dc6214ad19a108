// bench_hnsw.cpp: OmenDB's HNSW core against hnswlib in the same process, on the shared data sets.
//
//   build/bench/bench_hnsw [--data DIR] [--n N] [--threads T] [--quick] [--sets a,b,...]
//
// For each data set (synth-100k-128, siftsmall, glove-50-10k (cosine), mnist-784-10k; generated
// clustered data when none is present) it prints build time and memory, then recall@10 and QPS
// (one thread) per ef_search for hnswlib and for OmenDB with quant none, binary and rabitq (the
// quantized modes re-rank their ef candidates exactly), built with 1 and T threads, and for the
// quantized modes also built with code distances.  Ratios against hnswlib close each set: build
// time ratio and QPS at recall 0.95 (interpolated between ef points).  A last table runs the
// storage-backed scan (the C ABI the PostgreSQL shim uses) at ef_search 40 with re-rank depths
// 1x..8x ef to find the depth that reaches recall 0.95.
//
// hnswlib is the Debian header-only libhnswlib-dev 0.6.2, compiled here with the same flags as this
// file (no -mavx: its SSE kernels), with the same M and ef_construction.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/builder.hpp"
#include "omendb/omen_core.h"

using omendb::core::Builder;
using omendb::core::Cand;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Set {
    std::string name;
    uint32_t metric = OMEN_METRIC_L2;
    uint32_t dim = 0, n = 0, nq = 0;
    std::vector<float> base, query;
    std::vector<std::vector<uint32_t>> gt;  // top-10 per query
    const float* row(uint32_t i) const { return base.data() + static_cast<size_t>(i) * dim; }
    const float* q(uint32_t i) const { return query.data() + static_cast<size_t>(i) * dim; }
};

bool read_vecs(const std::string& path, int elem, std::vector<float>& out, uint32_t& dim, uint32_t& n, uint32_t limit) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    out.clear();
    n = 0;
    int32_t d;
    std::vector<uint8_t> buf;
    while (n < limit && std::fread(&d, 4, 1, f) == 1) {
        dim = static_cast<uint32_t>(d);
        buf.resize(static_cast<size_t>(d) * elem);
        if (std::fread(buf.data(), 1, buf.size(), f) != buf.size()) break;
        for (int j = 0; j < d; j++) {
            float v;
            if (elem == 1) v = buf[j];
            else std::memcpy(&v, &buf[static_cast<size_t>(j) * 4], 4);
            out.push_back(v);
        }
        n++;
    }
    std::fclose(f);
    return n > 0;
}

bool read_ivecs(const std::string& path, std::vector<std::vector<uint32_t>>& gt, uint32_t limit) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    int32_t k;
    while (gt.size() < limit && std::fread(&k, 4, 1, f) == 1) {
        std::vector<int32_t> row(k);
        if (std::fread(row.data(), 4, k, f) != static_cast<size_t>(k)) break;
        gt.emplace_back(row.begin(), row.begin() + std::min(k, 10));
    }
    std::fclose(f);
    return !gt.empty();
}

double exact(uint32_t metric, const float* a, const float* b, uint32_t dim) {
    double s = 0, aa = 0, bb = 0;
    for (uint32_t j = 0; j < dim; j++) {
        if (metric == OMEN_METRIC_L2) s += (double(a[j]) - b[j]) * (double(a[j]) - b[j]);
        else { s += double(a[j]) * b[j]; aa += double(a[j]) * a[j]; bb += double(b[j]) * b[j]; }
    }
    if (metric == OMEN_METRIC_L2) return s;
    return 1.0 - s / std::sqrt(aa * bb + 1e-300);
}

void brute_force(Set& s) {
    s.gt.assign(s.nq, {});
    std::vector<std::pair<double, uint32_t>> all(s.n);
    for (uint32_t q = 0; q < s.nq; q++) {
        for (uint32_t i = 0; i < s.n; i++) all[i] = {exact(s.metric, s.q(q), s.row(i), s.dim), i};
        std::partial_sort(all.begin(), all.begin() + 10, all.end());
        for (int j = 0; j < 10; j++) s.gt[q].push_back(all[j].second);
    }
}

bool load_set(const std::string& dir, const std::string& name, uint32_t nlimit, uint32_t qlimit, Set& s) {
    s.name = name;
    std::string p = dir + "/" + name + "/";
    uint32_t qd = 0;
    bool ok;
    if (name == "siftsmall") {
        ok = read_vecs(p + "siftsmall_base.fvecs", 4, s.base, s.dim, s.n, nlimit) &&
             read_vecs(p + "siftsmall_query.fvecs", 4, s.query, qd, s.nq, qlimit);
        if (ok && s.n == 10000) read_ivecs(p + "siftsmall_groundtruth.ivecs", s.gt, qlimit);
    } else if (name == "mnist-784-10k") {
        ok = read_vecs(p + name + "_base.bvecs", 1, s.base, s.dim, s.n, nlimit) &&
             read_vecs(p + name + "_query.bvecs", 1, s.query, qd, s.nq, qlimit);
        if (ok && s.n == 9000) read_ivecs(p + name + "_groundtruth.ivecs", s.gt, qlimit);
    } else if (name == "glove-50-10k") {
        s.metric = OMEN_METRIC_COSINE;
        ok = read_vecs(p + name + "_base.fvecs", 4, s.base, s.dim, s.n, nlimit) &&
             read_vecs(p + name + "_query.fvecs", 4, s.query, qd, s.nq, qlimit);
        if (ok && s.n == 9000) read_ivecs(p + name + "_groundtruth.ivecs", s.gt, qlimit);
    } else {
        ok = read_vecs(p + name + "_base.fvecs", 4, s.base, s.dim, s.n, nlimit) &&
             read_vecs(p + name + "_query.fvecs", 4, s.query, qd, s.nq, qlimit);
        if (ok && s.n == 100000) read_ivecs(p + name + "_groundtruth.ivecs", s.gt, qlimit);
    }
    if (!ok) return false;
    if (s.gt.size() != s.nq) brute_force(s);
    return true;
}

Set generated(uint32_t n, uint32_t nq, uint32_t dim) {
    Set s;
    s.name = "generated-clustered";
    s.dim = dim;
    s.n = n;
    s.nq = nq;
    std::mt19937_64 rng(42);
    std::normal_distribution<float> g(0, 1);
    std::vector<float> c(100 * dim);
    for (auto& x : c) x = g(rng);
    auto gen = [&](std::vector<float>& v, uint32_t m) {
        v.resize(static_cast<size_t>(m) * dim);
        for (uint32_t i = 0; i < m; i++) {
            uint32_t k = rng() % 100;
            for (uint32_t j = 0; j < dim; j++) v[i * dim + j] = c[k * dim + j] + 0.5f * g(rng);
        }
    };
    gen(s.base, n);
    gen(s.query, nq);
    brute_force(s);
    return s;
}

struct Point {
    uint32_t ef;
    double recall, qps;
};

double qps_at(const std::vector<Point>& pts, double target) {
    for (size_t i = 0; i < pts.size(); i++) {
        if (pts[i].recall >= target) {
            if (i == 0) return pts[0].qps;
            const Point &a = pts[i - 1], &b = pts[i];
            double t = (target - a.recall) / std::max(b.recall - a.recall, 1e-9);
            return a.qps + t * (b.qps - a.qps);
        }
    }
    return 0.0;  // not reached
}

double recall_of(const std::vector<uint32_t>& got, const std::vector<uint32_t>& gt) {
    int hit = 0;
    for (uint32_t t : gt)
        if (std::find(got.begin(), got.end(), t) != got.end()) hit++;
    return hit / double(gt.size());
}

const uint32_t kEfs[] = {10, 20, 40, 80, 120};

void print_points(const char* label, double build_s, double mem_mb, const std::vector<Point>& pts) {
    std::printf("  %-28s build %7.2f s  mem %7.1f MB |", label, build_s, mem_mb);
    for (const Point& p : pts) std::printf(" ef%-3u %.3f %7.0f |", p.ef, p.recall, p.qps);
    std::printf("\n");
}

struct Result {
    std::string label;
    double build_s;
    std::vector<Point> pts;
};

Result run_hnswlib(const Set& s, uint32_t threads, uint32_t m, uint32_t efc) {
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    std::vector<float> base = s.base, query = s.query;
    if (s.metric == OMEN_METRIC_COSINE) {
        auto norm = [&](std::vector<float>& v, uint32_t n) {
            for (uint32_t i = 0; i < n; i++) {
                double t = 0;
                for (uint32_t j = 0; j < s.dim; j++) t += double(v[i * s.dim + j]) * v[i * s.dim + j];
                float inv = t > 0 ? float(1 / std::sqrt(t)) : 0.f;
                for (uint32_t j = 0; j < s.dim; j++) v[i * s.dim + j] *= inv;
            }
        };
        norm(base, s.n);
        norm(query, s.nq);
        space.reset(new hnswlib::InnerProductSpace(s.dim));
    } else {
        space.reset(new hnswlib::L2Space(s.dim));
    }
    hnswlib::HierarchicalNSW<float> idx(space.get(), s.n, m, efc, 100);
    auto t0 = Clock::now();
    if (threads <= 1) {
        for (uint32_t i = 0; i < s.n; i++) idx.addPoint(&base[static_cast<size_t>(i) * s.dim], i);
    } else {
        idx.addPoint(&base[0], 0);
        std::atomic<uint32_t> next{1};
        std::vector<std::thread> th;
        for (uint32_t t = 0; t < threads; t++)
            th.emplace_back([&]() {
                for (uint32_t i; (i = next.fetch_add(1)) < s.n;) idx.addPoint(&base[static_cast<size_t>(i) * s.dim], i);
            });
        for (auto& x : th) x.join();
    }
    double bt = secs(t0, Clock::now());
    double mem = double(s.n) * idx.size_data_per_element_;
    for (uint32_t i = 0; i < s.n; i++) mem += double(idx.element_levels_[i]) * idx.size_links_per_element_;
    Result r{"hnswlib " + std::to_string(threads) + "T", bt, {}};
    for (uint32_t ef : kEfs) {
        idx.setEf(ef);
        double rs = 0;
        auto q0 = Clock::now();
        for (uint32_t q = 0; q < s.nq; q++) {
            auto res = idx.searchKnn(&query[static_cast<size_t>(q) * s.dim], 10);
            std::vector<uint32_t> got;
            while (!res.empty()) {
                got.push_back(static_cast<uint32_t>(res.top().second));
                res.pop();
            }
            rs += recall_of(got, s.gt[q]);
        }
        double qt = secs(q0, Clock::now());
        r.pts.push_back({ef, rs / s.nq, s.nq / qt});
    }
    print_points(r.label.c_str(), bt, mem / 1e6, r.pts);
    return r;
}

std::unique_ptr<Builder> build_omen(const Set& s, uint32_t quant, uint32_t threads, bool qcons, uint32_t m,
                                    uint32_t efc, double* build_s) {
    omen_params_t p{};
    p.dim = s.dim;
    p.metric = s.metric;
    p.quant = quant;
    p.m = m;
    p.ef_construction = efc;
    p.seed = 42;
    auto b = std::make_unique<Builder>(p, size_t(64) << 30);
    b->set_quantized_construction(qcons);
    auto t0 = Clock::now();
    for (uint32_t i = 0; i < s.n; i++) b->add(s.row(i), i);
    uint32_t done = 0;
    while (done < s.n) b->build_step(threads, 1u << 30, &done);
    *build_s = secs(t0, Clock::now());
    return b;
}

Result run_omen(const Set& s, uint32_t quant, uint32_t threads, bool qcons, uint32_t m, uint32_t efc) {
    static const char* qn[] = {"none", "binary", "rabitq"};
    double bt;
    auto b = build_omen(s, quant, threads, qcons, m, efc, &bt);
    double mem = 0;
    for (uint32_t i = 0; i < s.n; i++) mem += b->record_size(i);
    std::string label = std::string("omen ") + qn[quant] + (quant ? "+rerank" : "") + " " + std::to_string(threads) +
                        "T" + (qcons ? " qbuild" : "");
    Result r{label, bt, {}};
    Builder::Searcher se(*b);
    std::vector<Cand> c, rr;
    for (uint32_t ef : kEfs) {
        double rs = 0;
        auto q0 = Clock::now();
        for (uint32_t q = 0; q < s.nq; q++) {
            se.search(s.q(q), ef, quant != OMEN_QUANT_NONE, c);
            const std::vector<Cand>* res = &c;
            if (quant != OMEN_QUANT_NONE) {
                se.rerank(s.q(q), c, 10, rr);
                res = &rr;
            }
            std::vector<uint32_t> got;
            for (size_t i = 0; i < res->size() && i < 10; i++) got.push_back((*res)[i].id);
            rs += recall_of(got, s.gt[q]);
        }
        double qt = secs(q0, Clock::now());
        r.pts.push_back({ef, rs / s.nq, s.nq / qt});
    }
    print_points(label.c_str(), bt, mem / 1e6, r.pts);
    return r;
}

// The storage-backed scan through the C ABI, over records in memory.
struct VecStorage {
    std::vector<std::vector<uint8_t>> recs;
    static int read(void* ctx, const uint32_t* ids, uint32_t n, uint8_t* out, uint32_t stride) {
        auto* s = static_cast<VecStorage*>(ctx);
        for (uint32_t i = 0; i < n; i++) {
            const auto& r = s->recs[ids[i]];
            std::memcpy(out + static_cast<size_t>(i) * stride, r.data(), std::min<size_t>(stride, r.size()));
        }
        return 0;
    }
};

void run_scan_depths(const Set& s, uint32_t quant, uint32_t m, uint32_t efc, bool qcons) {
    static const char* qn[] = {"none", "binary", "rabitq"};
    double bt;
    auto b = build_omen(s, quant, 2, qcons, m, efc, &bt);
    std::printf("  (built with 2 threads in %.2f s)", bt);
    VecStorage vs;
    std::vector<uint32_t> ids(s.n);
    for (uint32_t i = 0; i < s.n; i++) ids[i] = i;
    vs.recs.resize(s.n);
    for (uint32_t i = 0; i < s.n; i++) {
        vs.recs[i].resize(b->record_size(i));
        b->record(i, ids.data(), vs.recs[i].data());
    }
    std::vector<uint8_t> qz(b->quantizer().serialized_size());
    b->quantizer().serialize(qz.data());
    omen_params_t p = b->params();
    omen_index_t* ix = nullptr;
    if (omen_index_open(&p, qz.data(), qz.size(), &ix) != OMEN_OK) return;
    omen_storage_t st{&vs, &VecStorage::read};
    const uint32_t ef = 40;
    std::printf("  scan via C ABI, %s%s, ef_search %u:", qn[quant], qcons ? " qbuild" : "", ef);
    for (uint32_t mult : {1u, 2u, 3u, 4u, 6u, 8u}) {
        uint32_t depth = mult * ef;
        std::vector<omen_candidate_t> c(depth);
        std::vector<std::pair<float, uint32_t>> rr;
        double rs = 0;
        auto q0 = Clock::now();
        for (uint32_t q = 0; q < s.nq; q++) {
            omen_scan_t* sc = nullptr;
            omen_scan_begin(ix, &st, b->entry(), b->entry_level(), s.q(q), ef, &sc);
            uint32_t n = 0;
            omen_scan_next(sc, c.data(), depth, &n);
            omen_scan_free(sc);
            rr.clear();
            for (uint32_t i = 0; i < n; i++)
                rr.emplace_back(quant ? omen_index_distance(ix, s.q(q), s.row(c[i].id)) : c[i].distance, c[i].id);
            std::partial_sort(rr.begin(), rr.begin() + std::min<size_t>(10, rr.size()), rr.end());
            std::vector<uint32_t> got;
            for (size_t i = 0; i < rr.size() && i < 10; i++) got.push_back(rr[i].second);
            rs += recall_of(got, s.gt[q]);
        }
        double qt = secs(q0, Clock::now());
        std::printf(" | depth %ux: %.3f %6.0f qps", mult, rs / s.nq, s.nq / qt);
        if (quant == OMEN_QUANT_NONE) break;
    }
    std::printf("\n");
    omen_index_free(ix);
}

// Recall per byte of the code families, independent of the graph: estimate every base vector
// from its code, take the top K by estimate, re-rank exactly, recall@10.  All use the same
// centring and rotation as the core.  binary = symmetric Hamming angle (D'/8 bytes), rabitq =
// 1-bit asymmetric (D'/8 bytes), 2-bit = 4-level Lloyd-Max per rotated coordinate with the same
// asymmetric correction (D'/4 bytes); each also stores 2-3 floats per vector.
void code_experiment(const Set& s, uint32_t nq) {
    using omendb::core::Quantizer;
    Quantizer qz(s.dim, s.metric, OMEN_QUANT_RABITQ, 16, 42);
    std::vector<float> prep(static_cast<size_t>(s.n) * s.dim), pq(s.dim);
    std::vector<double> sums(s.dim, 0.0);
    for (uint32_t i = 0; i < s.n; i++) {
        qz.prepare(s.row(i), &prep[size_t(i) * s.dim]);
        for (uint32_t j = 0; j < s.dim; j++) sums[j] += prep[size_t(i) * s.dim + j];
    }
    qz.set_mean(sums, s.n);
    const uint32_t D = qz.rot_dim;
    std::vector<float> rot(static_cast<size_t>(s.n) * D), norm2(s.n);
    std::vector<float> dec1(static_cast<size_t>(s.n) * D), dec2(static_cast<size_t>(s.n) * D), c1(s.n), c2(s.n);
    for (uint32_t i = 0; i < s.n; i++) {
        float* r = &rot[static_cast<size_t>(i) * D];
        qz.rotate(&prep[size_t(i) * s.dim], r);
        double n2 = 0;
        for (uint32_t j = 0; j < D; j++) n2 += double(r[j]) * r[j];
        norm2[i] = float(n2);
        float sig = float(std::sqrt(n2 / D));
        double d1 = 0, d2 = 0;
        for (uint32_t j = 0; j < D; j++) {
            float a = r[j] > 0 ? 1.f : -1.f;
            float b = std::fabs(r[j]) > 0.9816f * sig ? 1.510f : 0.4528f;
            dec1[size_t(i) * D + j] = a;
            dec2[size_t(i) * D + j] = a * b * sig;
            d1 += double(a) * r[j];
            d2 += double(a * b * sig) * r[j];
        }
        c1[i] = d1 > 0 ? float(n2 / d1) : 0.f;  // <r, rq> ~ <dec, rq> * |r|^2 / <dec, r>
        c2[i] = d2 > 0 ? float(n2 / d2) : 0.f;
    }
    const uint32_t Ks[] = {10, 20, 40, 80, 160};
    double rec[3][5] = {};
    std::vector<float> rq(D), est(s.n);
    std::vector<uint32_t> idx(s.n);
    nq = std::min(nq, s.nq);
    for (uint32_t q = 0; q < nq; q++) {
        qz.prepare(s.q(q), pq.data());
        qz.rotate(pq.data(), rq.data());
        double qn2 = 0;
        for (uint32_t j = 0; j < D; j++) qn2 += double(rq[j]) * rq[j];
        for (int e = 0; e < 3; e++) {
            for (uint32_t i = 0; i < s.n; i++) {
                const float* r = &rot[size_t(i) * D];
                double ip;
                if (e == 0) {
                    uint32_t h = 0;
                    for (uint32_t j = 0; j < D; j++) h += (r[j] > 0) != (rq[j] > 0);
                    ip = std::sqrt(double(norm2[i]) * qn2) * std::cos(3.14159265358979 * h / D);
                } else {
                    const float* dc = e == 1 ? &dec1[size_t(i) * D] : &dec2[size_t(i) * D];
                    double t = 0;
                    for (uint32_t j = 0; j < D; j++) t += double(dc[j]) * rq[j];
                    ip = t * (e == 1 ? c1[i] : c2[i]);
                }
                est[i] = float(norm2[i] + qn2 - 2 * ip);
            }
            for (uint32_t i = 0; i < s.n; i++) idx[i] = i;
            for (int k = 0; k < 5; k++) {
                uint32_t K = std::min(Ks[k], s.n);
                std::partial_sort(idx.begin(), idx.begin() + K, idx.end(),
                                  [&](uint32_t a, uint32_t b) { return est[a] < est[b]; });
                std::vector<std::pair<double, uint32_t>> rr;
                for (uint32_t t = 0; t < K; t++) rr.emplace_back(exact(s.metric, s.q(q), s.row(idx[t]), s.dim), idx[t]);
                std::sort(rr.begin(), rr.end());
                std::vector<uint32_t> got;
                for (uint32_t t = 0; t < 10 && t < rr.size(); t++) got.push_back(rr[t].second);
                rec[e][k] += recall_of(got, s.gt[q]);
            }
        }
    }
    const char* names[] = {"binary (1 bit, symmetric)", "rabitq (1 bit, asymmetric)", "2-bit (asymmetric)"};
    const uint32_t bytes[] = {D / 8 + 12, D / 8 + 12, D / 4 + 12};
    std::printf("  code families, exhaustive scan + exact re-rank of top K (%u queries), recall@10:\n", nq);
    for (int e = 0; e < 3; e++) {
        std::printf("    %-28s %4u B/vec:", names[e], bytes[e]);
        for (int k = 0; k < 5; k++) std::printf("  K=%-3u %.3f", Ks[k], rec[e][k] / nq);
        std::printf("\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/work/shared/data";
    uint32_t nlimit = 0xFFFFFFFFu, threads = 2;
    bool quick = false, codes = false;
    std::string profile;  // "none", "binary", "rabitq", "qbinary", "qrabitq", "hnswlib": build that one only
    std::string sets = "synth-100k-128,siftsmall,glove-50-10k,mnist-784-10k";
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--data" && i + 1 < argc) dir = argv[++i];
        else if (a == "--n" && i + 1 < argc) nlimit = static_cast<uint32_t>(std::atol(argv[++i]));
        else if (a == "--threads" && i + 1 < argc) threads = static_cast<uint32_t>(std::atol(argv[++i]));
        else if (a == "--sets" && i + 1 < argc) sets = argv[++i];
        else if (a == "--quick") quick = true;
        else if (a == "--codes") codes = true;
        else if (a == "--profile" && i + 1 < argc) profile = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--data DIR] [--n N] [--threads T] [--quick] [--sets a,b] [--profile MODE] [--codes]\n", argv[0]);
            return 2;
        }
    }
    omen_init();
    const uint32_t m = 16, efc = 64;
    const uint32_t qlimit = quick ? 200 : 1000;
    std::printf("OmenDB HNSW core vs hnswlib 0.6.2 (M=%u, ef_construction=%u), kernels %s, %u build threads\n", m, efc,
                omen_simd_level(), threads);
    std::printf("columns: ef_search, recall@10, QPS (1 thread); quantized modes re-rank their ef candidates exactly\n");
    std::vector<Set> loaded;
    size_t pos = 0;
    while (pos <= sets.size()) {
        size_t e = sets.find(',', pos);
        if (e == std::string::npos) e = sets.size();
        std::string name = sets.substr(pos, e - pos);
        pos = e + 1;
        if (name.empty()) continue;
        Set s;
        uint32_t nl = nlimit;
        if (quick && name == "synth-100k-128") nl = std::min(nl, 30000u);
        if (load_set(dir, name, nl, qlimit, s)) loaded.push_back(std::move(s));
        else std::printf("(%s not found under %s)\n", name.c_str(), dir.c_str());
    }
    if (loaded.empty()) loaded.push_back(generated(quick ? 10000 : 50000, qlimit, 64));

    if (codes) {
        for (const Set& s : loaded) {
            std::printf("\n== %s: %u x %u ==\n", s.name.c_str(), s.n, s.dim);
            code_experiment(s, quick ? 50 : 200);
        }
        return 0;
    }
    if (!profile.empty()) {
        // One build (for perf record), no queries.
        const Set& s = loaded[0];
        auto t0 = Clock::now();
        if (profile == "hnswlib") {
            hnswlib::L2Space sp(s.dim);
            hnswlib::HierarchicalNSW<float> idx(&sp, s.n, m, efc, 100);
            for (uint32_t i = 0; i < s.n; i++) idx.addPoint(s.row(i), i);
        } else {
            bool q = profile[0] == 'q';
            std::string mode = q ? profile.substr(1) : profile;
            uint32_t quant = mode == "binary" ? OMEN_QUANT_BINARY : mode == "rabitq" ? OMEN_QUANT_RABITQ : OMEN_QUANT_NONE;
            double bt;
            build_omen(s, quant, threads, q, m, efc, &bt);
        }
        std::printf("%s build of %s: %.2f s\n", profile.c_str(), s.name.c_str(), secs(t0, Clock::now()));
        return 0;
    }
    for (const Set& s : loaded) {
        std::printf("\n== %s: %u x %u, %u queries, %s ==\n", s.name.c_str(), s.n, s.dim, s.nq,
                    s.metric == OMEN_METRIC_COSINE ? "cosine" : "l2");
        std::vector<Result> rs;
        rs.push_back(run_hnswlib(s, 1, m, efc));
        if (threads > 1) rs.push_back(run_hnswlib(s, threads, m, efc));
        rs.push_back(run_omen(s, OMEN_QUANT_NONE, 1, false, m, efc));
        if (threads > 1) rs.push_back(run_omen(s, OMEN_QUANT_NONE, threads, false, m, efc));
        for (uint32_t quant : {OMEN_QUANT_BINARY, OMEN_QUANT_RABITQ}) {
            rs.push_back(run_omen(s, quant, threads > 1 && quick ? threads : 1, false, m, efc));
            rs.push_back(run_omen(s, quant, threads > 1 && quick ? threads : 1, true, m, efc));
        }
        const Result& h1 = rs[0];
        const Result* ht = threads > 1 ? &rs[1] : &rs[0];
        double hq = qps_at(h1.pts, 0.95);
        std::printf("  ratios vs hnswlib (build time: same thread count; QPS at recall 0.95, interpolated):\n");
        for (size_t i = threads > 1 ? 2 : 1; i < rs.size(); i++) {
            const Result& r = rs[i];
            bool mt = r.label.find(" 1T") == std::string::npos;
            const Result& h = mt ? *ht : h1;
            double oq = qps_at(r.pts, 0.95);
            std::printf("    %-28s build %.2fx hnswlib  QPS@0.95 %s\n", r.label.c_str(), r.build_s / h.build_s,
                        oq > 0 && hq > 0 ? (std::to_string(oq / hq).substr(0, 5) + "x hnswlib").c_str()
                                         : (oq > 0 ? "(hnswlib below 0.95)" : "(recall 0.95 not reached)"));
        }
        if (!quick || s.name == "synth-100k-128") {
            run_scan_depths(s, OMEN_QUANT_NONE, m, efc, false);
            run_scan_depths(s, OMEN_QUANT_BINARY, m, efc, false);
            run_scan_depths(s, OMEN_QUANT_RABITQ, m, efc, false);
            run_scan_depths(s, OMEN_QUANT_RABITQ, m, efc, true);
        }
        std::fflush(stdout);
    }
    return 0;
}
