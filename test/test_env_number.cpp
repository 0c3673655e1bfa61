// core/sys/env_number: the parse and the warnings shared by every reader of
// a numeric environment variable (scheduler configuration, TCP limits).
#include <gtest/gtest.h>

#include <string>

#include "core/sys/env_number.hpp"

namespace seq {
namespace {

using testing::internal::CaptureStderr;
using testing::internal::GetCapturedStderr;

TEST(EnvNumber, ParseTakesDigitsOnly) {
    EXPECT_EQ(parse_env_u64("0"), 0u);
    EXPECT_EQ(parse_env_u64("42"), 42u);
    EXPECT_EQ(parse_env_u64("18446744073709551615"), UINT64_MAX);
    EXPECT_FALSE(parse_env_u64(nullptr));
    EXPECT_FALSE(parse_env_u64(""));
    EXPECT_FALSE(parse_env_u64("18446744073709551616"));  // one past 64 bits
    EXPECT_FALSE(parse_env_u64("-1"));                    // strtoull would wrap it
    EXPECT_FALSE(parse_env_u64("+1"));
    EXPECT_FALSE(parse_env_u64(" 1"));
    EXPECT_FALSE(parse_env_u64("1 "));
    EXPECT_FALSE(parse_env_u64("1k"));
    EXPECT_FALSE(parse_env_u64("1.5"));
    EXPECT_FALSE(parse_env_u64("0x10"));
}

TEST(EnvNumber, UnsetIsTheDefaultWithoutAWarning) {
    CaptureStderr();
    EXPECT_EQ(env_number("SEQ_X", nullptr, 7), 7u);
    EXPECT_EQ(env_positive_number("SEQ_X", nullptr, 7), 7u);
    EXPECT_EQ(env_number_in_range("SEQ_X", nullptr, 1, 9, 7), 7u);
    EXPECT_EQ(env_count_or_off("SEQ_X", nullptr, "x"), 0u);
    EXPECT_EQ(env_count_or_off("SEQ_X", "", "x"), 0u);  // empty also means off
    EXPECT_EQ(GetCapturedStderr(), "");
}

TEST(EnvNumber, Number) {
    EXPECT_EQ(env_number("SEQ_X", "0", 7), 0u);
    CaptureStderr();
    EXPECT_EQ(env_number("SEQ_X", "many", 7), 7u);
    EXPECT_EQ(GetCapturedStderr(),
              "Warning: SEQ_X='many' is not a valid number, using default 7\n");
}

TEST(EnvNumber, PositiveNumber) {
    EXPECT_EQ(env_positive_number("SEQ_X", "3", 7), 3u);
    CaptureStderr();
    EXPECT_EQ(env_positive_number("SEQ_X", "0", 7), 7u);
    EXPECT_EQ(env_positive_number("SEQ_X", "", 7), 7u);
    EXPECT_EQ(GetCapturedStderr(),
              "Warning: SEQ_X=0 is invalid, using default 7\n"
              "Warning: SEQ_X='' is not a valid number, using default 7\n");
}

TEST(EnvNumber, NumberInRange) {
    EXPECT_EQ(env_number_in_range("SEQ_X", "1", 1, 9, 7), 1u);
    EXPECT_EQ(env_number_in_range("SEQ_X", "9", 1, 9, 7), 9u);
    CaptureStderr();
    EXPECT_EQ(env_number_in_range("SEQ_X", "0", 1, 9, 7), 7u);
    EXPECT_EQ(env_number_in_range("SEQ_X", "10", 1, 9, 7), 7u);
    EXPECT_EQ(env_number_in_range("SEQ_X", "x", 1, 9, 7), 7u);
    EXPECT_EQ(GetCapturedStderr(),
              "Warning: SEQ_X='0' is not a number in 1..9, using default 7\n"
              "Warning: SEQ_X='10' is not a number in 1..9, using default 7\n"
              "Warning: SEQ_X='x' is not a number in 1..9, using default 7\n");
}

TEST(EnvNumber, CountOrOff) {
    EXPECT_EQ(env_count_or_off("SEQ_X", "0", "the valve"), 0u);
    EXPECT_EQ(env_count_or_off("SEQ_X", "500", "the valve"), 500u);
    CaptureStderr();
    EXPECT_EQ(env_count_or_off("SEQ_X", "-5", "the valve"), 0u);
    EXPECT_EQ(GetCapturedStderr(),
              "Warning: SEQ_X='-5' is not a valid positive integer, the valve disabled\n");
}

}  // namespace
}  // namespace seq
