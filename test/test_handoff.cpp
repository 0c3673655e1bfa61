// Handoff (core/sched/handoff): a strand inside a foreign C call no longer
// holds up the other strands, timers and sockets of its worker; a spare
// thread takes the worker over, and the strand goes back to it afterwards.
//
// The FFI stand-in: seq_handoff_test_ffi_call below is named like the code
// seqc generates (seq_<word>), and calls foreign_block_until in
// libseq_test_foreign_block.so (test/foreign_block.c), a library this
// executable links directly, as a seqc program links sqlite3.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "core/sched/config.hpp"
#include "core/sched/handoff.hpp"
#include "core/sched/preempt.hpp"
#include "io/timer.hpp"
#include "scheduler_fixture.hpp"
#include "seq/host.h"

extern "C" int foreign_block_until(const int* flag, int max_ms);

extern "C" __attribute__((noinline)) int seq_handoff_test_ffi_call(const int* flag, int max_ms) {
    int r = foreign_block_until(flag, max_ms);
    asm volatile("" ::: "memory");  // not a tail call: this frame stays
    return r;
}

namespace seq::test {
namespace {

using HandoffTest = SchedulerTest;

constexpr int kTicks = 20;
constexpr int kTickMs = 10;

struct CallResult {
    int returned = -1;  // foreign_block_until's answer: 1 the flag came, 0 time-out
    int ticks_during_call = -1;
    bool other_thread_after = false;  // the strand came back on another thread
    bool child_ran = false;
};

// On the single worker: strand A makes the foreign call (bounded by
// `bound_ms`); ticker B sleeps kTicks x kTickMs and then sets the flag A's
// call waits for. After the call A spawns a child and parks until the child
// wakes it, then finishes. Waits (bounded) for A to finish.
CallResult foreign_call_beside_a_ticker(int bound_ms) {
    CallResult res;
    int flag = 0;
    std::atomic<int> ticks{0};
    std::atomic<bool> done{false};
    spawn_fn([&] {
        // gettid, not pthread_self: glibc declares that one const, and the
        // compiler would reuse its first answer after the thread changed.
        pid_t before = gettid();
        int r = seq_handoff_test_ffi_call(&flag, bound_ms);
        res.ticks_during_call = ticks.load();
        // The first scheduler entry: with a handoff, the strand reattaches
        // here and runs on the thread that runs the worker now.
        std::atomic<bool> child_done{false};
        Strand* me = current_strand();
        spawn_fn([&] {
            child_done.store(true);
            wake(me);
        });
        while (!child_done.load())
            park();
        res.child_ran = true;
        res.other_thread_after = before != gettid();
        res.returned = r;
        done.store(true);
    });
    spawn_fn([&] {
        for (int i = 0; i < kTicks; ++i) {
            sleep_ms(kTickMs);
            ticks.fetch_add(1);
        }
        __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
    });
    EXPECT_TRUE(wait_until([&] { return done.load(); }, 30));
    EXPECT_TRUE(wait_until([] { return counters().active.load() == 0; }));
    return res;
}

TEST_F(HandoffTest, FindsTheForeignLibraryAndNotTheRuntimeOrItsLibraries) {
#if defined(SEQ_TSAN)
    EXPECT_FALSE(handoff_enabled()) << "no preemption under ThreadSanitizer, so no handoff";
#else
    ASSERT_TRUE(preempt_active());
    EXPECT_TRUE(handoff_enabled());
    EXPECT_GE(preempt_foreign_ranges(), 1u);
    EXPECT_TRUE(preempt_covers_foreign(reinterpret_cast<const void*>(&foreign_block_until)));
    EXPECT_FALSE(preempt_covers_foreign(reinterpret_cast<const void*>(&seq_handoff_test_ffi_call)));
    EXPECT_FALSE(preempt_covers_foreign(reinterpret_cast<const void*>(&seq_go)));
    for (const char* name : {"uv_run", "write", "malloc", "__cxa_throw"}) {
        void* p = dlsym(RTLD_DEFAULT, name);
        ASSERT_NE(p, nullptr) << name;
        EXPECT_FALSE(preempt_covers_foreign(p)) << name << " is the runtime's";
    }
#endif
}

TEST(HandoffConfig, SeqHandoffIsOnUnlessZero) {
    EXPECT_TRUE(parse_handoff(std::nullopt));
    EXPECT_TRUE(parse_handoff("1"));
    EXPECT_FALSE(parse_handoff("0"));
    EXPECT_TRUE(parse_handoff("7")) << "out of range: the default, with a warning";
}

TEST_F(HandoffTest, OffWhenSeqHandoffIsZero) {
    restart_with({{"SEQ_HANDOFF", "0"}});
    EXPECT_FALSE(handoff_enabled());
}

#if !defined(SEQ_TSAN)
TEST_F(HandoffTest, ATickerRunsOnTheWorkerWhileItsStrandIsInAForeignCall) {
    single_worker();
    uint64_t releases = handoff_releases(), reattaches = handoff_reattaches();
    uint64_t spawned = counters().spawned.load(), completed = counters().completed.load();
    CallResult r = foreign_call_beside_a_ticker(20000);
    EXPECT_EQ(r.returned, 1) << "the foreign call timed out: the ticker never ran beside it";
    EXPECT_EQ(r.ticks_during_call, kTicks);
    EXPECT_GT(handoff_releases(), releases);
    EXPECT_EQ(handoff_reattaches() - reattaches, handoff_releases() - releases);
    EXPECT_EQ(handoff_detached(), 0u);
    EXPECT_TRUE(r.child_ran);
    EXPECT_TRUE(r.other_thread_after) << "the strand did not move to the worker's new thread";
    EXPECT_GE(handoff_threads(), 2u);
    EXPECT_EQ(counters().spawned.load() - spawned, 3u);
    EXPECT_EQ(counters().completed.load() - completed, 3u);
    EXPECT_EQ(counters().active.load(), 0u);
}

TEST_F(HandoffTest, AWorkerChangesThreadsAgainAndAgain) {
    // Each call hands the worker to the thread that lost it the time
    // before (a spare now): the threads take turns, none is added.
    single_worker();
    uint64_t releases = handoff_releases();
    unsigned threads_after_first = 0;
    for (int round = 0; round < 4; ++round) {
        CallResult r = foreign_call_beside_a_ticker(20000);
        EXPECT_EQ(r.returned, 1) << "round " << round;
        EXPECT_TRUE(r.other_thread_after) << "round " << round;
        if (round == 0) threads_after_first = handoff_threads();
    }
    EXPECT_GE(handoff_releases() - releases, 4u);
    EXPECT_EQ(handoff_threads(), threads_after_first);
    EXPECT_EQ(handoff_detached(), 0u);
}

TEST_F(HandoffTest, EveryWorkerOfSeveralCanBeHandedOff) {
    restart_with({{"SEQ_WORKERS", "2"}});
    // Two foreign calls at once, then two tickers; the spawns from outside
    // go round-robin, so each worker gets one call and one ticker, and
    // without handoff no ticker could run before the calls time out.
    int flags[2] = {0, 0};
    std::atomic<int> returned[2] = {-1, -1};
    for (int i = 0; i < 2; ++i)
        spawn_fn([&, i] { returned[i].store(seq_handoff_test_ffi_call(&flags[i], 20000)); });
    for (int i = 0; i < 2; ++i) {
        spawn_fn([&, i] {
            for (int t = 0; t < kTicks; ++t)
                sleep_ms(kTickMs);
            __atomic_store_n(&flags[i], 1, __ATOMIC_RELEASE);
        });
    }
    ASSERT_TRUE(
        wait_until([&] { return returned[0].load() != -1 && returned[1].load() != -1; }, 30));
    EXPECT_EQ(returned[0].load(), 1);
    EXPECT_EQ(returned[1].load(), 1);
}
#endif

TEST_F(HandoffTest, WithHandoffOffAForeignCallStallsItsWorker) {
    // The baseline the tests above improve on: the ticker cannot run until
    // the call gives up, so the call times out.
    restart_with({{"SEQ_WORKERS", "1"}, {"SEQ_HANDOFF", "0"}});
    uint64_t releases = handoff_releases();
    CallResult r = foreign_call_beside_a_ticker(1000);
    EXPECT_EQ(r.returned, 0);
    EXPECT_EQ(r.ticks_during_call, 0);
    EXPECT_FALSE(r.other_thread_after);
    EXPECT_TRUE(r.child_ran);
    EXPECT_EQ(handoff_releases(), releases);
}

}  // namespace
}  // namespace seq::test
