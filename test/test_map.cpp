// Map words: make, get, set, has?, remove, size, empty?, keys, values, each,
// fold, and the enumeration order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/value/map.hpp"
#include "seq/runtime_data.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

void death_style() {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
}

// ( Map -- Map ) with key/value pushed by the caller-provided values.
Stack set(Stack sp, StackValue key, StackValue value) {
    sp = push(sp, key);
    sp = push(sp, value);
    return patch_seq_map_set(sp);
}

// Looks `key` up in the map on top (kept): returns (value, found).
std::pair<StackValue, bool> get(TestStack& st, StackValue key) {
    st.sp = patch_seq_dup(st.sp);
    st.sp = push(st.sp, key);
    st.sp = patch_seq_map_get(st.sp);
    bool found = st.sp[-1] == kTrue;
    StackValue v = st.sp[-2];
    st.sp -= 2;  // the caller owns `v`
    return {v, found};
}

std::string show(StackValue v) {
    switch (kind_of(v)) {
        case Kind::Int:
            return std::to_string(int_of(v));
        case Kind::Bool:
            return v == kTrue ? "true" : "false";
        case Kind::String:
            return "\"" + std::string(string_of(v)->view()) + "\"";
        default:
            return "?";
    }
}

std::vector<std::string> shows(StackValue list) {
    std::vector<std::string> out;
    VariantObj* v = variant_of(list);
    for (uint32_t i = 0; i < v->len; ++i)
        out.push_back(show(v->fields[i]));
    return out;
}

using S = std::vector<std::string>;

TEST(MapMake, Empty) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    ASSERT_TRUE(is_kind(st.top(), Kind::Map));
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_map_size(st.sp);
    EXPECT_EQ(int_of(st.top()), 0);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_map_empty(st.sp);
    EXPECT_EQ(st.top(), kTrue);
}

TEST(MapSetGet, StringIntBoolKeys) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("name"), make_string("Alice"));
    st.sp = set(st.sp, make_int(42), make_string("answer"));
    st.sp = set(st.sp, kTrue, make_string("yes"));
    st.sp = set(st.sp, kFalse, make_string("no"));
    st.sp = set(st.sp, make_string("42"), make_int(-1));  // not the Int key 42
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(map_of(st.top())->table.size(), 5u);

    auto [v1, f1] = get(st, make_string("name"));
    EXPECT_TRUE(f1);
    EXPECT_EQ(show(v1), "\"Alice\"");
    drop_value(v1);
    auto [v2, f2] = get(st, make_int(42));
    EXPECT_TRUE(f2);
    EXPECT_EQ(show(v2), "\"answer\"");
    drop_value(v2);
    auto [v3, f3] = get(st, kTrue);
    EXPECT_EQ(show(v3), "\"yes\"");
    drop_value(v3);
    auto [v4, f4] = get(st, kFalse);
    EXPECT_EQ(show(v4), "\"no\"");
    drop_value(v4);
    auto [v5, f5] = get(st, make_string("42"));
    EXPECT_TRUE(f5);
    EXPECT_EQ(int_of(v5), -1);
}

TEST(MapSet, OverwriteKeepsOneEntry) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("key"), make_int(100));
    st.sp = set(st.sp, make_string("key"), make_int(200));
    EXPECT_EQ(map_of(st.top())->table.size(), 1u);
    auto [v, found] = get(st, make_string("key"));
    EXPECT_TRUE(found);
    EXPECT_EQ(int_of(v), 200);
}

TEST(MapSet, UniqueMapMutatedInPlace) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    StackValue m = st.top();
    for (int64_t i = 0; i < 1000; ++i)
        st.sp = set(st.sp, make_int(i), make_int(i * i));
    EXPECT_EQ(st.top(), m);
    EXPECT_EQ(map_of(m)->table.size(), 1000u);
    auto [v, found] = get(st, make_int(999));
    EXPECT_TRUE(found);
    EXPECT_EQ(int_of(v), 999 * 999);
}

