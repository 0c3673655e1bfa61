// List words: make, push, get, set, length, empty?, reverse, and the
// higher-order map, filter, fold, each with quotations and closures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/value/list.hpp"
#include "seq/runtime_data.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

void death_style() {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
}

StackValue list_of(std::initializer_list<int64_t> xs, const char* tag = "List") {
    std::vector<StackValue> fields;
    for (int64_t x : xs)
        fields.push_back(make_int(x));
    return make_variant(string_of(make_string(tag, Kind::Symbol)), fields.data(), fields.size());
}

std::vector<int64_t> ints_of(StackValue list) {
    std::vector<int64_t> out;
    VariantObj* v = variant_of(list);
    for (uint32_t i = 0; i < v->len; ++i)
        out.push_back(int_of(v->fields[i]));
    return out;
}

using V = std::vector<int64_t>;

// ---- quotations and closures used by the higher-order words -----------------

Stack double_quot(Stack sp) {
    int64_t n = pop_int(sp, "double");
    return push(sp, make_int(n * 2));
}

Stack is_positive_quot(Stack sp) {
    int64_t n = pop_int(sp, "positive?");
    return push(sp, make_bool(n > 0));
}

// ( acc x -- acc*10+x ): not commutative, so the argument order shows.
Stack digits_quot(Stack sp) {
    int64_t x = pop_int(sp, "digits");
    int64_t acc = pop_int(sp, "digits");
    return push(sp, make_int(acc * 10 + x));
}

Stack returns_int_quot(Stack sp) {
    drop_value(*--sp);
    return push(sp, make_int(1));
}

// ( x -- junk junk x+1 ): leaves two extra heap values below its result.
Stack messy_quot(Stack sp) {
    int64_t n = pop_int(sp, "messy");
    sp = push(sp, make_string("junk1"));
    sp = push(sp, make_string("junk2"));
    return push(sp, make_int(n + 1));
}

Stack swallow_quot(Stack sp) {  // ( x -- )
    drop_value(*--sp);
    return sp;
}

Stack swallow_two_quot(Stack sp) {  // consumes one value more than it gets
    drop_value(*--sp);
    drop_value(*--sp);
    return sp;
}

std::vector<int64_t> g_seen;
Stack record_quot(Stack sp) {
    g_seen.push_back(pop_int(sp, "record"));
    return sp;
}

// Closure: adds its captured Int to the element.
Stack add_captured(Stack sp, const StackValue* env, size_t len) {
    EXPECT_EQ(len, 1u);
    int64_t n = pop_int(sp, "add-captured");
    return push(sp, make_int(n + int_of(env[0])));
}

// Closure: keeps elements greater than its captured Int.
Stack greater_than_captured(Stack sp, const StackValue* env, size_t) {
    int64_t n = pop_int(sp, "gt-captured");
    return push(sp, make_bool(n > int_of(env[0])));
}

StackValue quot(Stack (*fn)(Stack)) {
    auto p = reinterpret_cast<uintptr_t>(fn);
    return make_quotation(p, p);
}

StackValue closure(ClosureFn fn, int64_t captured) {
    StackValue env[] = {make_int(captured)};
    return make_closure(reinterpret_cast<uintptr_t>(fn), env, 1);
}

// ---- make / push / length / empty? ------------------------------------------------

TEST(ListMake, EmptyListTaggedList) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    st.sp = patch_seq_list_make(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    VariantObj* a = variant_of(st.base()[0]);
    VariantObj* b = variant_of(st.base()[1]);
    EXPECT_NE(a, b);
    EXPECT_EQ(a->len, 0u);
    EXPECT_EQ(a->tag->view(), "List");
    EXPECT_EQ(a->tag->kind, Kind::Symbol);
    EXPECT_EQ(a->tag, b->tag);  // one interned tag, not one allocation per list
}

TEST(ListPush, BuildsInPlaceWithAmortisedGrowth) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    constexpr int64_t kN = 100000;
    for (int64_t i = 0; i < kN; ++i) {
        st.sp = patch_seq_push_int(st.sp, i);
        st.sp = patch_seq_list_push(st.sp);
    }
    ASSERT_EQ(st.depth(), 1u);
    VariantObj* v = variant_of(st.top());
    ASSERT_EQ(v->len, static_cast<uint32_t>(kN));
    // A copy per push would leave cap == len; doubling leaves a power of two.
    EXPECT_EQ(v->cap, 131072u);
    for (int64_t i = 0; i < kN; i += 9999)
        EXPECT_EQ(int_of(v->fields[i]), i);
    EXPECT_EQ(refcount(st.top()), 1u);
}

