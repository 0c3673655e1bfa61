// seqc 7.x's list.first, list.last ( List -- v Bool ) and variant.first
// ( Variant -- v ).
#include <gtest/gtest.h>

#include <vector>

#include "core/value/list.hpp"
#include "seq/runtime_data.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

StackValue variant_of_values(std::vector<StackValue> fields, const char* tag = "List") {
    return make_variant(string_of(make_string(tag, Kind::Symbol)), fields.data(), fields.size());
}

struct Got {
    StackValue v;
    bool ok;
};

Got end_of(Stack (*word)(Stack), StackValue list) {
    TestStack st;
    st.sp = push(st.sp, list);
    st.sp = word(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    EXPECT_TRUE(is_bool(st.top()));
    Got g{clone_value(st.sp[-2]), st.top() == kTrue};
    return g;  // TestStack drops its own references
}

TEST(ListEnds, FirstAndLastOfAList) {
    StackValue list = variant_of_values({make_int(10), make_int(20), make_int(30)});
    retain(heap_of(list));
    Got f = end_of(patch_seq_list_first, list);
    EXPECT_TRUE(f.ok);
    EXPECT_EQ(f.v, make_int(10));
    retain(heap_of(list));
    Got l = end_of(patch_seq_list_last, list);
    EXPECT_TRUE(l.ok);
    EXPECT_EQ(l.v, make_int(30));
    EXPECT_EQ(refcount(list), 1u);  // the words consumed their references
    drop_value(list);
}

TEST(ListEnds, SingletonIsBothEnds) {
    for (auto word : {patch_seq_list_first, patch_seq_list_last}) {
        Got g = end_of(word, variant_of_values({make_int(42)}));
        EXPECT_TRUE(g.ok);
        EXPECT_EQ(g.v, make_int(42));
    }
}

// An empty list, or anything that is not a variant, gives list.get's failure
// shape ( 0 false ).
TEST(ListEnds, EmptyOrNotAListIsZeroFalse) {
    for (auto word : {patch_seq_list_first, patch_seq_list_last}) {
        Got g = end_of(word, variant_of_values({}));
        EXPECT_FALSE(g.ok);
        EXPECT_EQ(g.v, make_int(0));
        g = end_of(word, make_int(5));
        EXPECT_FALSE(g.ok);
        EXPECT_EQ(g.v, make_int(0));
        StackValue s = make_string("not a list");
        retain(heap_of(s));
        g = end_of(word, s);
        EXPECT_FALSE(g.ok);
        EXPECT_EQ(refcount(s), 1u);  // dropped, not leaked
        drop_value(s);
    }
}

// A heap element comes out with its own reference, whether the list was
// shared (copied out) or not (moved out).
TEST(ListEnds, HeapElementsAreOwned) {
    StackValue a = make_string("first"), b = make_string("last");
    StackValue list = variant_of_values({a, b});
    retain(heap_of(list));  // shared
    Got f = end_of(patch_seq_list_first, list);
    EXPECT_EQ(f.v, a);
    EXPECT_EQ(refcount(a), 2u);  // the list's and ours
    drop_value(f.v);
    Got l = end_of(patch_seq_list_last, list);  // unique now
    EXPECT_EQ(l.v, b);
    EXPECT_EQ(string_of(l.v)->view(), "last");
    EXPECT_EQ(refcount(b), 1u);
    drop_value(l.v);
}

// Any variant works, as upstream: the tag is not checked.
TEST(ListEnds, AnyVariantTag) {
    Got g = end_of(patch_seq_list_last, variant_of_values({make_int(1), make_int(2)}, "Pair"));
    EXPECT_TRUE(g.ok);
    EXPECT_EQ(g.v, make_int(2));
}

TEST(VariantFirst, TakesTheFirstField) {
    TestStack st;
    st.sp = push(st.sp, variant_of_values({make_string("head"), make_int(2)}, "Cons"));
    st.sp = patch_seq_variant_first(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(string_of(st.top())->view(), "head");
    StackValue shared = variant_of_values({make_int(9)}, "One");
    retain(heap_of(shared));
    st.sp = push(st.sp, shared);
    st.sp = patch_seq_variant_first(st.sp);
    EXPECT_EQ(st.top(), make_int(9));
    EXPECT_EQ(refcount(shared), 1u);
    drop_value(shared);
}

TEST(VariantFirstDeathTest, EmptyOrNotAVariantAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = push(st.sp, variant_of_values({}, "None"));
    EXPECT_DEATH(patch_seq_variant_first(st.sp), "variant.first: variant has no fields");
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_variant_first(st.sp), "variant.first: expected Variant, got Int");
}

}  // namespace
}  // namespace seq
