#include "core/words/math.hpp"

#include <bit>
#include <cstring>

#include "core/value/value.hpp"

namespace seq::math {

std::optional<int64_t> checked_pow(int64_t base, int64_t exp) {
    // Upstream's bounds (an exponent that fits a u32), checked before the
    // shortcuts so 1^(2^40) fails as it does there.
    if (exp < 0 || exp > int64_t{UINT32_MAX}) return std::nullopt;
    if (exp == 0) return 1;
    if (base == 0 || base == 1) return base;
    if (base == -1) return (exp & 1) ? -1 : 1;
    // |base| >= 2 leaves the 63-bit range within 62 multiplications, so the
    // loop is short; the check is against Seq's Int range, not int64's.
    int64_t r = 1;
    for (int64_t i = 0; i < exp; ++i) {
        if (__builtin_mul_overflow(r, base, &r) || r > kIntMax || r < kIntMin) return std::nullopt;
    }
    return r;
}

std::array<char, 4> i32_be_bytes(int64_t n) {
    auto u = static_cast<uint32_t>(static_cast<uint64_t>(n));
    return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
            static_cast<char>(u)};
}

std::array<char, 4> f32_be_bytes(double x) {
    // A finite double beyond float's range converts to +-inf under IEEE 754
    // (round to nearest), which is what the hardware conversion does.
    return i32_be_bytes(std::bit_cast<uint32_t>(static_cast<float>(x)));
}

}  // namespace seq::math
