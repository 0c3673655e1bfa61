// dip, keep, bi and cond, with quotations and closures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/value/callable.hpp"
#include "seq/runtime_closures.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

uintptr_t addr(QuotationFn f) {
    return reinterpret_cast<uintptr_t>(f);
}
uintptr_t addr(ClosureFn f) {
    return reinterpret_cast<uintptr_t>(f);
}
Stack push_quot(Stack sp, QuotationFn f) {
    return patch_seq_push_quotation(sp, addr(f), addr(f));
}

std::vector<int64_t> ints(const TestStack& st) {
    std::vector<int64_t> out;
    for (Stack p = st.base(); p < st.sp; ++p) {
        EXPECT_TRUE(is_int(*p));
        out.push_back(int_of(*p));
    }
    return out;
}
using V = std::vector<int64_t>;

// ---- quotations used by the tests ---------------------------------------------------

Stack add_one(Stack sp) {  // ( n -- n+1 )
    sp[-1] = make_int(int_of(sp[-1]) + 1);
    return sp;
}
Stack twice(Stack sp) {  // ( n -- 2n )
    sp[-1] = make_int(int_of(sp[-1]) * 2);
    return sp;
}
Stack push_ten(Stack sp) {  // ( -- 10 )
    return push(sp, make_int(10));
}
Stack string_length(Stack sp) {  // ( s -- n ) consumes the string
    StackValue s = *--sp;
    size_t n = string_of(s)->len;
    drop_value(s);
    return push(sp, make_int(static_cast<int64_t>(n)));
}
// ( n -- n+k ) where k is captured.
Stack add_captured(Stack sp, const StackValue* env, size_t len) {
    sp[-1] = make_int(int_of(sp[-1]) + patch_seq_env_get_int(env, static_cast<int64_t>(len), 0));
    return sp;
}

// cond predicates ( v -- v Bool ) and bodies ( v -- r )
Stack pred_true(Stack sp) {
    return push(sp, kTrue);
}
Stack pred_false(Stack sp) {
    return push(sp, kFalse);
}
Stack pred_negative(Stack sp) {
    return push(sp, make_bool(int_of(sp[-1]) < 0));
}
Stack pred_zero(Stack sp) {
    return push(sp, make_bool(int_of(sp[-1]) == 0));
}
Stack pred_returns_int(Stack sp) {
    return push(sp, make_int(1));
}
Stack replace_with(Stack sp, const char* s) {
    drop_value(sp[-1]);
    sp[-1] = make_string(s);
    return sp;
}
Stack body_negative(Stack sp) {
    return replace_with(sp, "negative");
}
Stack body_zero(Stack sp) {
    return replace_with(sp, "zero");
}
Stack body_positive(Stack sp) {
    return replace_with(sp, "positive");
}
Stack body_matched(Stack sp) {
    return replace_with(sp, "matched");
}
Stack body_default(Stack sp) {
    return replace_with(sp, "default");
}
// ( v -- v Bool ): true when v equals the captured Int.
Stack pred_equals_captured(Stack sp, const StackValue* env, size_t len) {
    int64_t k = patch_seq_env_get_int(env, static_cast<int64_t>(len), 0);
    return push(sp, make_bool(int_of(sp[-1]) == k));
}
// ( v -- s ): replaces v with the captured String.
Stack body_captured_string(Stack sp, const StackValue* env, size_t len) {
    drop_value(sp[-1]);
    sp[-1] = patch_seq_env_get(env, static_cast<int64_t>(len), 0);
    return sp;
}

std::string top_string(const TestStack& st) {
    EXPECT_TRUE(is_kind(st.top(), Kind::String));
    return std::string(string_of(st.top())->view());
}

// ---- dip ------------------------------------------------------------------------------

TEST(Dip, RunsBelowTheTopValue) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = push_quot(st.sp, &add_one);
    st.sp = patch_seq_dip(st.sp);
    EXPECT_EQ(ints(st), (V{2, 2}));
}

TEST(Dip, QuotationMayGrowTheStack) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = push_quot(st.sp, &push_ten);
    st.sp = patch_seq_dip(st.sp);
    EXPECT_EQ(ints(st), (V{10, 5}));
}

TEST(Dip, PreservesHeapValueAndDropsQuotation) {
    TestStack st;
    StackValue s = make_string("kept");
    StackValue q = make_quotation(addr(&push_ten), addr(&push_ten));
    StackValue q_ref = clone_value(q);
    st.sp = push(st.sp, s);
    st.sp = push(st.sp, q);
    st.sp = patch_seq_dip(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), s);
    EXPECT_EQ(refcount(s), 1u);
    EXPECT_EQ(refcount(q_ref), 1u);  // dip released its reference
    drop_value(q_ref);
}

