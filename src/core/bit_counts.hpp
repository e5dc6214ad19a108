// bit_counts.hpp: bit counts over codes in 64-bit words (Hamming distance, and the counts behind
// the symmetric estimate between two 2-bit rabitq codes, Quantizer::pair), written once and
// compiled by each kernel translation unit with that unit's flags: with -mpopcnt a count is one
// instruction, in the baseline build a libgcc call.  The anonymous namespace gives every unit its
// own copy, so that one built for an instruction set is never called from another's table.
// Includes no PostgreSQL headers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace omendb::core {
namespace {

// Hamming distance between a and b from byte `from` on, a word at a time.
inline std::uint64_t hamming_words_impl(const std::uint8_t* a, const std::uint8_t* b, std::size_t from,
                                        std::size_t nbytes) {
    std::uint64_t s = 0;
    std::size_t i = from;
    for (; i + 8 <= nbytes; i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        s += static_cast<std::uint64_t>(__builtin_popcountll(x ^ y));
    }
    for (; i < nbytes; i++) s += static_cast<std::uint64_t>(__builtin_popcount(unsigned(a[i] ^ b[i])));
    return s;
}

// Codes of `bits` coordinates, each a sign plane (s) and a low plane (l) of ceil(bits/8) bytes.
// With big = the planes agree (the outer level) and x = the two signs differ, out[] receives:
// [0] big_a, [1] big_b, [2] big_a & big_b, [3] x, [4] x & big_a, [5] x & big_b, [6] x & big_a & big_b.
inline void code_pair_counts_impl(const std::uint8_t* sa, const std::uint8_t* la, const std::uint8_t* sb,
                                  const std::uint8_t* lb, std::uint32_t bits, std::uint64_t out[7]) {
    std::uint64_t a1 = 0, b1 = 0, ab = 0, e = 0, ea = 0, eb = 0, eab = 0;
    auto count = [&](std::uint64_t s_a, std::uint64_t l_a, std::uint64_t s_b, std::uint64_t l_b, std::uint64_t valid) {
        const std::uint64_t ba = ~(s_a ^ l_a) & valid, bb = ~(s_b ^ l_b) & valid, x = (s_a ^ s_b) & valid;
        a1 += static_cast<std::uint64_t>(__builtin_popcountll(ba));
        b1 += static_cast<std::uint64_t>(__builtin_popcountll(bb));
        ab += static_cast<std::uint64_t>(__builtin_popcountll(ba & bb));
        e += static_cast<std::uint64_t>(__builtin_popcountll(x));
        ea += static_cast<std::uint64_t>(__builtin_popcountll(x & ba));
        eb += static_cast<std::uint64_t>(__builtin_popcountll(x & bb));
        eab += static_cast<std::uint64_t>(__builtin_popcountll(x & ba & bb));
    };
    const std::uint32_t nbytes = (bits + 7) / 8;
    std::uint32_t j = 0;
    // whole words: fixed-size loads (a variable-length memcpy per word was a library call, a third
    // of a pair estimate's time when inserts prune neighbour lists)
    for (; j + 8 <= nbytes && bits - j * 8 >= 64; j += 8) {
        std::uint64_t w[4];
        std::memcpy(&w[0], sa + j, 8);
        std::memcpy(&w[1], la + j, 8);
        std::memcpy(&w[2], sb + j, 8);
        std::memcpy(&w[3], lb + j, 8);
        count(w[0], w[1], w[2], w[3], ~0ull);
    }
    if (j < nbytes) {
        std::uint64_t w[4] = {0, 0, 0, 0};
        const std::uint32_t n = std::min<std::uint32_t>(8, nbytes - j);
        std::memcpy(&w[0], sa + j, n);
        std::memcpy(&w[1], la + j, n);
        std::memcpy(&w[2], sb + j, n);
        std::memcpy(&w[3], lb + j, n);
        const std::uint32_t left = bits - j * 8;
        count(w[0], w[1], w[2], w[3], left >= 64 ? ~0ull : ((1ull << left) - 1));
    }
    out[0] = a1;
    out[1] = b1;
    out[2] = ab;
    out[3] = e;
    out[4] = ea;
    out[5] = eb;
    out[6] = eab;
}

}  // namespace
}  // namespace omendb::core