TEST(MapSet, SharedMapIsCopied) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("a"), make_int(1));
    StackValue orig = st.top();
    st.sp = patch_seq_dup(st.sp);
    st.sp = set(st.sp, make_string("b"), make_int(2));
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_NE(st.top(), orig);
    EXPECT_EQ(map_of(orig)->table.size(), 1u);
    EXPECT_EQ(map_of(st.top())->table.size(), 2u);
    EXPECT_EQ(refcount(orig), 1u);
}

TEST(MapSet, ArenaKeyAndValueBecomeGlobal) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_arena_string("k"), make_arena_string("v"));
    const auto& [k, v] = *map_of(st.top())->table.begin();
    EXPECT_EQ(heap_of(k)->flags & kArena, 0);
    EXPECT_EQ(heap_of(v)->flags & kArena, 0);
    auto [got, found] = get(st, make_arena_string("k"));  // equal content finds it
    EXPECT_TRUE(found);
    EXPECT_EQ(string_of(got)->view(), "v");
    drop_value(got);
}

TEST(MapGet, MissingKeyGivesZeroFalse) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = patch_seq_push_string(st.sp, "missing");
    st.sp = patch_seq_map_get(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], make_int(0));
}

TEST(MapGet, UniqueMapMovesValueSharedClones) {
    TestStack st;
    StackValue val = make_string("payload");
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_int(1), val);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_map_get(st.sp);  // shared map: clone
    EXPECT_EQ(st.sp[-2], val);
    EXPECT_EQ(refcount(val), 2u);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_map_get(st.sp);  // last reference: the value moves out
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.sp[-2], val);
    EXPECT_EQ(refcount(val), 1u);
}

TEST(MapGet, InvalidKeyOrNotAMapGivesZeroFalse) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = patch_seq_push_float(st.sp, 1.5);
    st.sp = patch_seq_map_get(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], make_int(0));
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_string(st.sp, "not a map");
    st.sp = patch_seq_push_string(st.sp, "k");
    st.sp = patch_seq_map_get(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.top(), kFalse);
    EXPECT_EQ(st.sp[-2], make_int(0));
}

TEST(MapHas, PresentMissingAndInvalidKey) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("kéy"), make_int(100));
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_string(st.sp, "kéy");
    st.sp = patch_seq_map_has(st.sp);
    EXPECT_EQ(st.top(), kTrue);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_string(st.sp, "key");
    st.sp = patch_seq_map_has(st.sp);
    EXPECT_EQ(st.top(), kFalse);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_symbol(st.sp, "kéy");  // a Symbol is never a key
    st.sp = patch_seq_map_has(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(st.top(), kFalse);
}

TEST(MapRemove, RemovesOnlyThatKey) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("a"), make_string("1"));
    st.sp = set(st.sp, make_string("b"), make_int(2));
    StackValue m = st.top();
    st.sp = patch_seq_push_string(st.sp, "a");
    st.sp = patch_seq_map_remove(st.sp);
    EXPECT_EQ(st.top(), m);  // unique: in place
    EXPECT_FALSE(get(st, make_string("a")).second);
    auto [b, found] = get(st, make_string("b"));
    EXPECT_TRUE(found);
    EXPECT_EQ(int_of(b), 2);
    st.sp = patch_seq_push_string(st.sp, "zzz");  // absent: no-op
    st.sp = patch_seq_map_remove(st.sp);
    EXPECT_EQ(map_of(st.top())->table.size(), 1u);
}

TEST(MapRemove, SharedMapCopiedOnlyWhenKeyPresent) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_int(1), make_int(10));
    StackValue orig = st.top();
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 2);
    st.sp = patch_seq_map_remove(st.sp);
    EXPECT_EQ(st.top(), orig);  // nothing removed: the same map
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_map_remove(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_NE(st.top(), orig);
    EXPECT_TRUE(map_of(st.top())->table.empty());
    EXPECT_EQ(map_of(orig)->table.size(), 1u);
}

TEST(MapSizeEmpty, CountEntries) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("a"), make_int(1));
    st.sp = set(st.sp, make_string("b"), make_int(2));
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_map_size(st.sp);
    EXPECT_EQ(int_of(st.top()), 2);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_map_empty(st.sp);
    EXPECT_EQ(st.top(), kFalse);
}

