// The test harness's own checks: the scheduler fixture's leak check fires
// (and names the leak) when a test leaves a uv handle open or a strand alive,
// and the watchdog turns a hung test into a dump of what its strands wait on.
//
// Both can only be seen failing from outside, so the failing side is a
// *Child.* test run in a child process (test::run_child_test); ctest never
// runs those by themselves.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <uv.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "core/sched/scheduler.hpp"
#include "core/sched/worker.hpp"
#include "core/sync/channel.hpp"
#include "io/timer.hpp"
#include "test_support.hpp"

namespace seq {
namespace {

using test::ChildRun;
using test::run_child_test;
using test::spawn_fn;
using test::wait_until;

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << part << "\" not in:\n" << text;
}

// Exited (not killed) with a non-zero status.
bool failed(const ChildRun& r) {
    return !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0;
}

// The leak children leave memory behind on purpose (the abandoned strand's
// channel); LeakSanitizer need not say so after the fixture has.
const std::string kNoLeakReport = "ASAN_OPTIONS=detect_leaks=0";

// ---- the report itself ----------------------------------------------------------------

ShutdownReport leaky_report() {
    ShutdownReport r;
    r.sequence = 1;
    r.workers.resize(2);
    r.workers[1].forced_handles = {"timer", "tcp"};
    r.workers[1].loop_close = UV_EBUSY;
    r.strands_active = 1;
    r.strand_ids = {7, 9};
    return r;
}

TEST(ShutdownReport, EmptyIsClean) {
    ShutdownReport r;
    r.workers.resize(4);
    EXPECT_TRUE(r.clean());
    EXPECT_EQ(r.describe(), "");
    EXPECT_TRUE(test::clean_shutdown(r));
}

TEST(ShutdownReport, NamesHandlesByWorkerAndStrandsById) {
    ShutdownReport r = leaky_report();
    EXPECT_FALSE(r.clean());
    EXPECT_EQ(r.describe(),
              "worker 1 force-closed 2 uv handles: timer tcp\n"
              "worker 1: uv_loop_close failed: EBUSY\n"
              "1 counted strand still alive (tracked: strands 7 9)\n");
}

TEST(ShutdownReport, AnUncountedStrandAloneIsALeakToo) {
    ShutdownReport r;
    r.strand_ids = {12};  // a weave whose handle is still held
    EXPECT_FALSE(r.clean());
    EXPECT_EQ(r.describe(), "0 counted strands still alive (tracked: strand 12)\n");
}

TEST(ShutdownReport, TheFixturesCheckFailsNamingWhatWasLeft) {
    EXPECT_NONFATAL_FAILURE(EXPECT_TRUE(test::clean_shutdown(leaky_report())),
                            "worker 1 force-closed 2 uv handles: timer tcp");
    EXPECT_NONFATAL_FAILURE(EXPECT_TRUE(test::clean_shutdown(leaky_report())),
                            "(tracked: strands 7 9)");
}

// ---- the real shutdown, in a child ----------------------------------------------------------

class LeakChild : public test::SchedulerTest {
  protected:
    void SetUp() override {
        if (!test::in_child()) GTEST_SKIP() << "runs only as the child of a LeakCheck test";
        strand_wait_s = 0.2;  // the strand below never finishes
        test::SchedulerTest::SetUp();
    }
};

bool has_parked_receiver(Channel* ch) {
    ch->lock.lock();
    bool parked = !ch->receivers.empty();
    ch->lock.unlock();
    return parked;
}

// Static: the handle's memory must outlive the loop that shutdown closes.
uv_timer_t g_leaked_timer;

TEST_F(LeakChild, UvTimerLeftOpen) {
    std::atomic<bool> opened{false};
    spawn_fn([&] {
        uv_timer_init(&current_worker()->loop, &g_leaked_timer);
        uv_timer_start(
            &g_leaked_timer, [](uv_timer_t*) {}, 3600 * 1000, 0);
        opened = true;
    });
    ASSERT_TRUE(wait_until([&] { return opened.load(); }));
}

TEST_F(LeakChild, StrandParkedOnAChannel) {
    // Nobody ever sends on it, and it is never dropped: the strand holds it.
    Channel* ch = channel_of(channel_new());
    uint64_t id = spawn_fn([ch] {
        StackValue v;
        channel_receive(ch, &v);
    });
    std::printf("leaked strand %" PRIu64 "\n", id);
    std::fflush(stdout);
    ASSERT_TRUE(wait_until([&] { return has_parked_receiver(ch); }));
}

TEST_F(LeakChild, CleanTest) {
    // A strand that opens and closes uv handles properly (sleep's timer).
    std::atomic<bool> slept{false};
    spawn_fn([&] {
        sleep_ms(1);
        slept = true;
    });
    EXPECT_TRUE(wait_until([&] { return slept.load(); }));
}

TEST(LeakCheck, AUvHandleLeftOpenFailsTheTestNamingIt) {
    ChildRun r = run_child_test("LeakChild.UvTimerLeftOpen", {kNoLeakReport});
    EXPECT_TRUE(failed(r)) << r.output;
    EXPECT_TRUE(contains(r.output, "the scheduler's shutdown found what the test left behind"));
    EXPECT_TRUE(contains(r.output, " force-closed 1 uv handle: timer\n"));
    EXPECT_TRUE(contains(r.output, "[  FAILED  ] LeakChild.UvTimerLeftOpen"));
}

TEST(LeakCheck, AStrandLeftParkedFailsTheTestNamingIt) {
    ChildRun r = run_child_test("LeakChild.StrandParkedOnAChannel", {kNoLeakReport});
    EXPECT_TRUE(failed(r)) << r.output;
    EXPECT_TRUE(contains(r.output, "strands still active "));
    EXPECT_TRUE(contains(r.output, "1 counted strand still alive"));
#if defined(SEQ_DIAGNOSTICS)
    unsigned long long id = 0;
    size_t at = r.output.find("leaked strand ");
    ASSERT_NE(at, std::string::npos) << r.output;
    std::sscanf(r.output.c_str() + at, "leaked strand %llu", &id);
    EXPECT_TRUE(contains(r.output, "(tracked: strand " + std::to_string(id) + ")"));
#endif
    EXPECT_TRUE(contains(r.output, "[  FAILED  ] LeakChild.StrandParkedOnAChannel"));
}

TEST(LeakCheck, ACleanTestPasses) {
    ChildRun r = run_child_test("LeakChild.CleanTest");
    EXPECT_FALSE(r.timed_out);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.output;
    EXPECT_TRUE(contains(r.output, "[  PASSED  ] 1 test"));
}

// ---- the watchdog -------------------------------------------------------------------------

class WatchdogChild : public test::SchedulerTest {
  protected:
    void SetUp() override {
        if (!test::in_child()) GTEST_SKIP() << "runs only as the child of a Watchdog test";
        test::SchedulerTest::SetUp();
    }
};

TEST_F(WatchdogChild, HangsWaitingForAParkedStrand) {
    Channel* ch = channel_of(channel_new());
    uint64_t id = spawn_fn([ch] {
        StackValue v;
        channel_receive(ch, &v);
    });
    std::printf("hung strand %" PRIu64 "\n", id);
    std::fflush(stdout);
    ASSERT_TRUE(wait_until([&] { return has_parked_receiver(ch); }));
    patch_seq_wait_all_strands();  // never returns: nobody sends on ch
}

TEST(Watchdog, AHungTestPrintsTheRuntimeStateAndAborts) {
    ChildRun r = run_child_test("WatchdogChild.HangsWaitingForAParkedStrand",
                                {"SEQ_TEST_WATCHDOG_S=1", kNoLeakReport});
    EXPECT_FALSE(r.timed_out) << r.output;
    EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT) << r.output;
    EXPECT_TRUE(contains(
        r.output, "*** watchdog: WatchdogChild.HangsWaitingForAParkedStrand still running after"));
    EXPECT_TRUE(contains(r.output, "=== seq runtime diagnostics ==="));
    EXPECT_TRUE(contains(r.output, "strands: active 1,"));
#if defined(SEQ_DIAGNOSTICS)
    unsigned long long id = 0;
    size_t at = r.output.find("hung strand ");
    ASSERT_NE(at, std::string::npos) << r.output;
    std::sscanf(r.output.c_str() + at, "hung strand %llu", &id);
    // The registry's line for it (whatever follows: its park reason, its age).
    EXPECT_TRUE(contains(r.output, "\n  strand " + std::to_string(id)));
#endif
}

}  // namespace
}  // namespace seq
