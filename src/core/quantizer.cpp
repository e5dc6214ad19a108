// quantizer.cpp: see quantizer.hpp.  Includes no PostgreSQL headers.
#include "core/quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace omendb::core {

namespace {
constexpr uint32_t kQuantMagic = 0x32514d4fu;  // "OMQ2"

uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Correlation of two 2-bit codes against the correlation of the vectors they code.  Coordinates of
// a randomly rotated vector divided by |r| / sqrt(D') are close to standard normal; for a pair of
// vectors with correlation rho they are close to a standard bivariate normal pair (X, Y), and the
// codes' normalised inner product <d_a, d_b> / (|d_a| |d_b|) concentrates on
//   g(rho) = E[Q(X) Q(Y)] / E[Q(X)^2]
// with Q the 4-level quantiser.  g is odd and increasing, with g(1) = 1; pair() inverts it.
//
// g comes from Price's theorem: d/drho E[Q(X) Q(Y)] = E[Q'(X) Q'(Y)].  Q is a step function (steps
// J = L - 1, 2, L - 1 at a = -t, 0, t), so Q' is a sum of point masses and the derivative is
// sum_ij J_i J_j phi2(a_i, a_j; rho), phi2 the bivariate normal density.  With rho = sin(theta) the
// 1 / sqrt(1 - rho^2) of phi2 cancels against d rho = cos(theta) d theta, leaving the smooth
//   dE/dtheta = sum_ij J_i J_j exp(-(a_i^2 - 2 sin(theta) a_i a_j + a_j^2) / (2 cos^2 theta)) / 2 pi,
// integrated from E = 0 at rho = 0 by 8-point Gauss-Legendre between grid points: under a
// millisecond per process.  (Integrating E[Q(X) E[Q(Y) | X]] over x by the trapezoid rule, as this
// did before, cost 70-90 ms of erfc calls in each backend's first insert, and its steps across Q's
// jumps left g off by up to 0.004.)
class CodeCorrelation {
public:
    static const CodeCorrelation& get() {
        static const CodeCorrelation table;
        return table;
    }
    // rho for a code correlation c in [-1, 1].
    double rho(double c) const {
        c = std::min(std::max(c, -1.0), 1.0);
        const double x = (c + 1.0) * 0.5 * kN;
        const size_t i = std::min(static_cast<size_t>(x), static_cast<size_t>(kN - 1));
        const double f = x - static_cast<double>(i);
        return inv_[i] + f * (inv_[i + 1] - inv_[i]);
    }
    // g(rho) as tabulated (for tests).
    double forward(double rho) const {
        const double x = (std::min(std::max(rho, -1.0), 1.0) + 1.0) * 0.5 * kF;
        const size_t i = std::min(static_cast<size_t>(x), static_cast<size_t>(kF - 1));
        const double f = x - static_cast<double>(i);
        return g_[i] + f * (g_[i + 1] - g_[i]);
    }

private:
    static constexpr int kN = 1024;  // inverse table: rho at code correlations -1 + 2i / kN
    static constexpr int kF = 2048;  // forward table: g at rho = -1 + 2k / kF
    double inv_[kN + 1];
    double g_[kF + 1];

    CodeCorrelation() {
        const double t = kLevelThreshold, L = kLevelOuter;
        const double a[3] = {-t, 0.0, t}, jump[3] = {L - 1.0, 2.0, L - 1.0};
        const double outer = std::erfc(t / std::sqrt(2.0));  // P(|X| > t)
        const double q2 = L * L * outer + (1.0 - outer);     // E[Q(X)^2]
        auto slope = [&](double theta) {                     // dE/dtheta
            const double s = std::sin(theta), c = std::cos(theta), c2 = 2.0 * c * c;
            double sum = 0.0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    sum += jump[i] * jump[j] * std::exp(-(a[i] * a[i] - 2.0 * s * a[i] * a[j] + a[j] * a[j]) / c2);
            return sum / (2.0 * kPi);
        };
        static const double node[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                       0.9602898564975363};
        static const double weight[4] = {0.3626837833783620, 0.3137066238270715, 0.2223810344533745,
                                         0.1012285362903763};
        g_[kF / 2] = 0.0;
        double e = 0.0, prev = 0.0;
        for (int k = kF / 2 + 1; k <= kF; k++) {
            const double theta = std::asin(std::min(1.0, -1.0 + 2.0 * k / kF));
            const double mid = 0.5 * (prev + theta), half = 0.5 * (theta - prev);
            double part = 0.0;
            for (int i = 0; i < 4; i++) part += weight[i] * (slope(mid - half * node[i]) + slope(mid + half * node[i]));
            e += part * half;
            prev = theta;
            g_[k] = e / q2;
            g_[kF - k] = -g_[k];
        }
        int j = 0;
        for (int i = 0; i <= kN; i++) {
            const double c = -1.0 + 2.0 * i / kN;
            while (j < kF - 1 && g_[j + 1] < c) j++;
            const double span = g_[j + 1] - g_[j];
            const double f = span > 0 ? std::min(std::max((c - g_[j]) / span, 0.0), 1.0) : 0.0;
            inv_[i] = -1.0 + 2.0 * (j + f) / kF;
        }
        inv_[0] = -1.0;
        inv_[kN] = 1.0;
    }
};
}  // namespace

