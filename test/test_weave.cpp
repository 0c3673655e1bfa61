// Weaves: upstream weave.rs's tests plus what the C++ runtime adds (lazy
// start, same-worker handoff, concurrent resumers, cancel that reclaims a
// suspended weave, dropped handles, closures).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/sync/channel.hpp"
#include "core/sync/weave.hpp"
#include "core/value/stack.hpp"
#include "seq/runtime.h"
#include "seq/runtime_channels.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::spawn_fn;
using test::TestStack;
using Weaves = test::SchedulerTest;

// ---- quotations (as compiled code would be): ( ctx a -- ctx ) ------------------------

// Yields a + 100 once, then finishes.
Stack yield_once(Stack sp) {
    int64_t n = int_of(sp[-1]);
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_push_int(sp, n + 100);
    sp = patch_seq_yield(sp);
    return patch_seq_drop_op(sp);
}

// Yields 1, 2, 3 then finishes.
Stack yield_three(Stack sp) {
    sp = patch_seq_drop_op(sp);
    for (int i = 1; i <= 3; ++i) {
        sp = patch_seq_push_int(sp, i);
        sp = patch_seq_yield(sp);
        sp = patch_seq_drop_op(sp);
    }
    return sp;
}

Stack no_yield(Stack sp) {
    return patch_seq_drop_op(sp);
}

// Echoes each resume value until a negative one.
Stack echo(Stack sp) {
    for (;;) {
        int64_t n = is_int(sp[-1]) ? int_of(sp[-1]) : -1;
        if (n < 0) return patch_seq_drop_op(sp);
        sp = patch_seq_yield(sp);  // yields the value it was given
    }
}

// Yields 0, 1, 2, ... forever.
Stack count_forever(Stack sp) {
    sp = patch_seq_drop_op(sp);
    for (int64_t i = 0;; ++i) {
        sp = patch_seq_push_int(sp, i);
        sp = patch_seq_yield(sp);
        sp = patch_seq_drop_op(sp);
    }
}

std::atomic<Worker*> g_weave_worker{nullptr};
// Records the worker it runs on at each step.
Stack report_worker(Stack sp) {
    sp = patch_seq_drop_op(sp);
    for (int i = 0; i < 100; ++i) {
        g_weave_worker = current_worker();
        sp = patch_seq_push_int(sp, i);
        sp = patch_seq_yield(sp);
        sp = patch_seq_drop_op(sp);
    }
    return sp;
}

StackValue weave_of(Stack (*fn)(Stack), TestStack& st) {
    st.sp = patch_seq_push_quotation(st.sp, reinterpret_cast<uintptr_t>(fn),
                                     reinterpret_cast<uintptr_t>(fn));
    st.sp = patch_seq_weave(st.sp);
    return st.top();
}

struct Resumed {
    StackValue value;
    bool ok;
};
// ( W a -- W b ok ) leaving W on the stack.
Resumed resume(TestStack& st, StackValue a) {
    st.sp = push(st.sp, a);
    st.sp = patch_seq_resume(st.sp);
    StackValue ok = *--st.sp;
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_bool(ok));
    return {v, ok == kTrue};
}

// ---- upstream's tests ----------------------------------------------------------------

TEST_F(Weaves, WeavePushesAHandle) {
    TestStack st;
    StackValue h = weave_of(yield_once, st);
    EXPECT_TRUE(is_kind(h, Kind::WeaveCtx));
    EXPECT_TRUE(is_weave_handle(h));
}

TEST_F(Weaves, SingleYield) {
    TestStack st;
    weave_of(yield_once, st);
    Resumed r = resume(st, make_int(42));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.value, make_int(142));
}

TEST_F(Weaves, Completion) {
    TestStack st;
    weave_of(yield_once, st);
    EXPECT_TRUE(resume(st, make_int(10)).ok);
    Resumed r = resume(st, make_int(0));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.value, make_int(0));
}

