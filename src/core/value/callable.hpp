// Calling quotations and closures from the runtime (call, combinators,
// list.map and friends). Compiled code calls a quotation's C wrapper with the
// stack; a closure's function also receives its captured environment.
#pragma once

#include "core/value/value.hpp"

namespace seq {

using QuotationFn = Stack (*)(Stack);

inline bool is_callable(StackValue v) {
    return is_kind(v, Kind::Quotation) || is_kind(v, Kind::Closure);
}

// Runs `callable` on `sp` and returns the resulting stack. `callable` is
// borrowed (the caller keeps its reference); aborts naming `word` if it is
// neither a quotation nor a closure.
Stack invoke_callable(Stack sp, StackValue callable, const char* word);

}  // namespace seq