// Keys inserted out of order, of every kind, including UTF-8 and "".
Stack mixed_map(Stack sp) {
    sp = patch_seq_make_map(sp);
    sp = set(sp, make_string("b"), make_int(1));
    sp = set(sp, make_int(3), make_int(2));
    sp = set(sp, kTrue, make_int(3));
    sp = set(sp, make_string("é"), make_int(4));
    sp = set(sp, make_int(-5), make_int(5));
    sp = set(sp, kFalse, make_int(6));
    sp = set(sp, make_int(kIntMax), make_int(7));
    sp = set(sp, make_string(""), make_int(8));
    sp = set(sp, make_string("z"), make_int(9));
    sp = set(sp, make_int(kIntMin), make_int(10));
    return sp;
}

const S kKeyOrder = {"-4611686018427387904",
                     "-5",
                     "3",
                     "4611686018427387903",
                     "false",
                     "true",
                     "\"\"",
                     "\"b\"",
                     "\"z\"",
                     "\"é\""};

TEST(MapKeys, DeterministicOrder) {
    TestStack st;
    st.sp = mixed_map(st.sp);
    st.sp = patch_seq_map_keys(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(variant_of(st.top())->tag->view(), "List");
    EXPECT_EQ(shows(st.top()), kKeyOrder);
}

TEST(MapValues, FollowKeyOrder) {
    TestStack st;
    st.sp = mixed_map(st.sp);
    st.sp = patch_seq_map_values(st.sp);
    EXPECT_EQ(variant_of(st.top())->tag->view(), "List");
    EXPECT_EQ(shows(st.top()), (S{"10", "5", "2", "7", "6", "3", "8", "1", "9", "4"}));
}

TEST(MapKeysValues, EmptyMapGivesEmptyLists) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_map_keys(st.sp);
    EXPECT_EQ(variant_of(st.top())->len, 0u);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_map_values(st.sp);
    EXPECT_EQ(variant_of(st.top())->len, 0u);
}

TEST(MapKeys, StringKeysShareTheirObjects) {
    TestStack st;
    StackValue k = make_string("key");
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, k, make_int(1));
    st.sp = patch_seq_map_keys(st.sp);
    EXPECT_EQ(variant_of(st.top())->fields[0], k);
    EXPECT_EQ(refcount(k), 1u);  // the map is gone; the list holds the key
}

std::vector<std::string> g_calls;

// ( k v -- ) records "k=v"
Stack record_kv(Stack sp) {
    StackValue v = *--sp;
    StackValue k = *--sp;
    g_calls.push_back(show(k) + "=" + show(v));
    drop_value(k);
    drop_value(v);
    return sp;
}

TEST(MapEach, VisitsInKeyOrderWithKeyBelowValue) {
    TestStack st;
    g_calls.clear();
    st.sp = patch_seq_push_int(st.sp, 55);
    st.sp = mixed_map(st.sp);
    st.sp = push(st.sp, make_quotation(reinterpret_cast<uintptr_t>(record_kv),
                                       reinterpret_cast<uintptr_t>(record_kv)));
    st.sp = patch_seq_map_each(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 55);
    ASSERT_EQ(g_calls.size(), kKeyOrder.size());
    EXPECT_EQ(g_calls[0], "-4611686018427387904=10");
    EXPECT_EQ(g_calls[4], "false=6");
    EXPECT_EQ(g_calls[9], "\"é\"=4");
}

TEST(MapEach, LeftoversDropped) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("a"), make_string("b"));
    auto keep_all = [](Stack sp) -> Stack { return sp; };  // ( k v -- k v )
    auto p = reinterpret_cast<uintptr_t>(+keep_all);
    st.sp = push(st.sp, make_quotation(p, p));
    st.sp = patch_seq_map_each(st.sp);
    EXPECT_EQ(st.depth(), 0u);  // ASan reports the key and value if they leak
}

// ( acc k v -- acc*100 + k*10 + v )
Stack fold_kv(Stack sp) {
    int64_t v = pop_int(sp, "fold");
    int64_t k = pop_int(sp, "fold");
    int64_t acc = pop_int(sp, "fold");
    return push(sp, make_int(acc * 100 + k * 10 + v));
}

