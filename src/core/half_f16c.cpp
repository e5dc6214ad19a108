// half_f16c.cpp: binary16 <-> binary32 conversion with F16C (VCVTPH2PS / VCVTPS2PH), 8 values per
// instruction, round to nearest even.  Built with -mf16c (Makefile); called only when has_f16c().
// Nothing inline of this file is shared with code built without F16C.  Includes no PostgreSQL
// headers.
#include "core/half.hpp"

#if defined(__F16C__)
#include <immintrin.h>
#elif defined(__x86_64__) || defined(__i386__)
#error "half_f16c.cpp must be built with -mf16c (Makefile: ISA_half_f16c)"
#endif

namespace omendb::core {

#if defined(__F16C__)

void f16_to_f32_array_f16c(const std::uint16_t* in, float* out, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
    }
    for (; i < n; i++) out[i] = _cvtsh_ss(in[i]);
}

void f32_to_f16_array_f16c(const float* in, std::uint16_t* out, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
    }
    for (; i < n; i++) out[i] = _cvtss_sh(in[i], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

#else  // not x86: has_f16c() is false and these are never selected

void f16_to_f32_array_f16c(const std::uint16_t* in, float* out, std::size_t n) {
    f16_to_f32_array_scalar(in, out, n);
}

void f32_to_f16_array_f16c(const float* in, std::uint16_t* out, std::size_t n) {
    f32_to_f16_array_scalar(in, out, n);
}

#endif

}  // namespace omendb::core
