// The scheduling seam (ReadyQueues) operation by operation, on strand records
// that never run, and park reasons as diagnostics show them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/sched/diagnostics.hpp"
#include "core/sched/park_reason.hpp"
#include "core/sched/ready_queues.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/sync/channel.hpp"
#include "test_support.hpp"

namespace seq {
namespace {

// Strand records to queue (never run), and the queues of worker 0 of a
// scheduler without workers (so nothing is ever donated).
class Policy : public ::testing::Test {
  protected:
    Strand* strand(uint64_t id) {
        records_.push_back(std::make_unique<Strand>());
        records_.back()->id = id;
        return records_.back().get();
    }
    // Ids in the order next_to_run hands them out, until it has none.
    static std::vector<uint64_t> drain(ReadyQueues& q) {
        std::vector<uint64_t> ids;
        while (Strand* s = q.next_to_run())
            ids.push_back(s->id);
        return ids;
    }

    // Donation needs real (never started) workers: `sched` gets two, and
    // strands first..last queue on worker 0, homed there; the `pinned` ones
    // have a uv operation in flight. Worker 1 is then made to "sleep".
    void queue_beside_a_sleeper(Scheduler& sched, uint64_t first, uint64_t last,
                                std::initializer_list<uint64_t> pinned = {}) {
        sched.workers.push_back(std::make_unique<Worker>(0, &sched));
        sched.workers.push_back(std::make_unique<Worker>(1, &sched));
        for (uint64_t id = first; id <= last; ++id) {
            Strand* s = strand(id);
            s->home = sched.workers[0].get();
            if (std::find(pinned.begin(), pinned.end(), id) != pinned.end()) s->pin_count = 1;
            sched.workers[0]->ready.push_ready(s);
        }
    }
    static void make_sleep(Scheduler& sched, Worker& w) {
        sched.idle_workers.store(1);
        w.sleeping.store(true);
    }

    Scheduler sched_;
    ReadyQueues q_{sched_, 0};