TEST(MapFold, AccumulatorKeyValueInKeyOrder) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_int(3), make_int(3));
    st.sp = set(st.sp, make_int(1), make_int(1));
    st.sp = set(st.sp, make_int(2), make_int(2));
    st.sp = patch_seq_push_int(st.sp, 9);
    st.sp = push(st.sp, make_quotation(reinterpret_cast<uintptr_t>(fold_kv),
                                       reinterpret_cast<uintptr_t>(fold_kv)));
    st.sp = patch_seq_map_fold(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 9112233);
}

TEST(MapFold, EmptyReturnsInit) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = patch_seq_push_int(st.sp, 99);
    auto noop = [](Stack sp) -> Stack { return sp; };
    auto p = reinterpret_cast<uintptr_t>(+noop);
    st.sp = push(st.sp, make_quotation(p, p));
    st.sp = patch_seq_map_fold(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 99);
}

TEST(MapFold, WithClosureAndSharedMap) {
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_string("x"), make_int(10));
    st.sp = set(st.sp, make_string("y"), make_int(20));
    StackValue m = st.top();
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    // ( acc k v -- acc + v * captured )
    auto weigh = [](Stack sp, const StackValue* env, size_t) -> Stack {
        int64_t v = pop_int(sp, "weigh");
        drop_value(*--sp);
        int64_t acc = pop_int(sp, "weigh");
        return push(sp, make_int(acc + v * int_of(env[0])));
    };
    StackValue env[] = {make_int(3)};
    st.sp = push(st.sp, make_closure(reinterpret_cast<uintptr_t>(+weigh), env, 1));
    st.sp = patch_seq_map_fold(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(int_of(st.top()), 90);
    EXPECT_EQ(refcount(m), 1u);
}

TEST(MapDeath, InvalidKeysAndTypes) {
    death_style();
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = patch_seq_push_float(st.sp, 1.0);
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_map_set(st.sp), "map.set: key must be Int, String, or Bool, got Float");
    st.sp = patch_seq_drop_op(st.sp);
    EXPECT_DEATH(patch_seq_map_remove(st.sp),
                 "map.remove: key must be Int, String, or Bool, got Float");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_int(st.sp, 7);
    EXPECT_DEATH(patch_seq_map_size(st.sp), "map.size: expected Map, got Int");
    EXPECT_DEATH(patch_seq_map_empty(st.sp), "map.empty\\?: expected Map, got Int");
    EXPECT_DEATH(patch_seq_map_keys(st.sp), "map.keys: expected Map, got Int");
    EXPECT_DEATH(patch_seq_map_values(st.sp), "map.values: expected Map, got Int");
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_map_has(st.sp), "map.has\\?: expected Map, got Int");
    EXPECT_DEATH(patch_seq_map_remove(st.sp), "map.remove: expected Map, got Int");
    st.sp = patch_seq_push_int(st.sp, 2);
    EXPECT_DEATH(patch_seq_map_set(st.sp), "map.set: expected Map, got Int");
}

TEST(MapDeath, HigherOrderMisuse) {
    death_style();
    TestStack st;
    st.sp = patch_seq_make_map(st.sp);
    st.sp = set(st.sp, make_int(1), make_int(2));
    st.sp = patch_seq_push_int(st.sp, 0);
    auto swallow = [](Stack sp) -> Stack {  // ( acc k v -- )
        sp -= 3;
        return sp;
    };
    auto p = reinterpret_cast<uintptr_t>(+swallow);
    st.sp = push(st.sp, make_quotation(p, p));
    EXPECT_DEATH(patch_seq_map_fold(st.sp),
                 "map.fold: quotation consumed its inputs without producing a result");
    EXPECT_DEATH(patch_seq_map_each(st.sp), "map.each: expected Map, got Int");
    st.sp = patch_seq_drop_op(st.sp);
    st.sp = patch_seq_push_string(st.sp, "not callable");
    EXPECT_DEATH(patch_seq_map_fold(st.sp), "map.fold: expected Quotation or Closure, got String");
}

}  // namespace
}  // namespace seq
