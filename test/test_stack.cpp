// Every stack word, value stacks, clone_stack, and the push words of the ABI.
#include <gtest/gtest.h>

#include "seq/runtime.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::TestStack;

Stack push_ints(Stack sp, std::initializer_list<int64_t> xs) {
    for (int64_t x : xs)
        sp = patch_seq_push_int(sp, x);
    return sp;
}

std::vector<int64_t> ints(const TestStack& st) {
    std::vector<int64_t> out;
    for (Stack p = st.base(); p < st.sp; ++p)
        out.push_back(int_of(*p));
    return out;
}

using V = std::vector<int64_t>;

TEST(StackWords, Shuffles) {
    TestStack st;
    st.sp = push_ints(st.sp, {1, 2});
    st.sp = patch_seq_dup(st.sp);
    EXPECT_EQ(ints(st), (V{1, 2, 2}));
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_swap(st.sp);
    EXPECT_EQ(ints(st), (V{2, 1}));
    st.sp = patch_seq_over(st.sp);
    EXPECT_EQ(ints(st), (V{2, 1, 2}));
    st.sp = patch_seq_rot(st.sp);
    EXPECT_EQ(ints(st), (V{1, 2, 2}));
    st.sp = patch_seq_nip(st.sp);
    EXPECT_EQ(ints(st), (V{1, 2}));
    st.sp = patch_seq_tuck(st.sp);
    EXPECT_EQ(ints(st), (V{2, 1, 2}));
    st.sp = patch_seq_2dup(st.sp);
    EXPECT_EQ(ints(st), (V{2, 1, 2, 1, 2}));
    st.sp = patch_seq_pop_stack(st.sp);
    EXPECT_EQ(ints(st), (V{2, 1, 2, 1}));
}

TEST(StackWords, PickCopiesNthValue) {
    TestStack st;
    st.sp = push_ints(st.sp, {10, 20, 30, 0});
    st.sp = patch_seq_pick_op(st.sp);
    EXPECT_EQ(ints(st), (V{10, 20, 30, 30}));
    st.sp = patch_seq_push_int(st.sp, 3);
    st.sp = patch_seq_pick_op(st.sp);
    EXPECT_EQ(ints(st), (V{10, 20, 30, 30, 10}));
}

TEST(StackWords, RollRotatesNPlusOneItems) {
    TestStack st;
    st.sp = push_ints(st.sp, {1, 2, 3, 4, 3});
    st.sp = patch_seq_roll(st.sp);
    EXPECT_EQ(ints(st), (V{2, 3, 4, 1}));
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_roll(st.sp);  // 0 roll is a no-op
    EXPECT_EQ(ints(st), (V{2, 3, 4, 1}));
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_roll(st.sp);  // 1 roll = swap
    EXPECT_EQ(ints(st), (V{2, 3, 1, 4}));
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = patch_seq_roll(st.sp);  // 2 roll = rot
    EXPECT_EQ(ints(st), (V{2, 1, 4, 3}));
}

TEST(StackWordsDeathTest, PickAndRollRejectBadIndexes) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = push_ints(st.sp, {1, 2, 2});
    EXPECT_DEATH(patch_seq_pick_op(st.sp), "pick: index 2 exceeds stack depth 2");
    st.sp[-1] = make_int(-1);
    EXPECT_DEATH(patch_seq_roll(st.sp), "roll: index cannot be negative");
    st.sp[-1] = make_bool(true);
    EXPECT_DEATH(patch_seq_pick_op(st.sp), "pick: expected Int, got Bool");
}

