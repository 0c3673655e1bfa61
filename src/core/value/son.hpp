// SON (Seq Object Notation): the printed form of values, as seq-runtime 5.4.0
// writes it (stack.dump, son.dump). Output is valid Seq source that rebuilds
// the value: `42`, `3.5`, `"text"`, `:sym`, `list-of 1 lv 2 lv`,
// `map-of "k" 1 kv`, `:Tag f1 f2 wrap-2`.
#pragma once

#include <string>

#include "core/value/value.hpp"

namespace seq {

// Appends the SON form of `v` to `out`. Pretty output puts each field, list
// element and map entry on its own line, indented two spaces per level.
void son_append(std::string& out, StackValue v, bool pretty = false, size_t depth = 0);
std::string son_string(StackValue v, bool pretty = false);

// Formats a double the way Rust's f64 Display does: the shortest digits that
// round-trip, never an exponent, "inf", "-inf", "NaN".
std::string format_float(double d);

}  // namespace seq
