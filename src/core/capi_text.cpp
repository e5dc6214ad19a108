// capi_text.cpp: fast text-to-float for the vector type's input function.  Includes no
// PostgreSQL headers.
//
// strtof was the largest single cost of parsing a vector literal (a k-NN query sent as text, a
// text COPY): it is locale-aware and rounds through multi-precision arithmetic.  std::from_chars
// (libstdc++ 12: the Eisel-Lemire algorithm with a correctly rounded fallback) gives the same
// float for every decimal string.  Only what both parse identically takes the fast path; the rest
// goes back to strtof, so behaviour and error reporting stay the shim's.
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

#include "omendb/omen_core.h"

extern "C" int omen_parse_float(const char* p, const char* limit, const char** end, float* out) {
    if (p == nullptr || limit == nullptr || p >= limit) return 0;
    // from_chars takes no '+' and reads hex only on request; a leading '0x' is left to strtof
    // by the check on the following character below.
    float v = 0.0f;
    std::from_chars_result r = std::from_chars(p, limit, v, std::chars_format::general);
    if (r.ec != std::errc() || r.ptr == p || !std::isfinite(v)) return 0;
    // strtof could read further (hex "0x1p3", "nan(...)", "infinity", "1e" is fine but rare):
    // when a letter, digit, '.', '(' or '_' follows, let strtof decide.
    if (r.ptr < limit) {
        unsigned char c = static_cast<unsigned char>(*r.ptr);
        if (std::isalnum(c) || c == '.' || c == '(' || c == '_') return 0;
    }
    // Infinity and NaN spelled as words parse to non-finite values and were rejected above.
    *out = v;
    *end = r.ptr;
    return 1;
}
