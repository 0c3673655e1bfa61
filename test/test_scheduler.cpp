// The scheduler's contract: the seed's tests (seq-runtime 5.4.0
// scheduler.rs) and what the C++ runtime adds (park/wake races, migration,
// shutdown and re-init, stack-pool steady state).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/sched/config.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/value/context.hpp"
#include "core/value/stack.hpp"
#include "seq/runtime.h"
#include "test_support.hpp"

namespace seq {
namespace {

// Every test ends with no strand active; the scheduler is shut down so each
// test starts from a fresh init (and shutdown's loop closing is exercised,
// and must find nothing left behind).
using Scheduler = test::SchedulerTest;

std::atomic<int> g_counter{0};

Stack increment(Stack sp) {
    g_counter.fetch_add(1);
    return sp;
}

TEST_F(Scheduler, SpawnStrandRunsIt) {
    g_counter = 0;
    int64_t id = patch_seq_strand_spawn(increment, nullptr);
    EXPECT_GT(id, 0);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 1);
}

TEST_F(Scheduler, InitIsIdempotent) {
    Worker* first = scheduler().workers[0].get();
    patch_seq_scheduler_init();
    patch_seq_scheduler_init();
    EXPECT_EQ(scheduler().workers[0].get(), first);
}

TEST_F(Scheduler, SpawnWithInitialStack) {
    static std::atomic<int64_t> seen{0};
    seen = 0;
    StackValue* buf = owned_stack_alloc(16);
    Stack sp = push(buf, make_int(42));
    auto entry = [](Stack s) -> Stack {
        seen = int_of(s[-1]);
        return s;
    };
    SpawnOptions opts;
    opts.base = buf;
    opts.owned_base = buf;  // freed (values dropped) when the strand ends
    spawn_strand(entry, sp, opts);
    patch_seq_wait_all_strands();
    EXPECT_EQ(seen.load(), 42);
}

TEST_F(Scheduler, NullFinalStackIsFine) {
    auto entry = [](Stack) -> Stack { return nullptr; };
    patch_seq_strand_spawn(entry, nullptr);
    patch_seq_wait_all_strands();
}

TEST_F(Scheduler, ManyStrandsStress) {
    g_counter = 0;
    for (int i = 0; i < 1000; ++i)
        patch_seq_strand_spawn(increment, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 1000);
}

TEST_F(Scheduler, StrandIdsAreUniqueAndPositive) {
    std::set<int64_t> ids;
    for (int i = 0; i < 100; ++i) {
        int64_t id = patch_seq_strand_spawn([](Stack s) { return s; }, nullptr);
        EXPECT_GT(id, 0);
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 100u);
    patch_seq_wait_all_strands();
}

TEST_F(Scheduler, IdsIncreaseMonotonically) {
    int64_t a = patch_seq_strand_spawn(increment, nullptr);
    int64_t b = patch_seq_strand_spawn(increment, nullptr);
    EXPECT_LT(a, b);
}

TEST_F(Scheduler, LifecycleCounters) {
    uint64_t spawned0 = counters().spawned.load();
    uint64_t completed0 = counters().completed.load();
    g_counter = 0;
    for (int i = 0; i < 10; ++i)
        patch_seq_strand_spawn(increment, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(counters().spawned.load(), spawned0 + 10);
    EXPECT_EQ(counters().completed.load(), completed0 + 10);
    EXPECT_GE(counters().peak.load(), 1u);
    EXPECT_EQ(g_counter.load(), 10);
}

// 100,000 strands spawned by 100 strands on every worker at once: the totals
// must be exact and the invariant spawned >= completed + active must hold
// for an outside observer throughout.
#if defined(SEQ_TSAN)
// ThreadSanitizer counts each live fiber as a thread and stops at 8128.
constexpr int kSpawners = 20, kPerSpawner = 250;
#else
constexpr int kSpawners = 100, kPerSpawner = 1000;
#endif
TEST_F(Scheduler, HundredThousandFromManyStrandsExactTotals) {
    g_counter = 0;
    uint64_t spawned0 = counters().spawned.load();
    uint64_t completed0 = counters().completed.load();
    auto spawner = [](Stack sp) -> Stack {
        for (int i = 0; i < kPerSpawner; ++i)
            spawn_strand(increment, nullptr);
        return sp;
    };
    for (int i = 0; i < kSpawners; ++i)
        spawn_strand(spawner, nullptr);
    std::atomic<bool> done{false};
    std::atomic<int> violations{0};
    std::thread observer([&] {
        while (!done.load()) {
            // Read in the order that makes the check valid: completed first.
            uint64_t completed = counters().completed.load();
            uint64_t active = counters().active.load();
            uint64_t spawned = counters().spawned.load();
            if (spawned < completed + active) violations++;
            std::this_thread::yield();
        }
    });
    patch_seq_wait_all_strands();
    done = true;
    observer.join();
    const uint64_t total = uint64_t{kSpawners} * (kPerSpawner + 1);
    EXPECT_EQ(g_counter.load(), kSpawners * kPerSpawner);
    EXPECT_EQ(counters().spawned.load() - spawned0, total);
    EXPECT_EQ(counters().completed.load() - completed0, total);
    EXPECT_EQ(violations.load(), 0);
}

// ---- park / wake --------------------------------------------------------------------

struct Slot {
    std::atomic<Strand*> strand{nullptr};
    std::atomic<bool> flag{false};
};

TEST_F(Scheduler, ParkThenWakeFromAnotherThread) {
    static Slot slot;
    slot.strand = nullptr;
    slot.flag = false;
    auto waiter = [](Stack sp) -> Stack {
        slot.strand = current_strand();
        while (!slot.flag.load())
            park();
        g_counter.fetch_add(1);
        return sp;
    };
    g_counter = 0;
    spawn_strand(waiter, nullptr);
    while (!slot.strand.load())
        std::this_thread::yield();
    slot.flag = true;
    wake(slot.strand.load());
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 1);
}

// Wakes racing with parks: every wake must be delivered exactly once.
// Each of N pairs hands a token back and forth M times: a lost wake
// deadlocks (the test times out), a double resume corrupts the count or
// crashes (two workers on one stack).
TEST_F(Scheduler, WakeBeforeParkRaceLosesNothing) {
    constexpr int kPairs = 50;
    constexpr int kRounds = 2000;
    struct Pair {
        std::atomic<Strand*> a{nullptr}, b{nullptr};
        std::atomic<int> turn{0};  // even: a's turn, odd: b's turn
    };
    static Pair pairs[kPairs];
    static std::atomic<int> total{0};
    total = 0;
    for (auto& p : pairs) {
        p.a = p.b = nullptr;
        p.turn = 0;
    }
    static auto play = [](Pair& p, bool is_a) {
        (is_a ? p.a : p.b).store(current_strand());
        Strand* other = nullptr;
        while (!(other = (is_a ? p.b : p.a).load()))
            yield_now();
        for (int r = 0; r < kRounds; ++r) {
            int mine = is_a ? 2 * r : 2 * r + 1;
            while (p.turn.load() != mine)
                park();
            p.turn.store(mine + 1);
            total.fetch_add(1);
            wake(other);  // may arrive before the other has parked
        }
    };
    for (int i = 0; i < kPairs; ++i) {
        StackValue* buf = owned_stack_alloc(4);
        Stack sp = push(buf, make_int(i));
        SpawnOptions o;
        o.base = buf;
        o.owned_base = buf;
        spawn_strand(
            [](Stack s) {
                play(pairs[int_of(s[-1])], true);
                return s;
            },
            sp, o);
        StackValue* buf2 = owned_stack_alloc(4);
        Stack sp2 = push(buf2, make_int(i));
        SpawnOptions o2;
        o2.base = buf2;
        o2.owned_base = buf2;
        spawn_strand(
            [](Stack s) {
                play(pairs[int_of(s[-1])], false);
                return s;
            },
            sp2, o2);
    }
    patch_seq_wait_all_strands();
    EXPECT_EQ(total.load(), kPairs * 2 * kRounds);
}

TEST_F(Scheduler, WakeWithoutParkLeavesAPermit) {
    static std::atomic<int> returned{0};
    returned = 0;
    auto self_wake = [](Stack sp) -> Stack {
        wake(current_strand());  // permit
        park();                  // returns at once
        returned++;
        return sp;
    };
    spawn_strand(self_wake, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(returned.load(), 1);
}

// A strand that moves between workers keeps its arena and stack base.
TEST_F(Scheduler, MigrationKeepsArenaAndStackBase) {
    if (scheduler().workers.size() < 2) GTEST_SKIP() << "needs two workers";
    static std::atomic<bool> ok{false};
    static std::atomic<unsigned> w_before{99}, w_after{99};
    ok = false;
    auto mover = [](Stack sp) -> Stack {
        ExecContext* ctx = current_context();
        StackValue s = make_arena_string("arena data survives migration");
        Stack base = ctx->stack_base;
        w_before = current_worker()->index;
        Worker* other =
            scheduler().workers[(current_worker()->index + 1) % scheduler().workers.size()].get();
        migrate_to(other);
        w_after = current_worker()->index;
        ok = current_context() == ctx && ctx->stack_base == base &&
             string_of(s)->view() == "arena data survives migration" && ctx->arena.bytes_used() > 0;
        return sp;
    };
    StackValue* buf = owned_stack_alloc(8);
    SpawnOptions o;
    o.base = buf;
    o.owned_base = buf;
    spawn_strand(mover, buf, o);
    patch_seq_wait_all_strands();
    EXPECT_TRUE(ok.load());
    EXPECT_NE(w_before.load(), w_after.load());
}

TEST_F(Scheduler, YieldLetsOthersRun) {
    // With one strand yielding in a loop, others on the same worker still run.
    static std::atomic<bool> stop{false};
    stop = false;
    g_counter = 0;
    auto spinner = [](Stack sp) -> Stack {
        while (!stop.load())
            patch_seq_yield_strand(sp);
        return sp;
    };
    auto stopper = [](Stack sp) -> Stack {
        stop = true;
        return sp;
    };
    for (size_t i = 0; i < scheduler().workers.size(); ++i)
        spawn_strand(spinner, nullptr);
    spawn_strand(stopper, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_TRUE(stop.load());
}

// ---- shutdown and init again -------------------------------------------------------------

TEST_F(Scheduler, ShutdownThenInitAgain) {
    g_counter = 0;
    patch_seq_strand_spawn(increment, nullptr);
    patch_seq_wait_all_strands();
    patch_seq_scheduler_shutdown();
    EXPECT_FALSE(scheduler_running());
    patch_seq_scheduler_init();
    EXPECT_TRUE(scheduler_running());
    patch_seq_strand_spawn(increment, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 2);
}

TEST_F(Scheduler, SpawnBeforeInitInitialisesLazily) {
    patch_seq_scheduler_shutdown();
    g_counter = 0;
    patch_seq_strand_spawn(increment, nullptr);
    EXPECT_TRUE(scheduler_running());
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 1);
}

// ---- arena -------------------------------------------------------------------------------

TEST_F(Scheduler, ArenaIsPerStrandAndResetAtExit) {
    static std::atomic<int> own_arena{0};
    own_arena = 0;
    auto temp_strings = [](Stack sp) -> Stack {
        ExecContext* ctx = current_context();
        for (int i = 0; i < 100; ++i)
            drop_value(make_arena_string("temporary string"));
        if (ctx != thread_default_context() && ctx->arena.bytes_used() > 0) own_arena++;
        return sp;
    };
    for (int i = 0; i < 50; ++i)
        spawn_strand(temp_strings, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(own_arena.load(), 50);
}

// The seed's no-growth test: 10,000 strands each allocating and exiting. The
// stack pool reaches a steady state: no new mappings after warm-up, and no
// stack stays in use.
TEST_F(Scheduler, NoGrowthOverTenThousandIterations) {
    auto work = [](Stack sp) -> Stack {
        for (int i = 0; i < 20; ++i)
            drop_value(make_arena_string("request header"));
        return sp;
    };
    // Warm-up: per-worker stack caches fill before the shared pool holds
    // stacks for spawns from outside the workers.
    for (int i = 0; i < 2000; ++i) {
        spawn_strand(work, nullptr);
        if (i % 100 == 99) patch_seq_wait_all_strands();
    }
    patch_seq_wait_all_strands();
    uint64_t maps_after_warmup = stack_pool().stats().mmap_calls;
    for (int i = 0; i < 10000; ++i) {
        spawn_strand(work, nullptr);
        if (i % 100 == 99) patch_seq_wait_all_strands();
    }
    patch_seq_wait_all_strands();
    StackStats st = stack_pool().stats();
    // Without the pool this would be 10,000 mappings. A few may still appear:
    // the last strand of each batch returns its stack just after wait_all
    // returns, so the next batch can find the pool one or two short.
    EXPECT_LT(st.mmap_calls - maps_after_warmup, 100u);
    // A worker may still be recycling the stack of the strand that just
    // finished; anything more would be a leak of stacks.
    EXPECT_LE(st.guarded_live + st.dense_live, scheduler().workers.size());
}

// ---- quotation spawn ------------------------------------------------------------------

Stack child_quotation(Stack sp) {
    // The child sees a copy of the parent's stack below the quotation.
    int64_t v = int_of(sp[-1]);
    g_counter.fetch_add(static_cast<int>(v));
    return sp;  // leftovers are dropped when the strand ends
}

TEST_F(Scheduler, PatchSeqSpawnCopiesTheStack) {
    g_counter = 0;
    static std::atomic<int64_t> child_id{0};
    auto parent = [](Stack sp) -> Stack {
        seq_value_stack* st = seq_stack_new_default();
        Stack base = seq_stack_base(st);
        patch_seq_set_stack_base(base);
        Stack p = patch_seq_push_string(base, "shared across the spawn");
        p = patch_seq_push_int(p, 7);
        p = patch_seq_push_quotation(p, reinterpret_cast<uintptr_t>(child_quotation),
                                     reinterpret_cast<uintptr_t>(child_quotation));
        p = patch_seq_spawn(p);
        child_id = int_of(p[-1]);
        // Parent's stack is intact: string, 7, id.
        if (p - base == 3 && int_of(base[1]) == 7) g_counter.fetch_add(100);
        while (p > base)
            p = patch_seq_drop_op(p);
        seq_stack_free(st);
        return sp;
    };
    spawn_strand(parent, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 107);
    EXPECT_GT(child_id.load(), 0);
}

Stack closure_body(Stack sp, const StackValue* env, size_t len) {
    if (len == 2 && int_of(env[0]) == 5 && string_of(env[1])->view() == "env")
        g_counter.fetch_add(1);
    return sp;
}

TEST_F(Scheduler, PatchSeqSpawnRunsClosures) {
    g_counter = 0;
    StackValue env[2] = {make_int(5), make_string("env")};
    StackValue buf[4];
    patch_seq_set_stack_base(buf);
    Stack sp = push(buf, make_closure(reinterpret_cast<uintptr_t>(closure_body), env, 2));
    sp = patch_seq_spawn(sp);
    EXPECT_GT(int_of(sp[-1]), 0);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_counter.load(), 1);
    patch_seq_set_stack_base(nullptr);
}

TEST_F(Scheduler, HostCloneStackIsOwnedBySpawnedStrand) {
    StackValue buf[8];
    patch_seq_set_stack_base(buf);
    Stack sp = patch_seq_push_string(buf, "copied");
    Stack child_sp = clone_stack(sp);
    Stack child_base = child_sp - 1;
    g_counter = 0;
    patch_seq_strand_spawn_with_base(
        [](Stack s) -> Stack {
            if (string_of(s[-1])->view() == "copied") g_counter++;
            return s;
        },
        child_sp, child_base);
    patch_seq_wait_all_strands();  // ASan: the child's buffer is freed, no leak
    EXPECT_EQ(g_counter.load(), 1);
    patch_seq_drop_op(sp);
    patch_seq_set_stack_base(nullptr);
}

// ---- yield valve --------------------------------------------------------------------

TEST(YieldValve, DisabledByDefaultIsANoOp) {
    for (int i = 0; i < 1000; ++i)
        patch_seq_maybe_yield();
}

TEST(YieldValve, CounterIsPerStrandAndWraps) {
    ExecContext ctx;
    ctx.yield_counter = UINT64_MAX - 1;
    set_current_context(&ctx);
    for (int i = 0; i < 3; ++i)
        patch_seq_maybe_yield();  // no strand: no yield, no overflow trap
    set_current_context(nullptr);
    patch_seq_scheduler_shutdown();
}

// ---- configuration -----------------------------------------------------------------------

TEST(Config, ParseStackSizeValid) {
    EXPECT_EQ(parse_stack_size(std::string("2097152")), 2097152u);
    EXPECT_EQ(parse_stack_size(std::string("1")), 1u);
    EXPECT_EQ(parse_stack_size(std::string("999999999")), 999999999u);
}

TEST(Config, ParseStackSizeNone) {
    EXPECT_EQ(parse_stack_size(std::nullopt), 1048576u);
}

TEST(Config, ParseStackSizeZero) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse_stack_size(std::string("0")), 1048576u);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "Warning: SEQ_STACK_SIZE=0 is invalid, using default 1048576\n");
}