TEST(ListPush, SharedListIsNotModified) {
    TestStack st;
    StackValue orig = list_of({1, 2});
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_string(st.sp, "three");
    st.sp = patch_seq_list_push(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.base()[0], orig);
    EXPECT_EQ(ints_of(orig), (V{1, 2}));
    EXPECT_EQ(refcount(orig), 1u);
    VariantObj* v = variant_of(st.top());
    ASSERT_EQ(v->len, 3u);
    EXPECT_EQ(string_of(v->fields[2])->view(), "three");
}

TEST(ListPush, KeepsCustomTag) {
    TestStack st;
    st.sp = push(st.sp, list_of({}, "Bag"));
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = patch_seq_list_push(st.sp);
    EXPECT_EQ(variant_of(st.top())->tag->view(), "Bag");
    EXPECT_EQ(ints_of(st.top()), (V{5}));
}

TEST(ListPush, ListIntoItselfMakesNoCycle) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    StackValue inner = st.top();
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_list_push(st.sp);  // ( l l -- l' ), l' contains l
    VariantObj* outer = variant_of(st.top());
    EXPECT_NE(st.top(), inner);
    ASSERT_EQ(outer->len, 1u);
    EXPECT_EQ(outer->fields[0], inner);
    EXPECT_EQ(variant_of(inner)->len, 0u);  // ASan: everything freed at the end
}

TEST(ListLength, AndEmpty) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2, 3}));
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_list_length(st.sp);
    EXPECT_EQ(int_of(st.top()), 3);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_list_empty(st.sp);
    EXPECT_EQ(st.top(), kFalse);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_list_make(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_list_length(st.sp);
    EXPECT_EQ(int_of(st.top()), 0);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_list_empty(st.sp);
    EXPECT_EQ(st.top(), kTrue);
}

TEST(ListDeath, NotAList) {
    death_style();
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_list_length(st.sp), "list.length: expected Variant \\(list\\), got Int");
    EXPECT_DEATH(patch_seq_list_empty(st.sp),
                 "list.empty\\?: expected Variant \\(list\\), got Int");
    EXPECT_DEATH(patch_seq_list_reverse(st.sp),
                 "list.reverse: expected Variant \\(list\\), got Int");
    st.sp = patch_seq_push_int(st.sp, 2);
    EXPECT_DEATH(patch_seq_list_push(st.sp), "list.push: expected Variant \\(list\\), got Int");
}

// ---- get / set -----------------------------------------------------------------------

TEST(ListGet, InRange) {
    TestStack st;
    StackValue s = make_string("é");
    StackValue fields[] = {make_int(7), s};
    StackValue list = make_variant(string_of(list_symbol()), fields, 2);
    st.sp = push(st.sp, list);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_list_get(st.sp);
    ASSERT_EQ(st.depth(), 3u);
    EXPECT_EQ(st.top(), kTrue);
    EXPECT_EQ(int_of(st.sp[-2]), 7);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_list_get(st.sp);
    EXPECT_EQ(st.top(), kTrue);
    EXPECT_EQ(st.sp[-2], s);
    EXPECT_EQ(refcount(s), 2u);  // shared list: the element was cloned
    EXPECT_EQ(variant_of(list)->len, 2u);
}

TEST(ListGet, OutOfRangeGivesZeroFalse) {
    TestStack st;
    for (int64_t i : {int64_t{2}, int64_t{-1}, kIntMax, kIntMin}) {
        st.sp = push(st.sp, list_of({1, 2}));
        st.sp = patch_seq_push_int(st.sp, i);
        st.sp = patch_seq_list_get(st.sp);
        ASSERT_EQ(st.depth(), 2u) << i;
        EXPECT_EQ(st.top(), kFalse) << i;
        EXPECT_EQ(st.sp[-2], make_int(0)) << i;
        st.sp = patch_seq_drop_op(st.sp);
        st.sp = patch_seq_drop_op(st.sp);
    }
    st.sp = patch_seq_list_make(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_list_get(st.sp);
    EXPECT_EQ(st.top(), kFalse);
}

TEST(ListGet, TypeErrorsGiveZeroFalse) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2}));
    st.sp = patch_seq_push_bool(st.sp, true);  // index is not an Int
    st.sp = patch_seq_list_get(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], make_int(0));
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_string(st.sp, "not a list");
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_list_get(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], make_int(0));
}

TEST(ListSet, UniqueListUpdatedInPlace) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2, 3}));
    StackValue before = st.top();
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_string(st.sp, "two");
    st.sp = patch_seq_list_set(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kTrue);
    EXPECT_EQ(st.sp[-2], before);
    VariantObj* v = variant_of(before);
    EXPECT_EQ(int_of(v->fields[0]), 1);
    EXPECT_EQ(string_of(v->fields[1])->view(), "two");
    EXPECT_EQ(int_of(v->fields[2]), 3);
}

