// bench_kernels: nanoseconds per distance for each kernel set this CPU runs, at 128, 768 and 1536
// dimensions (Google Benchmark), then a summary of speed-ups over the scalar path.
//
//   make bench-programs && build/bench/bench_kernels [--benchmark_min_time=0.2]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/kernels.hpp"

using namespace omendb::core;

namespace {

std::vector<const KernelTable*> tables() {
    std::vector<const KernelTable*> t{scalar_kernels()};
    if (cpu_supports(Isa::kAvx2) && avx2_kernels()) t.push_back(avx2_kernels());
    if (cpu_supports(Isa::kAvx512) && avx512_kernels()) t.push_back(avx512_kernels());
    return t;
}

struct Data {
    std::vector<float> a, b;
    std::vector<std::uint8_t> ca, cb;
    explicit Data(std::size_t n) : a(n), b(n), ca((n + 7) / 8), cb((n + 7) / 8) {
        std::mt19937 rng(42);
        std::uniform_real_distribution<float> u(-1, 1);
        for (auto& x : a) x = u(rng);
        for (auto& x : b) x = u(rng);
        for (auto& x : ca) x = std::uint8_t(rng());
        for (auto& x : cb) x = std::uint8_t(rng());
    }
};

std::map<std::string, double> g_ns;  // "kernel/isa/dim" -> ns per call

class Recorder : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs)
            if (r.run_type == Run::RT_Iteration) g_ns[r.benchmark_name()] = r.GetAdjustedRealTime();
        ConsoleReporter::ReportRuns(runs);
    }
};

template <typename F>
void reg(const std::string& kernel, const KernelTable* t, std::size_t dim, F f) {
    std::string name = kernel + "/" + t->name + "/" + std::to_string(dim);
    benchmark::RegisterBenchmark(name.c_str(), [t, dim, f](benchmark::State& st) {
        Data d(dim);
        for (auto _ : st) benchmark::DoNotOptimize(f(t, d, dim));
    })->Unit(benchmark::kNanosecond);
}

}  // namespace

int main(int argc, char** argv) {
    for (std::size_t dim : {128, 768, 1536}) {
        for (const KernelTable* t : tables()) {
            reg("l2sq", t, dim, [](const KernelTable* t, Data& d, std::size_t n) { return t->l2sq(d.a.data(), d.b.data(), n); });
            reg("dot", t, dim, [](const KernelTable* t, Data& d, std::size_t n) { return t->dot(d.a.data(), d.b.data(), n); });
            reg("l1", t, dim, [](const KernelTable* t, Data& d, std::size_t n) { return t->l1(d.a.data(), d.b.data(), n); });
            reg("cosine", t, dim, [](const KernelTable* t, Data& d, std::size_t n) {
                float p[3];
                t->cosine_parts(d.a.data(), d.b.data(), n, p);
                return p[0];
            });
            reg("hamming", t, dim, [](const KernelTable* t, Data& d, std::size_t n) {
                return t->hamming(d.ca.data(), d.cb.data(), d.ca.size());
            });
            reg("masked_sum", t, dim, [](const KernelTable* t, Data& d, std::size_t n) {
                return t->masked_sum(d.a.data(), d.ca.data(), n);
            });
        }
    }
    benchmark::Initialize(&argc, argv);
    Recorder rec;
    benchmark::RunSpecifiedBenchmarks(&rec);

    std::printf("\nSpeed-up over the scalar path (scalar ns / kernel ns):\n");
    std::printf("%-11s %6s", "kernel", "dim");
    for (const KernelTable* t : tables()) std::printf(" %10s", t->name);
    std::printf("\n");
    for (const char* k : {"l2sq", "dot", "l1", "cosine", "hamming", "masked_sum"})
        for (int dim : {128, 768, 1536}) {
            std::string base = std::string(k) + "/scalar/" + std::to_string(dim);
            if (!g_ns.count(base)) continue;
            std::printf("%-11s %6d", k, dim);
            for (const KernelTable* t : tables()) {
                std::string n = std::string(k) + "/" + t->name + "/" + std::to_string(dim);
                std::printf(" %9.1fx", g_ns.count(n) ? g_ns[base] / g_ns[n] : 0.0);
            }
            std::printf("\n");
        }
    if (!cpu_supports(Isa::kAvx512))
        std::printf("(this CPU has no AVX-512 with VPOPCNTDQ: the avx512 column is absent)\n");
    benchmark::Shutdown();
    return 0;
}
