// Handoff (core/sched/handoff): a strand inside a foreign C call no longer
// holds up the other strands, timers and sockets of its worker; a spare
// thread takes the worker over, and the strand goes back to it afterwards.
//
// The FFI stand-in: seq_handoff_test_ffi_call below is named like the code
// seqc generates (seq_<word>), and calls foreign_block_until in
// libseq_test_foreign_block.so (test/foreign_block.c), a library this
// executable links directly, as a seqc program links sqlite3.
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <atomic>
#include <cstdint>

#include "core/sched/config.hpp"
#include "core/sched/handoff.hpp"
#include "core/sched/preempt.hpp"
#include "io/timer.hpp"
#include "scheduler_fixture.hpp"
#include "seq/host.h"

extern "C" int foreign_block_until(const int* flag, int max_ms);
extern "C" int foreign_poll_until(int fd, int max_ms);

namespace {
// poll(2) on fd until it is readable or max_ms pass, waiting through EINTR;
// inlined, so that poll is called from the caller's own code.
__attribute__((always_inline)) inline int poll_until(int fd, int max_ms) {
    timespec t0{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        timespec t{};
        clock_gettime(CLOCK_MONOTONIC, &t);
        long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= max_ms) return 0;
        pollfd p{fd, POLLIN, 0};
        int r = poll(&p, 1, static_cast<int>(max_ms - spent));
        if (r > 0) return 1;
        if (r < 0 && errno != EINTR) return 0;
    }
}
}  // namespace

extern "C" __attribute__((noinline)) int seq_handoff_test_ffi_call(const int* flag, int max_ms) {
    int r = foreign_block_until(flag, max_ms);
    asm volatile("" ::: "memory");  // not a tail call: this frame stays
    return r;
}

// A seqc FFI wrapper whose foreign function blocks in libc (poll).
extern "C" __attribute__((noipa)) int seq_handoff_test_ffi_poll(int fd, int max_ms) {
    int r = foreign_poll_until(fd, max_ms);
    asm volatile("" ::: "memory");
    return r;
}

// Compiled code calling libc itself (an FFI binding of a libc function).
extern "C" __attribute__((noipa)) int seq_handoff_test_libc_poll(int fd, int max_ms) {
    int r = poll_until(fd, max_ms);
    asm volatile("" ::: "memory");
    return r;
}

// Host code (not compiled Seq code) blocking in libc: the runtime cannot
// tell it from its own, so it is never handed off without a section.
// noipa: identical code folding would make it the function above.
__attribute__((noipa)) int host_poll(int fd, int max_ms) {
    int r = poll_until(fd, max_ms);
    asm volatile("" ::: "memory");
    return r;
}

// The same host code inside a blocking section (seq/host.h).
__attribute__((noipa)) int host_poll_in_section(int fd, int max_ms) {
    EXPECT_EQ(seq_blocking_begin(), SEQ_OK);
    int r = poll_until(fd, max_ms);
    EXPECT_EQ(seq_blocking_end(), SEQ_OK);
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

// What a call waits for; the ticker opens it (a flag for the spinning
// call, a byte in a pipe for the polling ones).
struct Gate {
    int flag = 0;
    int fds[2] = {-1, -1};
    Gate() { EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0); }
    ~Gate() {
        close(fds[0]);
        close(fds[1]);
    }
    Gate(const Gate&) = delete;
    Gate& operator=(const Gate&) = delete;
    void open() {
        __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
        char c = 1;
        EXPECT_EQ(write(fds[1], &c, 1), 1);
    }
};
using Call = int (*)(Gate&, int bound_ms);
int spin_in_foreign_code(Gate& g, int bound_ms) {
    return seq_handoff_test_ffi_call(&g.flag, bound_ms);
}

