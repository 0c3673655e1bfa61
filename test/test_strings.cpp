// String and symbol words: results, edge cases (empty strings, multi-byte
// UTF-8, ill-formed bytes, out-of-range indexes, 63-bit ints), ownership and
// abort paths. Expected values are seq-runtime 5.4.0's (Rust str semantics).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "abi/abi_version.hpp"
#include "core/text/strings.hpp"
#include "core/text/utf8.hpp"
#include "core/value/map.hpp"
#include "core/value/symbol.hpp"
#include "seq/runtime_strings.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

Stack push_str(Stack sp, std::string_view s) {
    return push(sp, make_string(s));
}

Stack push_sym(Stack sp, std::string_view s) {
    return push(sp, make_string(s, Kind::Symbol));
}

// Pops a String and returns its bytes.
std::string pop_str(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_kind(v, Kind::String)) << kind_name(kind_of(v));
    if (!is_kind(v, Kind::String)) return "<not a string>";
    std::string s(string_of(v)->view());
    drop_value(v);
    return s;
}

int64_t pop_i(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_int(v));
    return int_of(v);
}

bool pop_b(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_bool(v));
    return v == kTrue;
}

// Pops a List of Strings.
std::vector<std::string> pop_list(Stack& sp) {
    StackValue v = *--sp;
    std::vector<std::string> out;
    EXPECT_TRUE(is_kind(v, Kind::Variant));
    if (!is_kind(v, Kind::Variant)) return out;
    VariantObj* var = variant_of(v);
    EXPECT_EQ(var->tag->view(), "List");
    for (uint32_t i = 0; i < var->len; ++i) {
        EXPECT_TRUE(is_kind(var->fields[i], Kind::String));
        out.emplace_back(string_of(var->fields[i])->view());
    }
    drop_value(v);
    return out;
}

// Applies a ( String -- String ) word.
std::string str1(Stack (*word)(Stack), std::string_view s) {
    TestStack st;
    st.sp = word(push_str(st.sp, s));
    EXPECT_EQ(st.depth(), 1u);
    return pop_str(st.sp);
}

// Applies a ( String String -- X ) word and pops the result with `pop`.
template <typename Pop>
auto str2(Stack (*word)(Stack), std::string_view a, std::string_view b, Pop pop) {
    TestStack st;
    st.sp = word(push_str(push_str(st.sp, a), b));
    EXPECT_EQ(st.depth(), 1u);
    return pop(st.sp);
}

int64_t length_of(std::string_view s) {
    TestStack st;
    st.sp = patch_seq_string_length(push_str(st.sp, s));
    return pop_i(st.sp);
}

int64_t char_at(std::string_view s, int64_t i) {
    TestStack st;
    st.sp = patch_seq_string_char_at(push(push_str(st.sp, s), make_int(i)));
    return pop_i(st.sp);
}

std::string substring(std::string_view s, int64_t start, int64_t len) {
    TestStack st;
    st.sp = push(push(push_str(st.sp, s), make_int(start)), make_int(len));
    st.sp = patch_seq_string_substring(st.sp);
    return pop_str(st.sp);
}

int64_t find(std::string_view s, std::string_view needle) {
    return str2(patch_seq_string_find, s, needle, pop_i);
}

std::vector<std::string> split(std::string_view s, std::string_view delim) {
    return str2(patch_seq_string_split, s, delim, pop_list);
}

// string_to_int: the parsed value and the status.
std::pair<int64_t, bool> to_int(std::string_view s) {
    TestStack st;
    st.sp = patch_seq_string_to_int(push_str(st.sp, s));
    EXPECT_EQ(st.depth(), 2u);
    bool ok = pop_b(st.sp);
    return {pop_i(st.sp), ok};
}

std::string char_to_string(int64_t cp) {
    TestStack st;
    st.sp = patch_seq_char_to_string(push(st.sp, make_int(cp)));
    return pop_str(st.sp);
}

