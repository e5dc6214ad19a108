// kernels.cpp: CPU feature detection and the choice of kernel table.
//
// The active table is the only mutable global of the core.  It is written by omen_init() (once, at
// module load) or by set_kernels() (tests, the omendb.simd GUC), both from the single PostgreSQL
// backend thread before any core thread exists.  Includes no PostgreSQL headers.
#include "core/kernels.hpp"

namespace omendb::core {
namespace {

const KernelTable* best_supported() {
    if (cpu_supports(Isa::kAvx512) && avx512_kernels()) return avx512_kernels();
    if (cpu_supports(Isa::kAvx2) && avx2_kernels()) return avx2_kernels();
    return scalar_kernels();
}

const KernelTable* g_active = nullptr;

}  // namespace

bool cpu_supports(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    switch (isa) {
        case Isa::kScalar:
            return true;
        case Isa::kAvx2:
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                   __builtin_cpu_supports("popcnt");
        case Isa::kAvx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("fma") &&
                   __builtin_cpu_supports("avx2");
    }
    return false;
#else
    return isa == Isa::kScalar;
#endif
}

const KernelTable& default_kernels() { return *best_supported(); }

const KernelTable& kernels() {
    if (!g_active) g_active = best_supported();
    return *g_active;
}

const KernelTable* usable_kernels(Isa isa) {
    const KernelTable* t = nullptr;
    switch (isa) {
        case Isa::kScalar: t = scalar_kernels(); break;
        case Isa::kAvx2: t = avx2_kernels(); break;
        case Isa::kAvx512: t = avx512_kernels(); break;
    }
    return t && cpu_supports(isa) ? t : nullptr;
}

bool set_kernels(Isa isa) {
    const KernelTable* t = usable_kernels(isa);
    if (!t) return false;
    g_active = t;
    return true;
}

}  // namespace omendb::core
