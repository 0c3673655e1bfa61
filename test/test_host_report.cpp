// SEQ_REPORT for hosts: a host has no generated main that calls
// patch_seq_report() after scheduler_run, so the report prints at process
// exit (core/sched/diagnostics, report_at_exit). Each case runs a *Child.*
// test in a child process with SEQ_REPORT set and reads what it printed.
#include <sys/wait.h>

#include <string>

#include "seq/host.h"
#include "seq/runtime.h"
#include "test_support.hpp"

namespace {

using seq::test::ChildRun;
using seq::test::run_child_test;

void nothing(void*) {}

int start_with_workers(uint32_t n) {
    seq_options o = SEQ_OPTIONS_INIT;
    o.workers = n;
    return seq_runtime_start(&o);
}

void spawn_n(int n) {
    for (int i = 0; i < n; ++i)
        ASSERT_EQ(seq_go(nothing, nullptr, nullptr), SEQ_OK);
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no \"" << part << "\" in the output";
}

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// The child's report, checked to have exited 0 and printed exactly one.
ChildRun run_report_child(const std::string& test, const std::string& mode = "1") {
    ChildRun r = run_child_test("HostReportChild." + test, {"SEQ_REPORT=" + mode});
    EXPECT_FALSE(r.timed_out);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.output;
    return r;
}

class HostReportChild : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!seq::test::in_child()) GTEST_SKIP() << "runs only as the child of a HostReport test";
    }
};

TEST_F(HostReportChild, StopThenExit) {
    ASSERT_EQ(start_with_workers(2), SEQ_OK);
    spawn_n(3);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
}

TEST_F(HostReportChild, TwoRuns) {
    ASSERT_EQ(start_with_workers(3), SEQ_OK);
    spawn_n(2);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
    ASSERT_EQ(start_with_workers(2), SEQ_OK);
    spawn_n(4);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
}

TEST_F(HostReportChild, ExitWhileRunning) {
    // The host returns from main with the runtime still started.
    ASSERT_EQ(start_with_workers(3), SEQ_OK);
    spawn_n(5);
    ASSERT_EQ(seq_wait_all(), SEQ_OK);
}

TEST_F(HostReportChild, ExplicitReportIsNotRepeated) {
    ASSERT_EQ(start_with_workers(2), SEQ_OK);
    spawn_n(1);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
    patch_seq_report();
}

seq_stack_t compiled_main(seq_stack_t sp) {
    return sp;
}

TEST_F(HostReportChild, CompiledProgramSequence) {
    // What a compiled program's main does (DESIGN.md, section 4): its own
    // patch_seq_report() call is the only report.
    patch_seq_scheduler_init();
    patch_seq_strand_spawn(compiled_main, nullptr);
    patch_seq_scheduler_run();
    patch_seq_report();
}

TEST(HostReport, PrintedAtExitAfterStop) {
    ChildRun r = run_report_child("StopThenExit");
    EXPECT_EQ(count(r.output, "=== SEQ REPORT ==="), 1u) << r.output;
    EXPECT_TRUE(contains(r.output, "Strands spawned: 3\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "Strands done:    3\n")) << r.output;
    // The workers of the run that ended, though they are gone at exit.
    EXPECT_TRUE(contains(r.output, "Worker threads:  2\n")) << r.output;
}

TEST(HostReport, OneReportCoversEveryStartStopCycle) {
    ChildRun r = run_report_child("TwoRuns");
    EXPECT_EQ(count(r.output, "=== SEQ REPORT ==="), 1u) << r.output;
    EXPECT_TRUE(contains(r.output, "Strands spawned: 6\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "Worker threads:  2\n")) << r.output;
}

TEST(HostReport, PrintedAtExitWithoutStop) {
    ChildRun r = run_report_child("ExitWhileRunning");
    EXPECT_EQ(count(r.output, "=== SEQ REPORT ==="), 1u) << r.output;
    EXPECT_TRUE(contains(r.output, "Strands spawned: 5\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "Worker threads:  3\n")) << r.output;
}

TEST(HostReport, JsonModeToo) {
    ChildRun r = run_report_child("StopThenExit", "json");
    EXPECT_TRUE(contains(r.output, "\"strands_spawned\":3,")) << r.output;
    EXPECT_TRUE(contains(r.output, "\"worker_threads\":2}")) << r.output;
}

TEST(HostReport, SilentWithoutTheVariable) {
    ChildRun r = run_report_child("StopThenExit", "0");
    EXPECT_FALSE(contains(r.output, "SEQ REPORT")) << r.output;
    EXPECT_TRUE(contains(r.output, "[  PASSED  ] 1 test")) << r.output;
}

TEST(HostReport, AHostsOwnReportCallIsTheOnlyOne) {
    ChildRun r = run_report_child("ExplicitReportIsNotRepeated");
    EXPECT_EQ(count(r.output, "=== SEQ REPORT ==="), 1u) << r.output;
}

TEST(HostReport, CompiledProgramsStillReportOnce) {
    ChildRun r = run_report_child("CompiledProgramSequence");
    EXPECT_EQ(count(r.output, "=== SEQ REPORT ==="), 1u) << r.output;
    EXPECT_TRUE(contains(r.output, "Strands spawned: 1\n")) << r.output;
}

}  // namespace