double code_correlation_of(double rho) { return CodeCorrelation::get().forward(rho); }
double code_correlation_inverse(double c) { return CodeCorrelation::get().rho(c); }

Quantizer::Quantizer(uint32_t dim_, uint32_t metric_, uint32_t quant_, uint32_t m_, uint64_t seed)
    : dim(dim_), metric(metric_), quant(quant_), layout(dim_, quant_, m_) {
    const KernelTable& k = kernels();
    exact_fn_ = metric == OMEN_METRIC_IP ? k.dot : metric == OMEN_METRIC_L1 ? k.l1 : k.l2sq;
    exact_sign_ = metric == OMEN_METRIC_IP ? -1.0f : 1.0f;
    if (quantized()) {
        mean.assign(dim, 0.0f);
        rot_dim = rot_dim_for(dim);
        rot_seed = seed;
        make_rotation();
    }
}

void Quantizer::make_rotation() {
    signs_.resize(3 * static_cast<size_t>(rot_dim));
    uint64_t x = rot_seed ^ 0x6F6D656E64627271ull;
    for (float& f : signs_) f = (splitmix64(x) >> 63) ? -1.0f : 1.0f;
    cos_table_.resize(rot_dim + 1);
    for (uint32_t h = 0; h <= rot_dim; h++)
        cos_table_[h] = static_cast<float>(std::cos(kPi * static_cast<double>(h) / static_cast<double>(rot_dim)));
}

void Quantizer::rotate(const float* v, float* out, float* vc) const {
    double dc = 0;
    for (uint32_t i = 0; i < dim; i++) {
        out[i] = v[i] - mean[i];
        dc += static_cast<double>(out[i]) * mean[i];
    }
    for (uint32_t i = dim; i < rot_dim; i++) out[i] = 0.0f;
    const KernelTable& k = kernels();
    for (int round = 0; round < 3; round++)
        k.signed_fwht(out, signs_.data() + static_cast<size_t>(round) * rot_dim, rot_dim);
    // Three unnormalised transforms scale by rot_dim^(3/2).
    const float s = 1.0f / (static_cast<float>(rot_dim) * std::sqrt(static_cast<float>(rot_dim)));
    for (uint32_t i = 0; i < rot_dim; i++) out[i] *= s;
    if (vc) *vc = static_cast<float>(dc);
}

void Quantizer::prepare(const float* in, float* out) const {
    std::memcpy(out, in, sizeof(float) * dim);
    if (metric == OMEN_METRIC_COSINE) {
        float n2 = kernels().dot(in, in, dim);
        if (n2 > 0.0f && std::isfinite(n2)) {
            float inv = 1.0f / std::sqrt(n2);
            for (uint32_t i = 0; i < dim; i++) out[i] *= inv;
        }
    }
}

void Quantizer::set_mean(const std::vector<double>& sums, size_t n) {
    if (!quantized()) return;
    double s = 0;
    for (uint32_t j = 0; j < dim; j++) {
        mean[j] = n ? static_cast<float>(sums[j] / static_cast<double>(n)) : 0.0f;
        s += static_cast<double>(mean[j]) * mean[j];
    }
    mean_sq = static_cast<float>(s);
}

