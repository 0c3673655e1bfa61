// Float words: arithmetic, comparison and conversions.
//
// Expected texts and bit patterns were produced by seq-runtime 5.4.0's own
// operations (f64 Display, str::parse::<f64>, `as` casts) run under rustc.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "abi/abi_version.hpp"
#include "core/value/value.hpp"
#include "seq/runtime_numeric.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;
using Word = seq_stack_t (*)(seq_stack_t);

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

uint64_t bits(double d) {
    uint64_t u;
    std::memcpy(&u, &d, sizeof u);
    return u;
}

// Runs a binary float word; returns its value and checks the result is a Float.
double fbin(Word w, double a, double b) {
    return test::float_word(w, {a, b});
}

// Runs a float comparison; returns its raw slot.
StackValue fcmp(Word w, double a, double b) {
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, a);
    st.sp = patch_seq_push_float(st.sp, b);
    st.sp = w(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    StackValue r = st.top();
    --st.sp;
    return r;
}

std::string to_string(double d) {
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, d);
    st.sp = patch_seq_float_to_string(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    EXPECT_TRUE(is_kind(st.top(), Kind::String));
    return std::string(string_of(st.top())->view());
}

struct Parsed {
    double value;
    bool ok;
};
Parsed parse(std::string_view text) {
    TestStack st;
    st.sp = push(st.sp, make_string(text));
    st.sp = patch_seq_string_to_float(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    EXPECT_TRUE(is_bool(st.sp[-1]));
    EXPECT_TRUE(is_kind(st.sp[-2], Kind::Float));
    return {float_of(st.sp[-2]), st.sp[-1] == kTrue};
}

int64_t to_int(double d) {
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, d);
    st.sp = patch_seq_float_to_int(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    EXPECT_TRUE(is_int(st.top()));
    return int_of(st.top());
}

double to_float(int64_t i) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, i);
    st.sp = patch_seq_int_to_float(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    EXPECT_TRUE(is_kind(st.top(), Kind::Float));
    return float_of(st.top());
}

// ---- arithmetic ---------------------------------------------------------------------

TEST(FloatArithmetic, HappyPaths) {
    EXPECT_EQ(fbin(patch_seq_f_add, 1.5, 2.5), 4.0);
    EXPECT_EQ(fbin(patch_seq_f_subtract, 5.0, 2.0), 3.0);
    EXPECT_EQ(fbin(patch_seq_f_subtract, 2.0, 5.0), -3.0);  // second minus top
    EXPECT_EQ(fbin(patch_seq_f_multiply, 3.0, 4.0), 12.0);
    EXPECT_EQ(fbin(patch_seq_f_divide, 10.0, 4.0), 2.5);
    EXPECT_EQ(fbin(patch_seq_f_add, 0.1, 0.2), 0.1 + 0.2);
}

TEST(FloatArithmetic, IeeeEdges) {
    EXPECT_EQ(fbin(patch_seq_f_divide, 1.0, 0.0), kInf);
    EXPECT_EQ(fbin(patch_seq_f_divide, -1.0, 0.0), -kInf);
    EXPECT_EQ(fbin(patch_seq_f_divide, 1.0, -0.0), -kInf);
    EXPECT_TRUE(std::isnan(fbin(patch_seq_f_divide, 0.0, 0.0)));
    EXPECT_TRUE(std::isnan(fbin(patch_seq_f_add, kNaN, 1.0)));
    EXPECT_TRUE(std::isnan(fbin(patch_seq_f_subtract, kInf, kInf)));
    EXPECT_EQ(fbin(patch_seq_f_add, kInf, 1.0), kInf);
    EXPECT_EQ(fbin(patch_seq_f_multiply, 1e308, 10.0), kInf);
    EXPECT_EQ(bits(fbin(patch_seq_f_multiply, -1.0, 0.0)), bits(-0.0));
}