// On the single worker: strand A makes the call (bounded by `bound_ms`);
// ticker B sleeps kTicks x kTickMs and then opens the gate A's call waits
// for. After the call A spawns a child and parks until the child wakes it,
// then finishes. Waits (bounded) for A to finish.
CallResult foreign_call_beside_a_ticker(int bound_ms, Call call = spin_in_foreign_code) {
    CallResult res;
    Gate gate;
    std::atomic<int> ticks{0};
    std::atomic<bool> done{false};
    spawn_fn([&] {
        // gettid, not pthread_self: glibc declares that one const, and the
        // compiler would reuse its first answer after the thread changed.
        pid_t before = gettid();
        int r = call(gate, bound_ms);
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
        gate.open();
    });
    EXPECT_TRUE(wait_until([&] { return done.load(); }, 30));
    EXPECT_TRUE(wait_until([] { return counters().active.load() == 0; }));
    return res;
}

// The call came back because the ticker ran beside it: every tick came
// while the call was still blocked, and the worker was released for it.
void expect_ticker_ran_beside(const CallResult& r, uint64_t releases_before) {
    EXPECT_EQ(r.returned, 1) << "the call timed out: the ticker never ran beside it";
    EXPECT_EQ(r.ticks_during_call, kTicks);
    EXPECT_GT(handoff_releases(), releases_before);
    EXPECT_TRUE(r.child_ran);
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
    expect_ticker_ran_beside(r, releases);
    EXPECT_EQ(handoff_reattaches() - reattaches, handoff_releases() - releases);
    EXPECT_EQ(handoff_detached(), 0u);
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

// ---- a strand blocked in libc: who called it --------------------------------------
// (Preemption only: under TSan FindsTheForeignLibrary... checks handoff is off.)

#if !defined(SEQ_TSAN)
__attribute__((noinline)) const void* my_return_address() {
    const void* r = __builtin_return_address(0);
    asm volatile("" ::: "memory");
    return r;
}

TEST_F(HandoffTest, AReturnAddressFollowsACallAndAFunctionStartDoesNot) {
    ASSERT_TRUE(preempt_active());
    EXPECT_TRUE(preempt_return_address_is_call(my_return_address()));
    EXPECT_FALSE(preempt_return_address_is_call(reinterpret_cast<const void*>(&host_poll)))
        << "a function's first instruction is no return address";
    EXPECT_FALSE(preempt_return_address_is_call(reinterpret_cast<const void*>(&write)))
        << "libc is neither the executable nor a foreign library";
}

TEST_F(HandoffTest, AForeignCallBlockedInsideLibcIsHandedOff) {
    // The foreign function waits in poll(2): the interrupted instruction is
    // libc's, and the caller found on the stack is the foreign library.
    single_worker();
    uint64_t releases = handoff_releases();
    CallResult r = foreign_call_beside_a_ticker(
        20000, [](Gate& g, int ms) { return seq_handoff_test_ffi_poll(g.fds[0], ms); });
    expect_ticker_ran_beside(r, releases);
    EXPECT_TRUE(r.other_thread_after);
    EXPECT_EQ(handoff_detached(), 0u);
}

TEST_F(HandoffTest, CompiledCodeBlockedInLibcIsHandedOff) {
    single_worker();
    uint64_t releases = handoff_releases();
    CallResult r = foreign_call_beside_a_ticker(
        20000, [](Gate& g, int ms) { return seq_handoff_test_libc_poll(g.fds[0], ms); });
    expect_ticker_ran_beside(r, releases);
}

TEST_F(HandoffTest, HostCodeBlockedInLibcIsNotHandedOffWithoutASection) {
    // Host code looks like the runtime's own (it may hold a Worker*): the
    // worker stays, and the ticker waits until the call gives up.
    single_worker();
    uint64_t releases = handoff_releases();
    CallResult r =
        foreign_call_beside_a_ticker(600, [](Gate& g, int ms) { return host_poll(g.fds[0], ms); });
    EXPECT_EQ(r.returned, 0);
    EXPECT_EQ(r.ticks_during_call, 0);
    EXPECT_EQ(handoff_releases(), releases);
    EXPECT_TRUE(r.child_ran);
}
#endif

// ---- blocking sections (seq_blocking_begin/end): no signal, also under TSan -------

TEST_F(HandoffTest, ABlockingSectionHandsItsWorkerToASpare) {
    single_worker();
    uint64_t releases = handoff_releases(), reattaches = handoff_reattaches();
    CallResult r = foreign_call_beside_a_ticker(
        20000, [](Gate& g, int ms) { return host_poll_in_section(g.fds[0], ms); });
    expect_ticker_ran_beside(r, releases);
    EXPECT_EQ(handoff_reattaches() - reattaches, handoff_releases() - releases);
    EXPECT_TRUE(r.other_thread_after) << "the strand did not move to the worker's new thread";
    EXPECT_EQ(handoff_detached(), 0u);
}

TEST_F(HandoffTest, WithHandoffOffABlockingSectionChangesNothing) {
    restart_with({{"SEQ_WORKERS", "1"}, {"SEQ_HANDOFF", "0"}});
    uint64_t releases = handoff_releases();
    CallResult r = foreign_call_beside_a_ticker(
        600, [](Gate& g, int ms) { return host_poll_in_section(g.fds[0], ms); });
    EXPECT_EQ(r.returned, 0);
    EXPECT_EQ(r.ticks_during_call, 0);
    EXPECT_EQ(handoff_releases(), releases);
    EXPECT_FALSE(r.other_thread_after);
}

TEST_F(HandoffTest, RuntimeCallsInsideASectionEndItEarlyAndWork) {
    // Whether or not the monitor took the worker meanwhile, each call that
    // needs the worker gets it back (or goes to its new thread) first.
    single_worker();
    std::atomic<int> children{0};
    std::atomic<bool> done{false};
    spawn_fn([&] {
        for (int round = 0; round < 20; ++round) {
            ASSERT_EQ(seq_blocking_begin(), SEQ_OK);
            ASSERT_EQ(seq_blocking_begin(), SEQ_OK);  // nested
            usleep(round % 2 ? 12000 : 100);          // long enough, some rounds, to be taken
            spawn_fn([&] { children.fetch_add(1); });
            seq_yield();
            EXPECT_EQ(seq_sleep_ms(1), SEQ_OK);
            EXPECT_EQ(seq_blocking_end(), SEQ_OK);
            usleep(round % 3 ? 100 : 12000);  // the outer section again: published no more
            EXPECT_EQ(seq_blocking_end(), SEQ_OK);
        }
        EXPECT_EQ(seq_blocking_end(), SEQ_EINVAL) << "no section is open";
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }, 30));
    ASSERT_TRUE(wait_until([] { return counters().active.load() == 0; }));
    EXPECT_EQ(children.load(), 20);
    EXPECT_EQ(handoff_detached(), 0u);
}

