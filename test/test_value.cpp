// The tagged encoding and reference counting of heap values.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/value/map.hpp"
#include "core/value/symbol.hpp"
#include "core/value/value.hpp"
#include "test_support.hpp"

namespace seq {
namespace {

TEST(Encoding, IntRoundTripsAt63BitEdges) {
    for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{42}, kIntMax, kIntMin,
                      kIntMax - 1, kIntMin + 1}) {
        StackValue v = make_int(i);
        EXPECT_TRUE(is_int(v)) << i;
        EXPECT_FALSE(is_heap(v));
        EXPECT_EQ(int_of(v), i);
    }
    // The encoding is the ABI: (v << 1) | 1, decoded by arithmetic shift.
    EXPECT_EQ(make_int(0), 1u);
    EXPECT_EQ(make_int(1), 3u);
    EXPECT_EQ(make_int(-1), ~uint64_t{0});
    EXPECT_EQ(make_int(kIntMax), 0x7fffffffffffffffULL);
    EXPECT_EQ(make_int(kIntMin), 0x8000000000000001ULL);
}

TEST(Encoding, IntOutsideRangeWrapsLikeUpstream) {
    // 63-bit integers: one past the maximum wraps to the minimum.
    EXPECT_EQ(int_of(make_int(kIntMax + 1)), kIntMin);
}

TEST(Encoding, BoolsAreZeroAndTwo) {
    EXPECT_EQ(make_bool(false), 0u);
    EXPECT_EQ(make_bool(true), 2u);
    EXPECT_TRUE(is_bool(kFalse));
    EXPECT_TRUE(is_bool(kTrue));
    EXPECT_FALSE(is_int(kTrue));
    EXPECT_FALSE(is_heap(kTrue));
    EXPECT_EQ(kind_of(kTrue), Kind::Bool);
}

TEST(Encoding, HeapPointersAreEvenAndAligned) {
    StackValue f = make_float(1.5);
    EXPECT_TRUE(is_heap(f));
    EXPECT_EQ(f & 7u, 0u);
    EXPECT_EQ(kind_of(f), Kind::Float);
    EXPECT_DOUBLE_EQ(float_of(f), 1.5);
    drop_value(f);
}

TEST(RefCount, CloneAndDropBalance) {
    StackValue s = make_string("hello");
    EXPECT_EQ(test::refcount(s), 1u);
    StackValue c = clone_value(s);
    EXPECT_EQ(c, s);  // O(1): the clone shares the payload
    EXPECT_EQ(test::refcount(s), 2u);
    drop_value(c);
    EXPECT_EQ(test::refcount(s), 1u);
    drop_value(s);  // freed here; ASan reports a leak or double free otherwise
}

TEST(RefCount, ConcurrentCloneDrop) {
    StackValue s = make_string("shared");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([s] {
            for (int i = 0; i < 100000; ++i)
                drop_value(clone_value(s));
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(test::refcount(s), 1u);
    drop_value(s);
}

TEST(RefCount, VariantOwnsFieldsAndTag) {
    StackValue tag = make_string("Pair", Kind::Symbol);
    StackValue inner = make_string("x");
    StackValue fields[2] = {make_int(1), clone_value(inner)};
    StackValue v = make_variant(string_of(tag), fields, 2);
    EXPECT_EQ(test::refcount(inner), 2u);
    StackValue v2 = clone_value(v);
    drop_value(v);
    EXPECT_EQ(test::refcount(inner), 2u);  // v2 still holds the variant
    drop_value(v2);
    EXPECT_EQ(test::refcount(inner), 1u);
    drop_value(inner);
}

TEST(RefCount, ClosureEnvironmentIsReleased) {
    StackValue s = make_string("captured");
    StackValue env[1] = {clone_value(s)};
    StackValue c = make_closure(0x1000, env, 1);
    EXPECT_EQ(test::refcount(s), 2u);
    drop_value(c);
    EXPECT_EQ(test::refcount(s), 1u);
    drop_value(s);
}

TEST(RefCount, MapOwnsKeysAndValues) {
    MapObj* m = new_map();
    StackValue val = make_string("v");
    map_put(m, make_string("k"), clone_value(val));
    map_put(m, make_int(3), make_float(2.0));
    map_put(m, make_string("k"), make_int(9));  // replaces, frees the old value
    EXPECT_EQ(m->table.size(), 2u);
    EXPECT_EQ(test::refcount(val), 1u);
    drop_value(from_heap(m));
    drop_value(val);
}

TEST(Strings, ArenaStringsBecomeGlobalWhenShared) {
    StackValue a = make_arena_string("temp");
    EXPECT_TRUE(heap_of(a)->flags & kArena);
    StackValue g = share_value(a);
    EXPECT_NE(g, a);
    EXPECT_EQ(heap_of(g)->flags, 0);
    EXPECT_EQ(string_of(g)->view(), "temp");
    drop_value(g);
    // Global strings pass through unchanged.
    StackValue h = make_string("global");
    EXPECT_EQ(share_value(h), h);
    drop_value(h);
    current_context()->arena.reset(true);
}

TEST(Strings, ContainersNeverHoldArenaStrings) {
    StackValue fields[1] = {make_arena_string("field")};
    StackValue tag = make_string("T", Kind::Symbol);
    StackValue v = make_variant(string_of(tag), fields, 1);
    EXPECT_EQ(heap_of(variant_of(v)->fields[0])->flags, 0);
    current_context()->arena.reset(true);  // the variant must not notice
    EXPECT_EQ(string_of(variant_of(v)->fields[0])->view(), "field");
    drop_value(v);
}

TEST(Strings, ByteLengthAndNulTerminator) {
    StackValue s = make_string("h\xc3\xa9llo");  // multi-byte UTF-8
    EXPECT_EQ(string_of(s)->len, 6u);
    EXPECT_EQ(string_of(s)->data[6], '\0');
    drop_value(s);
    StackValue e = make_string("");
    EXPECT_EQ(string_of(e)->len, 0u);
    drop_value(e);
}

TEST(Symbols, InternedSymbolsAreImmortalAndShared) {
    static const char name[] = "Some";
    static int key_a, key_b;
    StackValue a1 = intern_static_symbol(&key_a, name);
    StackValue a2 = intern_static_symbol(&key_a, name);
    StackValue b = intern_static_symbol(&key_b, name);
    EXPECT_EQ(a1, a2);
    EXPECT_NE(a1, b);
    EXPECT_EQ(kind_of(a1), Kind::Symbol);
    EXPECT_TRUE(values_equal(a1, b));
    drop_value(a1);  // no-ops: immortal
    drop_value(a2);
    EXPECT_EQ(string_of(a1)->view(), "Some");
}

TEST(Equality, StructuralForDataIdentityForCode) {
    StackValue s1 = make_string("a"), s2 = make_string("a"), sym = make_string("a", Kind::Symbol);
    EXPECT_TRUE(values_equal(s1, s2));
    EXPECT_FALSE(values_equal(s1, sym));  // different kinds
    StackValue f1 = make_float(0.5), f2 = make_float(0.5);
    EXPECT_TRUE(values_equal(f1, f2));
    EXPECT_FALSE(values_equal(make_int(1), kTrue));
    for (StackValue v : {s1, s2, sym, f1, f2})
        drop_value(v);
}

}  // namespace
}  // namespace seq