TEST(Dip, WithClosure) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_int(st.sp, 99);
    st.sp = patch_seq_push_int(st.sp, 41);
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 1);  // +41
    st.sp = patch_seq_dip(st.sp);
    EXPECT_EQ(ints(st), (V{42, 99}));
}

// ---- keep --------------------------------------------------------------------------------

TEST(Keep, RunsOnTopValueAndRestoresIt) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = push_quot(st.sp, &twice);
    st.sp = patch_seq_keep(st.sp);
    EXPECT_EQ(ints(st), (V{10, 5}));
}

TEST(Keep, QuotationConsumesItsOwnCopy) {
    TestStack st;
    StackValue s = make_string("añb");  // 4 bytes
    st.sp = push(st.sp, s);
    st.sp = push_quot(st.sp, &string_length);
    st.sp = patch_seq_keep(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(int_of(st.base()[0]), 4);
    EXPECT_EQ(st.top(), s);
    EXPECT_EQ(refcount(s), 1u);  // the copy given to the quotation was released
}

TEST(Keep, WithClosure) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 3);
    st.sp = patch_seq_push_int(st.sp, -10);
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 1);
    st.sp = patch_seq_keep(st.sp);
    EXPECT_EQ(ints(st), (V{-7, 3}));
}

// ---- bi ------------------------------------------------------------------------------------

TEST(Bi, AppliesBothQuotationsInOrder) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 3);
    st.sp = push_quot(st.sp, &twice);
    st.sp = push_quot(st.sp, &add_one);
    st.sp = patch_seq_bi(st.sp);
    EXPECT_EQ(ints(st), (V{6, 4}));
}

TEST(Bi, HeapValueGoesToBothAndIsReleased) {
    TestStack st;
    StackValue s = make_string("héllo");  // 6 bytes
    StackValue keep = clone_value(s);
    st.sp = push(st.sp, s);
    st.sp = push_quot(st.sp, &string_length);
    st.sp = push_quot(st.sp, &string_length);
    st.sp = patch_seq_bi(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(int_of(st.base()[0]), 6);
    EXPECT_EQ(int_of(st.base()[1]), 6);
    EXPECT_EQ(refcount(keep), 1u);
    drop_value(keep);
}

TEST(Bi, MixesQuotationAndClosure) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 10);
    st.sp = patch_seq_push_int(st.sp, 100);
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 1);  // +100
    st.sp = push_quot(st.sp, &twice);
    st.sp = patch_seq_bi(st.sp);
    EXPECT_EQ(ints(st), (V{110, 20}));
}

TEST(CombinatorsDeathTest, RejectNonCallables) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = patch_seq_push_int(st.sp, 3);
    EXPECT_DEATH(patch_seq_dip(st.sp), "dip: expected Quotation or Closure, got Int");
    EXPECT_DEATH(patch_seq_keep(st.sp), "keep: expected Quotation or Closure, got Int");
    EXPECT_DEATH(patch_seq_bi(st.sp), "bi: expected Quotation or Closure, got Int");
    st.sp = push_quot(st.sp, &add_one);
    // bi checks its second quotation before running the first.
    EXPECT_DEATH(patch_seq_bi(st.sp), "bi: expected Quotation or Closure, got Int");
}

// ---- cond ---------------------------------------------------------------------------------

struct Arm {
    QuotationFn pred;
    QuotationFn body;
};

Stack push_cond(Stack sp, StackValue value, std::initializer_list<Arm> arms) {
    sp = push(sp, value);
    for (const Arm& a : arms) {
        sp = push_quot(sp, a.pred);
        sp = push_quot(sp, a.body);
    }
    return patch_seq_push_int(sp, static_cast<int64_t>(arms.size()));
}