TEST(Config, ParseStackSizeInvalid) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse_stack_size(std::string("invalid")), 1048576u);
    EXPECT_EQ(parse_stack_size(std::string("-100")), 1048576u);
    EXPECT_EQ(parse_stack_size(std::string("")), 1048576u);
    EXPECT_EQ(parse_stack_size(std::string("1.5")), 1048576u);
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(
        err.find("Warning: SEQ_STACK_SIZE='invalid' is not a valid number, using default 1048576"),
        std::string::npos);
}

TEST(Config, OtherVariables) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse_pool_capacity(std::string("50")), 50u);
    EXPECT_EQ(parse_pool_capacity(std::string("x")), 10000u);
    EXPECT_EQ(parse_workers(std::string("3")), 3u);
    EXPECT_GE(parse_workers(std::string("zero")), 1u);
    EXPECT_EQ(parse_yield_interval(std::string("10000")), 10000u);
    EXPECT_EQ(parse_yield_interval(std::string("-5")), 0u);
    EXPECT_EQ(parse_yield_slice_us(std::string("500")), 500u);
    EXPECT_EQ(parse_registry_size(std::string("16")), 16u);
    EXPECT_EQ(parse_stack_guard(std::string("never")), StackGuard::Never);
    EXPECT_EQ(parse_stack_guard(std::string("always")), StackGuard::Always);
    EXPECT_EQ(parse_stack_guard(std::string("bogus")), StackGuard::Auto);
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("SEQ_YIELD_INTERVAL='-5' is not a valid positive integer"),
              std::string::npos);
    EXPECT_NE(err.find("SEQ_STACK_GUARD='bogus'"), std::string::npos);
}