TEST(FloatArithmetic, SharedOperandsAreNotMutated) {
    TestStack st;
    StackValue a = make_float(1.5);
    StackValue b = make_float(2.0);
    st.sp = push(st.sp, clone_value(a));
    st.sp = push(st.sp, clone_value(b));
    st.sp = patch_seq_f_multiply(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(float_of(st.top()), 3.0);
    EXPECT_EQ(float_of(a), 1.5);
    EXPECT_EQ(float_of(b), 2.0);
    EXPECT_EQ(refcount(a), 1u);
    EXPECT_EQ(refcount(b), 1u);
    EXPECT_NE(st.top(), a);
    EXPECT_NE(st.top(), b);
    drop_value(a);
    drop_value(b);
}

TEST(FloatArithmetic, SameObjectOnBothSides) {
    // `dup f.add`: both slots point at one box with two references.
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, 2.25);
    StackValue box = st.top();
    st.sp = patch_seq_dup(st.sp);
    ASSERT_EQ(refcount(box), 2u);
    st.sp = patch_seq_f_add(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(float_of(st.top()), 4.5);
}

TEST(FloatArithmetic, UniqueOperandBoxIsReused) {
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, 1.0);
    StackValue first = st.top();
    st.sp = patch_seq_push_float(st.sp, 2.0);
    st.sp = patch_seq_f_add(st.sp);
    EXPECT_EQ(st.top(), first);
    EXPECT_EQ(float_of(st.top()), 3.0);

    // Second operand's box when only it is unique.
    StackValue shared = make_float(10.0);
    st.sp = push(st.sp, clone_value(shared));
    st.sp = patch_seq_swap(st.sp);  // ( shared 3.0 )
    StackValue top_box = st.top();
    st.sp = patch_seq_f_subtract(st.sp);
    EXPECT_EQ(st.top(), top_box);
    EXPECT_EQ(float_of(st.top()), 7.0);
    EXPECT_EQ(float_of(shared), 10.0);
    EXPECT_EQ(refcount(shared), 1u);
    drop_value(shared);
}

// ---- comparison ---------------------------------------------------------------------

struct FCmpCase {
    double a, b;
    bool eq, neq, lt, gt, lte, gte;
};

// A comparison's result is where the contracts differ: a Bool for seqc 7.x
// (this binary), Int 1/0 for seqc 5.4.0 (test_float_54, the same cases).
StackValue expected_flag(bool b) {
    if (kAbi7) return make_bool(b);
    return make_int(b ? 1 : 0);
}

TEST(FloatComparison, PushBoolFor7AndIntOneOrZeroFor54) {
    const FCmpCase cases[] = {
        {3.5, 3.5, true, false, false, false, true, true},
        {1.5, 2.5, false, true, true, false, true, false},
        {2.5, 1.5, false, true, false, true, false, true},
        {0.0, -0.0, true, false, false, false, true, true},
        {-kInf, kInf, false, true, true, false, true, false},
        {kNaN, kNaN, false, true, false, false, false, false},
        {kNaN, 1.0, false, true, false, false, false, false},
        {1.0, kNaN, false, true, false, false, false, false},
    };
    for (const FCmpCase& c : cases) {
        EXPECT_EQ(fcmp(patch_seq_f_eq, c.a, c.b), expected_flag(c.eq)) << c.a << " " << c.b;
        EXPECT_EQ(fcmp(patch_seq_f_neq, c.a, c.b), expected_flag(c.neq)) << c.a << " " << c.b;
        EXPECT_EQ(fcmp(patch_seq_f_lt, c.a, c.b), expected_flag(c.lt)) << c.a << " " << c.b;
        EXPECT_EQ(fcmp(patch_seq_f_gt, c.a, c.b), expected_flag(c.gt)) << c.a << " " << c.b;
        EXPECT_EQ(fcmp(patch_seq_f_lte, c.a, c.b), expected_flag(c.lte)) << c.a << " " << c.b;
        EXPECT_EQ(fcmp(patch_seq_f_gte, c.a, c.b), expected_flag(c.gte)) << c.a << " " << c.b;
    }
}