TEST(Cond, SingleMatch) {
    TestStack st;
    st.sp = push_cond(st.sp, make_int(42), {{&pred_true, &body_matched}});
    st.sp = patch_seq_cond(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(top_string(st), "matched");
}

TEST(Cond, FirstMatchWins) {
    TestStack st;
    st.sp =
        push_cond(st.sp, make_int(42), {{&pred_true, &body_matched}, {&pred_true, &body_default}});
    st.sp = patch_seq_cond(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(top_string(st), "matched");
}

TEST(Cond, SecondMatch) {
    TestStack st;
    st.sp =
        push_cond(st.sp, make_int(42), {{&pred_false, &body_matched}, {&pred_true, &body_default}});
    st.sp = patch_seq_cond(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(top_string(st), "default");
}

TEST(Cond, ClassifyNumber) {
    for (auto [n, expected] : {std::pair<int64_t, const char*>{-5, "negative"},
                               {0, "zero"},
                               {42, "positive"},
                               {kIntMin, "negative"},
                               {kIntMax, "positive"}}) {
        TestStack st;
        st.sp = patch_seq_push_int(st.sp, 7);  // below the value: untouched
        st.sp = push_cond(st.sp, make_int(n),
                          {{&pred_negative, &body_negative},
                           {&pred_zero, &body_zero},
                           {&pred_true, &body_positive}});
        st.sp = patch_seq_cond(st.sp);
        ASSERT_EQ(st.depth(), 2u);
        EXPECT_EQ(int_of(st.base()[0]), 7);
        EXPECT_EQ(top_string(st), expected) << n;
    }
}

TEST(Cond, ManyArmsLastMatches) {
    // More arms than cond keeps without allocating.
    TestStack st;
    st.sp = push(st.sp, make_string("value"));
    for (int i = 0; i < 40; ++i) {
        st.sp = push_quot(st.sp, &pred_false);
        st.sp = push_quot(st.sp, &body_matched);
    }
    st.sp = push_quot(st.sp, &pred_true);
    st.sp = push_quot(st.sp, &body_default);
    st.sp = patch_seq_push_int(st.sp, 41);
    st.sp = patch_seq_cond(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(top_string(st), "default");
}

TEST(Cond, ReleasesEveryArm) {
    TestStack st;
    StackValue p1 = make_quotation(addr(&pred_false), addr(&pred_false));
    StackValue b1 = make_quotation(addr(&body_matched), addr(&body_matched));
    StackValue p2 = make_quotation(addr(&pred_true), addr(&pred_true));
    StackValue b2 = make_quotation(addr(&body_default), addr(&body_default));
    std::vector<StackValue> arms{p1, b1, p2, b2};
    st.sp = push(st.sp, make_string("v"));
    for (StackValue q : arms)
        st.sp = push(st.sp, clone_value(q));
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = patch_seq_cond(st.sp);
    EXPECT_EQ(top_string(st), "default");
    for (StackValue q : arms) {
        EXPECT_EQ(refcount(q), 1u);  // tried, matched and untried arms alike
        drop_value(q);
    }
}

TEST(Cond, AcceptsClosures) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 5);
    // arm 1: [ dup 4 = ] [ drop "four" ]
    st.sp = patch_seq_push_int(st.sp, 4);
    st.sp = patch_seq_push_closure(st.sp, addr(&pred_equals_captured), 1);
    st.sp = push(st.sp, make_string("four"));
    st.sp = patch_seq_push_closure(st.sp, addr(&body_captured_string), 1);
    // arm 2: [ dup 5 = ] [ drop "fïve" ]
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = patch_seq_push_closure(st.sp, addr(&pred_equals_captured), 1);
    st.sp = push(st.sp, make_string("fïve"));
    st.sp = patch_seq_push_closure(st.sp, addr(&body_captured_string), 1);
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = patch_seq_cond(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(top_string(st), "fïve");
    // The closures are gone, so the result is the string's only holder.
    EXPECT_EQ(refcount(st.top()), 1u);
}

TEST(CondDeathTest, RejectsBadInput) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    {
        TestStack st;
        st.sp = push_cond(st.sp, make_int(1), {});
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: need at least one predicate/body pair");
        st.sp[-1] = make_int(-1);
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: count must be non-negative, got -1");
        st.sp[-1] = kTrue;
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: expected Int count, got Bool");
        st.sp[-1] = make_int(1);  // one pair needs three values; the stack holds one
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: 1 predicate/body pairs and a value need 3");
        st.sp[-1] = make_int(kIntMax);
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: .* need");
    }
    {
        TestStack st;
        st.sp = push_cond(st.sp, make_int(1), {{&pred_false, &body_matched}});
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: no predicate matched");
    }
    {
        TestStack st;
        st.sp = push_cond(st.sp, make_int(1), {{&pred_returns_int, &body_matched}});
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: predicate must return Bool, got Int");
    }
    {
        TestStack st;
        st.sp = patch_seq_push_int(st.sp, 1);
        st.sp = push_quot(st.sp, &pred_true);
        st.sp = patch_seq_push_int(st.sp, 3);  // body
        st.sp = patch_seq_push_int(st.sp, 1);
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: expected body Quotation or Closure, got Int");
    }
    {
        // Checked top-down: a bad body in the last arm is reported before a
        // bad predicate in the first.
        TestStack st;
        st.sp = patch_seq_push_int(st.sp, 1);
        st.sp = patch_seq_push_int(st.sp, 3);  // predicate 1
        st.sp = push_quot(st.sp, &body_matched);
        st.sp = push_quot(st.sp, &pred_true);
        st.sp = patch_seq_push_bool(st.sp, false);  // body 2
        st.sp = patch_seq_push_int(st.sp, 2);
        EXPECT_DEATH(patch_seq_cond(st.sp), "cond: expected body Quotation or Closure, got Bool");
        st.sp[-2] = make_quotation(addr(&body_default), addr(&body_default));
        EXPECT_DEATH(patch_seq_cond(st.sp),
                     "cond: expected predicate Quotation or Closure, got Int");
    }
}

}  // namespace
}  // namespace seq
