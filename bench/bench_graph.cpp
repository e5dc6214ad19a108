// bench_graph.cpp: graph quality of the HNSW builder's three ways of linking, in one run.
//
//   build/bench/bench_graph --dir DIR [--threads T] [--n N] [--k K] [--l1]
//                           [--modes plain,padded,dense,qpadded] [--m M] [--efc E1,E2,..] [--ef E1,E2,..]
//
// DIR holds base.f32, query.f32 (little-endian float32 rows), gt.u32 (K nearest base rows per
// query, uint32, default 10, by the metric: L2, or L1 with --l1) and dim (a text file with the
// dimension); bench/graph.sh writes them.  For each mode (plain: the heuristic's lists; padded
// own lists, see Builder::kPadOwnListsFrom; dense lists, see Builder::set_dense_lists; qpadded:
// padded lists built on rabitq code distances, Builder::set_quantized_construction, training
// included in the build time) it builds the graph (m 16, ef_construction 64 unless --m / --efc
// say otherwise, every listed ef_construction in turn; T threads) and prints build wall
// and CPU seconds, the mean layer-0 degree, then recall@K and QPS (one thread, CPU time) of a
// search with exact distances per ef_search: the graph alone, without quantization or the
// PostgreSQL scan.  (Each mode is forced whatever the dimension and size.)
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/builder.hpp"
#include "omendb/omen_core.h"

using omendb::core::Builder;
using omendb::core::Cand;

namespace {

double cpu_seconds() {
    rusage r;
    getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

template <class T>
bool read_all(const std::string& path, std::vector<T>& out) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    std::fseek(f, 0, SEEK_END);
    const long bytes = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    out.resize(static_cast<size_t>(bytes) / sizeof(T));
    const bool ok = std::fread(out.data(), sizeof(T), out.size(), f) == out.size();
    std::fclose(f);
    return ok;
}

std::vector<uint32_t> parse_list(const std::string& s) {
    std::vector<uint32_t> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(static_cast<uint32_t>(std::atol(item.c_str())));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    uint32_t threads = 2, nlimit = 0, k = 10;
    uint32_t metric = OMEN_METRIC_L2, m = 16;
    std::vector<uint32_t> efcs{64}, efs{10, 20, 40, 100, 200, 400};
    std::vector<int> modes{0, 1, 2};
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (a == "--threads" && i + 1 < argc) threads = static_cast<uint32_t>(std::atol(argv[++i]));
        else if (a == "--n" && i + 1 < argc) nlimit = static_cast<uint32_t>(std::atol(argv[++i]));
        else if (a == "--k" && i + 1 < argc) k = static_cast<uint32_t>(std::atol(argv[++i]));
        else if (a == "--l1") metric = OMEN_METRIC_L1;
        else if (a == "--m" && i + 1 < argc) m = static_cast<uint32_t>(std::atol(argv[++i]));
        else if (a == "--efc" && i + 1 < argc) efcs = parse_list(argv[++i]);
        else if (a == "--ef" && i + 1 < argc) efs = parse_list(argv[++i]);
        else if (a == "--modes" && i + 1 < argc) {
            modes.clear();
            std::stringstream in(argv[++i]);
            std::string item;
            while (std::getline(in, item, ','))
                modes.push_back(item == "plain"     ? 0
                                : item == "padded"  ? 1
                                : item == "dense"   ? 2
                                : item == "qpadded" ? 3
                                                    : -1);
        } else {
            std::fprintf(stderr,
                         "usage: %s --dir DIR [--threads T] [--n N] [--k K] [--l1] [--modes plain,padded,dense,qpadded] "
                         "[--m M] [--efc LIST] [--ef LIST]\n",
                         argv[0]);
            return 2;
        }
    }
    std::vector<float> base, query;
    std::vector<uint32_t> gt;
    uint32_t dim = 0;
    if (FILE* f = std::fopen((dir + "/dim").c_str(), "r")) {
        if (std::fscanf(f, "%u", &dim) != 1) dim = 0;
        std::fclose(f);
    }
    if (dim == 0 || !read_all(dir + "/base.f32", base) || !read_all(dir + "/query.f32", query) ||
        !read_all(dir + "/gt.u32", gt)) {
        std::fprintf(stderr, "bench_graph: cannot read %s/{dim,base.f32,query.f32,gt.u32}\n", dir.c_str());
        return 1;
    }
    uint32_t n = static_cast<uint32_t>(base.size() / dim);
    if (nlimit && nlimit < n) n = nlimit;  // (gt must then be for the first n rows)
    const uint32_t nq = static_cast<uint32_t>(std::min(query.size() / dim, gt.size() / k));
    omen_init();
    for (const int mode : modes)
        if (mode < 0 || m < 2 || efcs.empty() || efs.empty()) {
            std::fprintf(stderr, "bench_graph: bad --modes, --m, --efc or --ef\n");
            return 2;
        }
    std::printf("graph alone (searched with exact distances): %u x %u, %u queries, m %u, %u threads, kernels %s\n", n, dim, nq, m,
                threads, omen_simd_level());
    for (const uint32_t efc : efcs)
    for (const int mode : modes) {
        const bool pad = mode == 1 || mode == 3;
        omen_params_t p{};
        p.dim = dim;
        p.metric = metric;
        p.quant = mode == 3 ? OMEN_QUANT_RABITQ : OMEN_QUANT_NONE;
        p.m = m;
        p.ef_construction = efc;
        p.seed = 42;
        auto b = std::make_unique<Builder>(p, size_t(64) << 30);
        b->set_pad_own_lists_from(pad ? 0 : UINT32_MAX);
        b->set_dense_lists(mode == 2);
        b->set_quantized_construction(mode == 3);
        for (uint32_t i = 0; i < n; i++)
            if (b->add(&base[static_cast<size_t>(i) * dim], i) != OMEN_OK) return 1;
        const auto w0 = std::chrono::steady_clock::now();
        const double c0 = cpu_seconds();
        uint32_t done = 0;
        if (b->build_step(threads, n, &done) != OMEN_OK) return 1;
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
        const double cpu = cpu_seconds() - c0;
        double deg = 0;
        std::vector<uint32_t> nb;
        for (uint32_t i = 0; i < n; i++) {
            b->neighbors(i, 0, nb);
            deg += static_cast<double>(nb.size());
        }
        std::printf("\n%s lists, m %u, ef_construction %u: build %.1f s wall, %.1f s CPU; mean layer-0 degree %.2f\n",
                    mode == 0 ? "plain" : mode == 1 ? "padded" : mode == 2 ? "dense" : "quantized-construction padded",
                    m, efc, wall, cpu, deg / n);
        std::printf("  ef_search  recall@%u      QPS\n", k);
        Builder::Searcher s(*b);
        std::vector<Cand> out;
        for (const uint32_t ef : efs) {
            if (ef < k) continue;
            double hits = 0;
            const double t0 = cpu_seconds();
            for (uint32_t q = 0; q < nq; q++) {
                s.search(&query[static_cast<size_t>(q) * dim], ef, false, out);
                std::set<uint32_t> want(gt.begin() + k * q, gt.begin() + k * q + k);
                for (size_t j = 0; j < out.size() && j < k; j++) hits += static_cast<double>(want.count(out[j].id));
            }
            const double t = cpu_seconds() - t0;
            std::printf("  %9u  %9.4f  %7.0f\n", ef, hits / (double(k) * nq), t > 0 ? nq / t : 0.0);
            std::fflush(stdout);
        }
    }
    return 0;
}
