// Signal words: the contract of upstream signal.rs (5.4.0), and how a
// program's choices coordinate with the runtime's own policy (SIGINT exits
// 130, SIGPIPE ignored). Tests that change a disposition the runtime owns, or
// that end the process, run in a child (EXPECT_EXIT re-executes this binary
// for that one test).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "core/sched/scheduler.hpp"
#include "core/sys/signals.hpp"
#include "seq/runtime_system.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::TestStack;
using test::wait_until;

Stack push_sig(Stack sp, int sig) {
    return push(sp, make_int(sig));
}

bool received(int sig) {
    TestStack st;
    st.sp = patch_seq_signal_received(push_sig(st.sp, sig));
    return *--st.sp == kTrue;
}

bool pending(int sig) {
    TestStack st;
    st.sp = patch_seq_signal_pending(push_sig(st.sp, sig));
    return *--st.sp == kTrue;
}

void word(seq_stack_t (*w)(seq_stack_t), int sig) {
    TestStack st;
    st.sp = w(push_sig(st.sp, sig));
    EXPECT_EQ(st.depth(), 0u);
}

void (*handler_of(int sig))(int) {
    struct sigaction sa;
    sigaction(sig, nullptr, &sa);
    return sa.sa_handler;
}

// ---- constants ---------------------------------------------------------------------

TEST(SignalConstants, MatchThePlatform) {
    struct {
        seq_stack_t (*fn)(seq_stack_t);
        int want;
    } cases[] = {
        {patch_seq_signal_sigint, SIGINT},   {patch_seq_signal_sigterm, SIGTERM},
        {patch_seq_signal_sighup, SIGHUP},   {patch_seq_signal_sigpipe, SIGPIPE},
        {patch_seq_signal_sigusr1, SIGUSR1}, {patch_seq_signal_sigusr2, SIGUSR2},
        {patch_seq_signal_sigchld, SIGCHLD}, {patch_seq_signal_sigalrm, SIGALRM},
        {patch_seq_signal_sigcont, SIGCONT},
    };
    for (auto& c : cases) {
        TestStack st;
        st.sp = c.fn(st.sp);
        ASSERT_EQ(st.depth(), 1u);
        EXPECT_EQ(int_of(*--st.sp), c.want);
        EXPECT_GT(c.want, 0);
        EXPECT_LT(c.want, kMaxSignal);
    }
}

// ---- flags -----------------------------------------------------------------------------

TEST(SignalFlags, ReceivedClearsPendingDoesNot) {
    constexpr int kSig = 3;  // never delivered in this test
    word(patch_seq_signal_clear, kSig);
    EXPECT_FALSE(pending(kSig));
    signal_raise_flag(kSig);
    EXPECT_TRUE(pending(kSig));
    EXPECT_TRUE(pending(kSig));
    EXPECT_TRUE(received(kSig));
    EXPECT_FALSE(received(kSig));
    EXPECT_FALSE(pending(kSig));
    signal_raise_flag(kSig);
    word(patch_seq_signal_clear, kSig);
    EXPECT_FALSE(received(kSig));
}

TEST(SignalTrap, DeliveredSignalSetsItsFlag) {
    word(patch_seq_signal_trap, SIGUSR1);
    word(patch_seq_signal_clear, SIGUSR1);
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    EXPECT_TRUE(wait_until([] { return pending(SIGUSR1); }));
    EXPECT_TRUE(received(SIGUSR1));
    EXPECT_FALSE(received(SIGUSR1));
    // Twice before a check: one flag (signals do not count).
    raise(SIGUSR1);
    raise(SIGUSR1);
    EXPECT_TRUE(wait_until([] { return pending(SIGUSR1); }));
    EXPECT_TRUE(received(SIGUSR1));
    word(patch_seq_signal_default, SIGUSR1);
    EXPECT_EQ(handler_of(SIGUSR1), SIG_DFL);
    EXPECT_FALSE(signal_claimed_by_program(SIGUSR1));
}

TEST(SignalTrap, SignalsAreIndependent) {
    word(patch_seq_signal_trap, SIGUSR1);
    word(patch_seq_signal_trap, SIGUSR2);
    word(patch_seq_signal_clear, SIGUSR1);
    word(patch_seq_signal_clear, SIGUSR2);
    raise(SIGUSR1);
    EXPECT_TRUE(wait_until([] { return pending(SIGUSR1); }));
    EXPECT_FALSE(pending(SIGUSR2));
    EXPECT_TRUE(received(SIGUSR1));
    word(patch_seq_signal_default, SIGUSR1);
    word(patch_seq_signal_default, SIGUSR2);
}

