// half.hpp: IEEE 754 binary16 <-> binary32 conversion for the halfvec type.
//
// The scalar functions are the reference: float -> half rounds to nearest, ties to even, and
// anything at or above 65520 in magnitude (half of the way from 65504, the largest half, to the
// next power of two) becomes infinity, as the hardware (F16C's VCVTPS2PH) does; NaN stays a
// (quiet) NaN.  half -> float is exact.  The bulk functions use F16C when the CPU has it and the
// kernel set in use is not "scalar" (so SET omendb.simd = 'scalar' tests the scalar path in SQL
// too); both paths give bit-identical results (checked exhaustively by test/unit/test_half.cpp).
//
// Thread-safety: pure functions.  Includes no PostgreSQL headers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace omendb::core {

std::uint16_t f32_to_f16_scalar(float f);
float f16_to_f32_scalar(std::uint16_t h);

void f16_to_f32_array_scalar(const std::uint16_t* in, float* out, std::size_t n);
void f32_to_f16_array_scalar(const float* in, std::uint16_t* out, std::size_t n);

// F16C versions (half_f16c.cpp, built with -mf16c); callers must check has_f16c() first.
bool has_f16c();
void f16_to_f32_array_f16c(const std::uint16_t* in, float* out, std::size_t n);
void f32_to_f16_array_f16c(const float* in, std::uint16_t* out, std::size_t n);

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
