// params.cpp: see params.hpp.  Includes no PostgreSQL headers.
#include "core/params.hpp"

#include <cmath>

namespace omendb::core {

bool params_valid(const omen_params_t& p) {
    if (p.dim < 1 || p.dim > OMEN_MAX_DIM) return false;
    if (p.metric > OMEN_METRIC_JACCARD) return false;
    if (p.quant > OMEN_QUANT_RABITQ) return false;
    if (p.m < OMEN_MIN_M || p.m > OMEN_MAX_M) return false;
    if (p.ef_construction < 2 * p.m || p.ef_construction > OMEN_MAX_EF_CONSTRUCTION) return false;
    return true;
}

uint32_t random_level(double u, uint32_t m, uint32_t max_level) {
    if (!(u >= 0.0) || u >= 1.0) u = 0.0;
    double l = -std::log(1.0 - u) / std::log(static_cast<double>(m));
    if (!(l < static_cast<double>(max_level))) return max_level;
    return static_cast<uint32_t>(l);
}

}  // namespace omendb::core