// ---- registry ----------------------------------------------------------------------------

TEST(Registry, Basic) {
    StrandRegistry r(10);
    EXPECT_EQ(r.register_strand(1), 0u);
    EXPECT_EQ(r.register_strand(2), 1u);
    EXPECT_EQ(r.register_strand(3), 2u);
    EXPECT_EQ(r.active_strands().size(), 3u);
    EXPECT_TRUE(r.unregister(2));
    EXPECT_EQ(r.active_strands().size(), 2u);
    EXPECT_FALSE(r.unregister(999));
}

TEST(Registry, Overflow) {
    StrandRegistry r(3);
    EXPECT_TRUE(r.register_strand(1));
    EXPECT_TRUE(r.register_strand(2));
    EXPECT_TRUE(r.register_strand(3));
    EXPECT_FALSE(r.register_strand(4));
    EXPECT_EQ(r.overflow_count(), 1u);
    EXPECT_FALSE(r.register_strand(5));
    EXPECT_EQ(r.overflow_count(), 2u);
}

TEST(Registry, SlotReuse) {
    StrandRegistry r(3);
    r.register_strand(1);
    r.register_strand(2);
    r.register_strand(3);
    r.unregister(2);
    EXPECT_TRUE(r.register_strand(4));
    EXPECT_EQ(r.active_strands().size(), 3u);
}

