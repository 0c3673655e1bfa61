// The seqc test framework words: assertions, counts and the report formats.
//
// The ABI tests follow the contract the words were built for
// (abi/abi_version.hpp): seqc 7.x by default (operands ( actual expected ),
// line numbers, details on stdout); built for 5.4.0, one test checks its
// operand order and stderr report through the ABI. Both wordings and formats
// are also tested through the core functions with an explicit TestDialect.
//
// The framework's state is process-wide, so each test starts with test.init.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "abi/abi_version.hpp"
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

#if SEQ_ABI_VERSION >= 70

// ( actual expected -- ), the 7.x order.
void assert_eq(TestStack& st, int64_t actual, int64_t expected) {
    st.sp = patch_seq_push_int(st.sp, actual);
    st.sp = patch_seq_push_int(st.sp, expected);
    st.sp = patch_seq_test_assert_eq(st.sp);
}

void assert_eq_str(TestStack& st, std::string_view actual, std::string_view expected) {
    st.sp = push(st.sp, make_string(actual));
    st.sp = push(st.sp, make_string(expected));
    st.sp = patch_seq_test_assert_eq_str(st.sp);
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
    assert_eq(st, kIntMin, kIntMin);
    assert_eq_str(st, "", "");
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 6);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 0);
    EXPECT_FALSE(has_failures(st));
    TestReport r = finish(st);
    EXPECT_EQ(r.out, "my-test ... ok\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(st.depth(), 0u);
}

// Every 7.x failure shape, each attributed to the line announced before it,
// all on stdout and indented under the verdict.
TEST(TestFramework, FailuresCarryLinesAndGoToStdout) {
    TestStack st;
    init(st, "test-failing");
    patch_seq_test_set_line(3);
    st.sp = patch_seq_push_bool(st.sp, false);
    st.sp = patch_seq_test_assert(st.sp);
    patch_seq_test_set_line(4);
    st.sp = patch_seq_push_int(st.sp, 0);
    st.sp = patch_seq_test_assert(st.sp);
    patch_seq_test_set_line(5);
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = patch_seq_test_assert_not(st.sp);
    // No line announced: no "at line" (the previous one was consumed).
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = patch_seq_test_assert_not(st.sp);
    patch_seq_test_set_line(70000);
    assert_eq(st, kIntMin, kIntMax);
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 5);
    TestReport r = finish(st);
    EXPECT_EQ(r.out,
              "test-failing ... FAILED\n"
              "  at line 3: expected true, got false\n"
              "  at line 4: expected true, got 0\n"
              "  at line 5: expected false, got 5\n"
              "  expected false, got true\n"
              "  at line 70000: expected 4611686018427387903, got -4611686018427387904\n");
    EXPECT_EQ(r.err, "");
    // finish reports; it does not reset.
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 5);
}

// 7.x pops `expected` from the top: ( actual expected -- ).
TEST(TestFramework, AssertEqTakesActualThenExpected) {
    TestStack st;
    init(st, "order");
    assert_eq(st, 5, 99);  // actual 5, expected 99
    st.sp = patch_seq_push_string(st.sp, "actual");
    st.sp = patch_seq_push_string(st.sp, "expected!");
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    TestReport r = finish(st);
    EXPECT_EQ(r.out,
              "order ... FAILED\n"
              "  expected 99, got 5\n"
              "  assertion failed: strings not equal\n"
              "    expected (9 bytes): \"expected!\"\n"
              "    actual   (6 bytes): \"actual\"\n"
              "    first differ at byte 0\n");
}

// Upstream's own case: a missing trailing newline, escaped so the block stays
// one block, with byte counts and where the strings part.
TEST(TestFramework, AssertEqStrPrintsADiffBlock) {
    TestStack st;
    init(st, "diff");
    patch_seq_test_set_line(18);
    assert_eq_str(st, "> alpha\n> beta\n> gamma\n", "> alpha\n> beta\n> gamma");
    patch_seq_test_set_line(19);
    assert_eq_str(st, std::string_view("a\0\x7f\t\r\"\\\x01z", 9), "a");
    patch_seq_test_set_line(20);
    assert_eq_str(st, "h\xc3\xa9llo", "h\xc3\xa8llo");  // UTF-8 stays legible
    TestReport r = finish(st);
    EXPECT_EQ(r.out,
              "diff ... FAILED\n"
              "  at line 18: assertion failed: strings not equal\n"
              "    expected (22 bytes): \"> alpha\\n> beta\\n> gamma\"\n"
              "    actual   (23 bytes): \"> alpha\\n> beta\\n> gamma\\n\"\n"
              "    first differ at byte 22\n"
              "  at line 19: assertion failed: strings not equal\n"
              "    expected (1 bytes): \"a\"\n"
              "    actual   (9 bytes): \"a\\x00\\x7F\\t\\r\\\"\\\\\\x01z\"\n"
              "    first differ at byte 1\n"
              "  at line 20: assertion failed: strings not equal\n"
              "    expected (6 bytes): \"h\xc3\xa8llo\"\n"
              "    actual   (6 bytes): \"h\xc3\xa9llo\"\n"
              "    first differ at byte 2\n");
    // The runner attaches only indented lines to the verdict.
    size_t pos = r.out.find('\n') + 1;
    while (pos < r.out.size()) {
        EXPECT_EQ(r.out[pos], ' ') << r.out.substr(pos);
        pos = r.out.find('\n', pos) + 1;
    }
}

