// kernels_scalar.cpp: the reference kernels.  Plain loops with double accumulators: they run on any
// CPU, they are the ground truth the SIMD kernels are tested against, and `omendb.simd = scalar`
// selects them at run time.  Includes no PostgreSQL headers.
#include "core/kernels.hpp"
#include "core/bit_counts.hpp"

namespace omendb::core {
namespace {

float l2sq(const float* a, const float* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; i++) {
        double d = double(a[i]) - double(b[i]);
        s += d * d;
    }
    return float(s);
}

float dot(const float* a, const float* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; i++) s += double(a[i]) * double(b[i]);
    return float(s);
}

float l1(const float* a, const float* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; i++) {
        double d = double(a[i]) - double(b[i]);
        s += d < 0 ? -d : d;
    }
    return float(s);
}

void cosine_parts(const float* a, const float* b, std::size_t n, float out[3]) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < n; i++) {
        ab += double(a[i]) * double(b[i]);
        aa += double(a[i]) * double(a[i]);
        bb += double(b[i]) * double(b[i]);
    }
    out[0] = float(ab);
    out[1] = float(aa);
    out[2] = float(bb);
}

std::uint64_t hamming(const std::uint8_t* a, const std::uint8_t* b, std::size_t nbytes) {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < nbytes; i++) {
        unsigned x = unsigned(a[i] ^ b[i]);
        while (x) {
            s += x & 1u;
            x >>= 1;
        }
    }
    return s;
}

float masked_sum(const float* q, const std::uint8_t* code, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; i++)
        if (code[i >> 3] & (1u << (i & 7))) s += q[i];
    return float(s);
}

void signed_fwht(float* v, const float* signs, std::size_t n) {
    for (std::size_t i = 0; i < n; i++) v[i] *= signs[i];
    for (std::size_t h = 1; h < n; h <<= 1)
        for (std::size_t i = 0; i < n; i += 2 * h)
            for (std::size_t j = i; j < i + h; j++) {
                const float a = v[j], b = v[j + h];
                v[j] = a + b;
                v[j + h] = a - b;
            }
}

const KernelTable kTable = {"scalar", l2sq, dot, l1, cosine_parts, hamming, masked_sum,
                             code_pair_counts_impl, signed_fwht};

}  // namespace

const KernelTable* scalar_kernels() { return &kTable; }

}  // namespace omendb::core