TEST_F(Weaves, NoYieldCompletesAtOnce) {
    TestStack st;
    weave_of(no_yield, st);
    EXPECT_FALSE(resume(st, make_int(0)).ok);
}

TEST_F(Weaves, MultipleYieldsInOrder) {
    TestStack st;
    weave_of(yield_three, st);
    for (int i = 1; i <= 3; ++i) {
        Resumed r = resume(st, make_int(0));
        EXPECT_TRUE(r.ok);
        EXPECT_EQ(r.value, make_int(i));
    }
    EXPECT_FALSE(resume(st, make_int(0)).ok);
}

TEST_F(Weaves, EchoIncludingZeroAndNegativeValues) {
    TestStack st;
    weave_of(echo, st);
    for (int64_t v : {int64_t{42}, int64_t{0}, int64_t{99}, kIntMax}) {
        Resumed r = resume(st, make_int(v));
        EXPECT_TRUE(r.ok);
        EXPECT_EQ(r.value, make_int(v));
    }
    EXPECT_FALSE(resume(st, make_int(-1)).ok);
}

TEST_F(Weaves, YieldsNegative) {
    TestStack st;
    weave_of(yield_once, st);
    Resumed r = resume(st, make_int(-50));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.value, make_int(50));
    EXPECT_FALSE(resume(st, make_int(0)).ok);
}

