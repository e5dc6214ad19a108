// Every kernel set against a plain double-precision reference, for every length from 1 to 300 and
// some large ones, on unaligned pointers.
//
// Tolerance: |got - want| <= 1e-5 * scale + 1e-6, where scale is the sum of the absolute values of
// the terms (for l2sq and l1 that is the result itself; for the inner product it bounds the
// rounding error even when the result cancels to nearly zero).  Float accumulation in SIMD lanes
// stays far inside that on these inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels.hpp"
#include "omendb/omen_core.h"

using namespace omendb::core;

namespace {

struct Ref {
    double l2sq = 0, dot = 0, dot_abs = 0, l1 = 0, aa = 0, bb = 0;
};

Ref reference(const float* a, const float* b, std::size_t n) {
    Ref r;
    for (std::size_t i = 0; i < n; i++) {
        double x = a[i], y = b[i];
        r.l2sq += (x - y) * (x - y);
        r.dot += x * y;
        r.dot_abs += std::fabs(x * y);
        r.l1 += std::fabs(x - y);
        r.aa += x * x;
        r.bb += y * y;
    }
    return r;
}

std::vector<const KernelTable*> available_tables() {
    std::vector<const KernelTable*> t{scalar_kernels()};
    if (cpu_supports(Isa::kAvx2) && avx2_kernels()) t.push_back(avx2_kernels());
    if (cpu_supports(Isa::kAvx512) && avx512_kernels()) t.push_back(avx512_kernels());
    t.push_back(avx512_emulated_kernels());  // always: the AVX-512 logic, emulated by SIMDe
    return t;
}

std::vector<std::size_t> lengths() {
    std::vector<std::size_t> n;
    for (std::size_t i = 1; i <= 300; i++) n.push_back(i);
    for (std::size_t i : {511, 512, 513, 768, 1024, 1536, 4096, 16000}) n.push_back(i);
    return n;
}

void expect_close(double got, double want, double scale, const char* what, const char* isa,
                  std::size_t n) {
    EXPECT_LE(std::fabs(got - want), 1e-5 * scale + 1e-6)
        << what << " isa=" << isa << " n=" << n << " got=" << got << " want=" << want;
}

}  // namespace

TEST(Kernels, ScalarIsAlwaysAvailable) {
    EXPECT_TRUE(cpu_supports(Isa::kScalar));
    EXPECT_TRUE(set_kernels(Isa::kScalar));
    EXPECT_STREQ(kernels().name, "scalar");
    EXPECT_EQ(omen_set_simd_level("scalar"), 0);
    EXPECT_STREQ(omen_simd_level(), "scalar");
    EXPECT_EQ(omen_set_simd_level("no-such-isa"), -1);
    EXPECT_EQ(omen_set_simd_level(nullptr), -1);
    EXPECT_EQ(omen_simd_available("scalar"), 1);
    EXPECT_EQ(omen_simd_available("no-such-isa"), 0);
    EXPECT_EQ(omen_simd_available("avx2"), cpu_supports(Isa::kAvx2) ? 1 : 0);
    EXPECT_STREQ(omen_simd_level(), "scalar");  // asking changed nothing
}

// The CPU's flags as the kernel reports them, independently of __builtin_cpu_supports.
static bool cpuinfo_has(const char* flag) {
    std::FILE* f = std::fopen("/proc/cpuinfo", "r");
    if (!f) return false;
    char line[8192];
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, "flags", 5) != 0) continue;
        for (char* tok = std::strtok(line + 5, " \t\n:"); tok; tok = std::strtok(nullptr, " \t\n:"))
            if (std::strcmp(tok, flag) == 0) found = true;
        break;
    }
    std::fclose(f);
    return found;
}

TEST(Kernels, DetectionAgreesWithProcCpuinfo) {
    if (!std::fopen("/proc/cpuinfo", "r")) GTEST_SKIP() << "no /proc/cpuinfo";
    const bool avx2 = cpuinfo_has("avx2") && cpuinfo_has("fma") && cpuinfo_has("popcnt");
    const bool avx512 = avx2 && cpuinfo_has("avx512f") && cpuinfo_has("avx512bw") && cpuinfo_has("avx512dq") &&
                        cpuinfo_has("avx512vl") && cpuinfo_has("avx512_vpopcntdq");
    EXPECT_EQ(cpu_supports(Isa::kAvx2), avx2);
    EXPECT_EQ(cpu_supports(Isa::kAvx512), avx512);
    EXPECT_EQ(usable_kernels(Isa::kAvx2) != nullptr, avx2);
    EXPECT_EQ(usable_kernels(Isa::kAvx512) != nullptr, avx512);
    std::printf("[ info ] this CPU runs: %s\n", default_kernels().name);
}

