// The seqc test framework words: assertions, counts and the report format.
//
// The framework's state is process-wide, so each test starts with test.init.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/output.hpp"
#include "core/words/test_framework.hpp"
#include "seq/runtime_closures.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

void init(TestStack& st, const char* name) {
    st.sp = patch_seq_push_string(st.sp, name);
    st.sp = patch_seq_test_init(st.sp);
}

int64_t pop_count(TestStack& st, Stack (*word)(Stack)) {
    st.sp = word(st.sp);
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_int(v));
    return int_of(v);
}

bool has_failures(TestStack& st) {
    st.sp = patch_seq_test_has_failures(st.sp);
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_bool(v));
    return v == kTrue;
}

// Runs test.finish and returns what it wrote to stdout and stderr.
TestReport finish(TestStack& st) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    st.sp = patch_seq_test_finish(st.sp);
    stdout_flush();
    TestReport r;
    r.err = testing::internal::GetCapturedStderr();
    r.out = testing::internal::GetCapturedStdout();
    return r;
}

TEST(TestFramework, PassingTestReportsOk) {
    TestStack st;
    init(st, "my-test");
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = patch_seq_test_assert(st.sp);
    st.sp = patch_seq_push_int(st.sp, -3);  // any non-zero Int is truthy
    st.sp = patch_seq_test_assert(st.sp);
    st.sp = patch_seq_push_bool(st.sp, false);
    st.sp = patch_seq_test_assert_not(st.sp);
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_test_assert_not(st.sp);
    st.sp = patch_seq_push_int(st.sp, kIntMin);
    st.sp = patch_seq_push_int(st.sp, kIntMin);
    st.sp = patch_seq_test_assert_eq(st.sp);
    st.sp = patch_seq_push_string(st.sp, "");
    st.sp = patch_seq_push_string(st.sp, "");
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 6);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 0);
    EXPECT_FALSE(has_failures(st));
    TestReport r = finish(st);
    EXPECT_EQ(r.out, "my-test ... ok\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(st.depth(), 0u);
}

TEST(TestFramework, FailuresAreRecordedAndReported) {
    TestStack st;
    init(st, "test-failing");
    st.sp = patch_seq_push_bool(st.sp, false);
    st.sp = patch_seq_test_assert(st.sp);
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = patch_seq_test_assert_not(st.sp);
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = patch_seq_test_assert_not(st.sp);
    st.sp = patch_seq_push_int(st.sp, kIntMax);
    st.sp = patch_seq_push_int(st.sp, kIntMin);
    st.sp = patch_seq_test_assert_eq(st.sp);
    st.sp = patch_seq_push_string(st.sp, "héllo");
    st.sp = patch_seq_push_string(st.sp, "");
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    st.sp = patch_seq_push_string(st.sp, "custom failure ✗");
    st.sp = patch_seq_test_fail(st.sp);
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_test_assert(st.sp);  // passes still count
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 1);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 6);
    EXPECT_TRUE(has_failures(st));
    TestReport r = finish(st);
    EXPECT_EQ(r.out, "test-failing ... FAILED\n");
    EXPECT_EQ(r.err,
              "    assertion failed: expected truthy value\n"
              "      expected: non-zero\n"
              "      actual: 0\n"
              "    assertion failed: expected falsy value\n"
              "      expected: 0\n"
              "      actual: Int(5)\n"
              "    assertion failed: expected falsy value\n"
              "      expected: 0\n"
              "      actual: Bool(true)\n"
              "    assertion failed: values not equal\n"
              "      expected: 4611686018427387903\n"
              "      actual: -4611686018427387904\n"
              "    assertion failed: strings not equal\n"
              "      expected: \"héllo\"\n"
              "      actual: \"\"\n"
              "    custom failure ✗\n");
    // finish reports; it does not reset.
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 6);
}

TEST(TestFramework, InitResetsCountsAndName) {
    TestStack st;
    init(st, "first");
    st.sp = patch_seq_push_string(st.sp, "boom");
    st.sp = patch_seq_test_fail(st.sp);
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_test_assert(st.sp);
    EXPECT_TRUE(has_failures(st));
    init(st, "second ünïcode");
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 0);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 0);
    EXPECT_FALSE(has_failures(st));
    EXPECT_EQ(finish(st).out, "second ünïcode ... ok\n");
}