TEST(ListSet, SharedListIsCopied) {
    TestStack st;
    StackValue old = make_string("old");
    StackValue fields[] = {old};
    StackValue orig = make_variant(string_of(make_string("Row", Kind::Symbol)), fields, 1);
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_push_int(st.sp, 9);
    st.sp = patch_seq_list_set(st.sp);
    ASSERT_EQ(st.depth(), 3u);
    EXPECT_EQ(st.top(), kTrue);
    StackValue copy = st.sp[-2];
    EXPECT_NE(copy, orig);
    EXPECT_EQ(variant_of(copy)->tag->view(), "Row");
    EXPECT_EQ(ints_of(copy), (V{9}));
    EXPECT_EQ(variant_of(orig)->fields[0], old);
    EXPECT_EQ(refcount(old), 1u);
}

TEST(ListSet, OutOfRangeReturnsListAndFalse) {
    TestStack st;
    for (int64_t i : {int64_t{3}, int64_t{-1}, kIntMax}) {
        st.sp = push(st.sp, list_of({1, 2, 3}));
        StackValue list = st.top();
        st.sp = patch_seq_push_int(st.sp, i);
        st.sp = patch_seq_push_string(st.sp, "dropped");
        st.sp = patch_seq_list_set(st.sp);
        ASSERT_EQ(st.depth(), 2u);
        EXPECT_EQ(st.top(), kFalse);
        EXPECT_EQ(st.sp[-2], list);
        EXPECT_EQ(ints_of(list), (V{1, 2, 3}));
        st.sp = patch_seq_drop_op(st.sp);
        st.sp = patch_seq_drop_op(st.sp);
    }
}

TEST(ListSet, TypeErrorsReturnOriginalAndFalse) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2}));
    StackValue list = st.top();
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = patch_seq_push_int(st.sp, 99);
    st.sp = patch_seq_list_set(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], list);
    EXPECT_EQ(ints_of(list), (V{1, 2}));
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 42);
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_push_string(st.sp, "v");
    st.sp = patch_seq_list_set(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], make_int(42));
}

// ---- reverse -------------------------------------------------------------------------

TEST(ListReverse, EmptySingleMany) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    st.sp = patch_seq_list_reverse(st.sp);
    EXPECT_EQ(ints_of(st.top()), V{});
    EXPECT_EQ(variant_of(st.top())->tag->view(), "List");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = push(st.sp, list_of({42}));
    st.sp = patch_seq_list_reverse(st.sp);
    EXPECT_EQ(ints_of(st.top()), (V{42}));
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = push(st.sp, list_of({1, 2, 3, 4}, "Deck"));
    st.sp = patch_seq_list_reverse(st.sp);
    EXPECT_EQ(ints_of(st.top()), (V{4, 3, 2, 1}));
    EXPECT_EQ(variant_of(st.top())->tag->view(), "Deck");
}

TEST(ListReverse, SharedListIsNotModified) {
    TestStack st;
    StackValue orig = list_of({1, 2, 3});
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_list_reverse(st.sp);
    EXPECT_NE(st.top(), orig);
    EXPECT_EQ(ints_of(st.top()), (V{3, 2, 1}));
    EXPECT_EQ(ints_of(orig), (V{1, 2, 3}));
}

// ---- map ---------------------------------------------------------------------------------

TEST(ListMap, DoublesEachElement) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, -7);  // must survive below
    st.sp = push(st.sp, list_of({1, 2, 3}));
    st.sp = push(st.sp, quot(double_quot));
    st.sp = patch_seq_list_map(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(int_of(st.base()[0]), -7);
    EXPECT_EQ(ints_of(st.top()), (V{2, 4, 6}));
}

TEST(ListMap, EmptyAndTagPreserved) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    st.sp = push(st.sp, quot(double_quot));
    st.sp = patch_seq_list_map(st.sp);
    EXPECT_EQ(ints_of(st.top()), V{});
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = push(st.sp, list_of({1, 2}, "CustomTag"));
    st.sp = push(st.sp, quot(double_quot));
    st.sp = patch_seq_list_map(st.sp);
    EXPECT_EQ(variant_of(st.top())->tag->view(), "CustomTag");
    EXPECT_EQ(ints_of(st.top()), (V{2, 4}));
}

TEST(ListMap, WithClosure) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2, 3}));
    st.sp = push(st.sp, closure(add_captured, 10));
    st.sp = patch_seq_list_map(st.sp);
    EXPECT_EQ(ints_of(st.top()), (V{11, 12, 13}));
}

