// kernels_avx512.cpp: AVX-512 (F/BW/DQ/VL) kernels with VPOPCNTDQ for Hamming distance, written with
// SIMDe's prefixed intrinsics.  The only translation unit built with -mavx512*; tails use masked
// loads instead of scalar loops.  Includes no PostgreSQL headers.
#include "core/kernels.hpp"
#include "core/bit_counts.hpp"

#include <cstdint>

//
// Built a second time for the unit tests with -DOMEN_AVX512_EMULATED and no -mavx512 flags: SIMDe
// then emulates every intrinsic in portable code, so the logic of these kernels is tested on
// machines without AVX-512 too (the table is then named "avx512-emulated").
#if defined(OMEN_AVX512_EMULATED)
#define OMEN_AVX512_NS avx512_emulated
#define OMEN_AVX512_NAME "avx512-emulated"
#define OMEN_AVX512_GETTER avx512_emulated_kernels
#else
#define OMEN_AVX512_NS avx512
#define OMEN_AVX512_NAME "avx512"
#define OMEN_AVX512_GETTER avx512_kernels
#endif

#if defined(OMEN_AVX512_EMULATED) || \
    (defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__) && defined(__AVX512BW__))
#include <simde/x86/avx512.h>

namespace omendb::core::OMEN_AVX512_NS {
namespace {

inline simde__mmask16 tail_mask(std::size_t rem) {
    return simde__mmask16((1u << rem) - 1u);
}

// This SIMDe release lacks masked loads and the reduce helpers; tails go through a zero-padded copy
// (the masked-off lanes must not be read: they may lie past the end of a page image).
inline simde__m512 load_tail(const float* p, std::size_t rem) {
    alignas(64) float t[16] = {0};
    __builtin_memcpy(t, p, rem * sizeof(float));
    return simde_mm512_load_ps(t);
}

// Horizontal sums go through memory: GCC 12 warns (falsely) inside its own headers on the
// extract-based version, and this runs once per distance.
inline float reduce_add(simde__m512 v) {
    alignas(64) float t[16];
    simde_mm512_store_ps(t, v);
    float a = (t[0] + t[8]) + (t[4] + t[12]), b = (t[1] + t[9]) + (t[5] + t[13]);
    float c = (t[2] + t[10]) + (t[6] + t[14]), d = (t[3] + t[11]) + (t[7] + t[15]);
    return (a + c) + (b + d);
}

inline std::uint64_t reduce_add_u64(simde__m512i v) {
    alignas(64) std::uint64_t t[8];
    simde_mm512_store_si512(t, v);
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}

float l2sq(const float* a, const float* b, std::size_t n) {
    simde__m512 s0 = simde_mm512_setzero_ps(), s1 = simde_mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        simde__m512 d0 = simde_mm512_sub_ps(simde_mm512_loadu_ps(a + i), simde_mm512_loadu_ps(b + i));
        simde__m512 d1 = simde_mm512_sub_ps(simde_mm512_loadu_ps(a + i + 16), simde_mm512_loadu_ps(b + i + 16));
        s0 = simde_mm512_fmadd_ps(d0, d0, s0);
        s1 = simde_mm512_fmadd_ps(d1, d1, s1);
    }
    for (; i + 16 <= n; i += 16) {
        simde__m512 d = simde_mm512_sub_ps(simde_mm512_loadu_ps(a + i), simde_mm512_loadu_ps(b + i));
        s0 = simde_mm512_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        simde__m512 d = simde_mm512_sub_ps(load_tail(a + i, n - i), load_tail(b + i, n - i));
        s1 = simde_mm512_fmadd_ps(d, d, s1);
    }
    return reduce_add(simde_mm512_add_ps(s0, s1));
}

float dot(const float* a, const float* b, std::size_t n) {
    simde__m512 s0 = simde_mm512_setzero_ps(), s1 = simde_mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = simde_mm512_fmadd_ps(simde_mm512_loadu_ps(a + i), simde_mm512_loadu_ps(b + i), s0);
        s1 = simde_mm512_fmadd_ps(simde_mm512_loadu_ps(a + i + 16), simde_mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16)
        s0 = simde_mm512_fmadd_ps(simde_mm512_loadu_ps(a + i), simde_mm512_loadu_ps(b + i), s0);
    if (i < n) {
        s1 = simde_mm512_fmadd_ps(load_tail(a + i, n - i), load_tail(b + i, n - i), s1);
    }
    return reduce_add(simde_mm512_add_ps(s0, s1));
}

float l1(const float* a, const float* b, std::size_t n) {
    simde__m512 s0 = simde_mm512_setzero_ps(), s1 = simde_mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        simde__m512 d0 = simde_mm512_sub_ps(simde_mm512_loadu_ps(a + i), simde_mm512_loadu_ps(b + i));
        simde__m512 d1 = simde_mm512_sub_ps(simde_mm512_loadu_ps(a + i + 16), simde_mm512_loadu_ps(b + i + 16));
        s0 = simde_mm512_add_ps(s0, simde_mm512_abs_ps(d0));
        s1 = simde_mm512_add_ps(s1, simde_mm512_abs_ps(d1));
    }
    for (; i + 16 <= n; i += 16) {
        simde__m512 d = simde_mm512_sub_ps(simde_mm512_loadu_ps(a + i), simde_mm512_loadu_ps(b + i));
        s0 = simde_mm512_add_ps(s0, simde_mm512_abs_ps(d));
    }
    if (i < n) {
        simde__m512 d = simde_mm512_sub_ps(load_tail(a + i, n - i), load_tail(b + i, n - i));
        s1 = simde_mm512_add_ps(s1, simde_mm512_abs_ps(d));
    }
    return reduce_add(simde_mm512_add_ps(s0, s1));
}