void Quantizer::encode(const float* o, uint8_t* rec) const {
    if (!quantized()) {
        std::memcpy(rec + layout.header, o, sizeof(float) * dim);
        return;
    }
    std::vector<float> r(rot_dim);
    float ocf;
    rotate(o, r.data(), &ocf);
    uint8_t* sign = rec + layout.header;
    uint8_t* low = sign + layout.plane_bytes;
    std::memset(sign, 0, layout.code_bytes);
    double n2 = 0, abs_sum = 0;
    for (uint32_t i = 0; i < rot_dim; i++) {
        n2 += static_cast<double>(r[i]) * r[i];
        abs_sum += std::fabs(r[i]);
    }
    // The planes are filled a byte at a time with no branch per coordinate: the signs of a rotated
    // vector are coin flips, and a branch on each one was most of an encode's time.
    for (uint32_t i = 0; i < rot_dim; i += 8) {
        uint32_t byte = 0;
        for (uint32_t k = 0; k < 8 && i + k < rot_dim; k++) byte |= static_cast<uint32_t>(r[i + k] > 0) << k;
        sign[i >> 3] = static_cast<uint8_t>(byte);
    }
    float norm = static_cast<float>(std::sqrt(n2));
    float scale = 0.0f;
    if (quant == OMEN_QUANT_BINARY) {
        scale = n2 > 0 ? static_cast<float>(abs_sum / (std::sqrt(n2) * std::sqrt(static_cast<double>(rot_dim)))) : 0.0f;
    } else {
        const double thr = kLevelThreshold * std::sqrt(n2 / rot_dim);
        double dr = 0;
        for (uint32_t i = 0; i < rot_dim; i += 8) {
            uint32_t byte = 0;
            for (uint32_t k = 0; k < 8 && i + k < rot_dim; k++) {
                const float x = r[i + k];
                const bool pos = x > 0, big = std::fabs(x) > thr;
                // k = b0 + 2 b1: 3 = +L, 2 = +1, 1 = -1, 0 = -L; b0 = (pos == big).
                byte |= static_cast<uint32_t>(pos == big) << k;
                const double mag = big ? static_cast<double>(kLevelOuter) : 1.0;
                dr += (pos ? mag : -mag) * x;
            }
            low[i >> 3] = static_cast<uint8_t>(byte);
        }
        scale = dr > 0 ? static_cast<float>(n2 / dr) : 0.0f;
    }
    std::memcpy(rec + kOffCorr, &norm, 4);
    std::memcpy(rec + kOffCorr + 4, &scale, 4);
    std::memcpy(rec + kOffCorr + 8, &ocf, 4);
}

size_t Quantizer::serialized_size() const { return quantized() ? 16 + 4 * static_cast<size_t>(dim) : 0; }

void Quantizer::serialize(uint8_t* out) const {
    if (!quantized()) return;
    std::memcpy(out, &kQuantMagic, 4);
    std::memcpy(out + 4, &dim, 4);
    std::memcpy(out + 8, &rot_seed, 8);
    std::memcpy(out + 16, mean.data(), 4 * static_cast<size_t>(dim));
}

bool Quantizer::deserialize(const uint8_t* in, size_t len) {
    if (!quantized()) return true;
    if (len != serialized_size() || !in) return false;
    uint32_t magic, d;
    std::memcpy(&magic, in, 4);
    std::memcpy(&d, in + 4, 4);
    if (magic != kQuantMagic || d != dim) return false;
    const uint64_t built_with = rot_seed;
    std::memcpy(&rot_seed, in + 8, 8);
    std::memcpy(mean.data(), in + 16, 4 * static_cast<size_t>(dim));
    double s = 0;
    for (uint32_t j = 0; j < dim; j++) {
        if (!std::isfinite(mean[j])) return false;
        s += static_cast<double>(mean[j]) * mean[j];
    }
    mean_sq = static_cast<float>(s);
    // the constructor made the rotation for the parameters' seed, usually this one (every scan
    // opens the index: at 784 dimensions a second rotation table was 4% of a query)
    if (rot_seed != built_with) make_rotation();
    return true;
}

float Quantizer::exact(const float* a, const float* b) const {
    if (metric == OMEN_METRIC_JACCARD) {
        float p[3];
        kernels().cosine_parts(a, b, dim, p);
        return jaccard_from_parts(p[0], p[1], p[2]);
    }
    return exact_sign_ * exact_fn_(a, b, dim);
}