class StringWords : public ::testing::Test {
  protected:
    void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// ---- concat, lengths, indexing ---------------------------------------------------

TEST_F(StringWords, Concat) {
    EXPECT_EQ(str2(patch_seq_string_concat, "Hello, ", "World!", pop_str), "Hello, World!");
    EXPECT_EQ(str2(patch_seq_string_concat, "Content-Length: ", "42", pop_str),
              "Content-Length: 42");
    EXPECT_EQ(str2(patch_seq_string_concat, "", "", pop_str), "");
    EXPECT_EQ(str2(patch_seq_string_concat, "", "é", pop_str), "é");
    EXPECT_EQ(str2(patch_seq_string_concat, "日本", "", pop_str), "日本");
    EXPECT_EQ(str2(patch_seq_string_concat, "日", "本🎉", pop_str), "日本🎉");
    // Interior NUL bytes are data.
    EXPECT_EQ(str2(patch_seq_string_concat, std::string_view("a\0", 2), "b", pop_str),
              std::string("a\0b", 3));
}

TEST_F(StringWords, ConcatNeverChangesASharedOperand) {
    TestStack st;
    StackValue a = make_string("abc");
    st.sp = push(st.sp, clone_value(a));  // a is now shared (rc 2)
    st.sp = patch_seq_string_concat(push_str(st.sp, "def"));
    EXPECT_EQ(pop_str(st.sp), "abcdef");
    EXPECT_EQ(string_of(a)->view(), "abc");
    EXPECT_EQ(refcount(a), 1u);
    drop_value(a);

    // The same string on both sides.
    StackValue s = make_string("xy");
    st.sp = push(push(st.sp, clone_value(s)), clone_value(s));
    st.sp = patch_seq_string_concat(st.sp);
    EXPECT_EQ(pop_str(st.sp), "xyxy");
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
}

TEST_F(StringWords, ConcatAccumulatesIntoAUniqueString) {
    TestStack st;
    st.sp = push_str(st.sp, "");
    std::string expected;
    for (int i = 0; i < 1000; ++i) {
        std::string piece = std::to_string(i) + "é,";
        expected += piece;
        st.sp = patch_seq_string_concat(push_str(st.sp, piece));
        ASSERT_EQ(refcount(st.top()), 1u);
    }
    StringObj* s = string_of(st.top());
    EXPECT_EQ(s->view(), expected);
    EXPECT_EQ(s->data[s->len], '\0');  // still NUL-terminated for C callers
    EXPECT_EQ(length_of(expected), static_cast<int64_t>(utf8::char_count(expected)));
}

TEST_F(StringWords, ConcatOfAnImmortalOrArenaStringCopies) {
    TestStack st;
    static const char kName[] = "sym";
    StackValue sym = intern_static_symbol(kName, kName);
    // Not a String, so it is rejected; an arena string is accepted and copied.
    st.sp = push(st.sp, make_arena_string("left"));
    st.sp = patch_seq_string_concat(push_str(st.sp, "-right"));
    EXPECT_EQ(heap_of(st.top())->flags, 0);
    EXPECT_EQ(pop_str(st.sp), "left-right");
    st.sp = push(push_str(st.sp, "a"), sym);
    EXPECT_DEATH(patch_seq_string_concat(st.sp), "string_concat: expected String, got Symbol");
}

TEST_F(StringWords, LengthCountsCharacters) {
    EXPECT_EQ(length_of("Hello"), 5);
    EXPECT_EQ(length_of(""), 0);
    EXPECT_EQ(length_of("héllo"), 5);
    EXPECT_EQ(length_of("hi🎉"), 3);
    EXPECT_EQ(length_of("e\u0301"), 2);  // combining marks are characters of their own
    // Ill-formed bytes: one character per maximal subpart, as from_utf8_lossy.
    EXPECT_EQ(length_of("a\xff"
                        "b"),
              3);
    EXPECT_EQ(length_of("\xe2\x82"), 1);
    EXPECT_EQ(length_of("\xf0\x90\x80"
                        "A"),
              2);
    EXPECT_EQ(length_of("\xe0\x80"), 2);
    EXPECT_EQ(length_of("\xed\xa0\x80"), 3);      // an encoded surrogate
    EXPECT_EQ(length_of("\xf4\x90\x80\x80"), 4);  // beyond U+10FFFF
}

TEST_F(StringWords, ByteLength) {
    TestStack st;
    st.sp = patch_seq_string_byte_length(push_str(st.sp, "héllo"));
    EXPECT_EQ(pop_i(st.sp), 6);
    st.sp = patch_seq_string_byte_length(push_str(st.sp, ""));
    EXPECT_EQ(pop_i(st.sp), 0);
    st.sp = patch_seq_string_byte_length(push_str(st.sp, "hi🎉"));
    EXPECT_EQ(pop_i(st.sp), 6);
}

TEST_F(StringWords, CharAt) {
    EXPECT_EQ(char_at("hello", 0), 104);
    EXPECT_EQ(char_at("héllo", 1), 233);
    EXPECT_EQ(char_at("héllo", 2), 'l');
    EXPECT_EQ(char_at("hi🎉", 2), 0x1F389);
    EXPECT_EQ(char_at("hello", 4), 'o');
    EXPECT_EQ(char_at("hello", 5), -1);
    EXPECT_EQ(char_at("hello", 10), -1);
    EXPECT_EQ(char_at("hello", -1), -1);
    EXPECT_EQ(char_at("", 0), -1);
    EXPECT_EQ(char_at("hello", kIntMax), -1);
    EXPECT_EQ(char_at("hello", kIntMin), -1);
    EXPECT_EQ(char_at("a\xff"
                      "b",
                      1),
              0xFFFD);
    EXPECT_EQ(char_at("a\xff"
                      "b",
                      2),
              'b');
}

TEST_F(StringWords, Substring) {
    EXPECT_EQ(substring("hello", 1, 3), "ell");
    EXPECT_EQ(substring("héllo", 1, 3), "éll");
    EXPECT_EQ(substring("hello", 2, 100), "llo");
    EXPECT_EQ(substring("hello", 10, 3), "");
    EXPECT_EQ(substring("hello", 5, 1), "");
    EXPECT_EQ(substring("hello", 0, 0), "");
    EXPECT_EQ(substring("hello", 0, 5), "hello");
    EXPECT_EQ(substring("hello", -1, 2), "");
    EXPECT_EQ(substring("hello", 1, -2), "");
    EXPECT_EQ(substring("hello", kIntMax, kIntMax), "");
    EXPECT_EQ(substring("hello", 0, kIntMax), "hello");
    EXPECT_EQ(substring("日本語🎉x", 3, 1), "🎉");
    EXPECT_EQ(substring("", 0, 1), "");
}

TEST_F(StringWords, SubstringOfTheWholeStringIsTheSameValue) {
    TestStack st;
    StackValue s = make_string("abc");
    st.sp = push(push(push(st.sp, clone_value(s)), make_int(0)), make_int(3));
    st.sp = patch_seq_string_substring(st.sp);
    EXPECT_EQ(st.top(), s);
    EXPECT_EQ(refcount(s), 2u);
    drop_value(s);
}

TEST_F(StringWords, Find) {
    EXPECT_EQ(find("hello world", "world"), 6);
    EXPECT_EQ(find("hello world", "xyz"), -1);
    EXPECT_EQ(find("hello", "l"), 2);
    EXPECT_EQ(find("héllo wörld", "wörld"), 6);  // a character index, not a byte index
    EXPECT_EQ(find("hello", ""), 0);
    EXPECT_EQ(find("", ""), 0);
    EXPECT_EQ(find("", "a"), -1);
    EXPECT_EQ(find("ab", "abc"), -1);
    EXPECT_EQ(find("🎉🎉x", "x"), 2);
}

// ---- split and join ------------------------------------------------------------------

TEST_F(StringWords, Split) {
    using V = std::vector<std::string>;
    EXPECT_EQ(split("a b c", " "), (V{"a", "b", "c"}));
    EXPECT_EQ(split("", " "), (V{""}));
    EXPECT_EQ(split("abc", ","), (V{"abc"}));
    EXPECT_EQ(split(",a,,b,", ","), (V{"", "a", "", "b", ""}));
    EXPECT_EQ(split("aaa", "aa"), (V{"", "a"}));  // matches do not overlap
    EXPECT_EQ(split("a::b::c", "::"), (V{"a", "b", "c"}));
    EXPECT_EQ(split("xéyéz", "é"), (V{"x", "y", "z"}));
    EXPECT_EQ(split("GET /api/users HTTP/1.1", " "), (V{"GET", "/api/users", "HTTP/1.1"}));
    EXPECT_EQ(split("abc", ""), (V{"", "a", "b", "c", ""}));
    EXPECT_EQ(split("", ""), (V{"", ""}));
    auto chars = [](std::string_view s) {
        StackValue list = strings::split(s, "", utf8::Bytes::Utf8Only);
        V out;
        for (uint32_t i = 0; i < variant_of(list)->len; ++i)
            out.emplace_back(string_of(variant_of(list)->fields[i])->view());
        drop_value(list);
        return out;
    };
    EXPECT_EQ(chars("é🎉"), (V{"", "é", "🎉", ""}));
    EXPECT_EQ(chars(""), (V{"", ""}));
}

// An empty delimiter is where the contracts differ: 7.x splits the bytes
// (this binary), 5.4.0 the characters (test_strings_54), ends included.
TEST_F(StringWords, SplitByEmptyDelimiterFollowsTheCompilersContract) {
    using V = std::vector<std::string>;
    if (kAbi7) {
        EXPECT_EQ(split("é🎉", ""), (V{"", "\xC3", "\xA9", "\xF0", "\x9F", "\x8E", "\x89", ""}));
    } else {
        EXPECT_EQ(split("é🎉", ""), (V{"", "é", "🎉", ""}));
    }
    EXPECT_EQ(split("ab", ""), (V{"", "a", "b", ""}));
}

TEST_F(StringWords, SplitResultIsAListValue) {
    TestStack st;
    st.sp = patch_seq_string_split(push_str(push_str(st.sp, "a,b"), ","));
    StackValue list = st.top();
    EXPECT_EQ(refcount(list), 1u);
    VariantObj* v = variant_of(list);
    EXPECT_EQ(v->tag->view(), "List");
    ASSERT_EQ(v->len, 2u);
    EXPECT_EQ(refcount(v->fields[0]), 1u);
    StackValue items[2] = {make_string("a"), make_string("b")};
    StackValue expected = make_variant(string_of(make_string("List", Kind::Symbol)), items, 2);
    EXPECT_TRUE(values_equal(list, expected));
    drop_value(expected);
}

// Builds a List from values (ownership moves).
StackValue list_of(std::vector<StackValue> items) {
    return make_variant(string_of(make_string("List", Kind::Symbol)), items.data(), items.size());
}

std::string join(StackValue list, std::string_view sep) {
    TestStack st;
    st.sp = patch_seq_string_join(push_str(push(st.sp, list), sep));
    EXPECT_EQ(st.depth(), 1u);
    return pop_str(st.sp);
}

TEST_F(StringWords, Join) {
    EXPECT_EQ(join(list_of({make_string("a"), make_string("b"), make_string("c")}), ", "),
              "a, b, c");
    EXPECT_EQ(join(list_of({}), ", "), "");
    EXPECT_EQ(join(list_of({make_string("only")}), ", "), "only");
    EXPECT_EQ(join(list_of({make_int(1), kTrue, make_string("x")}), " "), "1 true x");
    EXPECT_EQ(join(list_of({make_string(""), make_string("")}), "-"), "-");
    EXPECT_EQ(join(list_of({make_string("a"), make_string("b")}), ""), "ab");
    EXPECT_EQ(join(list_of({make_int(kIntMin), kFalse, make_string("é", Kind::Symbol)}), "|"),
              "-4611686018427387904|false|:é");
    // Floats as Rust's Display: no forced ".0", never an exponent.
    EXPECT_EQ(
        join(list_of({make_float(1.0), make_float(2.5), make_float(1e21), make_float(-0.0)}), " "),
        "1 2.5 1000000000000000000000 -0");
    // Any variant joins its fields.
    StackValue fields[2] = {make_string("x"), make_string("y")};
    EXPECT_EQ(join(make_variant(string_of(make_string("Pair", Kind::Symbol)), fields, 2), "+"),
              "x+y");
}

TEST_F(StringWords, JoinWritesOtherValuesInUpstreamDebugForm) {
    StackValue inner = list_of({make_int(1), make_float(1.0), make_float(1e16), make_float(1.5e-5),
                                make_string("q\"\n\u0301"), make_string("s", Kind::Symbol)});
    EXPECT_EQ(join(list_of({inner}), ""),
              "Variant(VariantData { tag: SeqString(\"List\", global=true), fields: [Int(1), "
              "Float(1.0), Float(1e16), Float(1.5e-5), String(SeqString(\"q\\\"\\n\\u{301}\", "
              "global=true)), Symbol(SeqString(\"s\", global=true))] })");

    MapObj* m = new_map();
    map_put(m, make_string("k"), kTrue);
    map_put(m, make_int(-2), make_int(0));
    EXPECT_EQ(join(list_of({from_heap(m), make_quotation(16, 32)}), "; "),
              "Map({Int(-2): Int(0), String(SeqString(\"k\", global=true)): Bool(true)}); "
              "Quotation { wrapper: 16, impl_: 32 }");
    StackValue env[1] = {make_int(5)};
    EXPECT_EQ(join(list_of({make_closure(48, env, 1)}), ""),
              "Closure { fn_ptr: 48, env: [Int(5)] }");
}

TEST_F(StringWords, FloatDebugFormat) {
    EXPECT_EQ(strings::format_float_debug(1.0), "1.0");
    EXPECT_EQ(strings::format_float_debug(0.1), "0.1");
    EXPECT_EQ(strings::format_float_debug(-0.0), "-0.0");
    EXPECT_EQ(strings::format_float_debug(1e15), "1000000000000000.0");
    EXPECT_EQ(strings::format_float_debug(1e16), "1e16");
    EXPECT_EQ(strings::format_float_debug(123456789012345680.0), "1.2345678901234568e17");
    EXPECT_EQ(strings::format_float_debug(0.0001), "0.0001");
    EXPECT_EQ(strings::format_float_debug(1e-7), "1e-7");
    EXPECT_EQ(strings::format_float_debug(-2.5e300), "-2.5e300");
    EXPECT_EQ(strings::format_float_debug(1.0 / 0.0), "inf");
    EXPECT_EQ(strings::format_float_debug(0.0 / 0.0), "NaN");
}

TEST_F(StringWords, JoinTypeErrors) {
    TestStack st;
    st.sp = push(push(st.sp, list_of({})), make_int(1));
    EXPECT_DEATH(patch_seq_string_join(st.sp), "string.join: expected String separator, got Int");
    st.sp[-1] = make_string(",");
    drop_value(st.sp[-2]);
    st.sp[-2] = make_int(3);
    EXPECT_DEATH(patch_seq_string_join(st.sp), "string.join: expected Variant \\(list\\), got Int");
}

// ---- predicates -------------------------------------------------------------------------

TEST_F(StringWords, Predicates) {
    auto contains = [](std::string_view a, std::string_view b) {
        return str2(patch_seq_string_contains, a, b, pop_b);
    };
    auto starts = [](std::string_view a, std::string_view b) {
        return str2(patch_seq_string_starts_with, a, b, pop_b);
    };
    auto equal = [](std::string_view a, std::string_view b) {
        return str2(patch_seq_string_equal, a, b, pop_b);
    };
    EXPECT_TRUE(contains("hello world", "world"));
    EXPECT_FALSE(contains("hello world", "foo"));
    EXPECT_TRUE(contains("abc", ""));
    EXPECT_TRUE(contains("", ""));
    EXPECT_FALSE(contains("", "a"));
    EXPECT_TRUE(contains("日本語", "本"));
    EXPECT_TRUE(starts("hello world", "hello"));
    EXPECT_FALSE(starts("hello world", "world"));
    EXPECT_TRUE(starts("/api/users", "/api/"));
    EXPECT_TRUE(starts("abc", ""));
    EXPECT_FALSE(starts("ab", "abc"));
    EXPECT_TRUE(equal("hello", "hello"));
    EXPECT_FALSE(equal("hello", "world"));
    EXPECT_TRUE(equal("", ""));
    EXPECT_FALSE(equal("a", std::string_view("a\0", 2)));
    EXPECT_FALSE(equal("é", "e\u0301"));  // bytes, not canonical equivalence

    TestStack st;
    st.sp = patch_seq_string_empty(push_str(st.sp, ""));
    EXPECT_TRUE(pop_b(st.sp));
    st.sp = patch_seq_string_empty(push_str(st.sp, "hello"));
    EXPECT_FALSE(pop_b(st.sp));
    st.sp = patch_seq_string_empty(push_str(st.sp, std::string_view("\0", 1)));
    EXPECT_FALSE(pop_b(st.sp));
}

TEST_F(StringWords, PredicateTypeErrors) {
    TestStack st;
    st.sp = push(push_str(st.sp, "a"), make_int(1));
    EXPECT_DEATH(patch_seq_string_contains(st.sp), "string_contains: expected String, got Int");
    EXPECT_DEATH(patch_seq_string_equal(st.sp), "string_equal: expected String, got Int");
    EXPECT_DEATH(patch_seq_string_starts_with(st.sp), "string_starts_with: expected String");
    EXPECT_DEATH(patch_seq_string_empty(st.sp), "string_empty: expected String, got Int");
    EXPECT_DEATH(patch_seq_string_length(st.sp), "string_length: expected String, got Int");
    EXPECT_DEATH(patch_seq_string_split(st.sp), "string_split: expected String, got Int");
    EXPECT_DEATH(patch_seq_string_find(st.sp), "string_find: expected String, got Int");
    st.sp[-1] = kTrue;
    st.sp = push(st.sp, make_int(0));
    EXPECT_DEATH(patch_seq_string_char_at(st.sp), "string_char_at: expected String, got Bool");
    st.sp[-1] = make_string("x");
    EXPECT_DEATH(patch_seq_string_substring(st.sp), "string_substring: expected Int, got String");
}

// ---- trim, chomp, case --------------------------------------------------------------------

TEST_F(StringWords, Trim) {
    EXPECT_EQ(str1(patch_seq_string_trim, "  Hello, World!  "), "Hello, World!");
    EXPECT_EQ(str1(patch_seq_string_trim, ""), "");
    EXPECT_EQ(str1(patch_seq_string_trim, " \t\n\r\v\f "), "");
    EXPECT_EQ(str1(patch_seq_string_trim, "\u3000\u00a0x y\u2028\u0085"), "x y");
    EXPECT_EQ(str1(patch_seq_string_trim, "\u2000\u200a\u202f\u205f\u1680é"), "é");
    // Not White_Space: zero-width space, BOM, the ASCII separators U+001C-U+001F.
    EXPECT_EQ(str1(patch_seq_string_trim, "\u200bx\ufeff"), "\u200bx\ufeff");
    EXPECT_EQ(str1(patch_seq_string_trim, "\x1cx\x1f"), "\x1cx\x1f");
    EXPECT_EQ(str1(patch_seq_string_trim, " \xff "), "\xff");
}

TEST_F(StringWords, TrimWithNothingToTrimReturnsTheSameValue) {
    TestStack st;
    StackValue s = make_string("tight");
    st.sp = patch_seq_string_trim(push(st.sp, clone_value(s)));
    EXPECT_EQ(st.top(), s);
    drop_value(s);
}

TEST_F(StringWords, Chomp) {
    EXPECT_EQ(str1(patch_seq_string_chomp, "line\n"), "line");
    EXPECT_EQ(str1(patch_seq_string_chomp, "line\r\n"), "line");
    EXPECT_EQ(str1(patch_seq_string_chomp, "line\r"), "line\r");
    EXPECT_EQ(str1(patch_seq_string_chomp, "line\n\n"), "line\n");
    EXPECT_EQ(str1(patch_seq_string_chomp, "\n"), "");
    EXPECT_EQ(str1(patch_seq_string_chomp, "\r\n"), "");
    EXPECT_EQ(str1(patch_seq_string_chomp, ""), "");
    EXPECT_EQ(str1(patch_seq_string_chomp, "no newline "), "no newline ");
    EXPECT_EQ(str1(patch_seq_string_chomp, "é\n"), "é");
}

TEST_F(StringWords, ToUpper) {
    auto up = [](std::string_view s) { return str1(patch_seq_string_to_upper, s); };
    EXPECT_EQ(up("Hello, World!"), "HELLO, WORLD!");
    EXPECT_EQ(up(""), "");
    EXPECT_EQ(up("straße"), "STRASSE");
    EXPECT_EQ(up("ﬃ"), "FFI");
    EXPECT_EQ(up("ŉ"), "ʼN");
    EXPECT_EQ(up("ΐ"), "\u0399\u0308\u0301");  // three characters
    EXPECT_EQ(up("ᾳ"), "ΑΙ");
    EXPECT_EQ(up("ǆ ǅ"), "Ǆ Ǆ");
    EXPECT_EQ(up("ıi"), "II");  // no Turkish tailoring
    EXPECT_EQ(up("привет 𐐨 ꞔ"), "ПРИВЕТ 𐐀 Ꞔ");
    EXPECT_EQ(up("\u0345"), "Ι");
    EXPECT_EQ(up("ɤ ƛ 𐵰"), "Ɤ Ƛ 𐵐");  // pairs added in Unicode 16.0
    // Unicode 17.0 additions are unassigned in 16.0 (upstream's Rust 1.93).
    EXPECT_EQ(up("\ua7d3 \U00016ebb"), "\ua7d3 \U00016ebb");
    EXPECT_EQ(up("日本 123 🎉"), "日本 123 🎉");
    EXPECT_EQ(up("a\xff"
                 "b\xe2\x82"),
              "A\xff"
              "B\xe2\x82");  // ill-formed bytes kept
}

TEST_F(StringWords, ToLower) {
    auto low = [](std::string_view s) { return str1(patch_seq_string_to_lower, s); };
    EXPECT_EQ(low("Hello, World!"), "hello, world!");
    EXPECT_EQ(low(""), "");
    EXPECT_EQ(low("İ"), "i\u0307");
    EXPECT_EQ(low("ẞ"), "ß");
    EXPECT_EQ(low("ǅ Ω K Å"), "ǆ ω k å");  // includes the Kelvin and Angstrom signs
    EXPECT_EQ(low("ПРИВЕТ 𐐀"), "привет 𐐨");
    EXPECT_EQ(low("ᾼ"), "ᾳ");
    EXPECT_EQ(low("Ꭰ"), "ꭰ");  // Cherokee lowercases to the supplement block
    EXPECT_EQ(low("\ua7d2 \U00016ea0"), "\ua7d2 \U00016ea0");  // Unicode 17.0 only
    EXPECT_EQ(low("A\xc0"
                  "B"),
              "a\xc0"
              "b");
}

TEST_F(StringWords, ToLowerFinalSigma) {
    auto low = [](std::string_view s) { return str1(patch_seq_string_to_lower, s); };
    EXPECT_EQ(low("ΟΔΟΣ"), "οδος");
    EXPECT_EQ(low("ΣΑ"), "σα");
    EXPECT_EQ(low("Σ"), "σ");
    EXPECT_EQ(low("ΑΣ Σ"), "ας σ");
    EXPECT_EQ(low("ΑΣ."), "ας.");
    EXPECT_EQ(low("Α.Σ"), "α.ς");  // '.' is case-ignorable
    EXPECT_EQ(low("AΣ'A"), "aσ'a");
    EXPECT_EQ(low("aΣ\u0301"), "aς\u0301");
    EXPECT_EQ(low("ΑΣΣ"), "ασς");
    EXPECT_EQ(low("ABCDEFGHIJKLMNOPQRSTUVWXYZΣ"), "abcdefghijklmnopqrstuvwxyzς");
    EXPECT_EQ(low("1Σ"), "1σ");
}

TEST_F(StringWords, CaseMappingCoversEveryCodePoint) {
    // Every scalar value maps to valid UTF-8, and as many characters change
    // as under upstream's Rust (checked exhaustively against it when the
    // tables were generated).
    size_t mapped_upper = 0, mapped_lower = 0;
    for (char32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
        if (!utf8::is_scalar(cp)) continue;
        std::string s, u, l;
        utf8::append(s, cp);
        utf8::append_upper(u, s);
        utf8::append_lower(l, s);
        ASSERT_TRUE(utf8::is_valid(u) && utf8::is_valid(l))
            << std::hex << static_cast<uint32_t>(cp);
        mapped_upper += u != s;
        mapped_lower += l != s;
    }
    // Rust 1.93 (Unicode 16.0): 1526 non-ASCII characters change under
    // char::to_uppercase and 1434 under to_lowercase.
    EXPECT_EQ(mapped_upper, 1526u);
    EXPECT_EQ(mapped_lower, 1434u);
}

// ---- string_to_int, char_to_string, json_escape --------------------------------------------

TEST_F(StringWords, StringToInt) {
    using R = std::pair<int64_t, bool>;
    EXPECT_EQ(to_int("42"), (R{42, true}));
    EXPECT_EQ(to_int("-99"), (R{-99, true}));
    EXPECT_EQ(to_int("  123  "), (R{123, true}));
    EXPECT_EQ(to_int("\u3000\t7\u2028"), (R{7, true}));  // trimmed as Unicode whitespace
    EXPECT_EQ(to_int("+5"), (R{5, true}));
    EXPECT_EQ(to_int("007"), (R{7, true}));
    EXPECT_EQ(to_int("-0"), (R{0, true}));
    EXPECT_EQ(to_int("not a number"), (R{0, false}));
    EXPECT_EQ(to_int(""), (R{0, false}));
    EXPECT_EQ(to_int("   "), (R{0, false}));
    EXPECT_EQ(to_int("+"), (R{0, false}));
    EXPECT_EQ(to_int("-"), (R{0, false}));
    EXPECT_EQ(to_int("+-5"), (R{0, false}));
    EXPECT_EQ(to_int("1_000"), (R{0, false}));
    EXPECT_EQ(to_int("0x10"), (R{0, false}));
    EXPECT_EQ(to_int("1 2"), (R{0, false}));
    EXPECT_EQ(to_int("٣"), (R{0, false}));  // only ASCII digits
    EXPECT_EQ(to_int("4611686018427387903"), (R{kIntMax, true}));
    EXPECT_EQ(to_int("-4611686018427387904"), (R{kIntMin, true}));
}

TEST_F(StringWords, StringToIntBeyond63BitsWrapsLikeUpstream) {
    using R = std::pair<int64_t, bool>;
    // The parse accepts the i64 range; the 63-bit value then wraps.
    EXPECT_EQ(to_int("4611686018427387904"), (R{kIntMin, true}));
    EXPECT_EQ(to_int("9223372036854775807"), (R{-1, true}));
    EXPECT_EQ(to_int("-9223372036854775808"), (R{0, true}));
    EXPECT_EQ(to_int("9223372036854775808"), (R{0, false}));
    EXPECT_EQ(to_int("-9223372036854775809"), (R{0, false}));
    EXPECT_EQ(to_int("99999999999999999999999"), (R{0, false}));
    EXPECT_EQ(to_int("00000000000000000000000000001"), (R{1, true}));
}

TEST_F(StringWords, StringToIntOnANonStringGivesFalse) {
    TestStack st;
    st.sp = patch_seq_string_to_int(push(st.sp, make_int(42)));
    EXPECT_FALSE(pop_b(st.sp));
    EXPECT_EQ(pop_i(st.sp), 0);
    st.sp = patch_seq_string_to_int(push_sym(st.sp, "12"));  // the symbol is dropped
    EXPECT_FALSE(pop_b(st.sp));
    EXPECT_EQ(pop_i(st.sp), 0);
    EXPECT_EQ(st.depth(), 0u);
}

TEST_F(StringWords, CharToString) {
    EXPECT_EQ(char_to_string(65), "A");
    EXPECT_EQ(char_to_string(233), "é");
    EXPECT_EQ(char_to_string(10), "\n");
    EXPECT_EQ(char_to_string(0x1F389), "🎉");
    EXPECT_EQ(char_to_string(0x10FFFF), "\U0010FFFF");
    EXPECT_EQ(char_to_string(0), std::string("\0", 1));
    EXPECT_EQ(char_to_string(-1), "");
    EXPECT_EQ(char_to_string(0xD800), "");
    EXPECT_EQ(char_to_string(0xDFFF), "");
    EXPECT_EQ(char_to_string(0x110000), "");
    EXPECT_EQ(char_to_string(kIntMax), "");
    EXPECT_EQ(char_to_string(kIntMin), "");
    TestStack st;
    st.sp = push_str(st.sp, "x");
    EXPECT_DEATH(patch_seq_char_to_string(st.sp), "char_to_string: expected Int, got String");
}

TEST_F(StringWords, JsonEscape) {
    auto esc = [](std::string_view s) { return str1(patch_seq_json_escape, s); };
    EXPECT_EQ(esc("hello \"world\""), "hello \\\"world\\\"");
    EXPECT_EQ(esc("path\\to\\file"), "path\\\\to\\\\file");
    EXPECT_EQ(esc("line1\nline2\ttabbed"), "line1\\nline2\\ttabbed");
    EXPECT_EQ(esc("line1\r\nline2"), "line1\\r\\nline2");
    EXPECT_EQ(esc("a\x08"
                  "b\x0c"
                  "c"),
              "a\\bb\\fc");
    EXPECT_EQ(esc(std::string_view("a\0b", 3)), "a\\u0000b");
    EXPECT_EQ(esc("\x01\x1f\x7f"), "\\u0001\\u001F\\u007F");
    EXPECT_EQ(esc("\u0085\u009f\u00a0"), "\\u0085\\u009F\u00a0");  // C1 controls are Cc
    EXPECT_EQ(esc("é/\u2028🎉<>'"), "é/\u2028🎉<>'");
    EXPECT_EQ(esc("Hello, World!"), "Hello, World!");
    EXPECT_EQ(esc(""), "");
}

// ---- symbols --------------------------------------------------------------------------------

TEST_F(StringWords, SymbolToStringAndBack) {
    TestStack st;
    // A uniquely owned value changes kind in place.
    st.sp = push_sym(st.sp, "name");
    StackValue before = st.top();
    st.sp = patch_seq_symbol_to_string(st.sp);
    EXPECT_EQ(st.top(), before);
    EXPECT_TRUE(is_kind(st.top(), Kind::String));
    st.sp = patch_seq_string_to_symbol(st.sp);
    EXPECT_TRUE(is_kind(st.top(), Kind::Symbol));
    EXPECT_EQ(string_of(st.top())->view(), "name");

    // A shared one is copied; the other reference keeps its kind.
    StackValue sym = st.top();
    st.sp = push(st.sp, clone_value(sym));
    st.sp = patch_seq_symbol_to_string(st.sp);
    EXPECT_NE(st.top(), sym);
    EXPECT_EQ(pop_str(st.sp), "name");
    EXPECT_TRUE(is_kind(sym, Kind::Symbol));
    EXPECT_EQ(refcount(sym), 1u);

    // Interned (immortal) symbols are never modified.
    static const char kLit[] = "lit";
    StackValue lit = intern_static_symbol(kLit, kLit);
    st.sp = patch_seq_symbol_to_string(push(st.sp, lit));
    EXPECT_EQ(pop_str(st.sp), "lit");
    EXPECT_TRUE(is_kind(lit, Kind::Symbol));

    // Arena strings become global symbols.
    st.sp = patch_seq_string_to_symbol(push(st.sp, make_arena_string("tmp")));
    EXPECT_TRUE(is_kind(st.top(), Kind::Symbol));
    EXPECT_EQ(heap_of(st.top())->flags, 0);
    EXPECT_EQ(string_of(st.top())->view(), "tmp");
}

TEST_F(StringWords, SymbolEqual) {
    auto eq = [](StackValue a, StackValue b) {
        TestStack st;
        st.sp = patch_seq_symbol_equal(push(push(st.sp, a), b));
        return pop_b(st.sp);
    };
    EXPECT_TRUE(eq(make_string("ok", Kind::Symbol), make_string("ok", Kind::Symbol)));
    EXPECT_FALSE(eq(make_string("ok", Kind::Symbol), make_string("err", Kind::Symbol)));
    EXPECT_TRUE(eq(make_string("", Kind::Symbol), make_string("", Kind::Symbol)));
    static const char kA[] = "Some";
    static const char kB[] = "Some";
    EXPECT_TRUE(eq(intern_static_symbol(kA, kA), intern_static_symbol(kA, kA)));
    EXPECT_TRUE(eq(intern_static_symbol(kA, kA), intern_static_symbol(kB, kB)));
    EXPECT_TRUE(eq(intern_static_symbol(kA, kA), make_string("Some", Kind::Symbol)));
    TestStack st;
    st.sp = push(push_sym(st.sp, "a"), make_string("a"));
    EXPECT_DEATH(patch_seq_symbol_equal(st.sp), "symbol_equal: expected Symbol, got String");
}

TEST_F(StringWords, SymbolEqCstr) {
    auto eq = [](std::string_view sym, const char* name) {
        TestStack st;
        st.sp = patch_seq_symbol_eq_cstr(push_sym(st.sp, sym), name);
        EXPECT_EQ(st.depth(), 1u);
        return pop_b(st.sp);
    };
    EXPECT_TRUE(eq("Some", "Some"));
    EXPECT_FALSE(eq("Some", "None"));
    EXPECT_FALSE(eq("Some", "Som"));
    EXPECT_FALSE(eq("Som", "Some"));
    EXPECT_TRUE(eq("", ""));
    EXPECT_TRUE(eq("Ünïcødé", "Ünïcødé"));
    EXPECT_FALSE(eq(std::string_view("a\0b", 3), "a"));
    TestStack st;
    st.sp = push_str(st.sp, "Some");
    EXPECT_DEATH(patch_seq_symbol_eq_cstr(st.sp, "Some"),
                 "symbol_eq_cstr: expected Symbol, got String");
    st.sp = push_sym(st.sp, "x");
    EXPECT_DEATH(patch_seq_symbol_eq_cstr(st.sp, nullptr), "symbol_eq_cstr: null name");
}

TEST_F(StringWords, SymbolTypeErrors) {
    TestStack st;
    st.sp = push_str(st.sp, "s");
    EXPECT_DEATH(patch_seq_symbol_to_string(st.sp),
                 "symbol_to_string: expected Symbol, got String");
    drop_value(st.sp[-1]);
    st.sp[-1] = make_int(1);
    EXPECT_DEATH(patch_seq_string_to_symbol(st.sp), "string_to_symbol: expected String, got Int");
}

// ---- C strings -------------------------------------------------------------------------------

TEST_F(StringWords, StringToCstringCopiesAndPeeks) {
    TestStack st;
    st.sp = push_str(st.sp, "héllo");
    StackValue s = st.top();
    char* c = patch_seq_string_to_cstring(st.sp, nullptr);
    ASSERT_NE(c, nullptr);
    EXPECT_STREQ(c, "héllo");
    EXPECT_NE(static_cast<const void*>(c), static_cast<const void*>(string_of(s)->data));
    EXPECT_EQ(st.depth(), 1u);  // not popped
    EXPECT_EQ(refcount(s), 1u);
    std::free(c);
    st.sp = push_str(st.sp, "");
    c = patch_seq_string_to_cstring(st.sp, nullptr);
    EXPECT_STREQ(c, "");
    std::free(c);
    st.sp = push(st.sp, make_int(3));
    EXPECT_DEATH(patch_seq_string_to_cstring(st.sp, nullptr),
                 "string_to_cstring: expected String, got Int");
}

TEST_F(StringWords, CstringToString) {
    TestStack st;
    st.sp = patch_seq_cstring_to_string(st.sp, "héllo");
    EXPECT_EQ(pop_str(st.sp), "héllo");
    st.sp = patch_seq_cstring_to_string(st.sp, nullptr);
    EXPECT_EQ(pop_str(st.sp), "");
    st.sp = patch_seq_cstring_to_string(st.sp, "");
    EXPECT_EQ(pop_str(st.sp), "");
    // Ill-formed UTF-8 is replaced as Rust's from_utf8_lossy does.
    st.sp = patch_seq_cstring_to_string(st.sp,
                                        "a\xff"
                                        "b");
    EXPECT_EQ(pop_str(st.sp),
              "a\ufffd"
              "b");
    st.sp = patch_seq_cstring_to_string(st.sp,
                                        "\xf0\x90\x80"
                                        "A\xe0\x80");
    EXPECT_EQ(pop_str(st.sp),
              "\ufffd"
              "A\ufffd\ufffd");
    st.sp = patch_seq_cstring_to_string(st.sp, "\xed\xa0\x80|\ufffd");
    EXPECT_EQ(pop_str(st.sp), "\ufffd\ufffd\ufffd|\ufffd");
}

// ---- UTF-8 helpers shared with other families ---------------------------------------------------

TEST(Utf8, DecodeMaximalSubparts) {
    auto units = [](std::string_view s) {
        std::vector<std::pair<size_t, char32_t>> out;
        const char* p = s.data();
        const char* end = p + s.size();
        while (p < end) {
            char32_t cp;
            size_t n = utf8::decode(p, end, cp);
            out.emplace_back(n, cp);
            p += n;
        }
        return out;
    };
    using U = std::vector<std::pair<size_t, char32_t>>;
    EXPECT_EQ(units("aé€🎉"), (U{{1, 'a'}, {2, 0xE9}, {3, 0x20AC}, {4, 0x1F389}}));
    EXPECT_EQ(units("\xc0\xaf"), (U{{1, 0xFFFD}, {1, 0xFFFD}}));  // overlong lead
    EXPECT_EQ(units("\xe2\x82"), (U{{2, 0xFFFD}}));               // truncated
    EXPECT_EQ(units("\xf4\x8f\xbf\xbf"), (U{{4, 0x10FFFF}}));
    EXPECT_EQ(units("\xef\xbf\xbd"), (U{{3, 0xFFFD}}));
    EXPECT_TRUE(utf8::is_valid("\xef\xbf\xbd"));
    EXPECT_FALSE(utf8::is_valid("\xe2\x82"));
    EXPECT_FALSE(utf8::is_valid("\xed\xa0\x80"));
    EXPECT_TRUE(utf8::is_valid(""));
}

TEST(Utf8, ByteOffsetAndCount) {
    std::string_view s = "aé🎉b";
    EXPECT_EQ(utf8::char_count(s), 4u);
    EXPECT_EQ(utf8::byte_offset(s, 0), 0u);
    EXPECT_EQ(utf8::byte_offset(s, 1), 1u);
    EXPECT_EQ(utf8::byte_offset(s, 2), 3u);
    EXPECT_EQ(utf8::byte_offset(s, 3), 7u);
    EXPECT_EQ(utf8::byte_offset(s, 4), 8u);
    EXPECT_EQ(utf8::byte_offset(s, 100), 8u);
    char32_t cp;
    EXPECT_EQ(utf8::decode_before(s.data(), s.data() + 7, cp), 4u);
    EXPECT_EQ(cp, 0x1F389u);
    std::string_view bad = "a\x80";
    EXPECT_EQ(utf8::decode_before(bad.data(), bad.data() + 2, cp), 1u);
    EXPECT_EQ(cp, 0xFFFDu);
}

}  // namespace
}  // namespace seq