// Registration starts at a hint (the lowest slot that may be free): freed
// slots below it must still come first, lowest first, and a full stretch
// above them is skipped, not lost.
TEST(Registry, FreedSlotsBelowTheHintComeFirstLowestFirst) {
    StrandRegistry r(8);
    for (uint64_t id = 1; id <= 5; ++id)
        EXPECT_EQ(r.register_strand(id), id - 1);
    EXPECT_TRUE(r.unregister(4));  // slot 3
    EXPECT_TRUE(r.unregister(2));  // slot 1
    EXPECT_EQ(r.register_strand(6), 1u);
    EXPECT_EQ(r.register_strand(7), 3u);
    EXPECT_EQ(r.register_strand(8), 5u);
    EXPECT_EQ(r.register_strand(9), 6u);
    EXPECT_EQ(r.register_strand(10), 7u);
    EXPECT_FALSE(r.register_strand(11));  // full
    EXPECT_TRUE(r.unregister(1));         // slot 0
    EXPECT_EQ(r.register_strand(12), 0u);
    EXPECT_EQ(r.active_strands().size(), 8u);
}

TEST(Registry, ConcurrentStress) {
    StrandRegistry r(50);
    std::vector<std::thread> threads;
    for (int i = 0; i < 100; ++i) {
        threads.emplace_back([&r, i] {
            uint64_t id = static_cast<uint64_t>(i) + 1;
            (void)r.register_strand(id);
            std::this_thread::yield();
            r.unregister(id);
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(r.active_strands().size(), 0u);
}

TEST(Registry, SpawnTimeIsRecorded) {
    StrandRegistry r(2);
    r.register_strand(7);
    auto live = r.active_strands();
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].first, 7u);
    EXPECT_GT(live[0].second, 1600000000u);  // seconds since the epoch
}

}  // namespace
}  // namespace seq