float Quantizer::pair(const uint8_t* pa, const uint8_t* pb) const {
    if (!quantized()) {
        return exact(reinterpret_cast<const float*>(pa + layout.header),
                     reinterpret_cast<const float*>(pb + layout.header));
    }
    const float na = rec_corr(pa, 0), nb = rec_corr(pb, 0), oca = rec_corr(pa, 2), ocb = rec_corr(pb, 2);
    if (quant != OMEN_QUANT_RABITQ) {
        uint64_t h = kernels().hamming(pa + layout.header, pb + layout.header, layout.plane_bytes);
        return sym_estimate(h, na, nb, oca, ocb);
    }
    // Level of coordinate i: +-1 where the sign and low planes differ, +-L where they agree ("big").
    // With x = the two signs differ, <d_a, d_b> sums over the four big/small combinations the
    // product of the levels times (count - 2 * count where x): seven popcounts per word.  The sign
    // plane alone (Hamming distance) cannot tell apart codes that agree in sign, as a cluster's rows
    // far from the mean do: measured on 48-d clusters, the nearest by estimate was among the 3
    // truly nearest of 40 for 68 of 394 rows with the sign plane, 110 with both planes
    // (test_hnsw.cpp, PairEstimateRanksClusterNeighbours).
    const uint8_t* sa = pa + layout.header;
    const uint8_t* la = sa + layout.plane_bytes;
    const uint8_t* sb = pb + layout.header;
    const uint8_t* lb = sb + layout.plane_bytes;
    const uint32_t bits = rot_dim;
    uint64_t c[7];
    kernels().code_pair_counts(sa, la, sb, lb, bits, c);
    const uint64_t a1 = c[0], b1 = c[1], ab = c[2], e = c[3], ea = c[4], eb = c[5], eab = c[6];
    const double L = kLevelOuter, D = static_cast<double>(bits);
    const double n11 = static_cast<double>(ab), n10 = static_cast<double>(a1 - ab), n01 = static_cast<double>(b1 - ab);
    const double n00 = D - n11 - n10 - n01;
    const double e11 = static_cast<double>(eab), e10 = static_cast<double>(ea - eab), e01 = static_cast<double>(eb - eab);
    const double e00 = static_cast<double>(e) - e11 - e10 - e01;
    const double dot = (n00 - 2 * e00) + L * ((n10 - 2 * e10) + (n01 - 2 * e01)) + L * L * (n11 - 2 * e11);
    const double da = (D - static_cast<double>(a1)) + L * L * static_cast<double>(a1);
    const double db = (D - static_cast<double>(b1)) + L * L * static_cast<double>(b1);
    const double rho = CodeCorrelation::get().rho(dot / std::sqrt(da * db));
    return sym_from_ip(static_cast<float>(na * nb * rho), na, nb, oca, ocb);
}

float Quantizer::to_sql(float d) const {
    switch (metric) {
        case OMEN_METRIC_L2: return std::sqrt(std::max(d, 0.0f));
        case OMEN_METRIC_COSINE: return std::min(std::max(d * 0.5f, 0.0f), 2.0f);
        case OMEN_METRIC_L1: return std::max(d, 0.0f);
        default: return d;
    }
}

void QueryDist::init(const Quantizer& qz, const float* raw, bool symmetric) {
    qz_ = &qz;
    symmetric_ = symmetric;
    k_ = &kernels();
    const uint32_t dim = qz.dim;
    q_.resize(dim);
    qz.prepare(raw, q_.data());
    own_.assign(qz.layout.prefix, 0);
    qz.encode(q_.data(), own_.data());
    if (!qz.quantized()) return;
    qnorm_ = rec_corr(own_.data(), 0);
    double cq = 0;
    for (uint32_t i = 0; i < dim; i++) cq += static_cast<double>(qz.mean[i]) * q_[i];
    cq_ = static_cast<float>(cq);
    if (qz.quant == OMEN_QUANT_RABITQ) {
        r_.resize(qz.rot_dim);
        qz.rotate(q_.data(), r_.data());
        double s = 0;
        for (uint32_t i = 0; i < qz.rot_dim; i++) s += r_[i];
        rsum_ = static_cast<float>(s);
        // Byte lookup tables turn each masked sum into rot_dim/8 loads (FastScan-like); 256 adds per
        // byte to build, so only below a size where a scan amortises them.
        lut_.clear();
        if (qz.rot_dim >= 8 && qz.rot_dim <= 4096) {
            const uint32_t nb = qz.rot_dim / 8;
            lut_.resize(static_cast<size_t>(nb) * 256);
            for (uint32_t j = 0; j < nb; j++) {
                float* t = &lut_[static_cast<size_t>(j) * 256];
                const float* x = &r_[8 * j];
                t[0] = 0.0f;
                for (uint32_t v = 1; v < 256; v++) t[v] = t[v & (v - 1)] + x[__builtin_ctz(v)];
            }
        }
    }
}