TEST(StackWords, HeapValuesAreCountedThroughShuffles) {
    TestStack st;
    st.sp = patch_seq_push_string(st.sp, "s");
    StackValue s = st.top();
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_over(st.sp);
    st.sp = patch_seq_2dup(st.sp);
    EXPECT_EQ(test::refcount(s), 5u);
    st.sp = patch_seq_nip(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    EXPECT_EQ(test::refcount(s), 3u);
    seq_value_t copy;
    patch_seq_clone_value(st.sp - 1, &copy);
    EXPECT_EQ(test::refcount(s), 4u);
    drop_value(copy);
}

TEST(PushWords, EveryKind) {
    TestStack st;
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = patch_seq_push_float(st.sp, 2.5);
    st.sp = patch_seq_push_string(st.sp, "héllo");
    st.sp = patch_seq_push_symbol(st.sp, "sym");
    static const seq_interned_symbol lit = {"Tag", 3, 0, 1};
    st.sp = patch_seq_push_interned_symbol(st.sp, &lit);
    const seq_string_parts parts = {"abc", 2, 0, true};
    st.sp = patch_seq_push_seqstring(st.sp, &parts);
    st.sp = patch_seq_push_quotation(st.sp, 0x1111, 0x2222);
    Stack b = st.base();
    EXPECT_EQ(b[0], kTrue);
    EXPECT_DOUBLE_EQ(float_of(b[1]), 2.5);
    EXPECT_EQ(string_of(b[2])->view(), "héllo");
    EXPECT_EQ(kind_of(b[3]), Kind::Symbol);
    EXPECT_EQ(string_of(b[4])->view(), "Tag");
    EXPECT_EQ(string_of(b[5])->view(), "ab");
    EXPECT_EQ(quotation_of(b[6])->wrapper, 0x1111u);
    EXPECT_EQ(quotation_of(b[6])->impl, 0x2222u);
    EXPECT_TRUE(patch_seq_peek_bool_value(st.base() + 1));
}

TEST(PushWords, IntToString) {
    TestStack st;
    for (int64_t i : {int64_t{0}, int64_t{-17}, kIntMax, kIntMin}) {
        st.sp = patch_seq_push_int(st.sp, i);
        EXPECT_EQ(patch_seq_peek_int_value(st.sp), i);
        st.sp = patch_seq_int_to_string(st.sp);
        EXPECT_EQ(string_of(st.top())->view(), std::to_string(i));
        st.sp = patch_seq_drop_op(st.sp);
    }
}

TEST(ValueStacks, CompiledMainLifecycle) {
    seq_value_stack* st = seq_stack_new_default();
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(seq_stack_capacity(st), 4096u);
    seq_value_t* base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    seq_stack_t sp = patch_seq_push_int(base, 5);
    EXPECT_EQ(int_of(base[0]), 5);
    (void)sp;
    seq_stack_set_sp(st, 1);
    EXPECT_EQ(seq_stack_sp(st), 1u);
    seq_stack_grow(st, 10000);
    EXPECT_GE(seq_stack_capacity(st), 10000u);
    EXPECT_EQ(int_of(seq_stack_base(st)[0]), 5);  // grow keeps contents
    seq_stack_free(st);
    patch_seq_set_stack_base(nullptr);
}

TEST(CloneStack, DeepCopiesIntoAnOwnedBuffer) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_string(st.sp, "shared");
    st.sp = push(st.sp, make_arena_string("arena"));
    StackValue s = st.base()[1];
    Stack child_base = nullptr;
    Stack child_sp = clone_stack_with_base(st.sp, &child_base);
    ASSERT_EQ(child_sp - child_base, 3);
    EXPECT_GE(owned_stack_capacity(child_base), kDefaultStackSlots);
    EXPECT_EQ(int_of(child_base[0]), 1);
    EXPECT_EQ(child_base[1], s);  // shared payload, one more reference
    EXPECT_EQ(test::refcount(s), 2u);
    EXPECT_NE(child_base[2], st.base()[2]);  // arena string copied out
    EXPECT_EQ(heap_of(child_base[2])->flags, 0);
    EXPECT_EQ(string_of(child_base[2])->view(), "arena");
    owned_stack_free(child_base, child_sp);  // drops the copies
    EXPECT_EQ(test::refcount(s), 1u);
}

TEST(CloneStack, EmptyStackGetsDefaultCapacity) {
    TestStack st;
    Stack base = nullptr;
    Stack sp = clone_stack_with_base(st.sp, &base);
    EXPECT_EQ(sp, base);
    EXPECT_EQ(owned_stack_capacity(base), kDefaultStackSlots);
    owned_stack_free(base, sp);
}

TEST(CloneStackDeathTest, NeedsABase) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    StackValue buf[4];
    set_stack_base(nullptr);
    EXPECT_DEATH(clone_stack(buf), "clone_stack: stack base not set");
}

TEST(StackDump, PrintsSonAndDropsEverything) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_string(st.sp, "a\"b");
    st.sp = patch_seq_push_bool(st.sp, false);
    st.sp = patch_seq_push_float(st.sp, 2.0);
    testing::internal::CaptureStdout();
    st.sp = patch_seq_stack_dump(st.sp);
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "» 1 \"a\\\"b\" false 2.0\n");
    EXPECT_EQ(st.sp, st.base());
}

}  // namespace
}  // namespace seq