  private:
    std::vector<std::unique_ptr<Strand>> records_;
};

using Ids = std::vector<uint64_t>;

TEST_F(Policy, ReadyStrandsRunInFifoOrder) {
    for (uint64_t id = 1; id <= 3; ++id)
        q_.push_ready(strand(id));
    Strand* first = q_.next_to_run();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->id, 1u);
    EXPECT_EQ(first->next, nullptr);  // popped: unlinked
    q_.push_ready(first);             // it yielded: back of the line
    EXPECT_EQ(drain(q_), (Ids{2, 3, 1}));
    EXPECT_FALSE(q_.has_ready());
}

TEST_F(Policy, SpawnsRunWorkFirstInSiblingOrder) {
    q_.push_ready(strand(100));  // older work
    q_.push_ready(strand(101));
    q_.on_switch_in();  // a strand runs and spawns three children
    Strand* c1 = strand(1);
    q_.push_spawned(c1);
    q_.push_spawned(strand(2));
    q_.push_spawned(strand(3));
    EXPECT_EQ(q_.fifo_size(), 5u);
    // c1 runs next and spawns two grandchildren: they go before its
    // siblings (depth-first), in their own spawn order.
    ASSERT_EQ(q_.next_to_run(), c1);
    q_.on_switch_in();
    q_.push_spawned(strand(11));
    q_.push_spawned(strand(12));
    EXPECT_EQ(drain(q_), (Ids{11, 12, 2, 3, 100, 101}));
}

TEST_F(Policy, ASwitchStartsANewSiblingRun) {
    q_.on_switch_in();
    q_.push_spawned(strand(1));
    q_.push_spawned(strand(2));
    q_.on_switch_in();           // another strand runs (here: without popping)
    q_.push_spawned(strand(3));  // its child goes to the very front
    EXPECT_EQ(drain(q_), (Ids{3, 1, 2}));
}

TEST_F(Policy, RunnextRunsFirstButAtMostAStreakInARow) {
    q_.push_ready(strand(1));
    q_.push_ready(strand(2));
    Strand* pinger = strand(7);
    // A strand woken by the running strand, over and over (a ping-pong).
    std::vector<uint64_t> ran;
    for (unsigned i = 0; i < ReadyQueues::kRunnextStreak + 2; ++i) {
        if (!q_.runnext()) q_.push_runnext(pinger);
        ran.push_back(q_.next_to_run()->id);
    }
    std::vector<uint64_t> expect(ReadyQueues::kRunnextStreak, 7);
    expect.push_back(1);  // the streak is spent: the FIFO gets a turn
    expect.push_back(7);  // and runnext's new streak begins
    EXPECT_EQ(ran, expect);
}

TEST_F(Policy, RunnextStreakIsUnlimitedWhenNothingElseIsReady) {
    Strand* pinger = strand(7);
    for (unsigned i = 0; i < 3 * ReadyQueues::kRunnextStreak; ++i) {
        q_.push_runnext(pinger);
        ASSERT_EQ(q_.next_to_run(), pinger) << "pick " << i;
    }
}

TEST_F(Policy, ANewRunnextSendsTheOldOneToTheFifo) {
    q_.push_ready(strand(1));
    q_.push_runnext(strand(2));
    q_.push_runnext(strand(3));
    EXPECT_EQ(drain(q_), (Ids{3, 1, 2}));
}

TEST_F(Policy, WokenStrandsGoToRunnextOnlyWhenAStrandWokeThemAndTheyMayMove) {
    Strand* by_strand = strand(1);
    Strand* by_loop = strand(2);
    Strand* pinned = strand(3);
    pinned->pin_count = 1;
    q_.push_woken(by_loop, false);
    q_.push_woken(pinned, true);
    q_.push_woken(by_strand, true);
    EXPECT_EQ(q_.runnext(), by_strand);
    EXPECT_EQ(drain(q_), (Ids{1, 2, 3}));
}

TEST_F(Policy, HandoffsStopWhenTheBudgetIsSpent) {
    for (uint64_t id = 1; id <= 2 * ReadyQueues::kHandoffBudget; ++id)
        q_.push_ready(strand(id));
    q_.reset_handoff_budget();
    int handoffs = 0;
    while (Strand* s = q_.take_for_handoff(SwitchReason::Park)) {
        EXPECT_EQ(s->id, static_cast<uint64_t>(handoffs + 1));  // in queue order
        ++handoffs;
        ASSERT_LE(handoffs, 2 * ReadyQueues::kHandoffBudget);
    }
    EXPECT_EQ(handoffs, ReadyQueues::kHandoffBudget);
    EXPECT_EQ(q_.fifo_size(), static_cast<size_t>(ReadyQueues::kHandoffBudget));
    // The loop resumes a strand: a new budget.
    q_.reset_handoff_budget();
    EXPECT_NE(q_.take_for_handoff(SwitchReason::Done), nullptr);
}

TEST_F(Policy, AMigrationAlwaysGoesThroughTheLoop) {
    q_.push_ready(strand(1));
    q_.reset_handoff_budget();
    EXPECT_EQ(q_.take_for_handoff(SwitchReason::Migrate), nullptr);
    EXPECT_TRUE(q_.has_ready());
}

TEST_F(Policy, ALoneYielderKeepsRunningUntilTheBudgetIsSpent) {
    q_.reset_handoff_budget();
    int kept = 0;
    while (q_.keep_running_yielder()) {
        ++kept;
        ASSERT_LE(kept, ReadyQueues::kHandoffBudget);
    }
    EXPECT_EQ(kept, ReadyQueues::kHandoffBudget);
    q_.reset_handoff_budget();
    q_.push_ready(strand(1));
    EXPECT_FALSE(q_.keep_running_yielder());  // someone else is ready: switch
}

TEST_F(Policy, PostedStrandsArriveInPostOrder) {
    q_.push_ready(strand(1));
    q_.post(strand(2));
    q_.post(strand(3));
    EXPECT_FALSE(q_.nothing_posted());
    EXPECT_EQ(q_.fifo_size(), 1u);
    q_.take_posted();
    EXPECT_TRUE(q_.nothing_posted());
    EXPECT_EQ(drain(q_), (Ids{1, 2, 3}));
}

// Donation with real (never started) workers: worker 1 "sleeps".
TEST_F(Policy, DonationHandsHalfTheMovableStrandsToASleeper) {
    Scheduler sched;
    queue_beside_a_sleeper(sched, 1, 6, {1, 4});
    Worker& busy = *sched.workers[0];
    Worker& sleeper = *sched.workers[1];
    busy.ready.donate_if_others_idle();  // nobody sleeps: nothing moves
    EXPECT_EQ(busy.ready.fifo_size(), 6u);

    make_sleep(sched, sleeper);
    busy.ready.donate_if_others_idle();
    EXPECT_FALSE(sleeper.sleeping.load());  // woken
    sleeper.ready.take_posted();
    std::vector<uint64_t> moved;
    while (Strand* s = sleeper.ready.next_to_run()) {
        moved.push_back(s->id);
        EXPECT_EQ(s->home, &sleeper);
        EXPECT_EQ(s->pin_count, 0u);
    }
    // Half of six, the first movable ones, in their order; the walk stops
    // there, and the pinned strands it passed stay in front of the rest.
    EXPECT_EQ(moved, (std::vector<uint64_t>{2, 3, 5}));
    EXPECT_EQ(drain(busy.ready), (Ids{1, 4, 6}));
}

TEST_F(Policy, DonationOfAnUnpinnedQueueLeavesTheRestInOrder) {
    Scheduler sched;
    queue_beside_a_sleeper(sched, 1, 7);
    Worker& busy = *sched.workers[0];
    Worker& sleeper = *sched.workers[1];
    make_sleep(sched, sleeper);
    busy.ready.donate_if_others_idle();
    sleeper.ready.take_posted();
    EXPECT_EQ(drain(sleeper.ready), (Ids{1, 2, 3, 4}));
    EXPECT_EQ(busy.ready.fifo_size(), 3u);
    EXPECT_EQ(drain(busy.ready), (Ids{5, 6, 7}));
}

#if defined(SEQ_ASSERTIONS)
using PolicyDeathTest = Policy;

TEST_F(PolicyDeathTest, QueueingAStrandTwiceFailsAnAssertion) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    Strand* s = strand(1);
    q_.push_ready(s);
    q_.push_ready(strand(2));
    EXPECT_DEATH(q_.push_ready(s), "seq: assertion failed: .* already queued");
}

