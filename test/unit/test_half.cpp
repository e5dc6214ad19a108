// The half-precision conversions: the scalar reference against exact rounding computed in double
// precision, exhaustively for every half and on many floats around every rounding boundary; the
// F16C path (when the CPU has it) against the scalar one, bit for bit; the C ABI entry points under
// both kernel settings.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/half.hpp"
#include "core/kernels.hpp"
#include "omendb/omen_core.h"

using namespace omendb::core;

namespace {

std::uint32_t bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float from_bits(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

bool is_nan_half(std::uint16_t h) { return (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0; }

// The value of a finite half, computed independently of the code under test.
double half_value(std::uint16_t h) {
    int e = (h >> 10) & 0x1F;
    int m = h & 0x3FF;
    double v = e == 0 ? std::ldexp(double(m), -24) : std::ldexp(double(1024 + m), e - 25);
    return (h & 0x8000) ? -v : v;
}

// Reference rounding: the nearest finite half by exhaustive search over the positive halves, ties
// to the even mantissa; infinity from 65520 up.
std::uint16_t reference_f32_to_f16(float f) {
    if (std::isnan(f)) return 0x7E00;
    double a = std::fabs(double(f));
    std::uint16_t sign = std::signbit(f) ? 0x8000 : 0;
    if (a >= 65520.0) return sign | 0x7C00;
    // binary search on the monotone positive halves 0x0000..0x7BFF
    int lo = 0, hi = 0x7BFF;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (half_value(std::uint16_t(mid)) <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    int best = lo;
    if (lo < 0x7BFF) {
        double below = a - half_value(std::uint16_t(lo));
        double above = half_value(std::uint16_t(lo + 1)) - a;
        if (above < below || (above == below && ((lo + 1) & 1) == 0)) best = lo + 1;
    }
    return sign | std::uint16_t(best);
}

}  // namespace

TEST(Half, EveryHalfConvertsExactlyAndBack) {
    for (std::uint32_t h = 0; h <= 0xFFFF; h++) {
        std::uint16_t x = std::uint16_t(h);
        float f = f16_to_f32_scalar(x);
        if (is_nan_half(x)) {
            EXPECT_TRUE(std::isnan(f)) << h;
            continue;
        }
        if ((x & 0x7FFF) == 0x7C00) {
            EXPECT_TRUE(std::isinf(f)) << h;
        } else {
            EXPECT_EQ(double(f), half_value(x)) << h;
        }
        EXPECT_EQ(f32_to_f16_scalar(f), x) << h;
    }
}

TEST(Half, RoundsToNearestEvenAtEveryBoundary) {
    // For each pair of neighbouring finite halves: the midpoint (a tie), and the floats just
    // below and above it.
    for (std::uint32_t h = 0; h < 0x7BFF; h++) {
        double lo = half_value(std::uint16_t(h)), hi = half_value(std::uint16_t(h + 1));
        float mid = float((lo + hi) / 2);  // exact: the midpoint has at most 12 significant bits
        ASSERT_EQ(double(mid), (lo + hi) / 2);
        for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f)}) {
            EXPECT_EQ(f32_to_f16_scalar(f), reference_f32_to_f16(f)) << f;
            EXPECT_EQ(f32_to_f16_scalar(-f), reference_f32_to_f16(-f)) << -f;
        }
    }
    // overflow and the smallest values
    EXPECT_EQ(f32_to_f16_scalar(65504.0f), 0x7BFF);
    EXPECT_EQ(f32_to_f16_scalar(65519.99f), 0x7BFF);
    EXPECT_EQ(f32_to_f16_scalar(65520.0f), 0x7C00);
    EXPECT_EQ(f32_to_f16_scalar(-1e10f), 0xFC00);
    EXPECT_EQ(f32_to_f16_scalar(std::numeric_limits<float>::infinity()), 0x7C00);
    EXPECT_TRUE(is_nan_half(f32_to_f16_scalar(std::numeric_limits<float>::quiet_NaN())));
    EXPECT_EQ(f32_to_f16_scalar(std::ldexp(1.0f, -25)), 0x0000);   // tie to even zero
    EXPECT_EQ(f32_to_f16_scalar(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
    EXPECT_EQ(f32_to_f16_scalar(std::ldexp(3.0f, -25)), 0x0002);   // 1.5 units: tie to even 2
    EXPECT_EQ(f32_to_f16_scalar(-0.0f), 0x8000);
    EXPECT_EQ(f32_to_f16_scalar(1e-30f), 0x0000);
    EXPECT_EQ(f32_to_f16_scalar(0.1f), 0x2E66);
    EXPECT_EQ(f32_to_f16_scalar(1.0f), 0x3C00);
}

TEST(Half, RandomFloatsMatchReference) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<std::uint32_t> any;
    for (int i = 0; i < 200000; i++) {
        // floats in the half range and a little beyond (|x| < 2^17)
        std::uint32_t u = any(rng) % 0x48000000u;
        float f = from_bits(u | (any(rng) & 0x80000000u));
        ASSERT_EQ(f32_to_f16_scalar(f), reference_f32_to_f16(f)) << f;
    }
}

TEST(Half, F16cMatchesScalarBitForBit) {
    if (!has_f16c()) GTEST_SKIP() << "CPU without F16C";
    std::vector<std::uint16_t> halves(65536);
    for (std::uint32_t h = 0; h <= 0xFFFF; h++) halves[h] = std::uint16_t(h);
    std::vector<float> a(65536), b(65536);
    f16_to_f32_array_scalar(halves.data(), a.data(), halves.size());
    f16_to_f32_array_f16c(halves.data(), b.data(), halves.size());
    for (std::size_t i = 0; i < halves.size(); i++) {
        if (is_nan_half(halves[i])) {
            EXPECT_TRUE(std::isnan(b[i]));
            continue;
        }
        ASSERT_EQ(bits(a[i]), bits(b[i])) << i;
    }

    std::mt19937 rng(7);
    std::uniform_int_distribution<std::uint32_t> any;
    std::vector<float> floats(300001);  // odd length: the scalar tail of the F16C loop too
    for (auto& f : floats) {
        do f = from_bits(any(rng) % 0x48000000u | (any(rng) & 0x80000000u));
        while (std::isnan(f));
    }
    std::vector<std::uint16_t> ha(floats.size()), hb(floats.size());
    f32_to_f16_array_scalar(floats.data(), ha.data(), floats.size());
    f32_to_f16_array_f16c(floats.data(), hb.data(), floats.size());
    for (std::size_t i = 0; i < floats.size(); i++) ASSERT_EQ(ha[i], hb[i]) << floats[i];
}

TEST(Half, CApiUnderBothKernelSettings) {
    const float in[11] = {0.0f, -0.0f, 1.0f, 0.1f, -2.5f, 65504.0f, 70000.0f, 1e-8f, 3.0f, 4.0f, 5.0f};
    for (const char* level : {"scalar", "avx2", "avx512"}) {
        if (!omen_simd_available(level)) continue;
        ASSERT_EQ(omen_set_simd_level(level), 0);
        std::uint16_t h[11];
        float back[11];
        omen_f32_to_f16(in, h, 11);
        omen_f16_to_f32(h, back, 11);
        for (int i = 0; i < 11; i++) {
            EXPECT_EQ(h[i], f32_to_f16_scalar(in[i])) << level << " " << i;
            EXPECT_EQ(bits(back[i]), bits(f16_to_f32_scalar(h[i]))) << level << " " << i;
        }
    }
    omen_set_simd_level(omen_simd_available("avx512") ? "avx512" : omen_simd_available("avx2") ? "avx2" : "scalar");
}