TEST(TestFramework, AtMostFiveFailuresArePrinted) {
    TestStack st;
    for (int extra : {0, 1, 2}) {
        init(st, "many");
        for (int i = 1; i <= 5 + extra; ++i) {
            patch_seq_test_set_line(i);
            assert_eq(st, i, 0);
        }
        std::string want = "many ... FAILED\n";
        for (int i = 1; i <= 5; ++i)
            want +=
                "  at line " + std::to_string(i) + ": expected 0, got " + std::to_string(i) + "\n";
        if (extra == 1) want += "  +1 more failure\n";
        if (extra == 2) want += "  +2 more failures\n";
        EXPECT_EQ(finish(st).out, want);
        // The cap is on printing only.
        EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 5 + extra);
    }
}

TEST(TestFramework, SetLineEdgeValuesClearTheLine) {
    TestStack st;
    init(st, "lines");
    for (int64_t bad : {int64_t{0}, int64_t{-7}, int64_t{UINT32_MAX} + 1, kIntMax}) {
        patch_seq_test_set_line(12);
        patch_seq_test_set_line(bad);  // replaces 12 with "no line"
        st.sp = patch_seq_push_string(st.sp, "x");
        st.sp = patch_seq_test_fail(st.sp);
    }
    patch_seq_test_set_line(int64_t{UINT32_MAX});
    st.sp = patch_seq_push_string(st.sp, "last");
    st.sp = patch_seq_test_fail(st.sp);
    EXPECT_EQ(finish(st).out, "lines ... FAILED\n  x\n  x\n  x\n  x\n  at line 4294967295: last\n");
}

// A passing assertion consumes the announced line too, and test.init clears
// one announced before it.
TEST(TestFramework, LinesAreConsumedByPassesAndReset) {
    TestStack st;
    init(st, "consume");
    patch_seq_test_set_line(8);
    assert_eq(st, 1, 1);
    assert_eq(st, 1, 2);
    patch_seq_test_set_line(9);
    init(st, "consume");
    assert_eq(st, 3, 4);
    EXPECT_EQ(finish(st).out, "consume ... FAILED\n  expected 4, got 3\n");
}

// test.set-name renames, keeping counts, failures and the pending line; the
// runner calls it after a body that called test.init with another name.
TEST(TestFramework, SetNameKeepsTheRecord) {
    TestStack st;
    init(st, "test-word");
    st.sp = patch_seq_push_string(st.sp, "friendly name");
    st.sp = patch_seq_test_init(st.sp);
    patch_seq_test_set_line(41);
    st.sp = patch_seq_push_bool(st.sp, true);
    st.sp = patch_seq_test_assert(st.sp);
    patch_seq_test_set_line(42);
    st.sp = patch_seq_push_string(st.sp, "renamed");
    st.sp = patch_seq_test_set_name(st.sp);
    assert_eq(st, 1, 2);
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 1);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 1);
    EXPECT_EQ(finish(st).out, "renamed ... FAILED\n  at line 42: expected 2, got 1\n");
    st.sp = patch_seq_push_string(st.sp, "again");
    st.sp = patch_seq_test_set_name(st.sp);
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_TRUE(has_failures(st));
}

TEST(TestFramework, FailMessagesAndLines) {
    TestStack st;
    init(st, "fails");
    st.sp = patch_seq_push_string(st.sp, "custom failure ✗");
    st.sp = patch_seq_test_fail(st.sp);
    patch_seq_test_set_line(2);
    st.sp = patch_seq_push_string(st.sp, "with line");
    st.sp = patch_seq_test_fail(st.sp);
    EXPECT_EQ(finish(st).out, "fails ... FAILED\n  custom failure ✗\n  at line 2: with line\n");
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
    assert_eq(st, kIntMax, kIntMax - 1);
    assert_eq(st, -1, -1);
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
    assert_eq_str(st, "\xc3\xa9", "e\xcc\x81");
    // Invalid UTF-8 is compared as bytes too (upstream compares both as "").
    assert_eq_str(st, "\xff", "\xfe");
    assert_eq_str(st, std::string_view("a\0b", 3), std::string_view("a\0b", 3));
    EXPECT_EQ(pop_count(st, patch_seq_test_pass_count), 2);
    EXPECT_EQ(pop_count(st, patch_seq_test_fail_count), 2);
}

