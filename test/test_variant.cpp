// Variant words: make-0..12, tag, field-count, field-at, append, last, init,
// unpack.
#include <gtest/gtest.h>

#include <string>

#include "core/value/list.hpp"
#include "seq/runtime_data.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

StackValue sym(const char* s) {
    return make_string(s, Kind::Symbol);
}

// A variant built directly from ints (test fixture, not under test).
StackValue int_variant(const char* tag, std::initializer_list<int64_t> xs) {
    std::vector<StackValue> fields;
    for (int64_t x : xs)
        fields.push_back(make_int(x));
    return make_variant(string_of(sym(tag)), fields.data(), fields.size());
}

std::string text(StackValue v) {
    return std::string(string_of(v)->view());
}

void death_style() {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
}

TEST(MakeVariant, ZeroFieldsTakesTagOnly) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 99);  // below: must be untouched
    st.sp = patch_seq_push_symbol(st.sp, "None");
    st.sp = patch_seq_make_variant_0(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    ASSERT_TRUE(is_kind(st.top(), Kind::Variant));
    VariantObj* v = variant_of(st.top());
    EXPECT_EQ(v->tag->view(), "None");
    EXPECT_EQ(v->tag->kind, Kind::Symbol);
    EXPECT_EQ(v->len, 0u);
    EXPECT_EQ(int_of(st.base()[0]), 99);
}

TEST(MakeVariant, FieldsKeepStackOrder) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 10);
    st.sp = patch_seq_push_int(st.sp, 20);
    st.sp = patch_seq_push_int(st.sp, 30);
    st.sp = patch_seq_push_symbol(st.sp, "Tag");
    st.sp = patch_seq_make_variant_3(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    VariantObj* v = variant_of(st.top());
    EXPECT_EQ(v->tag->view(), "Tag");
    ASSERT_EQ(v->len, 3u);
    EXPECT_EQ(int_of(v->fields[0]), 10);
    EXPECT_EQ(int_of(v->fields[1]), 20);
    EXPECT_EQ(int_of(v->fields[2]), 30);
}

TEST(MakeVariant, MixedFieldsAreMovedNotCopied) {
    TestStack st;
    StackValue s = make_string("héllo");
    st.sp = patch_seq_push_int(st.sp, 42);
    st.sp = push(st.sp, s);
    st.sp = patch_seq_push_float(st.sp, 3.5);
    st.sp = patch_seq_push_symbol(st.sp, "Mixed");
    st.sp = patch_seq_make_variant_3(st.sp);
    VariantObj* v = variant_of(st.top());
    ASSERT_EQ(v->len, 3u);
    EXPECT_EQ(int_of(v->fields[0]), 42);
    EXPECT_EQ(v->fields[1], s);
    EXPECT_EQ(refcount(s), 1u);  // ownership moved from the stack slot
    EXPECT_DOUBLE_EQ(float_of(v->fields[2]), 3.5);
}

TEST(MakeVariant, EveryArityUpToTwelve) {
    using Fn = seq_stack_t (*)(seq_stack_t);
    const Fn makers[] = {
        patch_seq_make_variant_0, patch_seq_make_variant_1,  patch_seq_make_variant_2,
        patch_seq_make_variant_3, patch_seq_make_variant_4,  patch_seq_make_variant_5,
        patch_seq_make_variant_6, patch_seq_make_variant_7,  patch_seq_make_variant_8,
        patch_seq_make_variant_9, patch_seq_make_variant_10, patch_seq_make_variant_11,
        patch_seq_make_variant_12};
    for (int n = 0; n <= 12; ++n) {
        TestStack st;
        st.sp = patch_seq_push_int(st.sp, -1);  // sentinel below the fields
        for (int i = 0; i < n; ++i)
            st.sp = patch_seq_push_int(st.sp, 100 + i);
        st.sp = patch_seq_push_symbol(st.sp, "T");
        st.sp = makers[n](st.sp);
        ASSERT_EQ(st.depth(), 2u) << n;
        EXPECT_EQ(int_of(st.base()[0]), -1);
        VariantObj* v = variant_of(st.top());
        ASSERT_EQ(v->len, static_cast<uint32_t>(n));
        for (int i = 0; i < n; ++i)
            EXPECT_EQ(int_of(v->fields[i]), 100 + i) << n << " " << i;
    }
}

