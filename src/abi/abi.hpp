// Shared by the src/abi translation units: the public header plus the core
// types. ABI functions only check arguments and translate; logic is in core/io.
#pragma once

#include "seq/runtime.h"

#include <optional>
#include <string>
#include <string_view>

#include "core/fatal.hpp"
#include "core/text/utf8.hpp"
#include "core/value/callable.hpp"
#include "core/value/stack.hpp"
#include "core/value/value.hpp"

static_assert(sizeof(seq_value_t) == sizeof(seq::StackValue));

namespace seq {

// ---- popping arguments (a mismatch aborts naming the word) --------------------------

// Pops a String; the caller releases it.
inline StringObj* pop_string(Stack& sp, const char* word) {
    return string_of(pop_kind(sp, Kind::String, word));
}

// Aborts naming `word` unless `v` is a Quotation or a Closure.
inline void check_callable(StackValue v, const char* word) {
    if (!is_callable(v)) type_error(word, "Quotation or Closure", v);
}

// Pops a Quotation or a Closure; the caller drops it.
inline StackValue pop_callable(Stack& sp, const char* word) {
    StackValue c = *--sp;
    check_callable(c, word);
    return c;
}

// Pops a String, calls f(its bytes) and releases it; returns what f returns,
// which therefore must not point into the string.
template <typename F>
auto with_string(Stack& sp, const char* word, F&& f) {
    StringObj* s = pop_string(sp, word);
    auto r = f(s->view());
    release(s);
    return r;
}

// Pops two Strings, `b` on top of `a`, calls f(a, b) and releases both; as
// with_string, the result must not point into them.
template <typename F>
auto with_strings(Stack& sp, const char* word, F&& f) {
    StringObj* b = pop_string(sp, word);
    StringObj* a = pop_string(sp, word);
    auto r = f(a->view(), b->view());
    release(a);
    release(b);
    return r;
}

// ---- pushing results ------------------------------------------------------------------

// ( -- value Bool ): the shape of every word with a status flag, which on
// failure pushes a neutral value (0, "", ...) and false.
inline Stack push_with_flag(Stack sp, StackValue v, bool ok) {
    sp = push(sp, v);
    return push(sp, make_bool(ok));
}

// ( -- String Bool ) from an optional result: ( "" false ) when absent.
inline Stack push_result(Stack sp, std::optional<std::string_view> r) {
    return push_with_flag(sp, make_string(r.value_or(std::string_view())), r.has_value());
}
inline Stack push_result(Stack sp, const std::optional<std::string>& r) {
    return push_result(sp, r ? std::optional<std::string_view>(*r) : std::nullopt);
}

// ( -- String Bool ) for bytes decoded from a String (Base64, hex, a
// decompressor): with `accept` Utf8Only, bytes that are not valid UTF-8 give
// ( "" false ), as a failed decode does.
inline Stack push_text_result(Stack sp, const std::optional<std::string>& bytes,
                              utf8::Bytes accept) {
    bool ok = bytes && (accept == utf8::Bytes::Any || utf8::is_valid(*bytes));
    return push_with_flag(sp, make_string(ok ? std::string_view(*bytes) : std::string_view()), ok);
}

}  // namespace seq