float QueryDist::operator()(const uint8_t* p) const {
    const Quantizer& qz = *qz_;
    if (!qz.quantized()) return qz.exact(q_.data(), reinterpret_cast<const float*>(p + qz.layout.header));
    if (qz.quant == OMEN_QUANT_BINARY || symmetric_) {
        // Symmetric: the query's own prefix against the record's.
        // For IP, pair() adds <q - c, c> + |c|^2, which is <c, q>.
        return qz.pair(own_.data(), p);
    }
    // 2-bit asymmetric estimator.
    float no = rec_corr(p, 0), scale = rec_corr(p, 1);
    float rr = 0.0f;
    if (scale != 0.0f) {
        const uint8_t* sign = p + qz.layout.header;
        const uint8_t* low = sign + qz.layout.plane_bytes;
        float ms1, ms0;
        if (!lut_.empty()) {
            const uint32_t nb = qz.rot_dim / 8;
            const float* t = lut_.data();
            float a0 = 0, a1 = 0, b0 = 0, b1 = 0;
            uint32_t j = 0;
            for (; j + 1 < nb; j += 2, t += 512) {
                a0 += t[sign[j]];
                b0 += t[low[j]];
                a1 += t[256 + sign[j + 1]];
                b1 += t[256 + low[j + 1]];
            }
            if (j < nb) {
                a0 += t[sign[j]];
                b0 += t[low[j]];
            }
            ms1 = a0 + a1;
            ms0 = b0 + b1;
        } else {
            ms1 = k_->masked_sum(r_.data(), sign, qz.rot_dim);
            ms0 = k_->masked_sum(r_.data(), low, qz.rot_dim);
        }
        float dq = -kLevelOuter * rsum_ + (kLevelOuter - 1.0f) * ms0 + (kLevelOuter + 1.0f) * ms1;
        rr = scale * dq;
    }
    switch (qz.metric) {
        case OMEN_METRIC_IP: return -(rr + rec_corr(p, 2) + cq_);
        case OMEN_METRIC_L1: {
            float l2 = no * no + qnorm_ * qnorm_ - 2 * rr;
            return std::sqrt(std::max(l2, 0.0f)) * std::sqrt(2.0f * qz.dim / 3.14159265f);
        }
        case OMEN_METRIC_JACCARD: {
            // |q|^2 = |q - c|^2 + 2 <q - c, c> + |c|^2 = qnorm^2 + 2 cq - |c|^2
            const float oc = rec_corr(p, 2);
            return jaccard_from_parts(rr + oc + cq_, no * no + 2 * oc + qz.mean_sq,
                                      qnorm_ * qnorm_ + 2 * cq_ - qz.mean_sq);
        }
        default: return no * no + qnorm_ * qnorm_ - 2 * rr;
    }
}

float QueryDist::error(const uint8_t* p, float d) const {
    const Quantizer& qz = *qz_;
    if (!qz.quantized()) return 0.0f;
    constexpr float kUnknown = std::numeric_limits<float>::infinity();
    if (qz.quant != OMEN_QUANT_RABITQ || symmetric_ || qz.metric == OMEN_METRIC_L1 ||
        qz.metric == OMEN_METRIC_JACCARD)
        return kUnknown;
    const float no = rec_corr(p, 0), scale = rec_corr(p, 1);
    if (scale == 0.0f) return no == 0.0f ? 0.0f : kUnknown;
    // |d|^2: levels are +-1 where the two planes differ and +-L where they agree (padding bits are
    // zero in both planes and count for nothing).
    const uint8_t* sign = p + qz.layout.header;
    const uint8_t* low = sign + qz.layout.plane_bytes;
    // (the dispatched kernel: this file is built for any x86-64, where __builtin_popcount is a
    // libgcc call, 15% of the estimator's time at 784 dimensions)
    const uint32_t inner = static_cast<uint32_t>(k_->hamming(sign, low, qz.layout.plane_bytes));
    const float D = static_cast<float>(qz.rot_dim);
    const float d2 = static_cast<float>(inner) + (D - static_cast<float>(inner)) * kLevelOuter * kLevelOuter;
    const float e2 = std::max(scale * scale * d2 - no * no, 0.0f);
    // The estimate of <r, r_q> that d came from, and the part of r_q orthogonal to r.
    float rr = qz.metric == OMEN_METRIC_IP ? -d - rec_corr(p, 2) - cq_ : (no * no + qnorm_ * qnorm_ - d) * 0.5f;
    float qperp2 = qnorm_ * qnorm_ - (no > 0 ? rr * rr / (no * no) : 0.0f);
    float sigma_ip = std::sqrt(e2 * std::max(qperp2, 0.0f) / D);
    return qz.metric == OMEN_METRIC_IP ? sigma_ip : 2.0f * sigma_ip;
}

}  // namespace omendb::core
