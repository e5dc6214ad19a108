// distance.hpp: the one definition of each SQL distance, i.e. the value the operators <-> (L2),
// <#> (negative inner product), <=> (cosine) and <+> (L1) return.  The SQL functions call it
// through omen_distance(), and index scans through Index::sql_distance() and, for indexes that
// store float vectors, sql_from_internal(): so the value an index scan orders rows by is, bit for
// bit, the value the SELECT list shows for the same row.
//
// Each distance is a kernel result (float, from the kernel set in use) widened to double and
// finished in double: L2 = sqrt(l2sq), IP = -dot, L1 = l1, cosine = 1 - dot / sqrt(|a|^2 |b|^2)
// clamped to [0, 2], NaN when either vector has zero norm; Jaccard (bit strings as 0/1 elements)
// = 1 - dot / (|a|^2 + |b|^2 - dot) from the cosine kernel's three sums, which are exact integers
// for 0/1 vectors (below 2^24), so it equals the bit-string jaccard_distance() bit for bit; 1 when
// both are empty.  Every kernel is symmetric in its two
// arguments element by element, so the order of a and b never changes a bit of the result.
//
// Includes no PostgreSQL headers.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/kernels.hpp"
#include "omendb/omen_core.h"

namespace omendb::core {

inline double sql_distance(const KernelTable& k, uint32_t metric, const float* a, const float* b, uint32_t n) {
    switch (metric) {
        case OMEN_METRIC_L2: return std::sqrt(static_cast<double>(k.l2sq(a, b, n)));
        case OMEN_METRIC_IP: return -static_cast<double>(k.dot(a, b, n));
        case OMEN_METRIC_L1: return static_cast<double>(k.l1(a, b, n));
        case OMEN_METRIC_JACCARD: {
            float p[3];
            k.cosine_parts(a, b, n, p);
            const double both = p[0];
            const double either = static_cast<double>(p[1]) + static_cast<double>(p[2]) - both;
            if (either == 0.0) return 1.0;
            return 1.0 - both / either;
        }
        default: {
            float p[3];
            k.cosine_parts(a, b, n, p);
            const double denom = std::sqrt(static_cast<double>(p[1]) * static_cast<double>(p[2]));
            if (denom == 0.0) return std::numeric_limits<double>::quiet_NaN();
            double sim = static_cast<double>(p[0]) / denom;
            // Rounding can push |sim| a little past 1 for (anti)parallel vectors.
            if (sim > 1.0) sim = 1.0;
            if (sim < -1.0) sim = -1.0;
            return 1.0 - sim;
        }
    }
}

// The SQL distance from an exact internal distance between two unprepared vectors (quant none;
// L2: l2sq, IP: -dot, L1: l1, as Quantizer::exact computes them with the same kernels).  Cosine
// indexes store normalised vectors, so their internal distance is not the SQL one: never call this
// for cosine (Index::exact_candidates() says when it applies).
inline double sql_from_internal(uint32_t metric, float d) {
    return metric == OMEN_METRIC_L2 ? std::sqrt(std::fmax(static_cast<double>(d), 0.0)) : static_cast<double>(d);
}

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