TEST(TestFramework, StringOperandsAreReleased) {
    TestStack st;
    StackValue name = make_string("named");
    StackValue a = make_string("a");
    StackValue b = make_string("b");
    StackValue msg = make_string("msg");
    StackValue renamed = make_string("renamed");
    for (StackValue v : {name, a, b, msg, renamed})
        retain(heap_of(v));  // held by the test to watch the count
    st.sp = push(st.sp, name);
    st.sp = patch_seq_test_init(st.sp);
    st.sp = push(st.sp, a);
    st.sp = push(st.sp, b);
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    st.sp = push(st.sp, msg);
    st.sp = patch_seq_test_fail(st.sp);
    st.sp = push(st.sp, renamed);
    st.sp = patch_seq_test_set_name(st.sp);
    for (StackValue v : {name, a, b, msg, renamed}) {
        EXPECT_EQ(refcount(v), 1u);
        drop_value(v);
    }
}

#else  // SEQ_ABI_VERSION < 70: the 5.4.0 words

// 5.4.0 pops `actual` from the top ( expected actual -- ) and reports each
// failure on stderr, uncapped, without lines.
TEST(TestFramework, AbiSpeaks54) {
    TestStack st;
    init(st, "t54");
    patch_seq_test_set_line(3);             // present in both archives; 5.4.0 code never calls it
    st.sp = patch_seq_push_int(st.sp, 99);  // expected
    st.sp = patch_seq_push_int(st.sp, 5);   // actual
    st.sp = patch_seq_test_assert_eq(st.sp);
    st.sp = patch_seq_push_string(st.sp, "exp");
    st.sp = patch_seq_push_string(st.sp, "act");
    st.sp = patch_seq_test_assert_eq_str(st.sp);
    st.sp = patch_seq_push_bool(st.sp, false);
    st.sp = patch_seq_test_assert(st.sp);
    EXPECT_EQ(st.depth(), 0u);
    EXPECT_TRUE(has_failures(st));
    TestReport r = finish(st);
    EXPECT_EQ(r.out, "t54 ... FAILED\n");
    EXPECT_EQ(r.err,
              "    assertion failed: values not equal\n"
              "      expected: 99\n"
              "      actual: 5\n"
              "    assertion failed: strings not equal\n"
              "      expected: \"exp\"\n"
              "      actual: \"act\"\n"
              "    assertion failed: expected truthy value\n"
              "      expected: non-zero\n"
              "      actual: 0\n");
}

#endif  // SEQ_ABI_VERSION

// ---- the 5.4.0 dialect (what the 5.4 archive's words call) ---------------------