// ---- stack overflow detection ------------------------------------------------------------

namespace seq {
namespace {

#if !defined(SEQ_ASAN) && !defined(SEQ_TSAN)
// (Sanitizers watch the stack themselves and report the overflow first.)
__attribute__((noinline)) int deep(int n) {
    volatile char frame[1024];
    for (char& c : const_cast<char(&)[1024]>(frame))
        c = static_cast<char>(n | 1);
    return n ? deep(n - 1) + frame[0] + frame[1023] : 0;
}

int g_depth = 256;
Stack overflowing_strand(Stack sp) {
    // g_depth KiB of frames on a 128 KiB stack.
    g_counter.store(deep(g_depth));
    yield_now();  // a dense stack's canary is checked when the strand switches out
    return sp;
}

Stack parked_forever(Stack sp) {
    for (;;)
        park();
    return sp;
}

void run_overflow(const char* guard_mode, int depth_kib, bool neighbour) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_STACK_GUARD", guard_mode, 1);
    setenv("SEQ_STACK_SIZE", "131072", 1);
    patch_seq_scheduler_init();
    if (neighbour) {
        // Takes the slot below the next one, so the overflow lands in mapped
        // memory (a neighbouring stack) and only the canary can notice.
        SpawnOptions uncounted;
        uncounted.counted = false;  // so a missed detection fails, not hangs
        spawn_strand(parked_forever, nullptr, uncounted);
        while (stack_pool().stats().dense_live < 1)
            std::this_thread::yield();
    }
    g_depth = depth_kib;
    spawn_strand(overflowing_strand, nullptr);
    patch_seq_wait_all_strands();
}

TEST(StackOverflowDeathTest, GuardPageNamesTheStrand) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(run_overflow("always", 256, false),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=131072 bytes\\)");
}

