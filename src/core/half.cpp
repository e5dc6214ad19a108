// half.cpp: scalar binary16 <-> binary32 conversion and the dispatch of the bulk conversions of
// the C ABI (see half.hpp).  Includes no PostgreSQL headers.
#include "core/half.hpp"

#include <cstring>

#include "core/kernels.hpp"
#include "omendb/omen_core.h"

namespace omendb::core {

namespace {

inline std::uint32_t float_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

inline float bits_float(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// Round m >> shift to nearest, ties to even.
inline std::uint32_t shift_round_even(std::uint32_t m, unsigned shift) {
    std::uint32_t q = m >> shift;
    std::uint32_t rem = m & ((1u << shift) - 1u);
    std::uint32_t halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (q & 1u))) q++;
    return q;
}

}  // namespace

std::uint16_t f32_to_f16_scalar(float f) {
    const std::uint32_t x = float_bits(f);
    const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
    const std::uint32_t a = x & 0x7FFFFFFFu;

    if (a >= 0x7F800000u)  // infinity or NaN (quiet, keeping the top payload bits)
        return static_cast<std::uint16_t>(sign | (a == 0x7F800000u ? 0x7C00u : 0x7E00u | ((a >> 13) & 0x3FFu)));
    if (a >= 0x477FF000u)  // >= 65520: rounds to infinity
        return static_cast<std::uint16_t>(sign | 0x7C00u);
    if (a >= 0x38800000u) {  // >= 2^-14: a normal half; the carry of the rounding may reach infinity
        std::uint32_t e = (a >> 23) - 127u + 15u;
        std::uint32_t h = (e << 10) | ((a & 0x7FFFFFu) >> 13);
        std::uint32_t rem = a & 0x1FFFu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
        return static_cast<std::uint16_t>(sign | h);
    }
    if (a <= 0x33000000u)  // <= 2^-25: rounds to (signed) zero; 2^-25 itself is a tie, to even 0
        return sign;
    // A subnormal half: units of 2^-24.  a is a normal float here (exponent 102..112).
    std::uint32_t e = a >> 23;
    std::uint32_t m = (a & 0x7FFFFFu) | 0x800000u;  // value = m * 2^(e - 150)
    return static_cast<std::uint16_t>(sign | shift_round_even(m, 126u - e));
}

float f16_to_f32_scalar(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t e = (h >> 10) & 0x1Fu;
    const std::uint32_t m = h & 0x3FFu;

    if (e == 0) {
        // zero or subnormal: m * 2^-24, exact in float
        float v = static_cast<float>(m) * bits_float(0x33800000u);
        return bits_float(sign | float_bits(v));
    }
    if (e == 31) return bits_float(sign | 0x7F800000u | (m << 13) | (m ? 0x400000u : 0u));
    return bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

void f16_to_f32_array_scalar(const std::uint16_t* in, float* out, std::size_t n) {
    for (std::size_t i = 0; i < n; i++) out[i] = f16_to_f32_scalar(in[i]);
}

void f32_to_f16_array_scalar(const float* in, std::uint16_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; i++) out[i] = f32_to_f16_scalar(in[i]);
}

bool has_f16c() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
#else
    return false;
#endif
}

namespace {

// F16C is used with the SIMD kernel sets (every AVX2 CPU has it) and never with "scalar".
bool use_f16c() {
    static const bool cpu = has_f16c();
    return cpu && std::strcmp(kernels().name, "scalar") != 0;
}

}  // namespace

}  // namespace omendb::core

using namespace omendb::core;

extern "C" {

void omen_f16_to_f32(const uint16_t* in, float* out, size_t n) {
    if (use_f16c())
        f16_to_f32_array_f16c(in, out, n);
    else
        f16_to_f32_array_scalar(in, out, n);
}

void omen_f32_to_f16(const float* in, uint16_t* out, size_t n) {
    if (use_f16c())
        f32_to_f16_array_f16c(in, out, n);
    else
        f32_to_f16_array_scalar(in, out, n);
}

}  // extern "C"