TEST(TestFramework, AssertEqComparesFullIntegers) {
    TestStack st;
    init(st, "eq");
    st.sp = patch_seq_push_int(st.sp, kIntMax);
    st.sp = patch_seq_push_int(st.sp, kIntMax - 1);
    st.sp = patch_seq_test_assert_eq(st.sp);
    st.sp = patch_seq_push_int(st.sp, -1);
    st.sp = patch_seq_push_int(st.sp, -1);
    st.sp = patch_seq_test_assert_eq(st.sp);
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 1);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 1);
}

TEST(TestFramework, AssertEqStrComparesBytes) {
    TestStack st;
    init(st, "eq-str");
    st.sp = patch_seq_push_string(st.sp, "añb€😀");
    st.sp = push(st.sp, make_arena_string("añb€😀"));
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    // Precomposed é vs e + combining acute: different bytes, not equal.
    st.sp = patch_seq_push_string(st.sp, "\xc3\xa9");
    st.sp = patch_seq_push_string(st.sp, "e\xcc\x81");
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 1);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 1);
}

TEST(TestFramework, StringOperandsAreReleased) {
    TestStack st;
    StackValue name = make_string("named");
    StackValue a = make_string("a");
    StackValue b = make_string("b");
    StackValue msg = make_string("msg");
    for (StackValue v : {name, a, b, msg})
        retain(heap_of(v));  // held by the test to watch the count
    st.sp = push(st.sp, name);
    st.sp = patch_seq_test_init(st.sp);
    st.sp = push(st.sp, a);
    st.sp = push(st.sp, b);
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    st.sp = push(st.sp, msg);
    st.sp = patch_seq_test_fail(st.sp);
    for (StackValue v : {name, a, b, msg}) {
        EXPECT_EQ(refcount(v), 1u);
        drop_value(v);
    }
}

TEST(TestFrameworkDeathTest, FinishBeforeInitReportsUnknown) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // A fresh process: no test.init has run in it.
    EXPECT_EXIT(
        {
            TestReport r = test_report();
            std::_Exit(r.out == "unknown ... ok\n" && r.err.empty() ? 0 : 1);
        },
        testing::ExitedWithCode(0), "");
}

TEST(TestFrameworkDeathTest, TypeErrorsAbortNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_test_init(st.sp), "test.init: expected String \\(test name\\), got Int");
    EXPECT_DEATH(patch_seq_test_fail(st.sp), "test.fail: expected String \\(message\\), got Int");
    st.sp = patch_seq_push_string(st.sp, "s");
    EXPECT_DEATH(patch_seq_test_assert(st.sp), "test.assert: expected Int or Bool, got String");
    EXPECT_DEATH(patch_seq_test_assert_not(st.sp),
                 "test.assert-not: expected Int or Bool, got String");
    EXPECT_DEATH(patch_seq_test_assert_eq(st.sp),
                 "test.assert-eq: expected two Ints on stack, got Int and String");
    EXPECT_DEATH(patch_seq_test_assert_eq_str(st.sp),
                 "test.assert-eq-str: expected two Strings on stack, got Int and String");
    st.sp = patch_seq_push_symbol(st.sp, "sym");
    EXPECT_DEATH(patch_seq_test_assert_eq_str(st.sp),
                 "test.assert-eq-str: expected two Strings on stack, got String and Symbol");
    EXPECT_DEATH(patch_seq_test_init(st.sp),
                 "test.init: expected String \\(test name\\), got Symbol");
    st.sp = patch_seq_push_float(st.sp, 1.0);
    EXPECT_DEATH(patch_seq_test_assert(st.sp), "test.assert: expected Int or Bool, got Float");
}

// Strands migrate between worker threads mid-test and may spawn strands that
// assert too: every assertion, from whatever thread, lands in the one state.
TEST(TestFramework, AssertionsFromManyThreadsAllCount) {
    TestStack st;
    init(st, "threads");
    constexpr int kThreads = 4;
    constexpr int kEach = 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t] {
            StackValue slots[4];
            for (int i = 0; i < kEach; ++i) {
                Stack sp = patch_seq_push_int(slots, i % 7);
                sp = patch_seq_push_int(sp, i % 7);
                sp = patch_seq_test_assert_eq(sp);
                if (t == 0 && i % 100 == 0) {
                    sp = patch_seq_push_bool(sp, false);
                    sp = patch_seq_test_assert(sp);
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), kThreads * kEach);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), kEach / 100);
    // The name set on this thread is the one every thread reports under.
    std::thread other([] {
        TestStack local;
        EXPECT_EQ(finish(local).out, "threads ... FAILED\n");
    });
    other.join();
}

}  // namespace
}  // namespace seq
