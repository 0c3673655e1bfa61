// Asynchronous preemption (core/sched/preempt): a strand that computes
// without ever calling into the runtime no longer holds up the other strands,
// timers and sockets of its worker.
//
// The compiled-code stand-in is seq_preempt_test_spin below: a function named
// like the ones seqc generates (seq_<word>), which the symbol-table scan
// finds in this test executable. It never calls the runtime, as a
// register-specialised Seq loop does not, so only the signal can stop it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

#include "core/sched/preempt.hpp"
#include "io/timer.hpp"
#include "scheduler_fixture.hpp"
#include "seq/host.h"

extern "C" __attribute__((noinline)) uint64_t seq_preempt_test_spin(const int* stop) {
    uint64_t n = 0;
    while (__atomic_load_n(stop, __ATOMIC_RELAXED) == 0)
        ++n;
    return n;
}

// Not named seq_*: host code, which is never interrupted.
extern "C" __attribute__((noinline)) int preempt_test_host_function(int x) {
    return x * 3;
}

namespace seq::test {
namespace {

using PreemptTest = SchedulerTest;

TEST_F(PreemptTest, FindsCompiledCodeAndNotTheRuntimeOrTheHost) {
#if defined(SEQ_TSAN)
    EXPECT_FALSE(preempt_active()) << "ThreadSanitizer defers asynchronous signals";
#else
    ASSERT_TRUE(preempt_active());
    EXPECT_GE(preempt_code_functions(), 1u);
    EXPECT_TRUE(preempt_covers(reinterpret_cast<const void*>(&seq_preempt_test_spin)));
    EXPECT_FALSE(preempt_covers(reinterpret_cast<const void*>(&seq_go)));
    EXPECT_FALSE(preempt_covers(reinterpret_cast<const void*>(&seq_stack_new_default)));
    EXPECT_FALSE(preempt_covers(reinterpret_cast<const void*>(&preempt_test_host_function)));
#endif
}

TEST_F(PreemptTest, OffWhenSeqPreemptMsIsZero) {
    restart_with({{"SEQ_PREEMPT_MS", "0"}});
    EXPECT_FALSE(preempt_active());
}

#if !defined(SEQ_TSAN)
// `spinners` strands compute until a ticker strand has slept `ticks` times.
// Without preemption the ticker's timers never fire on a worker whose strand
// spins, so the ticker finishes only if the spinners are interrupted while
// still inside their loops: the test waits (bounded) and then stops the
// spinners itself, which it records as a failure.
void ticker_finishes_while_spinning(int spinners) {
    constexpr int kTicks = 20;
    int stop = 0;  // 1: the ticker finished; 2: the test gave up
    std::atomic<int> ticks{0};
    std::atomic<int> spinners_done{0};
    uint64_t yields_before = preempt_yields();
    for (int i = 0; i < spinners; ++i)
        spawn_fn([&] {
            seq_preempt_test_spin(&stop);
            spinners_done.fetch_add(1);
        });
    spawn_fn([&] {
        for (int i = 0; i < kTicks; ++i) {
            sleep_ms(2);
            ticks.fetch_add(1);
        }
        int expected = 0;
        __atomic_compare_exchange_n(&stop, &expected, 1, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    });
    bool finished = wait_until([&] { return spinners_done.load() == spinners; }, 15);
    int expected = 0;
    __atomic_compare_exchange_n(&stop, &expected, 2, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    ASSERT_TRUE(wait_until([&] { return spinners_done.load() == spinners; }));
    EXPECT_TRUE(finished);
    EXPECT_EQ(__atomic_load_n(&stop, __ATOMIC_SEQ_CST), 1)
        << "the ticker did " << ticks.load() << " of " << kTicks
        << " sleeps while the spinners computed";
    EXPECT_EQ(ticks.load(), kTicks);
    EXPECT_GT(preempt_yields(), yields_before);
    wait_until([] { return counters().active.load() == 0; });
}

TEST_F(PreemptTest, ASpinningStrandDoesNotHoldUpASleeperOnItsWorker) {
    single_worker();
    ticker_finishes_while_spinning(1);
}

TEST_F(PreemptTest, SleepersRunWhenEveryWorkerComputes) {
    restart_with({{"SEQ_WORKERS", "2"}});
    ticker_finishes_while_spinning(2);
}

TEST_F(PreemptTest, APreemptedStrandMayResumeOnAnotherWorker) {
    // Four spinners on two workers, preempted many times each: whichever
    // worker resumes a strand, its loop goes on where it was (the signal
    // frame's registers) and the frame's thread state is the new thread's.
    restart_with({{"SEQ_WORKERS", "2"}});
    ticker_finishes_while_spinning(4);
}
#endif

}  // namespace
}  // namespace seq::test
