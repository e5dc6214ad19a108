// kernels_avx2.cpp: AVX2 + FMA kernels, written with SIMDe's prefixed intrinsics.  This is the only
// translation unit built with -mavx2 -mfma; everything lives in its own namespace so no inline code
// compiled for AVX2 leaks into code that runs on older CPUs.  Includes no PostgreSQL headers.
#include "core/kernels.hpp"
#include "core/bit_counts.hpp"

#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>

namespace omendb::core::avx2 {
namespace {

inline float hsum(simde__m256 v) {
    simde__m128 lo = simde_mm256_castps256_ps128(v);
    simde__m128 hi = simde_mm256_extractf128_ps(v, 1);
    lo = simde_mm_add_ps(lo, hi);
    simde__m128 sh = simde_mm_movehdup_ps(lo);
    lo = simde_mm_add_ps(lo, sh);
    sh = simde_mm_movehl_ps(sh, lo);
    lo = simde_mm_add_ss(lo, sh);
    return simde_mm_cvtss_f32(lo);
}

float l2sq(const float* a, const float* b, std::size_t n) {
    simde__m256 s0 = simde_mm256_setzero_ps(), s1 = simde_mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        simde__m256 d0 = simde_mm256_sub_ps(simde_mm256_loadu_ps(a + i), simde_mm256_loadu_ps(b + i));
        simde__m256 d1 = simde_mm256_sub_ps(simde_mm256_loadu_ps(a + i + 8), simde_mm256_loadu_ps(b + i + 8));
        s0 = simde_mm256_fmadd_ps(d0, d0, s0);
        s1 = simde_mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        simde__m256 d = simde_mm256_sub_ps(simde_mm256_loadu_ps(a + i), simde_mm256_loadu_ps(b + i));
        s0 = simde_mm256_fmadd_ps(d, d, s0);
    }
    float s = hsum(simde_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

float dot(const float* a, const float* b, std::size_t n) {
    simde__m256 s0 = simde_mm256_setzero_ps(), s1 = simde_mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = simde_mm256_fmadd_ps(simde_mm256_loadu_ps(a + i), simde_mm256_loadu_ps(b + i), s0);
        s1 = simde_mm256_fmadd_ps(simde_mm256_loadu_ps(a + i + 8), simde_mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = simde_mm256_fmadd_ps(simde_mm256_loadu_ps(a + i), simde_mm256_loadu_ps(b + i), s0);
    float s = hsum(simde_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

float l1(const float* a, const float* b, std::size_t n) {
    const simde__m256 sign = simde_mm256_set1_ps(-0.0f);
    simde__m256 s0 = simde_mm256_setzero_ps(), s1 = simde_mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        simde__m256 d0 = simde_mm256_sub_ps(simde_mm256_loadu_ps(a + i), simde_mm256_loadu_ps(b + i));
        simde__m256 d1 = simde_mm256_sub_ps(simde_mm256_loadu_ps(a + i + 8), simde_mm256_loadu_ps(b + i + 8));
        s0 = simde_mm256_add_ps(s0, simde_mm256_andnot_ps(sign, d0));
        s1 = simde_mm256_add_ps(s1, simde_mm256_andnot_ps(sign, d1));
    }
    for (; i + 8 <= n; i += 8) {
        simde__m256 d = simde_mm256_sub_ps(simde_mm256_loadu_ps(a + i), simde_mm256_loadu_ps(b + i));
        s0 = simde_mm256_add_ps(s0, simde_mm256_andnot_ps(sign, d));
    }
    float s = hsum(simde_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    return s;
}

void cosine_parts(const float* a, const float* b, std::size_t n, float out[3]) {
    simde__m256 ab = simde_mm256_setzero_ps(), aa = simde_mm256_setzero_ps(), bb = simde_mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        simde__m256 va = simde_mm256_loadu_ps(a + i), vb = simde_mm256_loadu_ps(b + i);
        ab = simde_mm256_fmadd_ps(va, vb, ab);
        aa = simde_mm256_fmadd_ps(va, va, aa);
        bb = simde_mm256_fmadd_ps(vb, vb, bb);
    }
    float sab = hsum(ab), saa = hsum(aa), sbb = hsum(bb);
    for (; i < n; i++) {
        sab += a[i] * b[i];
        saa += a[i] * a[i];
        sbb += b[i] * b[i];
    }
    out[0] = sab;
    out[1] = saa;
    out[2] = sbb;
}

std::uint64_t hamming(const std::uint8_t* a, const std::uint8_t* b, std::size_t nbytes) {
    return hamming_words_impl(a, b, 0, nbytes);
}

float masked_sum(const float* q, const std::uint8_t* code, std::size_t n) {
    const simde__m256i bits = simde_mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    simde__m256 s0 = simde_mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        simde__m256i byte = simde_mm256_set1_epi32(code[i >> 3]);
        simde__m256i m = simde_mm256_cmpeq_epi32(simde_mm256_and_si256(byte, bits), bits);
        s0 = simde_mm256_add_ps(s0, simde_mm256_and_ps(simde_mm256_castsi256_ps(m), simde_mm256_loadu_ps(q + i)));
    }
    float s = hsum(s0);
    for (; i < n; i++)
        if (code[i >> 3] & (1u << (i & 7))) s += q[i];
    return s;
}

// See KernelTable::signed_fwht.  Strides 1, 2 and 4 act within a register: lane j gets x[j ^ h]
// plus x[j], x[j]'s sign flipped where bit h of j is set; that is b + a in the lower lane of each
// pair and a + (-b) in the upper one, the scalar loop's a + b and a - b to the bit.  Larger strides
// combine whole registers.  Below 8 lanes, the scalar kernel.
void signed_fwht(float* v, const float* signs, std::size_t n) {
    if (n < 8) {
        scalar_kernels()->signed_fwht(v, signs, n);
        return;
    }
    const int sg = INT32_MIN;
    const simde__m256 m1 = simde_mm256_castsi256_ps(simde_mm256_setr_epi32(0, sg, 0, sg, 0, sg, 0, sg));
    const simde__m256 m2 = simde_mm256_castsi256_ps(simde_mm256_setr_epi32(0, 0, sg, sg, 0, 0, sg, sg));
    const simde__m256 m4 = simde_mm256_castsi256_ps(simde_mm256_setr_epi32(0, 0, 0, 0, sg, sg, sg, sg));
    for (std::size_t i = 0; i < n; i += 8) {
        simde__m256 x = simde_mm256_mul_ps(simde_mm256_loadu_ps(v + i), simde_mm256_loadu_ps(signs + i));
        // x[j ^ h]: pairs, pairs of pairs, then the 128-bit halves
        x = simde_mm256_add_ps(simde_mm256_permute_ps(x, 0xB1), simde_mm256_xor_ps(x, m1));
        x = simde_mm256_add_ps(simde_mm256_permute_ps(x, 0x4E), simde_mm256_xor_ps(x, m2));
        x = simde_mm256_add_ps(simde_mm256_permute2f128_ps(x, x, 0x01), simde_mm256_xor_ps(x, m4));
        simde_mm256_storeu_ps(v + i, x);
    }
    for (std::size_t h = 8; h < n; h <<= 1)
        for (std::size_t i = 0; i < n; i += 2 * h)
            for (std::size_t j = i; j < i + h; j += 8) {
                const simde__m256 a = simde_mm256_loadu_ps(v + j), b = simde_mm256_loadu_ps(v + j + h);
                simde_mm256_storeu_ps(v + j, simde_mm256_add_ps(a, b));
                simde_mm256_storeu_ps(v + j + h, simde_mm256_sub_ps(a, b));
            }
}

const KernelTable kTable = {"avx2", l2sq, dot, l1, cosine_parts, hamming, masked_sum,
                             code_pair_counts_impl, signed_fwht};

}  // namespace
}  // namespace omendb::core::avx2

namespace omendb::core {
const KernelTable* avx2_kernels() { return &avx2::kTable; }
}  // namespace omendb::core

#else
namespace omendb::core {
const KernelTable* avx2_kernels() { return nullptr; }
}  // namespace omendb::core
#endif