TEST_F(Weaves, GeneratorLoopCollectsAll) {
    TestStack st;
    weave_of(yield_three, st);
    std::vector<int64_t> got;
    for (;;) {
        Resumed r = resume(st, make_int(0));
        if (!r.ok) break;
        got.push_back(int_of(r.value));
    }
    EXPECT_EQ(got, (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(Weaves, ResumeAfterCompletionKeepsAnsweringFalse) {
    TestStack st;
    weave_of(no_yield, st);
    for (int i = 0; i < 3; ++i)
        EXPECT_FALSE(resume(st, make_int(i)).ok);  // upstream would wait forever
}

TEST_F(Weaves, WorksAlongsideOrdinaryStrands) {
    static std::atomic<bool> ran{false};
    ran = false;
    patch_seq_strand_spawn(
        [](Stack sp) {
            ran = true;
            return sp;
        },
        nullptr);
    TestStack st;
    weave_of(yield_once, st);
    EXPECT_TRUE(resume(st, make_int(5)).ok);
    EXPECT_FALSE(resume(st, make_int(0)).ok);
    patch_seq_wait_all_strands();
    EXPECT_TRUE(ran.load());
}

// ---- lifetime: dormant, cancelled, abandoned -------------------------------------------

TEST_F(Weaves, NeverResumedWeaveStartsNoStrandAndDoesNotBlockExit) {
    uint64_t ids = counters().next_id.load();
    TestStack st;
    StackValue s = make_string("below the quotation");
    st.sp = push(st.sp, clone_value(s));
    for (int i = 0; i < 10; ++i) {
        weave_of(yield_three, st);  // each copies the string below it
        st.sp = patch_seq_drop_op(st.sp);
    }
    patch_seq_wait_all_strands();               // returns at once: no weave is active
    EXPECT_EQ(counters().next_id.load(), ids);  // no strand was ever spawned
    EXPECT_EQ(refcount(s), 2u);                 // dropped handles released their copies
    drop_value(s);
}

TEST_F(Weaves, CancelBeforeResume) {
    uint64_t ids = counters().next_id.load();
    TestStack st;
    StackValue s = make_string("copied into the weave");
    st.sp = push(st.sp, clone_value(s));
    weave_of(yield_three, st);
    EXPECT_EQ(refcount(s), 3u);  // ours, the stack's, the weave's copy
    st.sp = patch_seq_weave_cancel(st.sp);
    EXPECT_EQ(refcount(s), 2u);
    EXPECT_EQ(counters().next_id.load(), ids);
    drop_value(s);
}

// A cancelled suspended weave ends: its stack (with the copy of the string
// below its quotation) is reclaimed before cancel returns.
TEST_F(Weaves, CancelAfterYieldUnwindsTheWeave) {
    TestStack st;
    StackValue s = make_string("held by the weave's stack");
    st.sp = push(st.sp, clone_value(s));
    weave_of(count_forever, st);
    for (int i = 0; i < 3; ++i) {
        Resumed r = resume(st, make_int(0));
        ASSERT_TRUE(r.ok);
        EXPECT_EQ(r.value, make_int(i));
    }
    EXPECT_EQ(refcount(s), 3u);
    StackValue h = clone_value(st.top());
    st.sp = patch_seq_weave_cancel(st.sp);
    EXPECT_EQ(refcount(s), 2u);
    // The handle we kept answers false from now on.
    TestStack st2;
    st2.sp = push(st2.sp, h);
    EXPECT_FALSE(resume(st2, make_int(0)).ok);
    drop_value(s);
}

// Dropping the last handle of a suspended weave unwinds it too; wait_all
// covers the unwinding, so nothing is left behind.
TEST_F(Weaves, DroppedHandleOfSuspendedWeaveIsReclaimed) {
    TestStack st;
    StackValue s = make_string("held by an abandoned weave");
    st.sp = push(st.sp, clone_value(s));
    weave_of(count_forever, st);
    ASSERT_TRUE(resume(st, make_int(0)).ok);
    EXPECT_EQ(refcount(s), 3u);
    st.sp = patch_seq_drop_op(st.sp);  // the last handle
    patch_seq_wait_all_strands();
    EXPECT_EQ(refcount(s), 2u);
    drop_value(s);
}

// A suspended weave whose handle is still alive does not keep the program
// from finishing (upstream's "dormant" weave).
TEST_F(Weaves, SuspendedWeaveDoesNotBlockWaitAll) {
    TestStack st;
    weave_of(count_forever, st);
    ASSERT_TRUE(resume(st, make_int(0)).ok);
    patch_seq_wait_all_strands();  // returns although the weave lives on
    EXPECT_EQ(counters().active.load(), 0u);
    // Clean up before the scheduler goes (otherwise the fiber is abandoned).
    st.sp = patch_seq_weave_cancel(st.sp);
}

// The weave cancels itself (it got its own handle as a resume value): the
// cancel takes effect at its next yield, whose value still arrives.
Stack self_cancel(Stack sp) {
    // ( ctx handle ) : cancel through the handle, then yield 7.
    sp = patch_seq_weave_cancel(sp);
    sp = patch_seq_push_int(sp, 7);
    sp = patch_seq_yield(sp);  // delivers 7, then unwinds
    ADD_FAILURE() << "a cancelled weave continued after yield";
    return patch_seq_drop_op(sp);
}

TEST_F(Weaves, WeaveCancellingItselfEndsAtNextYield) {
    TestStack st;
    StackValue h = weave_of(self_cancel, st);
    Resumed r = resume(st, clone_value(h));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.value, make_int(7));
    EXPECT_FALSE(resume(st, make_int(0)).ok);
}

// ---- resumers that are strands ---------------------------------------------------------

TEST_F(Weaves, ResumedFromAStrandRunsOnTheResumersWorker) {
    std::atomic<int> mismatches{0}, steps{0};
    spawn_fn([&] {
        TestStack st;
        weave_of(report_worker, st);
        for (;;) {
            Resumed r = resume(st, make_int(0));
            if (!r.ok) break;
            if (g_weave_worker.load() != current_worker()) mismatches++;
            steps++;
        }
    });
    patch_seq_wait_all_strands();
    EXPECT_EQ(steps.load(), 100);
    EXPECT_EQ(mismatches.load(), 0);
}

// Two strands resume one weave (a shared handle): each resume gets its own
// yield; nothing is duplicated or lost.
TEST_F(Weaves, ConcurrentResumersGetDistinctValues) {
    constexpr int kPerResumer = 2000;
    TestStack st;
    StackValue h = weave_of(count_forever, st);
    std::mutex mu;
    std::set<int64_t> seen;
    std::atomic<int> dups{0};
    for (int k = 0; k < 2; ++k) {
        StackValue mine = clone_value(h);
        spawn_fn([&, mine] {
            StackValue buf[8];
            Stack sp = push(buf, mine);
            for (int i = 0; i < kPerResumer; ++i) {
                sp = patch_seq_push_int(sp, 0);
                sp = patch_seq_resume(sp);
                EXPECT_EQ(sp[-1], kTrue);
                int64_t v = int_of(sp[-2]);
                sp -= 2;
                std::lock_guard<std::mutex> lock(mu);
                if (!seen.insert(v).second) dups++;
            }
            drop_value(buf[0]);
        });
    }
    patch_seq_wait_all_strands();
    EXPECT_EQ(dups.load(), 0);
    EXPECT_EQ(seen.size(), size_t{2 * kPerResumer});
    EXPECT_EQ(*seen.rbegin(), 2 * kPerResumer - 1);
    st.sp = patch_seq_weave_cancel(st.sp);
}

// Many weaves driven from many strands at once.
TEST_F(Weaves, ManyWeavesFromManyStrands) {
#if defined(SEQ_TSAN)
    constexpr int kStrands = 10, kWeavesEach = 20;
#else
    constexpr int kStrands = 20, kWeavesEach = 200;
#endif
    std::atomic<int64_t> total{0};
    for (int k = 0; k < kStrands; ++k) {
        spawn_fn([&] {
            for (int w = 0; w < kWeavesEach; ++w) {
                TestStack st;
                weave_of(yield_three, st);
                for (;;) {
                    Resumed r = resume(st, make_int(0));
                    if (!r.ok) break;
                    total += int_of(r.value);
                }
            }
        });
    }
    patch_seq_wait_all_strands();
    EXPECT_EQ(total.load(), int64_t{kStrands} * kWeavesEach * 6);
}

// A weave may itself park on a channel between yields.
Stack relay_from_channel(Stack sp) {
    // ( ctx chan ) : yield each value received until the channel closes.
    StackValue ch = *--sp;  // ours now
    for (;;) {
        StackValue v;
        if (!channel_receive(channel_of(ch), &v)) break;
        sp = push(sp, v);
        sp = patch_seq_yield(sp);
        sp = patch_seq_drop_op(sp);
    }
    drop_value(ch);
    return sp;
}

TEST_F(Weaves, WeaveWaitsOnAChannel) {
    StackValue ch = channel_new();
    StackValue cref = clone_value(ch);  // the weave's reference
    spawn_fn([ch] {
        for (int i = 0; i < 50; ++i) {
            EXPECT_TRUE(channel_send(channel_of(ch), make_int(i)));
            yield_now();
        }
        channel_close(channel_of(ch));
        drop_value(ch);
    });
    TestStack st;
    weave_of(relay_from_channel, st);
    int64_t sum = 0;
    Resumed r = resume(st, cref);
    while (r.ok) {
        sum += int_of(r.value);
        r = resume(st, make_int(0));
    }
    EXPECT_EQ(sum, 49 * 50 / 2);
}

// Generators of generators: a weave that drives another weave.
Stack doubles_of_inner(Stack sp) {
    // ( ctx a ) : resumes an inner yield_three weave, yields each value * 2.
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_push_quotation(sp, reinterpret_cast<uintptr_t>(yield_three),
                                  reinterpret_cast<uintptr_t>(yield_three));
    sp = patch_seq_weave(sp);  // ( ctx inner )
    for (;;) {
        sp = patch_seq_push_int(sp, 0);
        sp = patch_seq_resume(sp);  // ( ctx inner v ok )
        bool more = *--sp == kTrue;
        if (!more) {
            sp = patch_seq_drop_op(sp);
            break;
        }
        int64_t v = int_of(*--sp);
        sp = patch_seq_swap(sp);  // ( inner ctx )
        sp = patch_seq_push_int(sp, v * 2);
        sp = patch_seq_yield(sp);  // ( inner ctx a )
        sp = patch_seq_drop_op(sp);
        sp = patch_seq_swap(sp);  // ( ctx inner )
    }
    return patch_seq_drop_op(sp);  // the inner handle
}

TEST_F(Weaves, WeaveDrivingAnotherWeave) {
    TestStack st;
    weave_of(doubles_of_inner, st);
    std::vector<int64_t> got;
    for (;;) {
        Resumed r = resume(st, make_int(0));
        if (!r.ok) break;
        got.push_back(int_of(r.value));
    }
    EXPECT_EQ(got, (std::vector<int64_t>{2, 4, 6}));
}

// A weave given its own handle cannot resume itself (it would wait for
// itself forever): the resume answers false.
Stack resume_self(Stack sp) {
    // ( ctx handle )
    sp = patch_seq_push_int(sp, 1);
    sp = patch_seq_resume(sp);  // ( ctx handle 0 false )
    bool ok = *--sp == kTrue;
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_drop_op(sp);  // the handle
    sp = patch_seq_push_int(sp, ok ? 1 : 0);
    sp = patch_seq_yield(sp);
    return patch_seq_drop_op(sp);
}

TEST_F(Weaves, WeaveResumingItselfGetsFalse) {
    TestStack st;
    StackValue h = weave_of(resume_self, st);
    Resumed r = resume(st, clone_value(h));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.value, make_int(0));
    EXPECT_FALSE(resume(st, make_int(0)).ok);
}

// ---- closures ------------------------------------------------------------------------

Stack closure_body(Stack sp, const StackValue* env, size_t len) {
    // ( ctx a ) : yields a + env[0], a + env[0] * 2, then finishes.
    EXPECT_EQ(len, 1u);
    int64_t a = int_of(sp[-1]);
    int64_t k = int_of(env[0]);
    sp = patch_seq_drop_op(sp);
    for (int i = 1; i <= 2; ++i) {
        sp = patch_seq_push_int(sp, a + k * i);
        sp = patch_seq_yield(sp);
        sp = patch_seq_drop_op(sp);
    }
    return sp;
}

TEST_F(Weaves, ClosureWeave) {
    TestStack st;
    StackValue env[1] = {make_int(10)};
    st.sp = push(st.sp, make_closure(reinterpret_cast<uintptr_t>(closure_body), env, 1));
    st.sp = patch_seq_weave(st.sp);
    Resumed r = resume(st, make_int(1));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.value, make_int(11));
    r = resume(st, make_int(0));
    EXPECT_EQ(r.value, make_int(21));
    EXPECT_FALSE(resume(st, make_int(0)).ok);
}

