// Numeric words new in seqc 7.x: checked integer power, float math, and the
// big-endian byte encodings binary protocol encoders build payloads from.
//
// The float functions are inline on purpose: their libm calls (sin, pow,
// roundeven, ...) must appear only in the translation unit that defines the
// f.* words (src/abi/math_abi.cpp), which only the 7.x archive contains. Its
// compiler links with -lm; seqc 5.4.0 links with nothing but -lseq_runtime,
// so a libm reference anywhere in core would break every 5.4.0 program.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

namespace seq::math {

// base^exp when exp is in 0..2^32-1 and the result fits the 63-bit Int range;
// 0^0 = 1. Otherwise nullopt.
std::optional<int64_t> checked_pow(int64_t base, int64_t exp);

// The low 32 bits of n as a two's complement i32, most significant byte first.
std::array<char, 4> i32_be_bytes(int64_t n);
// x rounded to the nearest binary32 (ties to even; beyond its range +-inf;
// NaN stays NaN), most significant byte first.
std::array<char, 4> f32_be_bytes(double x);

// Rounds halfway cases to the even neighbour (2.5 -> 2, -0.5 -> -0), as
// upstream's f64::round_ties_even, whatever the FPU's rounding mode.
inline double round_ties_even(double x) {
#if __has_builtin(__builtin_roundeven)
    return __builtin_roundeven(x);
#else
    // clang 14 (the fuzz preset) lacks the builtin: an exact half rounds to
    // the even neighbour, 2 * round(x / 2) (x / 2 is exact there).
    if (std::fabs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
    return std::round(x);
#endif
}

// The cube root, exact for perfect cubes. glibc 2.36's cbrt(27.0) is
// 3.0000000000000004, while upstream's runtime (Rust's cbrt, musl's
// algorithm) gives 3.0 and its own test `27.0 f.cbrt 3.0 f.=` relies on it:
// when the nearest integer cubes back to x exactly, that integer is the
// answer (it is the exact root, so never a worse one).
inline double cube_root(double x) {
    double r = std::cbrt(x);
    double n = std::nearbyint(r);
    return n * n * n == x ? n : r;
}

inline constexpr double kPi = 3.14159265358979323846264338327950288;
inline constexpr double kE = 2.71828182845904523536028747135266250;
inline constexpr double kTau = 6.28318530717958647692528676655900577;

}  // namespace seq::math
