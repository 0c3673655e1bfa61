// seqc 7.x numeric words: the float math words (f.sqrt ... f.tau), i.pow and
// the big-endian byte encoders.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "abi/abi_version.hpp"
#include "core/words/math.hpp"
#include "seq/runtime_numeric.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Word = Stack (*)(Stack);

// The f.* words exist only in the 7.x archive (they call libm; seqc 5.4.0
// links without -lm and never declares them).
#if SEQ_ABI_VERSION >= 70

// Runs a ( Float -- Float ) word on x.
double unary(Word w, double x) {
    return test::float_word(w, {x});
}

// Runs a ( Float Float -- Float ) word on ( a b ), b on top.
double binary(Word w, double a, double b) {
    return test::float_word(w, {a, b});
}

double constant(Word w) {
    return test::float_word(w, {});
}

// Hides x from the optimiser, so std:: calls below reach libm at run time
// instead of being folded by the compiler (whose folding is correctly
// rounded, where glibc's functions need not be).
double opaque(double x) {
    volatile double v = x;
    return v;
}

// Bit-for-bit equality, so -0.0 and 0.0 differ and the same NaN is equal.
::testing::AssertionResult same_bits(double got, double want) {
    if (std::bit_cast<uint64_t>(got) == std::bit_cast<uint64_t>(want))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

TEST(FloatMath, ExactResults) {
    EXPECT_TRUE(same_bits(unary(patch_seq_f_sqrt, 16.0), 4.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_sqrt, -0.0), -0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_cbrt, 64.0), 4.0));
    // glibc 2.36's cbrt gives 3.0000000000000004 for 27; upstream's runtime
    // gives 3 (its test-std-fmath relies on it), and so do we.
    EXPECT_TRUE(same_bits(unary(patch_seq_f_cbrt, 27.0), 3.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_cbrt, 1000.0), 10.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_cbrt, -27.0), -3.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_cbrt, -8.0), -2.0));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, 2.0, 10.0), 1024.0));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, 5.0, 0.0), 1.0));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, 2.0, -1.0), 0.5));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_exp, 0.0), 1.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_ln, 1.0), 0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_log10, 1000.0), 3.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_log2, 8.0), 3.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_log2, 0.5), -1.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_sin, 0.0), 0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_sin, -0.0), -0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_cos, 0.0), 1.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_tan, 0.0), 0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_asin, 1.0), math::kPi / 2));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_acos, 1.0), 0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_acos, -1.0), math::kPi));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_atan, kInf), math::kPi / 2));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_floor, -1.5), -2.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_ceil, -1.5), -1.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_ceil, -0.5), -0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_trunc, -1.7), -1.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_trunc, 2.9), 2.0));
}

// The same routines as libm's: results agree bit for bit where they are not
// exact too (upstream's f64 methods call the same glibc functions).
TEST(FloatMath, AgreesWithLibm) {
    for (double x : {0.1, 0.7, 1.3, 2.5, 10.0, 123.456, 1e-300, 1e300}) {
        EXPECT_TRUE(same_bits(unary(patch_seq_f_sqrt, x), std::sqrt(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_cbrt, x), std::cbrt(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_exp, x), std::exp(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_ln, x), std::log(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_log10, x), std::log10(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_log2, x), std::log2(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_sin, x), std::sin(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_cos, x), std::cos(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_tan, x), std::tan(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_atan, x), std::atan(opaque(x))));
        EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, x, 1.7), std::pow(opaque(x), 1.7)));
        EXPECT_TRUE(same_bits(binary(patch_seq_f_atan2, x, -2.0), std::atan2(opaque(x), -2.0)));
    }
    for (double x : {-0.9, -0.3, 0.2, 0.99}) {
        EXPECT_TRUE(same_bits(unary(patch_seq_f_asin, x), std::asin(opaque(x))));
        EXPECT_TRUE(same_bits(unary(patch_seq_f_acos, x), std::acos(opaque(x))));
    }
}

