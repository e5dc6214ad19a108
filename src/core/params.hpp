// params.hpp: index parameters shared by the builder, inserts and opened indexes.
// Includes no PostgreSQL headers.
#pragma once

#include <cstdint>

#include "omendb/omen_core.h"

namespace omendb::core {

// The checks of omen_params_check.
bool params_valid(const omen_params_t& p);

// Level for a uniform u in [0, 1): floor(-ln(1 - u) / ln(m)), capped at max_level.
uint32_t random_level(double u, uint32_t m, uint32_t max_level);

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