TEST(FloatComparison, ReleasesOperands) {
    TestStack st;
    StackValue a = make_float(1.0);
    st.sp = push(st.sp, clone_value(a));
    st.sp = push(st.sp, clone_value(a));
    ASSERT_EQ(refcount(a), 3u);
    st.sp = patch_seq_f_lt(st.sp);
    EXPECT_EQ(refcount(a), 1u);
    EXPECT_EQ(st.top(), expected_flag(false));
    drop_value(a);
}

// ---- conversions -----------------------------------------------------------------

TEST(FloatConversion, IntToFloat) {
    EXPECT_EQ(to_float(42), 42.0);
    EXPECT_EQ(to_float(-7), -7.0);
    EXPECT_EQ(bits(to_float(0)), bits(0.0));
    EXPECT_EQ(to_float(kIntMax), 4611686018427387904.0);  // rounds to 2^62
    EXPECT_EQ(to_float(kIntMin), -4611686018427387904.0);
    EXPECT_EQ(to_float(9007199254740993), 9007199254740992.0);  // ties to even
    EXPECT_EQ(to_float(-9007199254740993), -9007199254740992.0);
}

TEST(FloatConversion, FloatToIntTruncatesAndClamps) {
    EXPECT_EQ(to_int(3.7), 3);
    EXPECT_EQ(to_int(-3.7), -3);
    EXPECT_EQ(to_int(0.9999999), 0);
    EXPECT_EQ(to_int(-0.5), 0);
    EXPECT_EQ(to_int(-0.0), 0);
    EXPECT_EQ(to_int(kNaN), 0);
    EXPECT_EQ(to_int(1e20), kIntMax);
    EXPECT_EQ(to_int(-1e20), kIntMin);
    EXPECT_EQ(to_int(kInf), kIntMax);
    EXPECT_EQ(to_int(-kInf), kIntMin);
    EXPECT_EQ(to_int(4611686018427387904.0), kIntMax);              // 2^62
    EXPECT_EQ(to_int(4611686018427386880.0), 4611686018427386880);  // largest below
    EXPECT_EQ(to_int(-4611686018427387904.0), kIntMin);
    EXPECT_EQ(to_int(-4611686018427388928.0), kIntMin);
}

TEST(FloatConversion, FloatToStringIsRustDisplay) {
    EXPECT_EQ(to_string(3.5), "3.5");
    EXPECT_EQ(to_string(42.0), "42");
    EXPECT_EQ(to_string(0.0), "0");
    EXPECT_EQ(to_string(-0.0), "-0");
    EXPECT_EQ(to_string(-1.5), "-1.5");
    EXPECT_EQ(to_string(0.1), "0.1");
    EXPECT_EQ(to_string(0.3), "0.3");
    EXPECT_EQ(to_string(2.0 / 3.0), "0.6666666666666666");
    EXPECT_EQ(to_string(1e-7), "0.0000001");
    EXPECT_EQ(to_string(123456789.125), "123456789.125");
    EXPECT_EQ(to_string(1e15), "1000000000000000");
    EXPECT_EQ(to_string(1e21), "1000000000000000000000");
    EXPECT_EQ(to_string(1e23), "100000000000000000000000");
    EXPECT_EQ(to_string(4611686018427387904.0), "4611686018427388000");
    EXPECT_EQ(to_string(1e100), "1" + std::string(100, '0'));
    EXPECT_EQ(to_string(1.7976931348623157e308), "17976931348623157" + std::string(292, '0'));
    EXPECT_EQ(to_string(5e-324), "0." + std::string(323, '0') + "5");
    EXPECT_EQ(to_string(kNaN), "NaN");
    EXPECT_EQ(to_string(kInf), "inf");
    EXPECT_EQ(to_string(-kInf), "-inf");
}