TEST(SignalTrap, HandlerRestartsInterruptedCalls) {
    word(patch_seq_signal_trap, SIGUSR2);
    struct sigaction sa;
    sigaction(SIGUSR2, nullptr, &sa);
    EXPECT_TRUE(sa.sa_flags & SA_RESTART);
    EXPECT_TRUE(signal_claimed_by_program(SIGUSR2));
    word(patch_seq_signal_default, SIGUSR2);
}

TEST(SignalIgnore, IgnoredSignalNeitherKillsNorFlags) {
    word(patch_seq_signal_ignore, SIGUSR2);
    EXPECT_EQ(handler_of(SIGUSR2), SIG_IGN);
    word(patch_seq_signal_clear, SIGUSR2);
    raise(SIGUSR2);  // would terminate the process under SIG_DFL
    EXPECT_FALSE(pending(SIGUSR2));
    word(patch_seq_signal_default, SIGUSR2);
    EXPECT_EQ(handler_of(SIGUSR2), SIG_DFL);
}

TEST(SignalWords, InvalidNumbersAbortNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    EXPECT_DEATH(patch_seq_signal_trap(push_sig(st.sp, 32)),
                 "signal\\.trap: invalid signal number 32");
    EXPECT_DEATH(patch_seq_signal_trap(push_sig(st.sp, -1)),
                 "signal\\.trap: invalid signal number -1");
    EXPECT_DEATH(patch_seq_signal_received(push_sig(st.sp, 99)),
                 "signal\\.received\\?: invalid signal number 99");
    EXPECT_DEATH(patch_seq_signal_pending(push_sig(st.sp, 64)),
                 "signal\\.pending\\?: invalid signal number 64");
    EXPECT_DEATH(patch_seq_signal_clear(push_sig(st.sp, 40)),
                 "signal\\.clear: invalid signal number 40");
    EXPECT_DEATH(patch_seq_signal_ignore(push(st.sp, kTrue)),
                 "signal\\.ignore: expected Int, got Bool");
}

TEST(SignalWords, UncatchableSignalsAbort) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    EXPECT_DEATH(patch_seq_signal_trap(push_sig(st.sp, SIGKILL)),
                 "signal\\.trap: failed to install handler for signal 9");
    EXPECT_DEATH(patch_seq_signal_trap(push_sig(st.sp, SIGSTOP)),
                 "signal\\.trap: failed to install handler for signal 19");
    EXPECT_DEATH(patch_seq_signal_trap(push_sig(st.sp, 0)),
                 "signal\\.trap: failed to install handler for signal 0");
    EXPECT_DEATH(patch_seq_signal_ignore(push_sig(st.sp, SIGKILL)),
                 "signal\\.ignore: failed to ignore signal 9");
    EXPECT_DEATH(patch_seq_signal_default(push_sig(st.sp, SIGSTOP)),
                 "signal\\.default: failed to restore default handler for signal 19");
}

TEST(SignalWords, FaultSignalsStayTheRuntimes) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    EXPECT_DEATH(patch_seq_signal_trap(push_sig(st.sp, SIGSEGV)),
                 "signal\\.trap: signal 11 \\(SIGSEGV\\) is a fault signal");
    EXPECT_DEATH(patch_seq_signal_ignore(push_sig(st.sp, SIGBUS)), "signal\\.ignore: signal 7");
    EXPECT_DEATH(patch_seq_signal_default(push_sig(st.sp, SIGFPE)), "signal\\.default: signal 8");
}

// ---- coordination with the runtime's policy (each in a child process) ----------------------

// Exit codes the children report.
constexpr int kTrapped = 7, kNotTrapped = 8;

[[noreturn]] void exit_with_flag(int sig) {
    bool got = wait_until([sig] { return pending(sig); }, 20);
    _exit(got ? kTrapped : kNotTrapped);
}

TEST(SignalRuntime, SigintWithoutATrapExits130) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            patch_seq_scheduler_init();
            raise(SIGINT);
            exit_with_flag(SIGINT);  // not reached: the runtime exits first
        },
        ::testing::ExitedWithCode(130), "");
}

