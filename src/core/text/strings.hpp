// Text operations behind the string words (src/abi/string_abi.cpp), with the
// semantics of seq-runtime 5.4.0 (Rust's str). Characters and indexes are as
// in core/utf8.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/text/utf8.hpp"
#include "core/value/value.hpp"

namespace seq::strings {

// Rust's i64::from_str: optional '+' or '-', then one or more ASCII digits,
// nothing else; nullopt on anything else or outside the i64 range.
std::optional<int64_t> parse_i64(std::string_view s);

// JSON string escaping: \" \\ \n \r \t \b \f, other control characters
// (Unicode Cc, U+0000-U+001F and U+007F-U+009F) as \uXXXX in uppercase hex.
void append_json_escaped(std::string& out, std::string_view s);

// Character index of the first occurrence of `needle`, -1 when absent (0 for
// an empty needle).
int64_t find_char_index(std::string_view hay, std::string_view needle);

// Rust's str::split by a string: a new List of Strings. An empty delimiter
// matches at every character boundary (`units` Utf8Only) or between all
// bytes (Any), ends included ("ab" -> "" "a" "b" "").
StackValue split(std::string_view s, std::string_view delim, utf8::Bytes units);

// How string.join renders one list element: Strings as they are, Ints and
// Floats as Rust's Display, Bools as true/false, Symbols as :name, anything
// else in the Debug form of seq-runtime's Value.
void append_join_part(std::string& out, StackValue v);

// Rust's f64 Debug: like Display but with at least one fractional digit
// ("1.0") and exponent form for magnitudes below 1e-4 or from 1e16 ("1e16").
std::string format_float_debug(double d);

// The shared immortal `List` tag for lists made by the string words.
StringObj* list_tag();

}  // namespace seq::strings