TEST(FloatConversion, StringToFloatAcceptsRustSyntax) {
    struct Case {
        const char* text;
        uint64_t bits;
    };
    const Case cases[] = {
        {"1", 0x3ff0000000000000},
        {"+1", 0x3ff0000000000000},
        {"-1", 0xbff0000000000000},
        {"1.", 0x3ff0000000000000},
        {".5", 0x3fe0000000000000},
        {"+.5", 0x3fe0000000000000},
        {"1e+5", 0x40f86a0000000000},
        {"1E5", 0x40f86a0000000000},
        {"1e-5", 0x3ee4f8b588e368f1},
        {"0.1", 0x3fb999999999999a},
        {"3.14159", 0x400921f9f01b866e},
        {"00001.5000", 0x3ff8000000000000},
        {"1.5e0001", 0x402e000000000000},
        {"-0", 0x8000000000000000},
        {"-0.0", 0x8000000000000000},
        {"inf", 0x7ff0000000000000},
        {"INF", 0x7ff0000000000000},
        {"inF", 0x7ff0000000000000},
        {"+inf", 0x7ff0000000000000},
        {"-inf", 0xfff0000000000000},
        {"infinity", 0x7ff0000000000000},
        {"Infinity", 0x7ff0000000000000},
        {"-INFINITY", 0xfff0000000000000},
        {"123456789012345678901234567890", 0x45f8ee90ff6c373e},
        {"0.000000000000000000000000000000000000001", 0x37d5c72fb1552d83},
        {"9007199254740993", 0x4340000000000000},
        {"1.7976931348623157e308", 0x7fefffffffffffff},
        // Out of range is not an error: overflow to inf, underflow to zero.
        {"1.7976931348623159e308", 0x7ff0000000000000},
        {"1e400", 0x7ff0000000000000},
        {"-1e400", 0xfff0000000000000},
        {"1e99999999999999999999", 0x7ff0000000000000},
        {"1e-400", 0x0000000000000000},
        {"-1e-400", 0x8000000000000000},
        {"2e-324", 0x0000000000000000},
        {"3e-324", 0x0000000000000001},
        {"4.9e-324", 0x0000000000000001},
        {"1e-99999999999999999999", 0x0000000000000000},
        {"0e99999999999999999999", 0x0000000000000000},
        {"0.000e-99999", 0x0000000000000000},
    };
    for (const Case& c : cases) {
        Parsed p = parse(c.text);
        EXPECT_TRUE(p.ok) << c.text;
        EXPECT_EQ(bits(p.value), c.bits) << c.text;
    }
    for (const char* nan : {"nan", "NaN", "nAn", "+NaN", "-nan"}) {
        Parsed p = parse(nan);
        EXPECT_TRUE(p.ok) << nan;
        EXPECT_TRUE(std::isnan(p.value)) << nan;
    }
    // A long mantissa is still correctly rounded: 0.1 with 400 more zeros and a 1.
    Parsed p = parse("0.1" + std::string(400, '0') + "1");
    EXPECT_TRUE(p.ok);
    EXPECT_EQ(bits(p.value), 0x3fb999999999999aull);
}

TEST(FloatConversion, StringToFloatRejectsEverythingElse) {
    const char* bad[] = {
        "",     " 1",    "1 ",   "\t1",     "1\n",     ".",     "-",         "+",     "e5",
        "1e",   "1e+",   "1ee5", "1e--5",   "--1",     "+-1",   "-.e1",      "1.2.3", "1e5.5",
        "0x10", "1_000", "1,5",  "1d",      "1f",      "infin", "infinityx", "nan1",  "inf inity",
        "in f", "٣",     "１",   "1\u00a0", "1\u2009", "NaN ",  "é",
    };
    for (const char* text : bad) {
        Parsed p = parse(text);
        EXPECT_FALSE(p.ok) << text;
        EXPECT_EQ(bits(p.value), bits(0.0)) << text;
    }
    Parsed nul = parse(std::string_view("1\0", 2));  // embedded NUL is not the end
    EXPECT_FALSE(nul.ok);
}