void cosine_parts(const float* a, const float* b, std::size_t n, float out[3]) {
    simde__m512 ab = simde_mm512_setzero_ps(), aa = simde_mm512_setzero_ps(), bb = simde_mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        simde__m512 va = simde_mm512_loadu_ps(a + i), vb = simde_mm512_loadu_ps(b + i);
        ab = simde_mm512_fmadd_ps(va, vb, ab);
        aa = simde_mm512_fmadd_ps(va, va, aa);
        bb = simde_mm512_fmadd_ps(vb, vb, bb);
    }
    if (i < n) {
        simde__m512 va = load_tail(a + i, n - i), vb = load_tail(b + i, n - i);
        ab = simde_mm512_fmadd_ps(va, vb, ab);
        aa = simde_mm512_fmadd_ps(va, va, aa);
        bb = simde_mm512_fmadd_ps(vb, vb, bb);
    }
    out[0] = reduce_add(ab);
    out[1] = reduce_add(aa);
    out[2] = reduce_add(bb);
}

// Whole 64-byte blocks with VPOPCNTQ, the rest a word at a time: for short codes (128 dimensions
// are 16 bytes) a masked vector tail and its reduction cost more than two popcnts (the estimator's
// error term spent 60% of its time here at 128 dimensions).
std::uint64_t hamming(const std::uint8_t* a, const std::uint8_t* b, std::size_t nbytes) {
    std::uint64_t t = 0;
    std::size_t i = 0;
    if (nbytes >= 64) {
        simde__m512i s = simde_mm512_setzero_si512();
        for (; i + 64 <= nbytes; i += 64) {
            simde__m512i x = simde_mm512_xor_si512(simde_mm512_loadu_si512(a + i), simde_mm512_loadu_si512(b + i));
            s = simde_mm512_add_epi64(s, simde_mm512_popcnt_epi64(x));
        }
        t = std::uint64_t(reduce_add_u64(s));
    }
    return t + hamming_words_impl(a, b, i, nbytes);
}