TEST(StackOverflowDeathTest, DenseStackBelowItsSlabNamesTheStrand) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(run_overflow("never", 256, false),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=131072 bytes\\)");
}

TEST(StackOverflowDeathTest, DenseCanaryNamesTheStrand) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(run_overflow("never", 160, true),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=131072 bytes\\)");
}
#endif

TEST(StackPool, AutoModeCountsGuardedThenDense) {
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_STACK_GUARD");
    patch_seq_scheduler_init();
    StackStats st = stack_pool().stats();
    EXPECT_GT(st.guard_budget, 0u);  // a stock kernel allows some guarded stacks
    FiberStack* a = stack_pool().acquire(nullptr);
    EXPECT_TRUE(a->guarded);
    EXPECT_TRUE(StackPool::canary_intact(a));
    EXPECT_EQ(stack_pool().stats().guarded_live, 1u);
    stack_pool().release(a, nullptr);
    patch_seq_scheduler_shutdown();
    setenv("SEQ_STACK_GUARD", "never", 1);
    patch_seq_scheduler_init();
    FiberStack* d = stack_pool().acquire(nullptr);
    EXPECT_FALSE(d->guarded);
    EXPECT_TRUE(StackPool::canary_intact(d));
    d->bottom[3] = 1;  // what an overflow does
    EXPECT_FALSE(StackPool::canary_intact(d));
    d->bottom[3] = 0;
    stack_pool().release(d, nullptr);
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_STACK_GUARD");
}