TEST(FloatConversion, StringToFloatOnNonStringFailsAndDrops) {
    TestStack st;
    StackValue f = make_float(2.5);
    st.sp = push(st.sp, clone_value(f));
    st.sp = patch_seq_string_to_float(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(st.sp[-1], kFalse);
    EXPECT_EQ(float_of(st.sp[-2]), 0.0);
    EXPECT_EQ(refcount(f), 1u);
    drop_value(f);

    st.sp = patch_seq_push_symbol(st.sp, "1.5");  // a Symbol is not a String
    st.sp = patch_seq_string_to_float(st.sp);
    EXPECT_EQ(st.sp[-1], kFalse);
    st.sp = patch_seq_push_int(st.sp, 3);
    st.sp = patch_seq_string_to_float(st.sp);
    EXPECT_EQ(st.sp[-1], kFalse);
    EXPECT_EQ(st.depth(), 6u);
}

TEST(FloatConversion, StringToFloatReleasesTheString) {
    TestStack st;
    StackValue s = make_string("2.5");
    st.sp = push(st.sp, clone_value(s));
    st.sp = patch_seq_string_to_float(st.sp);
    EXPECT_EQ(st.sp[-1], kTrue);
    EXPECT_EQ(float_of(st.sp[-2]), 2.5);
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
}

TEST(FloatConversion, RoundTripThroughString) {
    for (double d :
         {0.1, 1.0 / 3.0, 6.02214076e23, 1e-300, -2.5e-8, 5e-324, 1.7976931348623157e308}) {
        Parsed p = parse(to_string(d));
        EXPECT_TRUE(p.ok) << d;
        EXPECT_EQ(bits(p.value), bits(d)) << d;
    }
}

TEST(FloatConversion, DisplayRoundTripsAcrossTheWholeRange) {
    // Every power of ten and its neighbours: positional text, no exponent,
    // parsing back to the same bits.
    for (int e = -323; e <= 308; ++e) {
        double d = std::strtod(("1e" + std::to_string(e)).c_str(), nullptr);
        for (double x : {d, std::nextafter(d, 0.0), std::nextafter(d, kInf), -d * 3}) {
            if (std::isinf(x)) continue;
            std::string text = to_string(x);
            EXPECT_EQ(text.find_first_of("eE"), std::string::npos) << text;
            Parsed p = parse(text);
            EXPECT_TRUE(p.ok) << text;
            EXPECT_EQ(bits(p.value), bits(x)) << text;
        }
    }
}

// ---- type errors (no status flag: abort naming the word) -----------------------------

TEST(FloatWordsDeathTest, TypeMismatchAbortsNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, 1.0);
    st.sp = patch_seq_push_int(st.sp, 2);
    EXPECT_DEATH(patch_seq_f_add(st.sp), "f\\.add: expected Float, got Int");
    EXPECT_DEATH(patch_seq_f_divide(st.sp), "f\\.divide: expected Float, got Int");
    EXPECT_DEATH(patch_seq_f_eq(st.sp), "f\\.=: expected Float, got Int");
    EXPECT_DEATH(patch_seq_f_gte(st.sp), "f\\.>=: expected Float, got Int");
    EXPECT_DEATH(patch_seq_float_to_int(st.sp), "float->int: expected Float, got Int");
    EXPECT_DEATH(patch_seq_float_to_string(st.sp), "float->string: expected Float, got Int");
    st.sp = patch_seq_swap(st.sp);  // ( 2 1.0 )
    EXPECT_DEATH(patch_seq_f_subtract(st.sp), "f\\.subtract: expected Float, got Int");
    EXPECT_DEATH(patch_seq_int_to_float(st.sp), "int->float: expected Int, got Float");
    st.sp = patch_seq_push_string(st.sp, "1.0");
    EXPECT_DEATH(patch_seq_f_multiply(st.sp), "f\\.multiply: expected Float, got String");
}

}  // namespace
}  // namespace seq
