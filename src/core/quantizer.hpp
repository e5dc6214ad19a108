// quantizer.hpp: vector preparation, 1-bit codes and distance estimators bound to one query.
//
// Internal distances (what the graph code orders by) are, per metric:
//   L2      squared Euclidean distance
//   COSINE  squared Euclidean distance between the L2-normalised vectors (= 2 - 2 cos)
//   IP      minus the inner product
//   L1      sum of absolute differences (quantized modes: an estimate derived from the L2 estimate)
//   JACCARD 1 - <a, b> / (|a|^2 + |b|^2 - <a, b>) on 0/1 vectors, i.e. the Jaccard distance of the
//           sets of set bits (quantized modes: from the inner-product estimate and each side's
//           exact |o|^2 = |r|^2 + 2 oc + |c|^2; no error model)
// to_sql() converts them to the units of omen_metric_t.
//
// Binary and RaBitQ modes code r = R (o - c): c is the data mean (of the normalised vectors for
// cosine), R a fixed random rotation of R^D' (D' = dim rounded up to a power of two, the vector
// zero-padded; R = three rounds of random sign flips followed by a normalised fast Walsh-Hadamard
// transform, seeded by the index seed, which is stored with the quantizer).  The rotation spreads
// skewed coordinates (e.g. SIFT) evenly over the bits; it is orthonormal, so |r| = |o - c| and
// <r_o, r_q> = <o - c, q - c>.  Per record: norm = |r|, a scale factor, oc = <o - c, c>.
//
// BINARY: 1 bit per dimension (sign of r_i); symmetric estimator with the query binarised too:
//   <r_o, r_q> ~ |r_o| |r_q| cos(pi * hamming / D').                      (scale = <xbar, r/|r|>)
// RABITQ: 2 bits per dimension: a 4-level Lloyd-Max quantiser of r_i / sigma (sigma = |r|/sqrt(D'))
//   with levels d_i in {-L, -1, 1, L}, L = 1.510 / 0.4528, thresholds 0 and +-0.9816.  Asymmetric
//   RaBitQ-style estimator with the float query: <r_o, r_q> ~ <d, r_q> * |r|^2 / <d, r>
//   (scale = |r|^2 / <d, r>).  With level k = b0 + 2 b1 (b1 = sign plane, b0 = low plane),
//   d = -L + (L - 1) b0 + (L + 1) b1, so <d, r_q> = -L sum(r_q) + (L-1) ms(b0) + (L+1) ms(b1) with
//   ms = the masked_sum kernel: two kernel calls per estimate.  Measured (bench --codes) against
//   1-bit RaBitQ: the same recall after re-ranking half as many candidates, for D'/8 more bytes.
// Node-to-node distances (pair(): neighbour lists chosen on insert and repair) are symmetric: for
//   RABITQ, the codes' normalised inner product <d_a, d_b> / (|d_a| |d_b|) over both planes, mapped
//   to the vectors' correlation through the Gaussian model of the 4-level quantiser (quantizer.cpp,
//   CodeCorrelation); for BINARY, the Hamming distance of the sign planes (sym_estimate).  The
//   in-memory builder compares floats (or, construction = quantized, sign planes).
// Then L2 = |r_o|^2 + |r_q|^2 - 2 <r_o, r_q> and IP = <r_o, r_q> + oc + <c, q>.
//
// Thread-safety: a Quantizer is immutable after training; a QueryDist belongs to one thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/kernels.hpp"
#include "core/record.hpp"
#include "omendb/omen_core.h"

namespace omendb::core {

constexpr double kPi = 3.14159265358979323846;

// 2-bit levels (Lloyd-Max for a unit Gaussian, scaled so the inner level is 1): a rotated, scaled
// coordinate x codes as +-1 when |x| <= kLevelThreshold, else +-kLevelOuter.
constexpr float kLevelOuter = 1.510f / 0.4528f;
constexpr float kLevelThreshold = 0.9816f;

// The correlation of two 2-bit codes as a function of the correlation rho of the vectors they code
// (g in quantizer.cpp), and its inverse, as pair() uses them.  Exposed for tests.
double code_correlation_of(double rho);
double code_correlation_inverse(double c);

class Quantizer {
public:
    uint32_t dim = 0;
    uint32_t metric = 0;
    uint32_t quant = 0;
    Layout layout;
    std::vector<float> mean;  // size dim for binary / rabitq (zeros until trained)
    float mean_sq = 0.0f;
    uint32_t rot_dim = 0;      // D': dim rounded up to a power of two (quantized modes)
    uint64_t rot_seed = 0;

    Quantizer() = default;
    Quantizer(uint32_t dim_, uint32_t metric_, uint32_t quant_, uint32_t m_, uint64_t seed = 0);

    // out[0 .. rot_dim) = R (v - c) (v prepared); returns <v - c, c> in *vc when vc != nullptr.
    void rotate(const float* v, float* out, float* vc = nullptr) const;

