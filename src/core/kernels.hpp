// kernels.hpp: distance kernels on float32 vectors and bit codes, chosen once per process.
//
// One KernelTable per instruction set (scalar, AVX2+FMA, AVX-512 with VPOPCNTDQ), each built in its
// own translation unit with that ISA's flags and its own namespace, so that inline code compiled for
// AVX-512 can never be merged into a caller that runs on a CPU without it.  select_kernels() picks the
// best table the CPU supports; the choice is written once (omen_init) and read-only afterwards.
//
// Thread-safety: the tables are immutable; kernels() may be called from any thread after omen_init.
// Includes no PostgreSQL headers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace omendb::core {

struct KernelTable {
    const char* name;
    float (*l2sq)(const float* a, const float* b, std::size_t n);
    float (*dot)(const float* a, const float* b, std::size_t n);
    float (*l1)(const float* a, const float* b, std::size_t n);
    // One pass over a and b: out[0] = a.b, out[1] = a.a, out[2] = b.b.
    void (*cosine_parts)(const float* a, const float* b, std::size_t n, float out[3]);
    std::uint64_t (*hamming)(const std::uint8_t* a, const std::uint8_t* b, std::size_t nbytes);
    // Sum of q[i] over the set bits i of code (bit i = byte i/8, bit i%8, LSB first); n = dims.
    // The building block of asymmetric float-query x bit-code estimators.
    float (*masked_sum)(const float* q, const std::uint8_t* code, std::size_t n);
    // The seven bit counts of the symmetric 2-bit code estimate (see bit_counts.hpp).
    void (*code_pair_counts)(const std::uint8_t* sa, const std::uint8_t* la, const std::uint8_t* sb,
                             const std::uint8_t* lb, std::uint32_t bits, std::uint64_t out[7]);
    // v = H (signs .* v): the signs (+1 / -1) applied, then the unnormalised Walsh-Hadamard
    // transform in place; n a power of two.  One round of the quantizer's rotation.  Every table
    // computes the same butterflies in the same order (strides 1, 2, 4, ...), so all give the
    // same bits: a vector's code does not depend on the CPU that encoded it.
    void (*signed_fwht)(float* v, const float* signs, std::size_t n);
};

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// Tables for each ISA; nullptr when this build or this CPU lacks it.
const KernelTable* scalar_kernels();
const KernelTable* avx2_kernels();    // requires AVX2 + FMA
const KernelTable* avx512_kernels();  // requires AVX-512 F/BW/DQ/VL + VPOPCNTDQ

// The AVX-512 kernels compiled without AVX-512 flags (SIMDe emulation); only linked into the unit
// tests, so that the AVX-512 code is exercised on CPUs without it.
const KernelTable* avx512_emulated_kernels();

bool cpu_supports(Isa isa);

// The best table this build and this CPU run: what kernels() uses unless a set is forced.
const KernelTable& default_kernels();

// The table in use (the best supported unless forced).  Never null.
const KernelTable& kernels();

// The table for isa if this build has it and this CPU runs it, else nullptr.
const KernelTable* usable_kernels(Isa isa);

// Force a table; returns false if unsupported.  Not thread-safe: call before threads start.
bool set_kernels(Isa isa);

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
