// test_hnsw_util.hpp: data generators, brute force and an in-memory omen_storage_t for the HNSW,
// quantizer and C ABI unit tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

#include "omendb/omen_core.h"

namespace omen_test {

struct Data {
    uint32_t n = 0, dim = 0;
    std::vector<float> v;
    const float* row(uint32_t i) const { return v.data() + static_cast<size_t>(i) * dim; }
};

// Gaussian vectors (clusters == 0) or points around `clusters` Gaussian centres; the centres
// depend only on (dim, clusters), so base rows and queries made with different seeds share them.
inline Data make_data(uint32_t n, uint32_t dim, uint32_t clusters, uint64_t seed) {
    Data d;
    d.n = n;
    d.dim = dim;
    d.v.resize(static_cast<size_t>(n) * dim);
    std::mt19937_64 rng(1000003ull * dim + clusters);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> centres(static_cast<size_t>(std::max(clusters, 1u)) * dim);
    for (auto& c : centres) c = g(rng);
    rng.seed(seed);
    std::uniform_int_distribution<uint32_t> pick(0, clusters ? clusters - 1 : 0);
    for (uint32_t i = 0; i < n; i++) {
        const float* c = clusters ? &centres[static_cast<size_t>(pick(rng)) * dim] : nullptr;
        for (uint32_t j = 0; j < dim; j++) d.v[static_cast<size_t>(i) * dim + j] = (c ? c[j] : 0.0f) + (c ? 0.35f : 1.0f) * g(rng);
    }
    return d;
}

// n rows of dim 0/1 values: each row flips each bit of one of `clusters` random prototypes
// (a fraction `density` of bits set) with probability `flip`.
inline Data make_bits(uint32_t n, uint32_t dim, uint32_t clusters, float density, float flip, uint64_t seed) {
    Data d;
    d.n = n;
    d.dim = dim;
    d.v.resize(static_cast<size_t>(n) * dim);
    std::mt19937_64 rng(77 + dim);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> protos(static_cast<size_t>(clusters) * dim);
    for (auto& p : protos) p = u(rng) < density ? 1.0f : 0.0f;
    rng.seed(seed);
    std::uniform_int_distribution<uint32_t> pick(0, clusters - 1);
    for (uint32_t i = 0; i < n; i++) {
        const float* p = &protos[static_cast<size_t>(pick(rng)) * dim];
        for (uint32_t j = 0; j < dim; j++) {
            float b = p[j];
            if (u(rng) < flip) b = 1.0f - b;
            d.v[static_cast<size_t>(i) * dim + j] = b;
        }
    }
    return d;
}

// Exact distance in SQL units, in double.
inline double exact_distance(uint32_t metric, const float* a, const float* b, uint32_t dim) {
    double s = 0, aa = 0, bb = 0;
    for (uint32_t j = 0; j < dim; j++) {
        double x = a[j], y = b[j];
        switch (metric) {
            case OMEN_METRIC_L2: s += (x - y) * (x - y); break;
            case OMEN_METRIC_L1: s += std::fabs(x - y); break;
            default: s += x * y; aa += x * x; bb += y * y; break;
        }
    }
    switch (metric) {
        case OMEN_METRIC_L2: return std::sqrt(s);
        case OMEN_METRIC_L1: return s;
        case OMEN_METRIC_IP: return -s;
        case OMEN_METRIC_JACCARD: return aa + bb - s == 0 ? 1.0 : 1.0 - s / (aa + bb - s);
        default: return 1.0 - s / std::sqrt(aa * bb);
    }
}

// Indexes of the k nearest base rows of each query (only rows with alive[i], if given).
inline std::vector<std::vector<uint32_t>> brute_force(const Data& base, const Data& queries, uint32_t metric,
                                                      uint32_t k, const std::vector<bool>* alive = nullptr) {
    std::vector<std::vector<uint32_t>> gt(queries.n);
    std::vector<std::pair<double, uint32_t>> all;
    for (uint32_t q = 0; q < queries.n; q++) {
        all.clear();
        for (uint32_t i = 0; i < base.n; i++)
            if (!alive || (*alive)[i]) all.emplace_back(exact_distance(metric, queries.row(q), base.row(i), base.dim), i);
        size_t kk = std::min<size_t>(k, all.size());
        std::partial_sort(all.begin(), all.begin() + kk, all.end());
        for (size_t j = 0; j < kk; j++) gt[q].push_back(all[j].second);
    }
    return gt;
}

inline double recall(const std::vector<uint32_t>& got, const std::vector<uint32_t>& truth) {
    if (truth.empty()) return 1.0;
    size_t hit = 0;
    for (uint32_t t : truth)
        if (std::find(got.begin(), got.end(), t) != got.end()) hit++;
    return static_cast<double>(hit) / static_cast<double>(truth.size());
}

// Records in a hash map keyed by shim id; read() copies prefixes.  fail_after >= 0 makes the
// read callback fail once that many reads have succeeded.
struct MemStorage {
    std::unordered_map<uint32_t, std::vector<uint8_t>> recs;
    long reads = 0;
    long fail_after = -1;
    omen_storage_t st{};

    MemStorage() {
        st.ctx = this;
        st.read = &MemStorage::read_cb;
    }
    MemStorage(const MemStorage&) = delete;

    static int read_cb(void* ctx, const uint32_t* ids, uint32_t n, uint8_t* out, uint32_t stride) {
        MemStorage* s = static_cast<MemStorage*>(ctx);
        if (s->fail_after >= 0 && s->reads >= s->fail_after) return 1;
        s->reads++;
        for (uint32_t i = 0; i < n; i++) {
            auto it = s->recs.find(ids[i]);
            if (it == s->recs.end()) return 1;
            size_t len = std::min<size_t>(stride, it->second.size());
            std::memcpy(out + static_cast<size_t>(i) * stride, it->second.data(), len);
        }
        return 0;
    }
    void apply(const omen_insert_plan_t* plan, uint32_t new_id) {
        if (plan->record) recs[new_id].assign(plan->record, plan->record + plan->record_len);
        for (uint32_t e = 0; e < plan->n_edits; e++) {
            std::vector<uint8_t>& r = recs.at(plan->edits[e].id);
            if (r.size() != plan->edits[e].len) std::abort();
            std::memcpy(r.data(), plan->edits[e].record, plan->edits[e].len);
        }
    }
};

inline uint32_t shim_id(uint32_t i) { return i * 7 + 3; }

}  // namespace omen_test