TEST(SignalRuntime, TrapAfterInitTakesPrecedence) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            patch_seq_scheduler_init();
            word(patch_seq_signal_trap, SIGINT);
            raise(SIGINT);
            exit_with_flag(SIGINT);
        },
        ::testing::ExitedWithCode(kTrapped), "");
}

TEST(SignalRuntime, TrapBeforeInitSurvivesInit) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            word(patch_seq_signal_trap, SIGINT);
            patch_seq_scheduler_init();
            raise(SIGINT);
            exit_with_flag(SIGINT);
        },
        ::testing::ExitedWithCode(kTrapped), "");
}

TEST(SignalRuntime, DefaultRestoresTheRuntimesSigintExit) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            patch_seq_scheduler_init();
            word(patch_seq_signal_trap, SIGINT);
            word(patch_seq_signal_default, SIGINT);
            raise(SIGINT);
            exit_with_flag(SIGINT);  // not reached
        },
        ::testing::ExitedWithCode(130), "");
}

TEST(SignalRuntime, DefaultBeforeInitLeavesSigintToTheRuntime) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            word(patch_seq_signal_trap, SIGINT);
            word(patch_seq_signal_default, SIGINT);  // SIG_DFL now, the runtime's at init
            patch_seq_scheduler_init();
            raise(SIGINT);
            exit_with_flag(SIGINT);  // not reached
        },
        ::testing::ExitedWithCode(130), "");
}

TEST(SignalRuntime, IgnoredSigintStaysIgnoredThroughInit) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            word(patch_seq_signal_ignore, SIGINT);
            patch_seq_scheduler_init();
            _exit(handler_of(SIGINT) == SIG_IGN ? kTrapped : kNotTrapped);
        },
        ::testing::ExitedWithCode(kTrapped), "");
}

TEST(SignalRuntime, DefaultSigpipeKeepsTheRuntimesIgnore) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            patch_seq_scheduler_init();
            bool ign_at_init = handler_of(SIGPIPE) == SIG_IGN;
            word(patch_seq_signal_trap, SIGPIPE);
            bool trapped = handler_of(SIGPIPE) != SIG_IGN;
            word(patch_seq_signal_default, SIGPIPE);
            // A write to a pipe without reader must fail, not kill.
            int fds[2];
            if (pipe(fds) != 0) _exit(1);
            close(fds[0]);
            bool epipe = write(fds[1], "x", 1) < 0 && errno == EPIPE;
            _exit(ign_at_init && trapped && epipe && handler_of(SIGPIPE) == SIG_IGN ? kTrapped
                                                                                    : kNotTrapped);
        },
        ::testing::ExitedWithCode(kTrapped), "");
}

TEST(SignalRuntime, DefaultWithoutARuntimePolicyIsTheSystemDefault) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            patch_seq_scheduler_init();
            word(patch_seq_signal_trap, SIGTERM);
            word(patch_seq_signal_default, SIGTERM);
            raise(SIGTERM);
            _exit(kNotTrapped);
        },
        ::testing::KilledBySignal(SIGTERM), "");
}

using SignalStrands = test::SchedulerTest;

TEST_F(SignalStrands, TrappedSignalFromAnotherThreadReachesAStrand) {
    // Delivery to whatever thread, observed by a strand that polls.
    word(patch_seq_signal_trap, SIGUSR1);
    word(patch_seq_signal_clear, SIGUSR1);
    static std::atomic<bool> seen{false};
    seen = false;
    patch_seq_strand_spawn(
        [](Stack sp) -> Stack {
            while (!signal_peek(SIGUSR1))
                patch_seq_yield_strand(sp);
            seen = signal_take(SIGUSR1);
            return sp;
        },
        nullptr);
    // Under TSan a signal can stay queued in the per-fiber state of a strand
    // that has switched away (TSan delivers at its next intercepted call), so
    // the signal is sent again until it is seen; once is enough elsewhere.
    bool got = false;
    for (int attempt = 0; attempt < 30 && !got; ++attempt) {
        std::thread([] { kill(getpid(), SIGUSR1); }).join();
        got = wait_until([] { return seen.load(); }, 2);
    }
    EXPECT_TRUE(got);
    if (!seen) signal_raise_flag(SIGUSR1);  // release the strand on failure
    patch_seq_wait_all_strands();
    word(patch_seq_signal_default, SIGUSR1);
}

}  // namespace
}  // namespace seq
