// Helpers shared by the libFuzzer targets (test/fuzz/README.md): a value
// stack registered as compiled seq_main registers its own, ways to push the
// fuzzer's bytes as Strings and to pop what a word left, and a check that
// aborts (libFuzzer then saves the input) instead of returning quietly.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/value/stack.hpp"
#include "core/value/value.hpp"
#include "seq/runtime.h"

namespace seq::fuzz {

// A failed property is a finding: print it and abort so libFuzzer keeps the
// input that caused it.
#define SEQ_FUZZ_CHECK(cond)                                                                   \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)

// One value stack per input; whatever the words left on it is dropped at the
// end, so a word that leaks a reference shows up in LeakSanitizer's report.
class FuzzStack {
  public:
    FuzzStack() : st_(value_stack_new(kDefaultStackSlots)) {
        set_stack_base(st_->base);
        sp = st_->base;
    }
    ~FuzzStack() {
        for (Stack p = st_->base; p < sp; ++p)
            drop_value(*p);
        st_->sp = 0;
        value_stack_free(st_);
        set_stack_base(nullptr);
    }
    FuzzStack(const FuzzStack&) = delete;
    FuzzStack& operator=(const FuzzStack&) = delete;

    size_t depth() const { return static_cast<size_t>(sp - st_->base); }
    void push_string(std::string_view s) { sp = push_value(sp, make_string(s)); }
    void push_int(int64_t i) { sp = patch_seq_push_int(sp, i); }
    // Pops a String and returns its bytes (aborts on another kind).
    std::string pop_string() {
        StackValue v = pop();
        SEQ_FUZZ_CHECK(is_kind(v, Kind::String));
        std::string s(string_of(v)->view());
        drop_value(v);
        return s;
    }
    bool pop_bool() {
        StackValue v = pop();
        SEQ_FUZZ_CHECK(is_bool(v));
        return v == kTrue;
    }
    int64_t pop_int() {
        StackValue v = pop();
        SEQ_FUZZ_CHECK(is_int(v));
        return int_of(v);
    }
    // Pops any value; the caller owns it.
    StackValue pop() {
        SEQ_FUZZ_CHECK(depth() > 0);
        return *--sp;
    }
    void drop() { drop_value(pop()); }

    Stack sp;

  private:
    static Stack push_value(Stack sp, StackValue v) {
        *sp = v;
        return sp + 1;
    }
    ValueStack* st_;
};

// Up to `max` bytes of the input as a string (FuzzedDataProvider takes them
// from the front, with a length it also reads from the input).
inline std::string take_string(FuzzedDataProvider& in, size_t max) {
    return in.ConsumeRandomLengthString(max);
}

}  // namespace seq::fuzz