TEST(StackPool, ColdStacksAreTrimmedAndReused) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_POOL_CAPACITY", "4", 1);
    patch_seq_scheduler_init();
    std::vector<FiberStack*> held;
    for (int i = 0; i < 20; ++i)
        held.push_back(stack_pool().acquire(nullptr));
    for (FiberStack* s : held)
        stack_pool().release(s, nullptr);
    StackStats st = stack_pool().stats();
    EXPECT_EQ(st.pooled, 4u);
    EXPECT_EQ(st.cold, 16u);
    uint64_t trims = st.trims;
    stack_pool().trim_cold_now();
    st = stack_pool().stats();
    EXPECT_EQ(st.cold, 0u);
    EXPECT_GT(st.trims, trims);
    EXPECT_LT(st.trims - trims, 16u);  // adjacent slots share one madvise
    uint64_t maps = st.mmap_calls;
    for (int i = 0; i < 20; ++i)
        held[i] = stack_pool().acquire(nullptr);  // reuses trimmed slots
    EXPECT_EQ(stack_pool().stats().mmap_calls, maps);
    for (FiberStack* s : held)
        EXPECT_TRUE(StackPool::canary_intact(s));
    for (FiberStack* s : held)
        stack_pool().release(s, nullptr);
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_POOL_CAPACITY");
}

// The shared pool follows the recent demand: stacks nobody took during a
// decay period go cold (and are then trimmed), the ones taken stay pooled.
TEST(StackPool, PooledStacksNobodyTookGoCold) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_POOL_CAPACITY", "100", 1);
    patch_seq_scheduler_init();
    std::vector<FiberStack*> held;
    for (int i = 0; i < 20; ++i)
        held.push_back(stack_pool().acquire(nullptr));
    for (FiberStack* s : held)
        stack_pool().release(s, nullptr);
    EXPECT_EQ(stack_pool().stats().pooled, 20u);
    // A period starts (this step may already move the one stack pooled
    // before the trimmer started and untaken since).
    stack_pool().decay_pool_now();
    ASSERT_GE(stack_pool().stats().pooled, 19u);
    for (int i = 0; i < 15; ++i)
        held[i] = stack_pool().acquire(nullptr);  // 5 are never taken
    for (int i = 0; i < 15; ++i)
        stack_pool().release(held[i], nullptr);
    stack_pool().decay_pool_now();
    StackStats st = stack_pool().stats();
    EXPECT_EQ(st.pooled, 15u);
    EXPECT_LE(st.cold, 5u);  // (the trimmer may have trimmed some already)
    EXPECT_GE(st.cold, 1u);
    stack_pool().decay_pool_now();  // no demand at all in this period
    st = stack_pool().stats();
    EXPECT_EQ(st.pooled, 0u);
    EXPECT_GE(st.cold, 15u);
    stack_pool().trim_cold_now();
    EXPECT_EQ(stack_pool().stats().cold, 0u);
    for (int i = 0; i < 20; ++i)
        held[i] = stack_pool().acquire(nullptr);  // trimmed slots are reused
    for (FiberStack* s : held)
        EXPECT_TRUE(StackPool::canary_intact(s));
    for (FiberStack* s : held)
        stack_pool().release(s, nullptr);
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_POOL_CAPACITY");
}

}  // namespace
}  // namespace seq

// ---- the yield valve and SIGINT, with their own configuration ----------------------------