TEST_F(HandoffTest, SectionsBackToBackLeaveNothingBehind) {
    // Sections that end before and after the monitor looks, on every worker.
    restart_with({{"SEQ_WORKERS", "2"}});
    std::atomic<int> finished{0};
    for (int i = 0; i < 4; ++i) {
        spawn_fn([&, i] {
            for (int round = 0; round < 10; ++round) {
                EXPECT_EQ(seq_blocking_begin(), SEQ_OK);
                usleep((round + i) % 4 == 0 ? 15000 : 50);
                EXPECT_EQ(seq_blocking_end(), SEQ_OK);
                seq_yield();
            }
            finished.fetch_add(1);
        });
    }
    ASSERT_TRUE(wait_until([&] { return finished.load() == 4; }, 30));
    ASSERT_TRUE(wait_until([] { return counters().active.load() == 0; }));
    EXPECT_EQ(handoff_detached(), 0u);
    EXPECT_EQ(handoff_reattaches(), handoff_releases());
}

TEST(HandoffSections, OffAStrandTheyAreRefused) {
    EXPECT_EQ(seq_blocking_begin(), SEQ_ENOTSTRAND);
    EXPECT_EQ(seq_blocking_end(), SEQ_ENOTSTRAND);
}
}  // namespace
}  // namespace seq::test
