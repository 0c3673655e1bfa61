// Variant and list helpers shared by the variant.*, list.* and map.* words.
//
// Lists are variants tagged `List`; every list word accepts any variant.
// Variants are immutable values, so a word that "changes" one either updates
// it in place (when the caller holds the only reference) or builds a copy.
#pragma once

#include <cstddef>

#include "core/value/value.hpp"

namespace seq {

// Above this many fields a variant cannot grow: len and cap are 32-bit and
// the capacity doubles.
inline constexpr size_t kMaxVariantFields = size_t{1} << 31;

// The immortal `List` symbol (no allocation, no reference counting).
StackValue list_symbol();

// A new list variant: tag `List`, no fields, room for `cap` fields.
VariantObj* new_list(size_t cap);

// A new variant with v's tag and clones of its first `len` fields, with room
// for `cap` fields (cap >= len). `v` is borrowed.
VariantObj* variant_copy_prefix(const VariantObj* v, size_t len, size_t cap);

// Returns a variant the caller may mutate: `v` itself when uniquely owned,
// otherwise a copy with room for `cap` fields (and `v` is released).
VariantObj* variant_make_unique(VariantObj* v, size_t cap);

// Appends `field` (owned) to `v` (owned), in place when `v` is uniquely
// owned; returns the resulting variant. Aborts naming `word` past
// kMaxVariantFields.
VariantObj* variant_push(VariantObj* v, StackValue field, const char* word);

// Consumes the reference to `v` and returns an owned reference to field `i`
// (moved out without touching reference counts when `v` is uniquely owned).
StackValue variant_take_field(VariantObj* v, size_t i);

// Runs `callable` on the stack [.., args] that ends at `top`, where `base` is
// the stack pointer below the arguments, and returns the single result the
// callable must leave above `base`. Extra values it left below that result
// are dropped (as seq-runtime 5.4.0 does); leaving nothing aborts naming
// `word`.
StackValue call_for_result(Stack base, Stack top, StackValue callable, const char* word);

// Runs `callable` like call_for_result but for its effects: everything it
// leaves above `base` is dropped. Consuming values below `base` aborts.
void call_for_effect(Stack base, Stack top, StackValue callable, const char* word);

}  // namespace seq