TEST(MakeVariant, ArenaStringFieldBecomesGlobal) {
    TestStack st;
    st.sp = push(st.sp, make_arena_string("temp"));
    st.sp = patch_seq_push_symbol(st.sp, "Box");
    st.sp = patch_seq_make_variant_1(st.sp);
    StackValue f = variant_of(st.top())->fields[0];
    EXPECT_EQ(heap_of(f)->flags & kArena, 0);
    EXPECT_EQ(text(f), "temp");
}

TEST(MakeVariantDeath, TagMustBeSymbol) {
    death_style();
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_string(st.sp, "Tag");
    EXPECT_DEATH(patch_seq_make_variant_1(st.sp),
                 "variant.make-1: expected Symbol \\(tag\\), got String");
    st.sp = patch_seq_push_int(st.sp, 5);
    EXPECT_DEATH(patch_seq_make_variant_12(st.sp),
                 "variant.make-12: expected Symbol \\(tag\\), got Int");
}

TEST(VariantTag, ReturnsSymbol) {
    TestStack st;
    st.sp = push(st.sp, int_variant("MyTag", {10}));
    st.sp = patch_seq_variant_tag(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    ASSERT_TRUE(is_kind(st.top(), Kind::Symbol));
    EXPECT_EQ(text(st.top()), "MyTag");
}

TEST(VariantTag, SharedVariantSurvivesAndTagIsShared) {
    TestStack st;
    StackValue v = int_variant("Über", {});
    st.sp = push(st.sp, v);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_variant_tag(st.sp);
    EXPECT_EQ(refcount(v), 1u);
    EXPECT_EQ(st.top(), from_heap(variant_of(v)->tag));  // no copy of the tag
    EXPECT_EQ(refcount(st.top()), 2u);
    EXPECT_EQ(text(st.top()), "Über");
}

TEST(VariantTag, StringTagReadsBackAsSymbol) {
    TestStack st;
    StackValue tag = make_string("Plain");  // host-built tag of kind String
    st.sp = push(st.sp, make_variant(string_of(tag), nullptr, 0));
    st.sp = patch_seq_variant_tag(st.sp);
    ASSERT_TRUE(is_kind(st.top(), Kind::Symbol));
    EXPECT_EQ(text(st.top()), "Plain");
}

TEST(VariantFieldCount, CountsFields) {
    TestStack st;
    st.sp = push(st.sp, int_variant("T", {10, 20, 30}));
    st.sp = patch_seq_variant_field_count(st.sp);
    EXPECT_EQ(int_of(st.top()), 3);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = push(st.sp, int_variant("Empty", {}));
    st.sp = patch_seq_variant_field_count(st.sp);
    EXPECT_EQ(int_of(st.top()), 0);
}

TEST(VariantFieldAt, ReturnsEachField) {
    TestStack st;
    StackValue s1 = make_string("hello");
    StackValue s2 = make_string("wörld");
    StackValue fields[] = {s1, make_int(42), s2};
    StackValue v = make_variant(string_of(sym("T")), fields, 3);
    st.sp = push(st.sp, v);
    for (int64_t i = 0; i < 3; ++i) {
        st.sp = patch_seq_dup(st.sp);
        st.sp = patch_seq_push_int(st.sp, i);
        st.sp = patch_seq_variant_field_at(st.sp);
        EXPECT_TRUE(values_equal(st.top(), fields[i])) << i;
        st.sp = patch_seq_drop_op(st.sp);
    }
    EXPECT_EQ(refcount(v), 1u);
    EXPECT_EQ(refcount(s1), 1u);  // clones were dropped again
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = patch_seq_variant_field_at(st.sp);  // unique: the field moves out
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(st.top(), s2);
    EXPECT_EQ(refcount(s2), 1u);
}

TEST(VariantFieldAtDeath, BadIndexOrType) {
    death_style();
    TestStack st;
    st.sp = push(st.sp, int_variant("T", {1, 2}));
    st.sp = patch_seq_push_int(st.sp, 2);
    EXPECT_DEATH(patch_seq_variant_field_at(st.sp),
                 "variant.field-at: index 2 out of bounds \\(variant has 2 fields\\)");
    st.sp[-1] = make_int(-1);
    EXPECT_DEATH(patch_seq_variant_field_at(st.sp),
                 "variant.field-at: index cannot be negative: -1");
    st.sp[-1] = make_int(kIntMax);
    EXPECT_DEATH(patch_seq_variant_field_at(st.sp),
                 "variant.field-at: index 4611686018427387903 out");
    st.sp[-1] = kTrue;
    EXPECT_DEATH(patch_seq_variant_field_at(st.sp),
                 "variant.field-at: expected Int \\(index\\), got Bool");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 7);
    st.sp = patch_seq_push_int(st.sp, 0);
    EXPECT_DEATH(patch_seq_variant_field_at(st.sp), "variant.field-at: expected Variant, got Int");
}

