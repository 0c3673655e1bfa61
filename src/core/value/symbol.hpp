// Interned symbols: one immortal Symbol object per compiler-emitted literal.
//
// Compiled code pushes symbol literals (variant tags, `:name`) in hot paths;
// allocating a fresh object each time would cost a malloc and a free per
// push. The compiler emits one static descriptor per literal, so the
// descriptor's address identifies the literal and the set of keys is bounded
// by the program's size: interning them never grows without bound.
#pragma once

#include <string_view>

#include "core/value/value.hpp"

namespace seq {

// Returns the immortal symbol for `key` (creating it from `name` on first
// use; `name` must outlive the process, as static data does).
StackValue intern_static_symbol(const void* key, std::string_view name);

}  // namespace seq