// f.round rounds halves to even (Rust's round_ties_even), not away from zero
// as C's round() does.
TEST(FloatMath, RoundHalvesToEven) {
    const double cases[][2] = {
        {0.5, 0.0},    {1.5, 2.0},   {2.5, 2.0},     {3.5, 4.0},
        {-0.5, -0.0},  {-1.5, -2.0}, {-2.5, -2.0},   {2.4999, 2.0},
        {2.5001, 3.0}, {-0.2, -0.0}, {1e300, 1e300}, {4503599627370497.0, 4503599627370497.0}};
    for (const auto& c : cases)
        EXPECT_TRUE(same_bits(unary(patch_seq_f_round, c[0]), c[1])) << c[0];
    EXPECT_TRUE(same_bits(unary(patch_seq_f_round, kInf), kInf));
    EXPECT_TRUE(std::isnan(unary(patch_seq_f_round, kNaN)));
}

// ( y x -- ): the C order, so ( 1 0 ) is pi/2 and ( 0 1 ) is 0.
TEST(FloatMath, Atan2TakesYThenX) {
    EXPECT_TRUE(same_bits(binary(patch_seq_f_atan2, 1.0, 0.0), math::kPi / 2));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_atan2, 0.0, 1.0), 0.0));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_atan2, 0.0, -1.0), math::kPi));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_atan2, -0.0, -1.0), -math::kPi));
    // ( base exp ) likewise: 2^3, not 3^2.
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, 2.0, 3.0), 8.0));
}

// Bad inputs give IEEE 754's answer; there is no status flag.
TEST(FloatMath, NanAndInfinityPropagate) {
    EXPECT_TRUE(std::isnan(unary(patch_seq_f_sqrt, -1.0)));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_ln, 0.0), -kInf));
    EXPECT_TRUE(std::isnan(unary(patch_seq_f_ln, -1.0)));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_log2, 0.0), -kInf));
    EXPECT_TRUE(std::isnan(unary(patch_seq_f_asin, 2.0)));
    EXPECT_TRUE(std::isnan(unary(patch_seq_f_acos, -2.0)));
    EXPECT_TRUE(std::isnan(unary(patch_seq_f_sin, kInf)));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_exp, 1000.0), kInf));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_exp, -kInf), 0.0));
    EXPECT_TRUE(same_bits(unary(patch_seq_f_floor, -kInf), -kInf));
    EXPECT_TRUE(std::isnan(binary(patch_seq_f_pow, -8.0, 1.0 / 3.0)));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, 1.0, kNaN), 1.0));  // C99 Annex F
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, kNaN, 0.0), 1.0));
    EXPECT_TRUE(same_bits(binary(patch_seq_f_pow, 0.0, -1.0), kInf));
    for (Word w : {patch_seq_f_sqrt, patch_seq_f_cbrt, patch_seq_f_exp, patch_seq_f_ln,
                   patch_seq_f_log10, patch_seq_f_log2, patch_seq_f_sin, patch_seq_f_cos,
                   patch_seq_f_tan, patch_seq_f_asin, patch_seq_f_acos, patch_seq_f_atan,
                   patch_seq_f_floor, patch_seq_f_ceil, patch_seq_f_round, patch_seq_f_trunc})
        EXPECT_TRUE(std::isnan(unary(w, kNaN)));
    EXPECT_TRUE(std::isnan(binary(patch_seq_f_atan2, kNaN, 1.0)));
}

TEST(FloatMath, Constants) {
    EXPECT_TRUE(same_bits(constant(patch_seq_f_pi), M_PI));
    EXPECT_TRUE(same_bits(constant(patch_seq_f_e), M_E));
    EXPECT_TRUE(same_bits(constant(patch_seq_f_tau), 2 * M_PI));
    EXPECT_EQ(std::bit_cast<uint64_t>(math::kPi), 0x400921FB54442D18u);
}