float masked_sum(const float* q, const std::uint8_t* code, std::size_t n) {
    simde__m512 s0 = simde_mm512_setzero_ps(), s1 = simde_mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        std::uint32_t bits;
        __builtin_memcpy(&bits, code + (i >> 3), 4);
        s0 = simde_mm512_mask_add_ps(s0, simde__mmask16(bits & 0xFFFFu), s0, simde_mm512_loadu_ps(q + i));
        s1 = simde_mm512_mask_add_ps(s1, simde__mmask16(bits >> 16), s1, simde_mm512_loadu_ps(q + i + 16));
    }
    for (; i + 16 <= n; i += 16) {
        std::uint16_t bits;
        __builtin_memcpy(&bits, code + (i >> 3), 2);
        s0 = simde_mm512_mask_add_ps(s0, simde__mmask16(bits), s0, simde_mm512_loadu_ps(q + i));
    }
    if (i < n) {
        std::size_t rem = n - i;
        std::uint16_t bits = code[i >> 3];
        if (rem > 8) bits = std::uint16_t(bits | (std::uint16_t(code[(i >> 3) + 1]) << 8));
        simde__mmask16 m = simde__mmask16(bits & tail_mask(rem));
        s1 = simde_mm512_mask_add_ps(s1, m, s1, load_tail(q + i, rem));
    }
    return reduce_add(simde_mm512_add_ps(s0, s1));
}

// See KernelTable::signed_fwht and the AVX2 kernel: strides 1 to 8 within a register (lane j gets
// x[j ^ h] + x[j], x[j]'s sign flipped where bit h of j is set), larger ones across registers.
void signed_fwht(float* v, const float* signs, std::size_t n) {
    if (n < 16) {
        scalar_kernels()->signed_fwht(v, signs, n);
        return;
    }
    simde__m512 flip[4];
    simde__m512i half[2];  // lane j ^ 4, lane j ^ 8
    for (int s = 0; s < 4; s++) {
        alignas(64) std::int32_t m[16], idx[16];
        for (int j = 0; j < 16; j++) {
            m[j] = (j & (1 << s)) ? INT32_MIN : 0;
            idx[j] = j ^ (1 << s);
        }
        flip[s] = simde_mm512_castsi512_ps(simde_mm512_load_si512(m));
        if (s >= 2) half[s - 2] = simde_mm512_load_si512(idx);
    }
    for (std::size_t i = 0; i < n; i += 16) {
        simde__m512 x = simde_mm512_mul_ps(simde_mm512_loadu_ps(v + i), simde_mm512_loadu_ps(signs + i));
        // x[j ^ h]: pairs and pairs of pairs by in-lane shuffles, then full permutes (the masked
        // form: GCC 12 warns falsely on the undefined source of the unmasked one)
        x = simde_mm512_add_ps(simde_mm512_shuffle_ps(x, x, 0xB1), simde_mm512_xor_ps(x, flip[0]));
        x = simde_mm512_add_ps(simde_mm512_shuffle_ps(x, x, 0x4E), simde_mm512_xor_ps(x, flip[1]));
        x = simde_mm512_add_ps(simde_mm512_mask_permutexvar_ps(x, 0xFFFF, half[0], x),
                               simde_mm512_xor_ps(x, flip[2]));
        x = simde_mm512_add_ps(simde_mm512_mask_permutexvar_ps(x, 0xFFFF, half[1], x),
                               simde_mm512_xor_ps(x, flip[3]));
        simde_mm512_storeu_ps(v + i, x);
    }
    for (std::size_t h = 16; h < n; h <<= 1)
        for (std::size_t i = 0; i < n; i += 2 * h)
            for (std::size_t j = i; j < i + h; j += 16) {
                const simde__m512 a = simde_mm512_loadu_ps(v + j), b = simde_mm512_loadu_ps(v + j + h);
                simde_mm512_storeu_ps(v + j, simde_mm512_add_ps(a, b));
                simde_mm512_storeu_ps(v + j + h, simde_mm512_sub_ps(a, b));
            }
}

const KernelTable kTable = {OMEN_AVX512_NAME, l2sq, dot, l1, cosine_parts, hamming, masked_sum,
                             code_pair_counts_impl, signed_fwht};

}  // namespace
}  // namespace omendb::core::OMEN_AVX512_NS

namespace omendb::core {
const KernelTable* OMEN_AVX512_GETTER() { return &OMEN_AVX512_NS::kTable; }
}  // namespace omendb::core

#else
namespace omendb::core {
const KernelTable* OMEN_AVX512_GETTER() { return nullptr; }
}  // namespace omendb::core
#endif
