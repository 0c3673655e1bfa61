// Text forms of floats shared by the numeric words: Rust's f64 Display (what
// seq-runtime 5.4.0 prints) and the grammar of Rust's `str::parse::<f64>`.
#pragma once

#include <cstddef>
#include <string_view>

namespace seq {

// Enough for the longest Display form: "-0." + 323 zeros + 17 digits.
inline constexpr size_t kF64DisplayMax = 352;

// Writes `d` as Rust's f64 Display does: the shortest digits that round-trip,
// laid out without an exponent ("42", "0.1", "1e23" as
// "100000000000000000000000", "-0"), "inf", "-inf", "NaN". Returns the text,
// which lives in `buf`.
std::string_view format_f64(double d, char (&buf)[kF64DisplayMax]);

// Parses exactly what Rust's `str::parse::<f64>` accepts (no trimming):
//   Sign? ( 'inf' | 'infinity' | 'nan' | Number ), letters case-insensitive
//   Number ::= ( Digit+ | Digit+ '.' Digit* | Digit* '.' Digit+ ) Exp?
//   Exp    ::= [eE] Sign? Digit+
// Correctly rounded; overflow gives +-inf and underflow +-0 (successes, as in
// Rust). Returns false, leaving `out` untouched, for anything else.
bool parse_f64(std::string_view s, double& out);

}  // namespace seq
