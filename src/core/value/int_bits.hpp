// Bit counts and shifts of a Seq Int, in the two models the compilers use.
//
// An Int holds 63 bits (the stack slot's low bit is the tag). The seqc 5.4.0
// compiler inlines these words on the sign-extended 64-bit value (popcount
// -1 = 64, clz 0 = 64, int-bits = 64, shift results re-tagged, losing bit
// 62), and its runtime did the same; seqc 7.x inlines them on the 63 value
// bits (popcount -1 = 63, clz/ctz 0 = 63, int-bits = 63, a shift result
// outside the 63-bit range is 0). The runtime words must agree bit for bit
// with the inline code of the compiler that calls them, so the width is a
// parameter and src/abi passes its archive's.
#pragma once

#include <bit>
#include <cstdint>

namespace seq {

enum class IntWidth { Bits64, Bits63 };

inline constexpr int64_t kInt63Min = -(int64_t{1} << 62);
inline constexpr int64_t kInt63Max = (int64_t{1} << 62) - 1;

constexpr int64_t int_bit_width(IntWidth w) {
    return w == IntWidth::Bits63 ? 63 : 64;
}

constexpr int64_t int_popcount(int64_t v, IntWidth w) {
    uint64_t bits = static_cast<uint64_t>(v);
    // Bit 63 of a 63-bit value is only its sign extension.
    if (w == IntWidth::Bits63) bits &= ~(uint64_t{1} << 63);
    return std::popcount(bits);
}

constexpr int64_t int_clz(int64_t v, IntWidth w) {
    int64_t n = std::countl_zero(static_cast<uint64_t>(v));
    // The sign-extension bit is not a value bit: one fewer leading zero for a
    // non-negative value (clz 0 = 63), none for a negative one.
    return w == IntWidth::Bits63 && n > 0 ? n - 1 : n;
}

constexpr int64_t int_ctz(int64_t v, IntWidth w) {
    if (v == 0) return int_bit_width(w);
    return std::countr_zero(static_cast<uint64_t>(v));
}

// Counts outside 0..63 give 0 in both models.
constexpr int64_t int_shl(int64_t v, int64_t n, IntWidth w) {
    if (n < 0 || n >= 64) return 0;
    auto r = static_cast<int64_t>(static_cast<uint64_t>(v) << n);
    if (w == IntWidth::Bits63 && (r < kInt63Min || r > kInt63Max)) return 0;
    return r;
}

// Logical: the sign-extended 64-bit value shifted with zero fill, so in the
// 64-bit model -1 shr 1 = 2^63 - 1 (which re-tags to -1), in the 63-bit one 0.
constexpr int64_t int_shr(int64_t v, int64_t n, IntWidth w) {
    if (n < 0 || n >= 64) return 0;
    auto r = static_cast<int64_t>(static_cast<uint64_t>(v) >> n);
    if (w == IntWidth::Bits63 && (r < kInt63Min || r > kInt63Max)) return 0;
    return r;
}

}  // namespace seq
