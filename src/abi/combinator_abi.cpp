// Dataflow combinators (dip, keep, bi), the two-way conditional `if` (7.x)
// and the multi-way conditional cond.
//
// Every combinator pops its quotations before running them and drops them
// only afterwards: the popped reference is what keeps a closure's environment
// alive while its code runs. Callables are checked before anything runs, so a
// type error never leaves a half-applied combinator behind.
#include <array>
#include <cstring>
#include <memory>

#include "abi/abi.hpp"
#include "core/value/callable.hpp"
#include "seq/runtime_closures.h"

using namespace seq;

namespace {

// Owns the predicate/body quotations cond took off the stack. Small counts
// (the common case: a handful of arms) need no allocation.
class CondArms {
  public:
    CondArms(const StackValue* src, size_t n) : n_(n) {
        if (n > inline_.size()) heap_.reset(new StackValue[n]);
        data_ = heap_ ? heap_.get() : inline_.data();
        std::memcpy(data_, src, n * sizeof(StackValue));
    }
    CondArms(const CondArms&) = delete;
    CondArms& operator=(const CondArms&) = delete;
    ~CondArms() {
        for (size_t i = 0; i < n_; ++i)
            drop_value(data_[i]);
    }
    StackValue operator[](size_t i) const { return data_[i]; }

  private:
    std::array<StackValue, 16> inline_;
    std::unique_ptr<StackValue[]> heap_;
    StackValue* data_;
    size_t n_;
};

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_dip(seq_stack_t sp) {
    StackValue quot = sp[-1];
    check_callable(quot, "dip");
    StackValue x = sp[-2];
    sp = invoke_callable(sp - 2, quot, "dip");
    drop_value(quot);
    return push(sp, x);
}

SEQ_API seq_stack_t patch_seq_keep(seq_stack_t sp) {
    StackValue quot = sp[-1];
    check_callable(quot, "keep");
    StackValue x = sp[-2];
    sp[-2] = clone_value(x);  // the quotation consumes this copy
    sp = invoke_callable(sp - 1, quot, "keep");
    drop_value(quot);
    return push(sp, x);
}

SEQ_API seq_stack_t patch_seq_bi(seq_stack_t sp) {
    StackValue q2 = sp[-1];
    StackValue q1 = sp[-2];
    check_callable(q1, "bi");
    check_callable(q2, "bi");
    StackValue x = sp[-3];
    sp[-3] = clone_value(x);  // for q1
    sp = invoke_callable(sp - 2, q1, "bi");
    drop_value(q1);
    sp = push(sp, x);  // the original goes to q2
    sp = invoke_callable(sp, q2, "bi");
    drop_value(q2);
    return sp;
}

// ( ..a Bool [then] [else] -- ..b ): the 7.x combinator. Both callables
// are checked before either runs; the condition must be a real Bool.
SEQ_API seq_stack_t patch_seq_if(seq_stack_t sp) {
    StackValue else_q = sp[-1];
    StackValue then_q = sp[-2];
    StackValue cond = sp[-3];
    check_callable(then_q, "if");
    check_callable(else_q, "if");
    if (!is_bool(cond)) type_error("if", "Bool condition", cond);
    StackValue run = cond == kTrue ? then_q : else_q;
    sp = invoke_callable(sp - 3, run, "if");
    drop_value(then_q);
    drop_value(else_q);
    return sp;
}

// ( value [pred1] [body1] ... [predN] [bodyN] N -- result )
// Predicates run in order on ( value -- value Bool ); the first true one's
// body runs on ( value -- result ) and ends cond.
SEQ_API seq_stack_t patch_seq_cond(seq_stack_t sp) {
    StackValue count_v = *--sp;
    if (!is_int(count_v)) type_error("cond", "Int count", count_v);
    int64_t count = int_of(count_v);
    if (count < 0) fatal("cond", "count must be non-negative, got %lld", (long long)count);
    if (count == 0) fatal("cond", "need at least one predicate/body pair");
    size_t depth = stack_depth("cond", sp);
    if (depth == 0 || static_cast<uint64_t>(count) > (depth - 1) / 2)
        fatal("cond", "%lld predicate/body pairs and a value need %lld stack values, found %zu",
              (long long)count, 2 * (long long)count + 1, depth);
    size_t n = 2 * static_cast<size_t>(count);
    Stack arms_at = sp - n;
    // Checked top-down, the order 5.4.0 pops and reports them in.
    for (size_t i = n; i > 0; i -= 2) {
        if (!is_callable(arms_at[i - 1]))
            fatal("cond", "expected body Quotation or Closure, got %s",
                  kind_name(kind_of(arms_at[i - 1])));
        if (!is_callable(arms_at[i - 2]))
            fatal("cond", "expected predicate Quotation or Closure, got %s",
                  kind_name(kind_of(arms_at[i - 2])));
    }
    // The predicates push onto the slots the arms occupy, so move them out.
    CondArms arms(arms_at, n);
    sp = arms_at;
    for (size_t i = 0; i < n; i += 2) {
        sp = invoke_callable(sp, arms[i], "cond");
        StackValue matched = *--sp;
        if (!is_bool(matched))
            fatal("cond", "predicate must return Bool, got %s", kind_name(kind_of(matched)));
        if (matched == kTrue) return invoke_callable(sp, arms[i + 1], "cond");
    }
    fatal("cond", "no predicate matched");
}

}  // extern "C"