TEST(ListMap, SharedListIsNotModified) {
    TestStack st;
    StackValue orig = list_of({5, 6});
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = push(st.sp, quot(double_quot));
    st.sp = patch_seq_list_map(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(ints_of(orig), (V{5, 6}));
    EXPECT_EQ(ints_of(st.top()), (V{10, 12}));
    EXPECT_EQ(refcount(orig), 1u);
}

TEST(ListMap, ExtraValuesLeftByQuotationAreDropped) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2}));
    st.sp = push(st.sp, quot(messy_quot));
    st.sp = patch_seq_list_map(st.sp);
    ASSERT_EQ(st.depth(), 1u);  // ASan reports the junk strings if they leak
    EXPECT_EQ(ints_of(st.top()), (V{2, 3}));
}

TEST(ListMap, StringElementsBalanceCounts) {
    TestStack st;
    StackValue s = make_string("ü");
    StackValue fields[] = {clone_value(s), clone_value(s)};
    st.sp = push(st.sp, make_variant(string_of(list_symbol()), fields, 2));
    st.sp = push(st.sp, quot(returns_int_quot));
    st.sp = patch_seq_list_map(st.sp);
    EXPECT_EQ(ints_of(st.top()), (V{1, 1}));
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
}

TEST(ListMapDeath, UnbalancedOrWrongTypes) {
    death_style();
    TestStack st;
    st.sp = push(st.sp, list_of({1}));
    st.sp = push(st.sp, quot(swallow_quot));
    EXPECT_DEATH(patch_seq_list_map(st.sp),
                 "list.map: quotation consumed its inputs without producing a result");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 3);
    EXPECT_DEATH(patch_seq_list_map(st.sp), "list.map: expected Quotation or Closure, got Int");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 3);
    st.sp = push(st.sp, quot(double_quot));
    EXPECT_DEATH(patch_seq_list_map(st.sp), "list.map: expected Variant \\(list\\), got Int");
}

// ---- filter -------------------------------------------------------------------------------

TEST(ListFilter, KeepsWhereTrue) {
    TestStack st;
    st.sp = push(st.sp, list_of({-1, 2, -3, 4, 0}));
    st.sp = push(st.sp, quot(is_positive_quot));
    st.sp = patch_seq_list_filter(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(ints_of(st.top()), (V{2, 4}));
}

TEST(ListFilter, SharedListWithClosure) {
    TestStack st;
    StackValue orig = list_of({1, 5, 2, 8}, "Nums");
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = push(st.sp, closure(greater_than_captured, 2));
    st.sp = patch_seq_list_filter(st.sp);
    EXPECT_EQ(ints_of(st.top()), (V{5, 8}));
    EXPECT_EQ(variant_of(st.top())->tag->view(), "Nums");
    EXPECT_EQ(ints_of(orig), (V{1, 5, 2, 8}));
}

TEST(ListFilter, HeapElementsKeptOrDropped) {
    TestStack st;
    StackValue keep = make_string("keep");
    StackValue gone = make_string("gone");
    StackValue fields[] = {make_int(1), clone_value(keep), clone_value(gone)};
    st.sp = push(st.sp, make_variant(string_of(list_symbol()), fields, 3));
    // Keeps everything except "gone": use a closure that compares strings.
    auto not_gone = [](Stack sp, const StackValue*, size_t) -> Stack {
        StackValue v = *--sp;
        bool k = !(is_kind(v, Kind::String) && string_of(v)->view() == "gone");
        drop_value(v);
        return push(sp, make_bool(k));
    };
    st.sp = push(st.sp, make_closure(reinterpret_cast<uintptr_t>(+not_gone), nullptr, 0));
    st.sp = patch_seq_list_filter(st.sp);
    VariantObj* v = variant_of(st.top());
    ASSERT_EQ(v->len, 2u);
    EXPECT_EQ(int_of(v->fields[0]), 1);
    EXPECT_EQ(v->fields[1], keep);
    EXPECT_EQ(refcount(keep), 2u);
    EXPECT_EQ(refcount(gone), 1u);  // the list's reference was dropped
    drop_value(keep);
    drop_value(gone);
}

TEST(ListFilter, EmptyAndNoneKept) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    st.sp = push(st.sp, quot(is_positive_quot));
    st.sp = patch_seq_list_filter(st.sp);
    EXPECT_EQ(ints_of(st.top()), V{});
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = push(st.sp, list_of({-1, -2}));
    st.sp = push(st.sp, quot(is_positive_quot));
    st.sp = patch_seq_list_filter(st.sp);
    EXPECT_EQ(ints_of(st.top()), V{});
}

