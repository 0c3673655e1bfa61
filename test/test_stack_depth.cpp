// How deep strands can go, and what happens past the end: the 1 MiB fiber
// stack (as deep as upstream's real default), the value stack in the strand's
// stack slot (compiled seq_main's and every strand.spawn child's), and the
// fatal reports for overflowing either, in guarded and dense slots.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "core/sched/config.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/sched/strand.hpp"
#include "core/value/stack.hpp"
#include "scheduler_fixture.hpp"
#include "seq/runtime.h"

namespace seq {
namespace {

using test::SchedulerTest;
using test::spawn_fn;
using test::wait_until;

// What inlined compiled code does to push: a store at *sp, no call, no check.
__attribute__((noinline)) Stack push_raw(Stack sp, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        *sp = make_int(i);
        sp = sp + 1;
        asm volatile("" ::: "memory");
    }
    return sp;
}

// ---- the fiber stack ----------------------------------------------------------------------

// A non-tail recursion the compiler cannot turn into a loop (the call goes
// through a volatile pointer and its result is used after it returns).
uint64_t recurse(uint64_t n);
uint64_t (*volatile g_recurse)(uint64_t) = recurse;
char* volatile g_deepest = nullptr;

__attribute__((noinline)) uint64_t recurse(uint64_t n) {
    volatile uint64_t here = n;
    if (n == 0) {
        g_deepest = static_cast<char*>(__builtin_frame_address(0));
        return 0;
    }
    return g_recurse(n - 1) + here;
}

TEST_F(SchedulerTest, DefaultStackIsOneMebibyte) {
    EXPECT_EQ(stack_pool().stack_size(), 1048576u);
    EXPECT_EQ(load_config().stack_size, 1048576u);
}

#if defined(SEQ_ASAN) || defined(SEQ_TSAN)
constexpr uint64_t kMinFrames = 2000;  // instrumented frames are 3-4 times bigger
#else
constexpr uint64_t kMinFrames = 10000;  // tens of thousands of small frames
#endif

TEST_F(SchedulerTest, DeepNonTailRecursionFitsInAStrand) {
    std::atomic<uint64_t> frames{0}, used{0}, sum{0};
    std::atomic<bool> done{false};
    spawn_fn([&] {
        // Measure one frame, then go ~700 KiB deep: five times what the old
        // 128 KiB default allowed, well inside 1 MiB.
        auto* top = static_cast<char*>(__builtin_frame_address(0));
        g_recurse(1);
        char* one = g_deepest;
        g_recurse(2);
        auto frame = static_cast<uint64_t>(one - g_deepest);
        uint64_t n = 700 * 1024 / frame;
        frames = n;
        sum = g_recurse(n);
        used = static_cast<uint64_t>(top - g_deepest);
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_GE(frames.load(), kMinFrames);
    EXPECT_GT(used.load(), 512u * 1024);
    EXPECT_EQ(sum.load(), frames.load() * (frames.load() + 1) / 2);
}

#if !defined(SEQ_ASAN) && !defined(SEQ_TSAN)
// (Sanitizers watch the stack themselves and report the overflow first.)
__attribute__((noinline)) int deep(int n) {
    volatile char frame[1024];
    for (char& c : const_cast<char(&)[1024]>(frame))
        c = static_cast<char>(n | 1);
    return n ? deep(n - 1) + frame[0] + frame[1023] : 0;
}

std::atomic<int> g_sink{0};

void restart(const char* guard) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_STACK_GUARD", guard, 1);
    unsetenv("SEQ_STACK_SIZE");
    patch_seq_scheduler_init();
}

Stack parked_forever(Stack sp) {
    for (;;)
        park();
    return sp;
}

// Takes a slot, so the next strand gets one above it in the same slab.
void occupy_a_slot() {
    SpawnOptions uncounted;
    uncounted.counted = false;  // so a missed report fails the test, not hangs it
    spawn_strand(parked_forever, nullptr, uncounted);  // a fresh slab's slot 0
}

void overflow_at_default_depth(const char* guard) {
    restart(guard);
    spawn_fn([] {
        g_sink = deep(2048);  // 2 MiB of frames
        yield_now();
    });
    patch_seq_wait_all_strands();
}

TEST(StackDepthDeathTest, GuardedOverflowAtOneMebibyteNamesStrandAndSize) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_at_default_depth("always"),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=1048576 bytes\\); "
                 "raise SEQ_STACK_SIZE");
}

TEST(StackDepthDeathTest, DenseOverflowAtOneMebibyteNamesStrandAndSize) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_at_default_depth("never"),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=1048576 bytes\\)");
}

// ---- faults elsewhere in a stack slab (a frame that skipped its guard, a
// dense overflow that ran through the slots below it) -------------------------------------