TEST_F(PolicyDeathTest, QueueingAParkedStrandFailsAnAssertion) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    Strand* s = strand(1);
    s->wake_state.store(static_cast<uint32_t>(WakeState::Parked));
    EXPECT_DEATH(q_.push_runnext(s), "seq: assertion failed: .*queueing a parked strand");
}
#endif

// ---- park reasons ---------------------------------------------------------------------

TEST(ParkReasons, EveryReasonHasItsOwnName) {
    std::vector<std::string> names;
    for (int r = 0; r <= static_cast<int>(ParkReason::Other); ++r) {
        std::string n = park_reason_name(static_cast<ParkReason>(r));
        EXPECT_NE(n, "unknown") << r;
        EXPECT_EQ(std::find(names.begin(), names.end(), n), names.end()) << n;
        names.push_back(n);
    }
    EXPECT_STREQ(park_reason_name(ParkReason::ChannelReceive), "channel receive");
    EXPECT_STREQ(park_reason_name(ParkReason::TcpRead), "tcp read");
}

TEST(ParkReasons, ARegistrySlotKeepsTheReasonUntilWoken) {
    StrandRegistry r(4);
    auto slot = r.register_strand(9);
    ASSERT_TRUE(slot);
    ASSERT_EQ(r.tracked().size(), 1u);
    EXPECT_EQ(r.tracked()[0].reason, ParkReason::None);
    r.note_parked(*slot, ParkReason::TcpAccept);
    EXPECT_EQ(r.tracked()[0].id, 9u);
    EXPECT_EQ(r.tracked()[0].reason, ParkReason::TcpAccept);
    EXPECT_GT(r.tracked()[0].parked_ms, 0u);
    r.note_woken(*slot);
    EXPECT_EQ(r.tracked()[0].reason, ParkReason::None);
}

using ParkDiagnostics = test::SchedulerTest;

TEST_F(ParkDiagnostics, AStrandParkedOnAChannelShowsItUntilWoken) {
#if !defined(SEQ_DIAGNOSTICS)
    GTEST_SKIP() << "the registry is compiled out";
#else
    StackValue chv = channel_new();
    Channel* ch = channel_of(chv);
    std::atomic<bool> received{false}, reason_cleared{false}, release{false};
    uint64_t id = test::spawn_fn([&] {
        StackValue v;
        EXPECT_TRUE(channel_receive(ch, &v));
        drop_value(v);
        // The waker cleared the reason before this strand could resume.
        reason_cleared.store(current_strand()->park_reason == ParkReason::None);
        received.store(true);
        // Stay on the worker (no switch) until the test has looked.
        while (!release.load()) {
        }
    });
    const std::string me = "strand " + std::to_string(id) + ": ";
    std::string text;
    EXPECT_TRUE(test::wait_until(
        [&] {
            text = diagnostics_text();
            return text.find(me + "parked on channel receive for ") != std::string::npos;
        },
        30))
        << text;

    EXPECT_TRUE(channel_send(ch, make_int(1)));
    EXPECT_TRUE(test::wait_until([&] { return received.load(); }, 30));
    EXPECT_TRUE(reason_cleared.load());
    EXPECT_TRUE(test::wait_until(
        [&] {
            text = diagnostics_text();
            return text.find(me + "running") != std::string::npos;
        },
        30))
        << text;
    EXPECT_EQ(text.find(me + "parked"), std::string::npos) << text;
    // Its worker is busy with it, whatever its loop flag says.
    EXPECT_NE(text.find("busy, running strand " + std::to_string(id) + ","), std::string::npos)
        << text;
    release.store(true);
    patch_seq_wait_all_strands();
    drop_value(chv);
#endif
}

}  // namespace
}  // namespace seq