// ---- values crossing, failure paths ----------------------------------------------------

Stack yield_arena_string(Stack sp) {
    sp = patch_seq_drop_op(sp);
    sp = push(sp, make_arena_string("made in the weave's arena"));
    sp = patch_seq_yield(sp);
    return patch_seq_drop_op(sp);
}

TEST_F(Weaves, YieldedValuesAreGlobal) {
    TestStack st;
    weave_of(yield_arena_string, st);
    Resumed r = resume(st, make_int(0));
    ASSERT_TRUE(r.ok);
    ASSERT_TRUE(is_kind(r.value, Kind::String));
    EXPECT_EQ(heap_of(r.value)->flags, 0);
    EXPECT_FALSE(resume(st, make_int(0)).ok);  // the weave's arena is gone now
    EXPECT_EQ(string_of(r.value)->view(), "made in the weave's arena");
    drop_value(r.value);
}

TEST_F(Weaves, ResumeWithWrongTypeGivesFalse) {
    TestStack st;
    st.sp = push(st.sp, make_int(5));
    Resumed r = resume(st, make_string("dropped"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.value, make_int(0));
    EXPECT_EQ(st.top(), make_int(5));
}

TEST_F(Weaves, YieldOutsideAWeaveAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            StackValue buf[4];
            Stack sp = push(buf, make_int(1));
            sp = push(sp, make_int(2));
            patch_seq_yield(sp);
        },
        "yield");
}

}  // namespace
}  // namespace seq