// A uniquely held Float is rewritten in place; a shared one is left alone.
TEST(FloatMath, UnaryWordsReuseOnlyUnsharedBoxes) {
    TestStack st;
    st.sp = patch_seq_push_float(st.sp, 9.0);
    StackValue box = st.top();
    st.sp = patch_seq_f_sqrt(st.sp);
    EXPECT_EQ(st.top(), box);
    EXPECT_EQ(float_of(box), 3.0);
    st.sp = patch_seq_dup(st.sp);
    st.sp = patch_seq_f_sqrt(st.sp);
    EXPECT_NE(st.top(), box);
    EXPECT_EQ(float_of(st.top()), std::sqrt(3.0));
    EXPECT_EQ(float_of(box), 3.0);
    EXPECT_EQ(refcount(box), 1u);
}

TEST(FloatMathDeathTest, NonFloatsAbortNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 4);
    EXPECT_DEATH(patch_seq_f_sqrt(st.sp), "f.sqrt: expected Float, got Int");
    EXPECT_DEATH(patch_seq_f_round(st.sp), "f.round: expected Float, got Int");
    EXPECT_DEATH(patch_seq_float_to_bytes_f32_be(st.sp),
                 "float.to-bytes-f32-be: expected Float, got Int");
    st.sp = patch_seq_push_float(st.sp, 1.0);
    EXPECT_DEATH(patch_seq_f_pow(st.sp), "f.pow: expected Float, got Int");
    EXPECT_DEATH(patch_seq_f_atan2(st.sp), "f.atan2: expected Float, got Int");
    EXPECT_DEATH(patch_seq_int_to_bytes_i32_be(st.sp),
                 "int.to-bytes-i32-be: expected Int, got Float");
}

#endif  // SEQ_ABI_VERSION >= 70

// ---- i.pow ---------------------------------------------------------------------