TEST(Kernels, FloatKernelsMatchReferenceUnaligned) {
    std::mt19937 rng(12345);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    for (const KernelTable* t : available_tables()) {
        for (std::size_t n : lengths()) {
            for (std::size_t offset : {0, 1, 3}) {
                // offset shifts the start off any alignment the allocator gave us
                std::vector<float> abuf(n + 4), bbuf(n + 4);
                for (auto& x : abuf) x = u(rng);
                for (auto& x : bbuf) x = u(rng);
                const float* a = abuf.data() + offset;
                const float* b = bbuf.data() + (offset ? 4 - offset : 0);
                Ref r = reference(a, b, n);
                expect_close(t->l2sq(a, b, n), r.l2sq, r.l2sq, "l2sq", t->name, n);
                expect_close(t->dot(a, b, n), r.dot, r.dot_abs, "dot", t->name, n);
                expect_close(t->l1(a, b, n), r.l1, r.l1, "l1", t->name, n);
                float parts[3];
                t->cosine_parts(a, b, n, parts);
                expect_close(parts[0], r.dot, r.dot_abs, "cos.ab", t->name, n);
                expect_close(parts[1], r.aa, r.aa, "cos.aa", t->name, n);
                expect_close(parts[2], r.bb, r.bb, "cos.bb", t->name, n);
            }
        }
    }
}

TEST(Kernels, HammingAndMaskedSumMatchBitByBit) {
    std::mt19937 rng(777);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (const KernelTable* t : available_tables()) {
        for (std::size_t n : lengths()) {  // n = dimensions, codes hold ceil(n/8) bytes
            std::size_t nbytes = (n + 7) / 8;
            for (std::size_t offset : {0, 1, 5}) {
                std::vector<std::uint8_t> abuf(nbytes + 8), bbuf(nbytes + 8);
                for (auto& x : abuf) x = std::uint8_t(byte(rng));
                for (auto& x : bbuf) x = std::uint8_t(byte(rng));
                const std::uint8_t* a = abuf.data() + offset;
                const std::uint8_t* b = bbuf.data() + (8 - offset);
                std::uint64_t want = 0;
                for (std::size_t i = 0; i < nbytes * 8; i++)
                    want += ((a[i / 8] >> (i % 8)) & 1) != ((b[i / 8] >> (i % 8)) & 1);
                EXPECT_EQ(t->hamming(a, b, nbytes), want) << t->name << " nbytes=" << nbytes;

                std::vector<float> qbuf(n + 2);
                for (auto& x : qbuf) x = u(rng);
                const float* q = qbuf.data() + (offset & 1);
                double ms = 0, ms_abs = 0;
                for (std::size_t i = 0; i < n; i++)
                    if ((a[i / 8] >> (i % 8)) & 1) {
                        ms += q[i];
                        ms_abs += std::fabs(q[i]);
                    }
                expect_close(t->masked_sum(q, a, n), ms, ms_abs, "masked_sum", t->name, n);
            }
        }
    }
}

