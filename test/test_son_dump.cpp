// son.dump / son.dump-pretty: ( Value -- String ) with upstream's SON text.
#include <gtest/gtest.h>

#include <string>

#include "core/value/map.hpp"
#include "seq/runtime_strings.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

std::string dump(StackValue v, bool pretty = false) {
    TestStack st;
    st.sp = push(st.sp, v);
    st.sp = pretty ? patch_seq_son_dump_pretty(st.sp) : patch_seq_son_dump(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    StackValue s = *--st.sp;
    EXPECT_TRUE(is_kind(s, Kind::String));
    std::string out(string_of(s)->view());
    drop_value(s);
    return out;
}

StackValue sym(const char* s) {
    return make_string(s, Kind::Symbol);
}

StackValue variant(const char* tag, std::vector<StackValue> fields) {
    return make_variant(string_of(sym(tag)), fields.data(), fields.size());
}

TEST(SonDump, Scalars) {
    EXPECT_EQ(dump(make_int(42)), "42");
    EXPECT_EQ(dump(make_int(-123)), "-123");
    EXPECT_EQ(dump(make_int(kIntMin)), "-4611686018427387904");
    EXPECT_EQ(dump(make_float(2.5)), "2.5");
    EXPECT_EQ(dump(make_float(42.0)), "42.0");
    EXPECT_EQ(dump(make_float(-0.0)), "-0.0");
    EXPECT_EQ(dump(make_float(1.0 / 0.0)), "inf");
    EXPECT_EQ(dump(kTrue), "true");
    EXPECT_EQ(dump(kFalse), "false");
    EXPECT_EQ(dump(sym("my-symbol")), ":my-symbol");
}

TEST(SonDump, Strings) {
    EXPECT_EQ(dump(make_string("hello")), R"("hello")");
    EXPECT_EQ(dump(make_string("hello\nworld")), R"("hello\nworld")");
    EXPECT_EQ(dump(make_string(R"(say "hi")")), R"("say \"hi\"")");
    EXPECT_EQ(dump(make_string("")), R"("")");
    // Control characters (Cc) in lowercase hex, unlike json_escape.
    EXPECT_EQ(dump(make_string("\x1b\x7f\u009f")), R"("\u001b\u007f\u009f")");
    EXPECT_EQ(dump(make_string("é🎉\u2028")), "\"é🎉\u2028\"");
}

TEST(SonDump, Collections) {
    EXPECT_EQ(dump(variant("List", {})), "list-of");
    EXPECT_EQ(dump(variant("List", {make_int(1), make_int(2), make_int(3)})),
              "list-of 1 lv 2 lv 3 lv");
    EXPECT_EQ(dump(from_heap(new_map())), "map-of");
    MapObj* m = new_map();
    map_put(m, make_string("key"), make_int(42));
    EXPECT_EQ(dump(from_heap(m)), R"(map-of "key" 42 kv)");
    EXPECT_EQ(dump(variant("None", {})), ":None wrap-0");
    EXPECT_EQ(dump(variant("Point", {make_int(10), make_int(20)})), ":Point 10 20 wrap-2");
    MapObj* nested = new_map();
    map_put(nested, make_string("items"), variant("List", {make_int(1), make_int(2)}));
    EXPECT_EQ(dump(from_heap(nested)), R"(map-of "items" list-of 1 lv 2 lv kv)");
    EXPECT_EQ(dump(make_quotation(1, 2)), "<quotation>");
    EXPECT_EQ(dump(make_closure(1, nullptr, 0)), "<closure>");
}

TEST(SonDump, Pretty) {
    EXPECT_EQ(dump(variant("List", {make_int(1), make_int(2)}), true), "list-of\n  1 lv\n  2 lv");
    EXPECT_EQ(dump(variant("Point", {make_int(10), make_int(20)}), true),
              ":Point\n  10\n  20\n wrap-2");
    EXPECT_EQ(dump(variant("None", {}), true), ":None wrap-0");
    EXPECT_EQ(dump(variant("List", {}), true), "list-of");
    EXPECT_EQ(dump(make_int(7), true), "7");
    MapObj* m = new_map();
    map_put(m, make_int(1), variant("List", {make_string("a")}));
    map_put(m, kFalse, make_int(0));
    EXPECT_EQ(dump(from_heap(m), true), "map-of\n  1 list-of\n    \"a\" lv kv\n  false 0 kv");
}

TEST(SonDump, ConsumesItsArgument) {
    TestStack st;
    StackValue s = make_string("kept");
    st.sp = patch_seq_son_dump(push(st.sp, clone_value(s)));
    EXPECT_EQ(refcount(s), 1u);
    EXPECT_EQ(string_of(st.top())->view(), "\"kept\"");
    drop_value(s);
}

}  // namespace
}  // namespace seq