// Runs ( base exp -- r Bool ) and returns r, or nullopt when the flag is false
// (r must then be 0).
std::optional<int64_t> ipow_values(StackValue base, StackValue exp) {
    TestStack st;
    st.sp = push(st.sp, base);
    st.sp = push(st.sp, exp);
    st.sp = patch_seq_pow(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    StackValue ok = st.sp[-1], r = st.sp[-2];
    EXPECT_TRUE(is_bool(ok));
    EXPECT_TRUE(is_int(r));
    if (ok == kTrue) return int_of(r);
    EXPECT_EQ(int_of(r), 0);
    return std::nullopt;
}
std::optional<int64_t> ipow(int64_t base, int64_t exp) {
    return ipow_values(make_int(base), make_int(exp));
}

// Upstream's cases (tests/integration/src/test-std-imath.seq).
TEST(IntPow, UpstreamCases) {
    EXPECT_EQ(ipow(2, 0), 1);
    EXPECT_EQ(ipow(2, 3), 8);
    EXPECT_EQ(ipow(2, 10), 1024);
    EXPECT_EQ(ipow(0, 0), 1);
    EXPECT_EQ(ipow(2, -1), std::nullopt);
    EXPECT_EQ(ipow(2, 4294967296), std::nullopt);
    EXPECT_EQ(ipow(2, 63), std::nullopt);
}

// The check is against Seq's 63-bit Int: 2^62 fits an i64 but not an Int
// (upstream would wrap it to -2^62).
TEST(IntPow, OverflowIsAgainstThe63BitRange) {
    EXPECT_EQ(ipow(2, 61), int64_t{1} << 61);
    EXPECT_EQ(ipow(2, 62), std::nullopt);
    EXPECT_EQ(ipow(-2, 61), -(int64_t{1} << 61));
    EXPECT_EQ(ipow(-2, 62), std::nullopt);  // +2^62
    EXPECT_EQ(ipow(-4, 31), kIntMin);       // exactly -2^62
    EXPECT_EQ(ipow(3, 39), 4052555153018976267);
    EXPECT_EQ(ipow(3, 40), std::nullopt);
    EXPECT_EQ(ipow(kIntMax, 1), kIntMax);
    EXPECT_EQ(ipow(kIntMin, 1), kIntMin);
    EXPECT_EQ(ipow(kIntMax, 2), std::nullopt);
    EXPECT_EQ(ipow(-3, 3), -27);
    EXPECT_EQ(ipow(10, 18), 1000000000000000000);
}

TEST(IntPow, TrivialBasesAndExponentBounds) {
    EXPECT_EQ(ipow(0, 5), 0);
    EXPECT_EQ(ipow(1, 4294967295), 1);
    EXPECT_EQ(ipow(-1, 4294967295), -1);
    EXPECT_EQ(ipow(-1, 4294967294), 1);
    EXPECT_EQ(ipow(0, 4294967295), 0);
    // Upstream's bound applies to these too.
    EXPECT_EQ(ipow(1, 4294967296), std::nullopt);
    EXPECT_EQ(ipow(0, -1), std::nullopt);
    EXPECT_EQ(ipow(7, 1), 7);
    EXPECT_EQ(ipow(-7, 0), 1);
}

// i.pow has a status flag, so a non-Int operand fails instead of aborting; the
// operands are released.
TEST(IntPow, NonIntsGiveZeroFalse) {
    StackValue s = make_string("two");
    retain(heap_of(s));
    EXPECT_EQ(ipow_values(s, make_int(2)), std::nullopt);
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
    EXPECT_EQ(ipow_values(make_int(2), make_float(2.0)), std::nullopt);
    EXPECT_EQ(ipow_values(kTrue, make_int(1)), std::nullopt);
}

// ---- big-endian bytes ------------------------------------------------------------

std::string bytes_of(Word w, StackValue v) {
    TestStack st;
    st.sp = push(st.sp, v);
    st.sp = w(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    EXPECT_TRUE(is_kind(st.top(), Kind::String));
    return std::string(string_of(st.top())->view());
}

TEST(BigEndianBytes, Int32) {
    EXPECT_EQ(bytes_of(patch_seq_int_to_bytes_i32_be, make_int(1000)),
              std::string("\x00\x00\x03\xE8", 4));
    EXPECT_EQ(bytes_of(patch_seq_int_to_bytes_i32_be, make_int(-1)), "\xFF\xFF\xFF\xFF");
    EXPECT_EQ(bytes_of(patch_seq_int_to_bytes_i32_be, make_int(0)), std::string(4, '\0'));
    // The low 32 bits: high bits are dropped, as Rust's `as i32`.
    EXPECT_EQ(bytes_of(patch_seq_int_to_bytes_i32_be, make_int(0x1DEADBEEF)), "\xDE\xAD\xBE\xEF");
    EXPECT_EQ(bytes_of(patch_seq_int_to_bytes_i32_be, make_int(kIntMin)), std::string(4, '\0'));
    EXPECT_EQ(bytes_of(patch_seq_int_to_bytes_i32_be, make_int(INT32_MIN)),
              std::string("\x80\x00\x00\x00", 4));
}

TEST(BigEndianBytes, Float32) {
    auto f32 = [](double x) { return bytes_of(patch_seq_float_to_bytes_f32_be, make_float(x)); };
    EXPECT_EQ(f32(440.0), std::string("\x43\xDC\x00\x00", 4));  // upstream's OSC fixture
    EXPECT_EQ(f32(0.0), std::string(4, '\0'));
    EXPECT_EQ(f32(-0.0), std::string("\x80\x00\x00\x00", 4));
    EXPECT_EQ(f32(-1.0), std::string("\xBF\x80\x00\x00", 4));
    EXPECT_EQ(f32(kInf), std::string("\x7F\x80\x00\x00", 4));
    EXPECT_EQ(f32(1e300), std::string("\x7F\x80\x00\x00", 4));  // beyond float: +inf
    EXPECT_EQ(f32(-1e300), std::string("\xFF\x80\x00\x00", 4));
    EXPECT_EQ(f32(0.1), "\x3D\xCC\xCC\xCD");      // rounded to nearest
    EXPECT_EQ(f32(1e-50), std::string(4, '\0'));  // below float: +0
    std::string nan = f32(kNaN);
    EXPECT_EQ(static_cast<unsigned char>(nan[0]) & 0x7F, 0x7F);
    EXPECT_EQ(static_cast<unsigned char>(nan[1]) & 0x80, 0x80);  // still a NaN
}

}  // namespace
}  // namespace seq
