// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/value/context.hpp"
#include "core/sched/scheduler.hpp"
#include "core/value/stack.hpp"
#include "core/sched/strand.hpp"
#include "core/value/value.hpp"
#include "seq/runtime.h"

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

// Polls `pred` from a non-strand thread until it holds or `secs` pass, so a
// bug fails the test instead of hanging it.
inline bool wait_until(const std::function<bool()>& pred, double secs = 60) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return pred();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Runs `fn` on a new strand (from a strand: on the current worker).
inline uint64_t spawn_fn(std::function<void()> fn) {
    SpawnOptions o;
    o.user = new std::function<void()>(std::move(fn));
    return spawn_strand(
        [](Stack sp) -> Stack {
            auto* f = static_cast<std::function<void()>*>(current_strand()->user);
            (*f)();
            delete f;
            return sp;
        },
        nullptr, o);
}

// Scheduler tests start from a fresh init and end with no strand active and
// the scheduler shut down (its loops closed).
class SchedulerTest : public ::testing::Test {
  protected:
    void SetUp() override { patch_seq_scheduler_init(); }
    void TearDown() override {
        patch_seq_wait_all_strands();
        EXPECT_EQ(counters().active.load(), 0u);
        patch_seq_scheduler_shutdown();
    }
};

// A String value for a test (heap, rc = 1).
inline StackValue str(std::string_view s) {
    return make_string(s);
}

// Pops a String (expecting one) and returns its bytes.
inline std::string pop_str(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_kind(v, Kind::String));
    std::string s(string_of(v)->view());
    drop_value(v);
    return s;
}

// Pops a Bool (expecting one).
inline bool pop_flag(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_bool(v)) << "expected a Bool";
    return v == kTrue;
}

}  // namespace seq::test