TEST(TestFramework54, WordingAndStderrFormat) {
    test_reset("test-failing");
    test_check_truthy(true, true, 0, TestDialect::Seq54);   // assert false
    test_check_truthy(true, false, 0, TestDialect::Seq54);  // assert 0
    test_check_truthy(false, false, 5, TestDialect::Seq54);
    test_check_truthy(false, true, 1, TestDialect::Seq54);
    test_check_truthy(true, false, -3, TestDialect::Seq54);  // passes
    test_check_eq_int(kIntMax, kIntMin);
    test_check_eq_str("héllo", "", TestDialect::Seq54);
    test_check_eq_str("same", "same", TestDialect::Seq54);
    test_record_failure("custom failure ✗");
    EXPECT_EQ(test_pass_count(), 2u);
    EXPECT_EQ(test_fail_count(), 7u);
    TestReport r = test_report(TestDialect::Seq54);
    EXPECT_EQ(r.out, "test-failing ... FAILED\n");
    // Every failure, none capped, on stderr.
    EXPECT_EQ(r.err,
              "    assertion failed: expected truthy value\n"
              "      expected: non-zero\n"
              "      actual: 0\n"
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
}

TEST(TestFramework54, NoCapAndPassesReportOk) {
    test_reset("many");
    for (int i = 0; i < 7; ++i)
        test_check_eq_int(0, i + 1);
    TestReport r = test_report(TestDialect::Seq54);
    size_t blocks = 0;
    for (size_t p = 0; (p = r.err.find("values not equal", p)) != std::string::npos; ++p)
        ++blocks;
    EXPECT_EQ(blocks, 7u);
    test_reset("fine");
    test_check_eq_int(1, 1);
    r = test_report(TestDialect::Seq54);
    EXPECT_EQ(r.out, "fine ... ok\n");
    EXPECT_EQ(r.err, "");
}

// ---- the 7.x rendering helpers (upstream's unit cases) --------------------------

TEST(TestFrameworkFormat, EscapeForDisplay) {
    EXPECT_EQ(escape_for_display("a\nb"), "a\\nb");
    EXPECT_EQ(escape_for_display("tab\there"), "tab\\there");
    EXPECT_EQ(escape_for_display("quote\"here"), "quote\\\"here");
    EXPECT_EQ(escape_for_display("back\\slash"), "back\\\\slash");
    EXPECT_EQ(escape_for_display("bell\x07"), "bell\\x07");
    EXPECT_EQ(escape_for_display(std::string_view("\0\x1f\x7f", 3)), "\\x00\\x1F\\x7F");
    EXPECT_EQ(escape_for_display("hello world ~"), "hello world ~");
    EXPECT_EQ(escape_for_display("\xc3\xa9\xff"), "\xc3\xa9\xff");
}

TEST(TestFrameworkFormat, FailureDetailShapes) {
    TestFailure numeric{7, "assertion failed: values not equal", "99", "5", FailureKind::Other};
    EXPECT_EQ(format_failure_detail(numeric), "  at line 7: expected 99, got 5\n");
    numeric.line.reset();
    EXPECT_EQ(format_failure_detail(numeric), "  expected 99, got 5\n");
    TestFailure plain{std::nullopt, "boom", std::nullopt, std::nullopt, FailureKind::Other};
    EXPECT_EQ(format_failure_detail(plain), "  boom\n");
    TestFailure str{std::nullopt, "assertion failed: strings not equal", "a", "b",
                    FailureKind::StringEq};
    EXPECT_EQ(format_failure_detail(str),
              "  assertion failed: strings not equal\n"
              "    expected (1 bytes): \"a\"\n"
              "    actual   (1 bytes): \"b\"\n"
              "    first differ at byte 0\n");
    // A prefix: they part where the shorter one ends.
    str.expected = "abc";
    str.actual = "ab";
    EXPECT_NE(format_failure_detail(str).find("first differ at byte 2\n"), std::string::npos);
}

TEST(TestFrameworkDeathTest, FinishBeforeInitReportsUnknown) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // A fresh process: no test.init has run in it.
    EXPECT_EXIT(
        {
            TestReport r = test_report(TestDialect::Seq7);
            std::_Exit(r.out == "unknown ... ok\n" && r.err.empty() ? 0 : 1);
        },
        testing::ExitedWithCode(0), "");
}

TEST(TestFrameworkDeathTest, TypeErrorsAbortNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_test_init(st.sp), "test.init: expected String \\(test name\\), got Int");
    EXPECT_DEATH(patch_seq_test_set_name(st.sp),
                 "test.set-name: expected String \\(test name\\), got Int");
    EXPECT_DEATH(patch_seq_test_fail(st.sp), "test.fail: expected String \\(message\\), got Int");
    st.sp = patch_seq_push_string(st.sp, "s");
    EXPECT_DEATH(patch_seq_test_assert(st.sp), "test.assert: expected Int or Bool, got String");
    EXPECT_DEATH(patch_seq_test_assert_not(st.sp),
                 "test.assert-not: expected Int or Bool, got String");
    // The message names `expected` first: the top in 7.x ( actual expected ),
    // the one below in 5.4.0 ( expected actual ).
    EXPECT_DEATH(patch_seq_test_assert_eq(st.sp),
                 kAbi7 ? "test.assert-eq: expected two Ints on stack, got String and Int"
                       : "test.assert-eq: expected two Ints on stack, got Int and String");
    EXPECT_DEATH(patch_seq_test_assert_eq_str(st.sp),
                 kAbi7 ? "test.assert-eq-str: expected two Strings on stack, got String and Int"
                       : "test.assert-eq-str: expected two Strings on stack, got Int and String");
    st.sp = patch_seq_push_symbol(st.sp, "sym");
    EXPECT_DEATH(patch_seq_test_assert_eq_str(st.sp),
                 kAbi7
                     ? "test.assert-eq-str: expected two Strings on stack, got Symbol and String"
                     : "test.assert-eq-str: expected two Strings on stack, got String and Symbol");
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
                patch_seq_test_set_line(i + 1);
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
        std::string out = finish(local).out;
        EXPECT_EQ(out.substr(0, out.find('\n') + 1), "threads ... FAILED\n");
        if (kAbi7) {
            EXPECT_NE(out.find("  +15 more failures\n"), std::string::npos);
        }
    });
    other.join();
}

}  // namespace
}  // namespace seq