// The running strand has its slab's slot 1. It stores into slot 0's guard
// page (guarded: a fault inside the slab, far below its own guard) or just
// below the slab (dense: past every slot beneath it).
void fault_below_the_slot_beneath(const char* guard) {
    restart(guard);
    occupy_a_slot();
    spawn_fn([] {
        FiberStack* fs = current_strand()->stack;
        auto vend = reinterpret_cast<uintptr_t>(fs->vstack + kValueSlots);
        uintptr_t slot_end = (vend + 4095) & ~uintptr_t{4095};  // the gap is under a page
        uintptr_t slot_start = reinterpret_cast<uintptr_t>(fs->bottom) - (fs->guarded ? 4096 : 0);
        uintptr_t slot0 = slot_start - (slot_end - slot_start);
        auto* p = reinterpret_cast<volatile char*>(fs->guarded ? slot0 + 8 : slot0 - 8);
        *p = 1;
        g_sink = *p;
    });
    patch_seq_wait_all_strands();
}

TEST(StackDepthDeathTest, FaultInAnotherSlotsGuardIsAnOverflow) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(fault_below_the_slot_beneath("always"),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=1048576 bytes\\)");
}

TEST(StackDepthDeathTest, FaultBelowADenseSlabIsAnOverflow) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(fault_below_the_slot_beneath("never"),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=1048576 bytes\\)");
}

// A dense strand above slot 0 that overflows runs through the slots beneath
// it (dense stacks have no guards) and off the slab's low end, where the
// slab's no-access floor stops it: reported, however the kernel mapped the
// memory below the slab (a thread stack started after the slab was mapped
// used to be overwritten there, and the process died of a bare SIGSEGV).
void dense_overflow_from_slot_one() {
    restart("never");
    occupy_a_slot();
    spawn_fn([] {
        g_sink = deep(4096);  // 4 MiB of frames: past slot 0 and the floor
        yield_now();
    });
    patch_seq_wait_all_strands();
}

TEST(StackDepthDeathTest, DenseOverflowThroughTheSlotsBeneathIsAnOverflow) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(dense_overflow_from_slot_one(),
                 "seq: strand [0-9]+ overflowed its stack \\(SEQ_STACK_SIZE=1048576 bytes\\)");
}

// The floor itself: the 64 KiB below a slab are mapped without access.
TEST(StackDepth, EverySlabHasANoAccessFloorBelowIt) {
    for (const char* guard : {"never", "always"}) {
        restart(guard);
        std::atomic<uintptr_t> slab_base{0};
        std::atomic<bool> done{false};
        spawn_fn([&] {
            FiberStack* fs = current_strand()->stack;
            auto vend = reinterpret_cast<uintptr_t>(fs->vstack + kValueSlots);
            uintptr_t slot_end = (vend + 4095) & ~uintptr_t{4095};
            uintptr_t slot_start =
                reinterpret_cast<uintptr_t>(fs->bottom) - (fs->guarded ? 4096 : 0);
            slab_base = slot_start - fs->slot * (slot_end - slot_start);
            done = true;
        });
        ASSERT_TRUE(wait_until([&] { return done.load(); }));
        ASSERT_TRUE(wait_until([] { return counters().active.load() == 0; }));
        // The mapping (from /proc/self/maps) that holds the byte below the
        // slab: no access, and reaching at least 64 KiB down.
        uintptr_t below = slab_base.load() - 1;
        FILE* maps = std::fopen("/proc/self/maps", "r");
        ASSERT_NE(maps, nullptr);
        char line[512];
        bool found = false;
        while (std::fgets(line, sizeof line, maps)) {
            unsigned long lo = 0, hi = 0;
            char perms[8] = {};
            if (std::sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
            if (below < lo || below >= hi) continue;
            found = true;
            EXPECT_STREQ(perms, "---p") << guard << ": " << line;
            EXPECT_LE(lo, slab_base.load() - 64 * 1024) << guard << ": " << line;
        }
        std::fclose(maps);
        EXPECT_TRUE(found) << guard << ": nothing is mapped below the slab";
    }
    patch_seq_scheduler_shutdown();
    unsetenv("SEQ_STACK_GUARD");
    patch_seq_scheduler_init();
}
#endif

// ---- the value stack ------------------------------------------------------------------------

std::atomic<int64_t> g_push{0};
std::atomic<int64_t> g_child_depth{-1};

// The child of a compiled `[ ... ] strand.spawn`: pushes g_push values, then
// switches (where the value stack's gap is checked), then checks its values.
Stack pushing_child(Stack sp) {
    Stack base = stack_base();
    sp = push_raw(sp, g_push.load());
    yield_now();
    int64_t ok = 0;
    for (Stack p = base + 1; p < sp; ++p)
        ok += int_of(*p) == (p - base - 1) ? 1 : 0;
    g_child_depth = ok;
    return sp;
}

// A compiled seq_main that spawns one child the way `strand.spawn` does.
Stack spawning_main(Stack) {
    seq_value_stack* st = seq_stack_new_default();
    Stack base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    Stack sp = patch_seq_push_int(base, 42);  // the child gets a copy of it
    auto q = reinterpret_cast<uintptr_t>(pushing_child);
    sp = patch_seq_push_quotation(sp, q, q);
    sp = patch_seq_spawn(sp);
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_drop_op(sp);
    seq_stack_free(st);
    return nullptr;
}

// A compiled seq_main that pushes g_push values on its own stack.
Stack pushing_main(Stack) {
    seq_value_stack* st = seq_stack_new_default();
    Stack base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    Stack sp = push_raw(base, g_push.load());
    yield_now();
    g_child_depth = sp - base;
    seq_stack_set_sp(st, static_cast<size_t>(sp - base));
    seq_stack_free(st);
    return nullptr;
}

TEST_F(SchedulerTest, SpawnedChildsValueStackIsInItsSlotAndHoldsAll4096Slots) {
    g_push = 4095;  // + the copied 42: exactly full
    g_child_depth = -1;
    patch_seq_strand_spawn(spawning_main, nullptr);
    ASSERT_TRUE(wait_until([] { return g_child_depth.load() >= 0; }));
    EXPECT_EQ(g_child_depth.load(), 4095);  // every pushed value intact
}

TEST_F(SchedulerTest, MainStacksLiveInTheSlotAndGoBackWhenFreed) {
    std::atomic<int> checks{0};
    spawn_fn([&] {
        Strand* s = current_strand();
        seq_value_stack* a = seq_stack_new_default();
        seq_value_stack* b = seq_stack_new_default();  // the slot's is taken: a buffer
        if (seq_stack_base(a) == s->stack->vstack) ++checks;
        if (seq_stack_base(b) != s->stack->vstack) ++checks;
        Stack sp = patch_seq_push_string(seq_stack_base(a), "dropped when freed");
        seq_stack_set_sp(a, static_cast<size_t>(sp - seq_stack_base(a)));
        seq_stack_free(a);
        seq_stack_free(b);
        seq_value_stack* c = seq_stack_new_default();  // given back: the slot's again
        if (seq_stack_base(c) == s->stack->vstack) ++checks;
        seq_stack_grow(c, 8192);  // moves out of the slot
        if (seq_stack_base(c) != s->stack->vstack && seq_stack_capacity(c) >= 8192) ++checks;
        seq_stack_free(c);
        seq_value_stack* d = seq_stack_new_default();
        if (seq_stack_base(d) == s->stack->vstack) ++checks;
        seq_stack_free(d);
    });
    ASSERT_TRUE(wait_until([&] { return checks.load() == 5; }, 10));
    // Outside a strand there is no slot: an ordinary buffer.
    seq_value_stack* h = seq_stack_new_default();
    EXPECT_EQ(seq_stack_capacity(h), 4096u);
    seq_stack_free(h);
}

TEST_F(SchedulerTest, MainStackHoldsAll4096Slots) {
    g_push = 4096;
    g_child_depth = -1;
    patch_seq_strand_spawn(pushing_main, nullptr);
    ASSERT_TRUE(wait_until([] { return g_child_depth.load() >= 0; }));
    EXPECT_EQ(g_child_depth.load(), 4096);
}

void overflow_value_stack(const char* guard, bool main_stack, int64_t n) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_STACK_GUARD", guard, 1);
    patch_seq_scheduler_init();
    g_push = n;
    patch_seq_strand_spawn(main_stack ? pushing_main : spawning_main, nullptr);
    patch_seq_wait_all_strands();
    std::_Exit(0);  // not reached when the overflow is caught
}

