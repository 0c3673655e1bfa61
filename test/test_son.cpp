// SON printing (stack.dump, son.dump) and float formatting.
#include <gtest/gtest.h>

#include "core/value/map.hpp"
#include "core/value/son.hpp"
#include "core/value/value.hpp"

namespace seq {
namespace {

std::string son_of(StackValue v, bool pretty = false) {
    std::string s = son_string(v, pretty);
    drop_value(v);
    return s;
}

StackValue sym(const char* s) {
    return make_string(s, Kind::Symbol);
}

TEST(Son, Scalars) {
    EXPECT_EQ(son_of(make_int(-42)), "-42");
    EXPECT_EQ(son_of(kTrue), "true");
    EXPECT_EQ(son_of(make_float(3.0)), "3.0");
    EXPECT_EQ(son_of(make_float(0.1)), "0.1");
    EXPECT_EQ(son_of(make_float(-2.5)), "-2.5");
    EXPECT_EQ(son_of(make_float(1e21)), "1000000000000000000000.0");
    EXPECT_EQ(son_of(sym("ok")), ":ok");
}

TEST(Son, FloatFormattingMatchesRustDisplay) {
    EXPECT_EQ(format_float(1.0), "1");
    EXPECT_EQ(format_float(1e-7), "0.0000001");
    EXPECT_EQ(format_float(0.30000000000000004), "0.30000000000000004");
    EXPECT_EQ(format_float(1e23), "100000000000000000000000");  // shortest digits, then zeros
    EXPECT_EQ(format_float(1.0 / 0.0), "inf");
    EXPECT_EQ(format_float(-1.0 / 0.0), "-inf");
    EXPECT_EQ(format_float(0.0 / 0.0), "NaN");
    EXPECT_EQ(son_of(make_float(0.0 / 0.0)), "NaN");  // no ".0" for non-finite
}

TEST(Son, StringEscapes) {
    EXPECT_EQ(son_of(make_string("a\"b\\c\nd\te\r\b\f")), R"("a\"b\\c\nd\te\r\b\f")");
    EXPECT_EQ(son_of(make_string(std::string("\x01\x7f", 2))), R"("\u0001\u007f")");
    EXPECT_EQ(son_of(make_string("\xc2\x85")), R"("\u0085")");  // U+0085 is Cc
    EXPECT_EQ(son_of(make_string("é✓")), "\"é✓\"");
}

TEST(Son, ListsVariantsMaps) {
    StackValue items[3] = {make_int(1), make_string("x"), kFalse};
    StackValue list_tag = sym("List");
    EXPECT_EQ(son_of(make_variant(string_of(list_tag), items, 3)),
              R"(list-of 1 lv "x" lv false lv)");
    StackValue empty_tag = sym("List");
    EXPECT_EQ(son_of(make_variant(string_of(empty_tag), nullptr, 0)), "list-of");

    StackValue fields[2] = {make_int(7), sym("a")};
    StackValue tag = sym("Pair");
    EXPECT_EQ(son_of(make_variant(string_of(tag), fields, 2)), ":Pair 7 :a wrap-2");
    StackValue tag0 = sym("None");
    EXPECT_EQ(son_of(make_variant(string_of(tag0), nullptr, 0)), ":None wrap-0");

    MapObj* m = new_map();
    map_put(m, make_string("b"), make_int(2));
    map_put(m, make_int(-5), make_int(1));
    map_put(m, kTrue, make_int(3));
    EXPECT_EQ(son_of(from_heap(m)), R"(map-of -5 1 kv true 3 kv "b" 2 kv)");
}

// Found by fuzz_son: Int keys print in the order of upstream's sort key,
// the text format!("0_{:020}", n) (son.rs map_key_sort_string), not
// numerically: negative keys first, but -1 before -2 before -10. SON keeps
// it, so a dump is byte for byte upstream's.
TEST(Son, MapIntKeysPrintInUpstreamsTextOrder) {
    MapObj* m = new_map();
    for (int64_t k : {3, -10, 0, -2, -1})
        map_put(m, make_int(k), make_bool(k > 0));
    EXPECT_EQ(son_of(from_heap(m)),
              "map-of -1 false kv -2 false kv -10 false kv 0 false kv 3 true kv");
}

TEST(Son, Pretty) {
    StackValue inner_items[1] = {make_int(1)};
    StackValue lt = sym("List");
    StackValue fields[2] = {make_variant(string_of(lt), inner_items, 1), make_int(2)};
    StackValue tag = sym("T");
    EXPECT_EQ(son_of(make_variant(string_of(tag), fields, 2), true),
              ":T\n  list-of\n    1 lv\n  2\n wrap-2");
}

TEST(Son, OpaqueValues) {
    EXPECT_EQ(son_of(make_quotation(1, 2)), "<quotation>");
    EXPECT_EQ(son_of(make_closure(1, nullptr, 0)), "<closure>");
}

}  // namespace
}  // namespace seq