namespace seq {
namespace {

// One worker: a strand spinning on maybe_yield only lets the flag-setter run
// if the valve yields. The spin is bounded so a broken valve fails the test
// instead of hanging it.
std::atomic<bool> g_flag{false};
std::atomic<bool> g_gave_up{false};

Stack spin_until_flag(Stack sp) {
    for (long i = 0; !g_flag.load(); ++i) {
        if (i > 2000000000L) {
            g_gave_up = true;
            break;
        }
        patch_seq_maybe_yield();
    }
    return sp;
}

Stack set_flag(Stack sp) {
    g_flag = true;
    return sp;
}

void run_valve(const char* var, const char* value) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_WORKERS", "1", 1);
    setenv(var, value, 1);
    patch_seq_scheduler_init();
    g_flag = false;
    g_gave_up = false;
    spawn_strand(spin_until_flag, nullptr);
    spawn_strand(set_flag, nullptr);
    patch_seq_wait_all_strands();
    patch_seq_scheduler_shutdown();
    unsetenv(var);
    unsetenv("SEQ_WORKERS");
}

TEST(YieldValve, IntervalLetsOthersRun) {
    run_valve("SEQ_YIELD_INTERVAL", "1000");
    EXPECT_TRUE(g_flag.load());
    EXPECT_FALSE(g_gave_up.load());
}

TEST(YieldValve, TimeSliceLetsOthersRun) {
    run_valve("SEQ_YIELD_SLICE_US", "2000");
    EXPECT_TRUE(g_flag.load());
    EXPECT_FALSE(g_gave_up.load());
}

TEST(YieldValve, OffMeansNoYield) {
    // Without a valve the spinner keeps the only worker: the setter cannot
    // run until the spinner gives up (which proves the valve tests above
    // are not passing by accident).
    patch_seq_scheduler_shutdown();
    setenv("SEQ_WORKERS", "1", 1);
    patch_seq_scheduler_init();
    g_flag = false;
    g_gave_up = false;
    auto bounded_spin = [](Stack sp) -> Stack {
        for (long i = 0; i < 20000000L && !g_flag.load(); ++i)
            patch_seq_maybe_yield();
        g_gave_up = !g_flag.load();
        return sp;
    };
    spawn_strand(bounded_spin, nullptr);
    spawn_strand(set_flag, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_TRUE(g_gave_up.load());
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_WORKERS");
}

TEST(SignalDeathTest, SigintExits130) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            patch_seq_scheduler_init();
            raise(SIGINT);
            std::this_thread::sleep_for(std::chrono::seconds(30));
        },
        testing::ExitedWithCode(130), "");
}

}  // namespace
}  // namespace seq

// ---- spawn order -------------------------------------------------------------------------

namespace seq {
namespace {

std::mutex g_order_mu;
std::vector<int64_t> g_order;

Stack record_order(Stack sp) {
    std::lock_guard<std::mutex> lock(g_order_mu);
    g_order.push_back(int_of(sp[-1]));
    return sp;
}

Stack spawn_three_siblings(Stack sp) {
    for (int64_t i = 1; i <= 3; ++i) {
        StackValue* buf = owned_stack_alloc(4);
        SpawnOptions o;
        o.base = o.owned_base = buf;
        spawn_strand(record_order, push(buf, make_int(i)), o);
    }
    return sp;
}

// Children of one strand run in the order they were spawned (as upstream):
// programs that print from spawned strands keep their output order.
TEST(SpawnOrder, SiblingsRunInSpawnOrder) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_WORKERS", "1", 1);
    patch_seq_scheduler_init();
    g_order.clear();
    spawn_strand(spawn_three_siblings, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_order, (std::vector<int64_t>{1, 2, 3}));
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_WORKERS");
}

// A tree of spawns runs depth-first: with 10,000 leaves, only a few hundred
// strands are ever alive at once (breadth-first order would keep ~10,000).
std::atomic<int64_t> g_tree_live{0}, g_tree_peak{0};

Stack tree_node(Stack sp) {
    int64_t level = int_of(sp[-1]);
    for (int i = 0; level > 0 && i < 10; ++i) {
        StackValue* buf = owned_stack_alloc(4);
        SpawnOptions o;
        o.base = o.owned_base = buf;
        int64_t live = g_tree_live.fetch_add(1) + 1;  // spawned, not yet finished
        int64_t peak = g_tree_peak.load();
        while (live > peak && !g_tree_peak.compare_exchange_weak(peak, live)) {
        }
        spawn_strand(tree_node, push(buf, make_int(level - 1)), o);
    }
    g_tree_live.fetch_sub(1);
    return sp;
}

TEST(SpawnOrder, SpawnTreesRunDepthFirst) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_WORKERS", "1", 1);
    patch_seq_scheduler_init();
    g_tree_live = 1;
    g_tree_peak = 1;
    StackValue* buf = owned_stack_alloc(4);
    SpawnOptions o;
    o.base = o.owned_base = buf;
    spawn_strand(tree_node, push(buf, make_int(4)), o);  // 11,111 strands
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_tree_live.load(), 0);
    EXPECT_LT(g_tree_peak.load(), 500);
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_WORKERS");
}

}  // namespace
}  // namespace seq