// The counts of the symmetric 2-bit code estimate, bit by bit, for every table (the quantizer's
// pair() sums them; the SIMD tables count with popcnt, the baseline build with libgcc).
TEST(Kernels, CodePairCountsMatchBitByBit) {
    std::mt19937 rng(4242);
    std::uniform_int_distribution<int> byte(0, 255);
    for (const KernelTable* t : available_tables()) {
        for (std::uint32_t bits : {1u, 7u, 8u, 63u, 64u, 65u, 128u, 200u, 1024u, 1031u}) {
            const std::uint32_t nbytes = (bits + 7) / 8;
            std::vector<std::uint8_t> buf(4 * nbytes + 3);
            for (auto& x : buf) x = std::uint8_t(byte(rng));
            const std::uint8_t* sa = buf.data() + 1;  // unaligned on purpose
            const std::uint8_t* la = sa + nbytes;
            const std::uint8_t* sb = la + nbytes;
            const std::uint8_t* lb = sb + nbytes;
            std::uint64_t want[7] = {0, 0, 0, 0, 0, 0, 0};
            for (std::uint32_t i = 0; i < bits; i++) {
                auto bit = [i](const std::uint8_t* p) { return (p[i / 8] >> (i % 8)) & 1; };
                const bool ba = bit(sa) == bit(la), bb = bit(sb) == bit(lb), x = bit(sa) != bit(sb);
                want[0] += ba;
                want[1] += bb;
                want[2] += ba && bb;
                want[3] += x;
                want[4] += x && ba;
                want[5] += x && bb;
                want[6] += x && ba && bb;
            }
            std::uint64_t got[7];
            t->code_pair_counts(sa, la, sb, lb, bits, got);
            for (int k = 0; k < 7; k++) EXPECT_EQ(got[k], want[k]) << t->name << " bits=" << bits << " count " << k;
        }
    }
}

// One round of the quantizer's rotation.  The scalar kernel against the transform's definition
// (H[i][j] = (-1)^popcount(i & j), in double), then every table against the scalar one bit for bit:
// the SIMD tables do the same butterflies in the same order, so a code never depends on the CPU.
TEST(Kernels, SignedFwhtMatchesDefinitionAndScalarBitByBit) {
    std::mt19937 rng(77);
    std::normal_distribution<float> nd(0.0f, 3.0f);
    for (std::size_t n : {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 2048}) {
        std::vector<float> v(n), sg(n);
        for (std::size_t i = 0; i < n; i++) {
            v[i] = nd(rng);
            sg[i] = (rng() & 1) ? 1.0f : -1.0f;
        }
        if (n >= 4) {
            v[1] = 0.0f;
            v[2] = -0.0f;
            v[3] = 1e30f;
        }
        std::vector<float> want(v);
        scalar_kernels()->signed_fwht(want.data(), sg.data(), n);
        if (n <= 256)
            for (std::size_t i = 0; i < n; i++) {
                double d = 0, scale = 0;
                for (std::size_t j = 0; j < n; j++) {
                    const double t = double(sg[j]) * v[j];
                    d += (__builtin_popcountll(i & j) & 1) ? -t : t;
                    scale += std::fabs(t);
                }
                ASSERT_LE(std::fabs(want[i] - d), 1e-6 * scale + 1e-6) << "n=" << n << " i=" << i;
            }
        for (const KernelTable* t : available_tables()) {
            std::vector<float> got(v);
            t->signed_fwht(got.data(), sg.data(), n);
            EXPECT_EQ(std::memcmp(got.data(), want.data(), n * sizeof(float)), 0) << t->name << " n=" << n;
        }
    }
}

TEST(Kernels, CapiCosineDistance) {
    ASSERT_EQ(omen_set_simd_level("scalar"), 0);
    const float a[3] = {1, 0, 0}, b[3] = {0, 1, 0}, z[3] = {0, 0, 0}, c[3] = {-2, 0, 0};
    EXPECT_NEAR(omen_distance(OMEN_METRIC_COSINE, a, a, 3), 0.0, 1e-7);
    EXPECT_NEAR(omen_distance(OMEN_METRIC_COSINE, a, b, 3), 1.0, 1e-7);
    EXPECT_NEAR(omen_distance(OMEN_METRIC_COSINE, a, c, 3), 2.0, 1e-7);
    EXPECT_TRUE(std::isnan(omen_distance(OMEN_METRIC_COSINE, a, z, 3)));
    omen_init();
}

TEST(Kernels, BestSetIsChosenByDefault) {
    // The default is the widest set the CPU runs, whatever was forced since.
    const char* best = usable_kernels(Isa::kAvx512) ? "avx512" : usable_kernels(Isa::kAvx2) ? "avx2" : "scalar";
    ASSERT_EQ(omen_set_simd_level("scalar"), 0);
    EXPECT_STREQ(default_kernels().name, best);
    EXPECT_STREQ(kernels().name, "scalar");  // forced
    ASSERT_EQ(omen_set_simd_level(best), 0);
    EXPECT_EQ(&kernels(), &default_kernels());
}