TEST(ListFilterDeath, QuotationMustReturnBool) {
    death_style();
    TestStack st;
    st.sp = push(st.sp, list_of({1}));
    st.sp = push(st.sp, quot(double_quot));
    EXPECT_DEATH(patch_seq_list_filter(st.sp),
                 "list.filter: expected Bool from the quotation, got Int");
    drop_value(st.sp[-1]);
    st.sp[-1] = quot(swallow_quot);
    EXPECT_DEATH(patch_seq_list_filter(st.sp), "list.filter: quotation consumed");
}

// ---- fold ---------------------------------------------------------------------------------

TEST(ListFold, LeftFoldAccumulatorBelowElement) {
    TestStack st;
    st.sp = push(st.sp, list_of({1, 2, 3}));
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = push(st.sp, quot(digits_quot));
    st.sp = patch_seq_list_fold(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 123);
}

TEST(ListFold, SharedListAndHeapAccumulator) {
    TestStack st;
    StackValue orig = list_of({1, 2, 3, 4, 5});
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    auto add = [](Stack sp) -> Stack {
        int64_t b = pop_int(sp, "add");
        int64_t a = pop_int(sp, "add");
        return push(sp, make_int(a + b));
    };
    st.sp = push(st.sp, quot(+add));
    st.sp = patch_seq_list_fold(st.sp);
    EXPECT_EQ(int_of(st.top()), 15);
    EXPECT_EQ(ints_of(orig), (V{1, 2, 3, 4, 5}));
}

TEST(ListFold, EmptyReturnsInit) {
    TestStack st;
    StackValue init = make_string("init");
    st.sp = patch_seq_list_make(st.sp);
    st.sp = push(st.sp, init);
    st.sp = push(st.sp, quot(digits_quot));
    st.sp = patch_seq_list_fold(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(st.top(), init);
    EXPECT_EQ(refcount(init), 1u);
}

TEST(ListFoldDeath, QuotationConsumesEverything) {
    death_style();
    TestStack st;
    st.sp = push(st.sp, list_of({1}));
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = push(st.sp, quot(swallow_two_quot));
    EXPECT_DEATH(patch_seq_list_fold(st.sp),
                 "list.fold: quotation consumed its inputs without producing a result");
}

// ---- each -----------------------------------------------------------------------------------

TEST(ListEach, VisitsInOrder) {
    TestStack st;
    g_seen.clear();
    st.sp = patch_seq_push_int(st.sp, 77);
    st.sp = push(st.sp, list_of({3, 1, 2}));
    st.sp = push(st.sp, quot(record_quot));
    st.sp = patch_seq_list_each(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 77);
    EXPECT_EQ(g_seen, (V{3, 1, 2}));
}

TEST(ListEach, LeftoversAreDroppedAndSharedListSurvives) {
    TestStack st;
    StackValue orig = list_of({1, 2});
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = push(st.sp, quot(messy_quot));  // leaves three values per element
    st.sp = patch_seq_list_each(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(ints_of(orig), (V{1, 2}));
    EXPECT_EQ(refcount(orig), 1u);
}

TEST(ListEachDeath, QuotationConsumesCallerValues) {
    death_style();
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = push(st.sp, list_of({1}));
    st.sp = push(st.sp, quot(swallow_two_quot));
    EXPECT_DEATH(patch_seq_list_each(st.sp),
                 "list.each: quotation consumed more values than it was given");
}

TEST(ListHigherOrder, LargeUniqueListPipeline) {
    TestStack st;
    st.sp = patch_seq_list_make(st.sp);
    for (int64_t i = -5000; i < 5000; ++i) {
        st.sp = patch_seq_push_int(st.sp, i);
        st.sp = patch_seq_list_push(st.sp);
    }
    st.sp = push(st.sp, quot(is_positive_quot));
    st.sp = patch_seq_list_filter(st.sp);
    st.sp = push(st.sp, quot(double_quot));
    st.sp = patch_seq_list_map(st.sp);
    st.sp = patch_seq_list_reverse(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_list_length(st.sp);
    EXPECT_EQ(int_of(st.top()), 4999);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    auto add = [](Stack sp) -> Stack {
        int64_t b = pop_int(sp, "add");
        int64_t a = pop_int(sp, "add");
        return push(sp, make_int(a + b));
    };
    st.sp = push(st.sp, quot(+add));
    st.sp = patch_seq_list_fold(st.sp);
    EXPECT_EQ(int_of(st.top()), 4999 * 5000);  // 2 * (1 + .. + 4999)
}

}  // namespace
}  // namespace seq
