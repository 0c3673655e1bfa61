// `if`, seqc 7.x's combinator: ( ..a Bool [then] [else] -- ..b ).
#include <gtest/gtest.h>

#include <vector>

#include "core/value/callable.hpp"
#include "seq/runtime_closures.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

Stack push_quot(Stack sp, QuotationFn f) {
    auto a = reinterpret_cast<uintptr_t>(f);
    return patch_seq_push_quotation(sp, a, a);
}

Stack add_one(Stack sp) {  // ( n -- n+1 )
    sp[-1] = make_int(int_of(sp[-1]) + 1);
    return sp;
}
Stack negate(Stack sp) {  // ( n -- -n )
    sp[-1] = make_int(-int_of(sp[-1]));
    return sp;
}
Stack push_two(Stack sp) {  // ( -- 1 2 ): changes the depth
    return push(push(sp, make_int(1)), make_int(2));
}
// ( n -- n+k ) where k is captured.
Stack add_captured(Stack sp, const StackValue* env, size_t len) {
    sp[-1] = make_int(int_of(sp[-1]) + patch_seq_env_get_int(env, static_cast<int64_t>(len), 0));
    return sp;
}

// Runs ( n cond [add_one] [negate] if ) and returns the stack.
std::vector<int64_t> run_if(int64_t n, StackValue cond) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, n);
    st.sp = push(st.sp, cond);
    st.sp = push_quot(st.sp, add_one);
    st.sp = push_quot(st.sp, negate);
    st.sp = patch_seq_if(st.sp);
    std::vector<int64_t> out;
    for (Stack p = st.base(); p < st.sp; ++p)
        out.push_back(int_of(*p));
    return out;
}

TEST(IfCombinator, TrueRunsThenFalseRunsElse) {
    EXPECT_EQ(run_if(5, kTrue), std::vector<int64_t>{6});
    EXPECT_EQ(run_if(5, kFalse), std::vector<int64_t>{-5});
}

// The branch sees the stack below the three operands, and may change depth.
TEST(IfCombinator, BranchesRunOnTheRemainingStack) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 7);
    st.sp = patch_seq_push_bool(st.sp, false);
    st.sp = push_quot(st.sp, negate);
    st.sp = push_quot(st.sp, push_two);
    st.sp = patch_seq_if(st.sp);
    ASSERT_EQ(st.depth(), 3u);
    EXPECT_EQ(int_of(st.base()[0]), 7);
    EXPECT_EQ(int_of(st.base()[1]), 1);
    EXPECT_EQ(int_of(st.base()[2]), 2);
}

// A closure branch runs with its environment, which stays alive while it
// runs; both callables are released afterwards, the one not run included.
TEST(IfCombinator, ClosuresRunAndBothCallablesAreReleased) {
    StackValue k = make_int(100);
    StackValue clo = make_closure(reinterpret_cast<uintptr_t>(&add_captured), &k, 1);
    TestStack st;
    st.sp = push_quot(st.sp, add_one);
    StackValue quot = *--st.sp;
    retain(heap_of(clo));
    retain(heap_of(quot));
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = push(st.sp, clo);
    st.sp = push(st.sp, quot);
    st.sp = patch_seq_if(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 101);
    EXPECT_EQ(refcount(clo), 1u);
    EXPECT_EQ(refcount(quot), 1u);
    drop_value(clo);
    drop_value(quot);
}

TEST(IfCombinatorDeathTest, BadOperandsAbortBeforeAnythingRuns) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    // An Int is not a Bool here: the 7.x typechecker only lets Bools through.
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = push_quot(st.sp, add_one);
    st.sp = push_quot(st.sp, negate);
    EXPECT_DEATH(patch_seq_if(st.sp), "if: expected Bool condition, got Int");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 3);
    EXPECT_DEATH(patch_seq_if(st.sp), "if: expected Quotation or Closure, got Int");
}

}  // namespace
}  // namespace seq
