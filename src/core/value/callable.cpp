#include "core/value/callable.hpp"

#include "core/fatal.hpp"

namespace seq {

Stack invoke_callable(Stack sp, StackValue callable, const char* word) {
    if (is_kind(callable, Kind::Quotation)) {
        auto fn = reinterpret_cast<QuotationFn>(quotation_of(callable)->wrapper);
        return fn(sp);
    }
    if (is_kind(callable, Kind::Closure)) {
        ClosureObj* c = closure_of(callable);
        auto fn = reinterpret_cast<ClosureFn>(c->fn);
        return fn(sp, c->env, c->len);
    }
    type_error(word, "Quotation or Closure", callable);
}

}  // namespace seq