    bool quantized() const { return quant != OMEN_QUANT_NONE; }

    // Copy `in` into `out` (dim floats), normalised for cosine (a zero vector stays zero).
    void prepare(const float* in, float* out) const;
    // Set the mean from per-dimension sums over n prepared vectors.
    void set_mean(const std::vector<double>& sums, size_t n);
    // Write corrections and code of a prepared vector into a record (or prefix) buffer.
    void encode(const float* prepared, uint8_t* rec) const;

    // Serialised state: empty for quant none; "OMQ2", dim, rotation seed (u64), mean[dim] otherwise.
    size_t serialized_size() const;
    void serialize(uint8_t* out) const;
    bool deserialize(const uint8_t* in, size_t len);

    // Exact internal distance between two prepared vectors.
    float exact(const float* a, const float* b) const;
    // Internal distance between two records' prefixes (exact for none, symmetric estimate otherwise).
    float pair(const uint8_t* pa, const uint8_t* pb) const;
    // The symmetric estimate from the Hamming distance of two sign planes and each record's |r|
    // (na, nb) and <o - c, c> (oca, ocb): what pair() returns for quantized modes.
    float sym_estimate(uint64_t ham, float na, float nb, float oca, float ocb) const;
    // The same from an estimate rr of <r_a, r_b>.
    float sym_from_ip(float rr, float na, float nb, float oca, float ocb) const;
    // Internal -> SQL units.
    float to_sql(float d) const;

private:
    void make_rotation();
    float ham_to_ip(uint64_t ham) const { return cos_table_[ham < cos_table_.size() ? ham : cos_table_.size() - 1]; }
    std::vector<float> signs_;      // 3 * rot_dim random +-1
    std::vector<float> cos_table_;  // cos(pi * h / D') for h = 0 .. D'
    float (*exact_fn_)(const float*, const float*, std::size_t) = nullptr;
    float exact_sign_ = 1.0f;
};

// A distance computer bound to one query (FAISS DistanceComputer style).
class QueryDist {
public:
    QueryDist() = default;
    // raw: the query as given (not prepared).  asym: use the RaBitQ asymmetric estimator when the
    // index is rabitq (always true for search); force_exact: ignore codes, compare floats.
    // symmetric: estimate with the symmetric sign-plane estimator even for rabitq (cheaper).
    void init(const Quantizer& qz, const float* raw, bool symmetric = false);

    // Internal distance to the record whose prefix starts at `prefix`.
    float operator()(const uint8_t* prefix) const;
    // Standard deviation of the error of d = (*this)(prefix), in internal units: 0 when d is exact,
    // +inf when there is no error model (binary and symmetric estimates, L1).  See omen_core.h,
    // omen_scan_set_bound_sigmas.
    float error(const uint8_t* prefix, float d) const;
    // Exact internal distance to a prepared vector.
    float exact(const float* v) const { return qz_->exact(q_.data(), v); }

    const float* prepared() const { return q_.data(); }
    const uint8_t* own_prefix() const { return own_.data(); }

private:
    const Quantizer* qz_ = nullptr;
    const KernelTable* k_ = nullptr;
    std::vector<float> q_;     // prepared query
    std::vector<float> r_;     // R (q - c) (rabitq)
    std::vector<float> lut_;   // rabitq: per code byte, the 256 sums of r_ over its set bits
    std::vector<uint8_t> own_; // the query encoded as a record prefix
    float qnorm_ = 0, rsum_ = 0, cq_ = 0;
    bool symmetric_ = false;
};

// Jaccard distance from <a, b>, |a|^2 and |b|^2 (set sizes for 0/1 vectors): 1 when both are
// empty; an estimate of <a, b> at or above |a|^2 + |b|^2 (impossible for exact values) gives 0.
inline float jaccard_from_parts(float ab, float aa, float bb) {
    if (aa + bb < 0.5f) return 1.0f;
    const float either = aa + bb - ab;
    return either > 0.0f ? 1.0f - ab / either : 0.0f;
}

inline float Quantizer::sym_estimate(uint64_t ham, float na, float nb, float oca, float ocb) const {
    return sym_from_ip(na * nb * ham_to_ip(ham), na, nb, oca, ocb);
}

inline float Quantizer::sym_from_ip(float rr, float na, float nb, float oca, float ocb) const {
    switch (metric) {
        case OMEN_METRIC_IP: return -(rr + oca + ocb + mean_sq);
        case OMEN_METRIC_L1: {
            float l2 = na * na + nb * nb - 2 * rr;
            return std::sqrt(std::max(l2, 0.0f)) * std::sqrt(2.0f * dim / static_cast<float>(kPi));
        }
        case OMEN_METRIC_JACCARD:
            return jaccard_from_parts(rr + oca + ocb + mean_sq, na * na + 2 * oca + mean_sq, nb * nb + 2 * ocb + mean_sq);
        default: return na * na + nb * nb - 2 * rr;
    }
}

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