constexpr const char* kValueOverflow =
    "seq: strand [0-9]+ overflowed its value stack \\(4096 slots\\)";

// Far past the end: guarded slots fault in the guard page at once.
TEST(ValueStackDeathTest, SpawnedChildGuardedFarPastTheEnd) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_value_stack("always", false, 6000), kValueOverflow);
}

// Just past the end (inside the gap before the guard): caught at the switch.
TEST(ValueStackDeathTest, SpawnedChildGuardedJustPastTheEnd) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_value_stack("always", false, 4100), kValueOverflow);
}

// Dense slots have no guard: the gap's canary, at the switch.
TEST(ValueStackDeathTest, SpawnedChildDense) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_value_stack("never", false, 6000), kValueOverflow);
}

TEST(ValueStackDeathTest, MainStackGuarded) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_value_stack("always", true, 6000), kValueOverflow);
}

TEST(ValueStackDeathTest, MainStackDense) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(overflow_value_stack("never", true, 4097), kValueOverflow);
}

// ---- deep strands give their pages back ---------------------------------------------------

TEST_F(SchedulerTest, ADeepStrandsLowerPagesAreReturnedWhenItEnds) {
    uint64_t before = stack_pool().stats().deep_trims;
    std::atomic<bool> done{false};
    spawn_fn([&] {
        g_recurse(1);
        char* one = g_deepest;
        g_recurse(2);
        auto frame = static_cast<uint64_t>(one - g_deepest);
        g_recurse(300 * 1024 / frame);  // well past kKeepResident
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    ASSERT_TRUE(wait_until([&] { return stack_pool().stats().deep_trims > before; }));
    // A shallow strand's stack is pooled as it is.
    uint64_t after_deep = stack_pool().stats().deep_trims;
    std::atomic<bool> shallow{false};
    spawn_fn([&] {
        g_recurse(10);
        shallow = true;
    });
    ASSERT_TRUE(wait_until([&] { return shallow.load() && counters().active.load() == 0; }));
    EXPECT_EQ(stack_pool().stats().deep_trims, after_deep);
}

}  // namespace
}  // namespace seq
