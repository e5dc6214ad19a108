// record.hpp: the authoritative byte layout of an OmenDB HNSW node record.
//
// A record is a byte string produced by the core and stored verbatim by the shim.  All fields are
// little-endian; the core reads and writes them with memcpy, so a record may sit at any alignment.
//
//   offset  size              field
//   0       8                 payload (uint64, opaque to the core; the shim stores a heap TID)
//   8       1                 level (uint8, 0 .. max_level)
//   9       1                 flags (bit 0: deleted; other bits zero on disk.  Bit 1, rejected,
//                             exists only in the copies a scan's storage callback hands the core:
//                             the node fails the scan's filter, so it is traversed, never returned)
//   10      2                 reserved (zero)
//   12      4 * ncorr         quantizer corrections (float32), ncorr = 0 for quant none, 3 for
//                             binary / rabitq: |r|, a scale factor (binary: <xbar, r/|r|>,
//                             rabitq: |r|^2 / <d, r>) and <o - c, c> (see quantizer.hpp)
//   H       code_bytes        the code: float32[dim] for quant none; for binary / rabitq bit planes
//                             of D' bits each (bit i = byte i/8, bit i%8, LSB first; D' = dim
//                             rounded up to a power of two; each plane padded with zero bytes to
//                             a multiple of 4 = plane_bytes): binary has one plane (the sign bits
//                             of r, the rotated centred vector), rabitq two: the sign plane, then
//                             the low bit of the 2-bit level of each coordinate
//   P       4 * 2m            layer-0 neighbour ids (uint32); empty slots are OMEN_INVALID_ID and
//                             always come after the used ones
//   P+8m    4 * m per level   one neighbour list per level 1 .. level
//
// H = 12 + 4 * ncorr; P = H + code_bytes is the prefix size (everything a distance estimate needs).
// The record size is P + 4 * (2m + level * m): it depends only on the parameters and the level and
// never changes after creation, so every update is an in-place overwrite.  The level is capped at
// max_level (see Layout::max_level) so that records stay well under a PostgreSQL page.
//
// Includes no PostgreSQL headers.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "omendb/omen_core.h"

namespace omendb::core {

constexpr uint32_t kInvalid = OMEN_INVALID_ID;
constexpr uint32_t kBaseHeader = 12;
constexpr uint32_t kOffPayload = 0;
constexpr uint32_t kOffLevel = 8;
constexpr uint32_t kOffFlags = 9;
constexpr uint32_t kOffCorr = 12;
constexpr uint8_t kFlagDeleted = 1;
constexpr uint8_t kFlagRejected = 2;
constexpr uint32_t kLevelCap = 16;

// Dimension of the rotated space of the quantized modes: dim rounded up to a power of two.
inline uint32_t rot_dim_for(uint32_t dim) {
    uint32_t d = 1;
    while (d < dim) d <<= 1;
    return d;
}

inline uint64_t rec_payload(const uint8_t* r) {
    uint64_t p;
    std::memcpy(&p, r + kOffPayload, 8);
    return p;
}
inline uint32_t rec_level(const uint8_t* r) { return r[kOffLevel]; }
inline bool rec_deleted(const uint8_t* r) { return (r[kOffFlags] & kFlagDeleted) != 0; }
// A scan may not return this node: deleted, or rejected by the scan's filter.
inline bool rec_skip(const uint8_t* r) { return (r[kOffFlags] & (kFlagDeleted | kFlagRejected)) != 0; }
inline float rec_corr(const uint8_t* r, int i) {
    float f;
    std::memcpy(&f, r + kOffCorr + 4 * i, 4);
    return f;
}
inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
inline void store_u32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }

// Sizes and offsets of a record for one set of parameters.
struct Layout {
    uint32_t dim = 0;
    uint32_t quant = 0;
    uint32_t m = 0;
    uint32_t ncorr = 0;
    uint32_t header = 0;
    uint32_t code_bytes = 0;
    uint32_t plane_bytes = 0;  // one bit plane (binary / rabitq)
    uint32_t prefix = 0;
    uint32_t max_level = 0;

    Layout() = default;
    Layout(uint32_t dim_, uint32_t quant_, uint32_t m_) : dim(dim_), quant(quant_), m(m_) {
        ncorr = quant == OMEN_QUANT_NONE ? 0 : 3;
        header = kBaseHeader + 4 * ncorr;
        plane_bytes = ((rot_dim_for(dim) + 7) / 8 + 3) / 4 * 4;
        code_bytes = quant == OMEN_QUANT_NONE ? 4 * dim : quant == OMEN_QUANT_RABITQ ? 2 * plane_bytes : plane_bytes;
        prefix = header + code_bytes;
        // Cap the level where a node that high has probability < ~1e-12 per insert
        // (P(level >= L) = m^-L with the 1/ln(m) multiplier), and never above kLevelCap.
        double l = std::ceil(12.0 / std::log10(static_cast<double>(m < 2 ? 2 : m)));
        max_level = l > kLevelCap ? kLevelCap : static_cast<uint32_t>(l);
    }
    uint32_t slots(uint32_t level) const { return level == 0 ? 2 * m : m; }
    uint32_t record_size(uint32_t level) const { return prefix + 4 * (2 * m + level * m); }
    uint32_t max_record_size() const { return record_size(max_level); }
    // Byte offset of the neighbour list of `level` inside a record.
    uint32_t list_offset(uint32_t level) const {
        return level == 0 ? prefix : prefix + 4 * (2 * m + (level - 1) * m);
    }
};

// The one way to read a neighbour list: call f(id) for each used slot of rec's list at `level`, in
// slot order, up to the first empty slot.  The caller checks that rec_level(rec) >= level.
template <class F>
inline void for_each_link(const Layout& lay, const uint8_t* rec, uint32_t level, F&& f) {
    const uint8_t* l = rec + lay.list_offset(level);
    const uint32_t slots = lay.slots(level);
    for (uint32_t i = 0; i < slots; i++) {
        const uint32_t v = load_u32(l + 4 * i);
        if (v == kInvalid) break;
        f(v);
    }
}

}  // namespace omendb::core

#ifdef POSTGRES_H
#error "src/core must not include PostgreSQL headers"
#endif