TEST(VariantAppend, UniqueVariantGrowsInPlace) {
    TestStack st;
    st.sp = patch_seq_push_symbol(st.sp, "Array");
    st.sp = patch_seq_make_variant_0(st.sp);
    for (int64_t i = 0; i < 5; ++i) {
        st.sp = patch_seq_push_int(st.sp, i);
        st.sp = patch_seq_variant_append(st.sp);
        ASSERT_EQ(st.depth(), 1u);
    }
    VariantObj* v = variant_of(st.top());
    EXPECT_EQ(v->tag->view(), "Array");
    ASSERT_EQ(v->len, 5u);
    // Growth by doubling (0 -> 4 -> 8) shows no copy was made per append.
    EXPECT_EQ(v->cap, 8u);
    for (int64_t i = 0; i < 5; ++i)
        EXPECT_EQ(int_of(v->fields[i]), i);
}

TEST(VariantAppend, SharedVariantIsCopied) {
    TestStack st;
    StackValue orig = int_variant("Object", {1});
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    StackValue key = make_string("name");
    st.sp = push(st.sp, key);
    st.sp = patch_seq_variant_append(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_NE(st.top(), orig);
    EXPECT_EQ(refcount(orig), 1u);
    EXPECT_EQ(variant_of(orig)->len, 1u);  // the original is unchanged
    VariantObj* v = variant_of(st.top());
    EXPECT_EQ(v->tag->view(), "Object");
    ASSERT_EQ(v->len, 2u);
    EXPECT_EQ(int_of(v->fields[0]), 1);
    EXPECT_EQ(v->fields[1], key);
}

TEST(VariantAppend, ArenaValueIsShared) {
    TestStack st;
    st.sp = push(st.sp, int_variant("T", {}));
    st.sp = push(st.sp, make_arena_string("tmp"));
    st.sp = patch_seq_variant_append(st.sp);
    StackValue f = variant_of(st.top())->fields[0];
    EXPECT_EQ(heap_of(f)->flags & kArena, 0);
    EXPECT_EQ(text(f), "tmp");
}

TEST(VariantAppendDeath, NotAVariant) {
    death_style();
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_int(st.sp, 2);
    EXPECT_DEATH(patch_seq_variant_append(st.sp), "variant.append: expected Variant, got Int");
}

TEST(VariantLast, ReturnsLastField) {
    TestStack st;
    StackValue v = int_variant("List", {10, 20, 30});
    st.sp = push(st.sp, v);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_variant_last(st.sp);
    EXPECT_EQ(int_of(st.top()), 30);
    EXPECT_EQ(refcount(v), 1u);
    EXPECT_EQ(variant_of(v)->len, 3u);
}

TEST(VariantInit, DropsLastField) {
    TestStack st;
    st.sp = push(st.sp, int_variant("Custom", {10, 20, 30}));
    StackValue before = st.top();
    st.sp = patch_seq_variant_init(st.sp);
    EXPECT_EQ(st.top(), before);  // unique: trimmed in place
    VariantObj* v = variant_of(st.top());
    EXPECT_EQ(v->tag->view(), "Custom");
    ASSERT_EQ(v->len, 2u);
    EXPECT_EQ(int_of(v->fields[0]), 10);
    EXPECT_EQ(int_of(v->fields[1]), 20);
}

TEST(VariantInit, SharedVariantIsCopied) {
    TestStack st;
    StackValue s = make_string("x");
    StackValue fields[] = {s, make_string("y")};
    StackValue orig = make_variant(string_of(sym("T")), fields, 2);
    st.sp = push(st.sp, orig);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_variant_init(st.sp);
    EXPECT_NE(st.top(), orig);
    EXPECT_EQ(variant_of(orig)->len, 2u);
    ASSERT_EQ(variant_of(st.top())->len, 1u);
    EXPECT_EQ(variant_of(st.top())->fields[0], s);
    EXPECT_EQ(refcount(s), 2u);
}

TEST(VariantAsStack, AppendLastInit) {
    TestStack st;
    st.sp = patch_seq_push_symbol(st.sp, "Stack");
    st.sp = patch_seq_make_variant_0(st.sp);
    st.sp = patch_seq_push_int(st.sp, 10);
    st.sp = patch_seq_variant_append(st.sp);
    st.sp = patch_seq_push_int(st.sp, 20);
    st.sp = patch_seq_variant_append(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_variant_last(st.sp);
    EXPECT_EQ(int_of(st.top()), 20);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_variant_init(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_variant_last(st.sp);
    EXPECT_EQ(int_of(st.top()), 10);
    st.sp = patch_seq_drop_op(st.sp);
    ASSERT_EQ(variant_of(st.top())->len, 1u);
    st.sp = patch_seq_variant_init(st.sp);
    EXPECT_EQ(variant_of(st.top())->len, 0u);
}

TEST(VariantLastInitDeath, EmptyVariant) {
    death_style();
    TestStack st;
    st.sp = push(st.sp, int_variant("E", {}));
    EXPECT_DEATH(patch_seq_variant_last(st.sp), "variant.last: variant has no fields");
    EXPECT_DEATH(patch_seq_variant_init(st.sp), "variant.init: variant has no fields");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_string(st.sp, "s");
    EXPECT_DEATH(patch_seq_variant_last(st.sp), "variant.last: expected Variant, got String");
    EXPECT_DEATH(patch_seq_variant_init(st.sp), "variant.init: expected Variant, got String");
    EXPECT_DEATH(patch_seq_variant_tag(st.sp), "variant.tag: expected Variant, got String");
    EXPECT_DEATH(patch_seq_variant_field_count(st.sp),
                 "variant.field-count: expected Variant, got String");
}

TEST(UnpackVariant, PushesFieldsInOrder) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, -1);
    st.sp = push(st.sp, int_variant("Pair", {1, 2, 3}));
    st.sp = patch_seq_unpack_variant(st.sp, 2);
    ASSERT_EQ(st.depth(), 3u);
    EXPECT_EQ(int_of(st.base()[0]), -1);
    EXPECT_EQ(int_of(st.base()[1]), 1);
    EXPECT_EQ(int_of(st.base()[2]), 2);
}

TEST(UnpackVariant, ZeroFieldsConsumesVariant) {
    TestStack st;
    StackValue s = make_string("kept elsewhere");
    StackValue fields[] = {clone_value(s)};
    st.sp = push(st.sp, make_variant(string_of(sym("T")), fields, 1));
    st.sp = patch_seq_unpack_variant(st.sp, 0);
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_EQ(refcount(s), 1u);  // the unrequested field was dropped
    drop_value(s);
}

TEST(UnpackVariant, UniqueMovesSharedClones) {
    TestStack st;
    StackValue a = make_string("a");
    StackValue b = make_string("b");
    StackValue fields[] = {a, b};
    StackValue v = make_variant(string_of(sym("T")), fields, 2);
    st.sp = push(st.sp, v);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_unpack_variant(st.sp, 2);  // shared: clones
    ASSERT_EQ(st.depth(), 3u);
    EXPECT_EQ(st.base()[1], a);
    EXPECT_EQ(st.base()[2], b);
    EXPECT_EQ(refcount(a), 2u);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_unpack_variant(st.sp, 2);  // unique: moves
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.base()[0], a);
    EXPECT_EQ(st.base()[1], b);
    EXPECT_EQ(refcount(a), 1u);
    EXPECT_EQ(refcount(b), 1u);
}

TEST(UnpackVariantDeath, TooManyOrNegative) {
    death_style();
    TestStack st;
    st.sp = push(st.sp, int_variant("T", {1}));
    EXPECT_DEATH(patch_seq_unpack_variant(st.sp, 2),
                 "unpack-variant: requested 2 fields but variant only has 1");
    EXPECT_DEATH(patch_seq_unpack_variant(st.sp, -1),
                 "unpack-variant: requested -1 fields but variant only has 1");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 3);
    EXPECT_DEATH(patch_seq_unpack_variant(st.sp, 0), "unpack-variant: expected Variant, got Int");
}

TEST(Variant, NestedVariantsAreFreed) {
    TestStack st;
    st.sp = patch_seq_push_symbol(st.sp, "Leaf");
    st.sp = patch_seq_make_variant_0(st.sp);
    for (int i = 0; i < 100; ++i) {
        st.sp = patch_seq_push_string(st.sp, "payload");
        st.sp = patch_seq_push_symbol(st.sp, "Node");
        st.sp = patch_seq_make_variant_2(st.sp);
    }
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(variant_of(st.top())->len, 2u);
    // Freed at the end of the test: ASan reports any leak.
}

}  // namespace
}  // namespace seq
