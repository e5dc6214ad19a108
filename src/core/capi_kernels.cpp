// capi_kernels.cpp: the kernel part of the C ABI (include/omendb/omen_core.h).  Every entry point is
// noexcept and none of them can throw.  Includes no PostgreSQL headers.
#include <cmath>
#include <cstring>
#include <limits>

#include "core/distance.hpp"
#include "core/kernels.hpp"
#include "omendb/omen_core.h"

using omendb::core::Isa;
using omendb::core::kernels;

extern "C" {

void omen_init(void) { (void)kernels(); }

const char* omen_simd_level(void) { return kernels().name; }

static bool parse_isa(const char* name, Isa* isa) {
    if (!name) return false;
    if (std::strcmp(name, "scalar") == 0)
        *isa = Isa::kScalar;
    else if (std::strcmp(name, "avx2") == 0)
        *isa = Isa::kAvx2;
    else if (std::strcmp(name, "avx512") == 0)
        *isa = Isa::kAvx512;
    else
        return false;
    return true;
}

int omen_set_simd_level(const char* name) {
    Isa isa;
    if (!parse_isa(name, &isa)) return -1;
    return omendb::core::set_kernels(isa) ? 0 : -1;
}

int omen_simd_available(const char* name) {
    Isa isa;
    return parse_isa(name, &isa) && omendb::core::usable_kernels(isa) != nullptr;
}

float omen_l2sq(const float* a, const float* b, uint32_t n) { return kernels().l2sq(a, b, n); }

float omen_dot(const float* a, const float* b, uint32_t n) { return kernels().dot(a, b, n); }

float omen_l1(const float* a, const float* b, uint32_t n) { return kernels().l1(a, b, n); }

double omen_distance(uint32_t metric, const float* a, const float* b, uint32_t n) {
    return omendb::core::sql_distance(kernels(), metric, a, b, n);
}

uint64_t omen_hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
    return kernels().hamming(a, b, nbytes);
}

}  // extern "C"
