// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "core/context.hpp"
#include "core/stack.hpp"
#include "core/value.hpp"

namespace seq::test {

// A value stack whose base is registered with the current context, as
// compiled seq_main does; drops what is left on it at the end of the test.
class TestStack {
  public:
    TestStack() : st_(value_stack_new(kDefaultStackSlots)) {
        set_stack_base(st_->base);
        sp = st_->base;
    }
    ~TestStack() {
        for (Stack p = st_->base; p < sp; ++p)
            drop_value(*p);
        st_->sp = 0;
        value_stack_free(st_);
        set_stack_base(nullptr);
    }
    Stack base() const { return st_->base; }
    size_t depth() const { return static_cast<size_t>(sp - st_->base); }
    StackValue top() const { return sp[-1]; }
    Stack sp;

  private:
    ValueStack* st_;
};

inline uint32_t refcount(StackValue v) {
    return heap_of(v)->rc.load();
}

}  // namespace seq::test
