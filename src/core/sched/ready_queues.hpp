// ReadyQueues: a worker's scheduling policy, the one place that decides which
// ready strand runs next (in the spirit of Boost.Fiber's `algorithm`). The
// Worker keeps the loop integration (uv loop, eventfd, sleeping); strand.cpp
// and worker.cpp ask this type where a strand goes and what runs next.
//
// The queues, all intrusive (a strand is linked by its own `next`):
//   runnext   one slot: a strand woken by the running strand runs next on
//             the waker's worker (communicating strands stay together, as
//             Go does), at most kRunnextStreak times in a row before the
//             FIFO gets a turn (two strands ping-ponging through runnext
//             would otherwise starve everything else);
//   local     FIFO of ready strands, owner thread only;
//   spawned   children of the running strand are queued work-first: ahead
//             of older work, so a tree of spawns runs depth-first and memory
//             stays bounded, but after the siblings queued earlier in the
//             same run (a cursor), so siblings run, and print, in spawn order;
//   inbox     strands posted by other threads (spawns from outside, wakes of
//             pinned strands, donations), moved into local by the owner.
// Direct handoffs: a strand that switches out may jump straight to the next
// ready strand, at most kHandoffBudget times before control goes back
// through the worker loop (which drains the inbox, donates work and polls
// I/O). Donation: while another worker sleeps idle, half of the local FIFO
// moves to it; strands pinned to this loop (a uv operation in flight) never
// move.
#pragma once

#include <atomic>
#include <cstddef>

#include "core/assert.hpp"
#include "core/sched/run_queue.hpp"
#include "core/sched/strand.hpp"

namespace seq {

struct Scheduler;

class ReadyQueues {
  public:
    // Consecutive runnext picks before the FIFO gets a turn.
    static constexpr unsigned kRunnextStreak = 32;
    // Direct strand-to-strand switches before control returns to the loop.
    static constexpr int kHandoffBudget = 32;

    // The queues of worker `owner_index` of `sched` (whose workers it donates
    // to; a scheduler without workers never donates).
    ReadyQueues(Scheduler& sched, unsigned owner_index);
    ReadyQueues(const ReadyQueues&) = delete;
    ReadyQueues& operator=(const ReadyQueues&) = delete;

    // ---- owner thread only ------------------------------------------------------------

    // A child spawned by the running strand: work-first, in sibling order.
    void push_spawned(Strand* s) {
        check_queueable(s);
        note_queued(s);
        if (spawn_cursor_)
            local_.insert_after(spawn_cursor_, s);
        else
            local_.push_front(s);
        spawn_cursor_ = s;
    }

    // Runs next: a strand the running strand woke, or a weave its resumer is
    // about to wait for. A strand already in the slot goes to the FIFO.
    void push_runnext(Strand* s) {
        check_queueable(s);
        if (runnext_) {
            note_queued(runnext_);
            local_.push_back(runnext_);
        }
        runnext_ = s;
    }

    // The back of the FIFO: a yielder, a strand woken from the loop or from
    // another thread, a parker whose wake came before it finished parking.
    void push_ready(Strand* s) {
        check_queueable(s);
        note_queued(s);
        local_.push_back(s);
    }

    // A strand made runnable on this worker by wake(): into runnext when the
    // running strand woke it and it is not pinned, otherwise (woken by a loop
    // callback or a non-strand thread, or pinned) the back of the FIFO.
    void push_woken(Strand* s, bool by_strand) {
        if (by_strand && s->pin_count == 0)
            push_runnext(s);
        else
            push_ready(s);
    }

    // A strand is about to run: whatever it spawns starts a new sibling run.
    void on_switch_in() { spawn_cursor_ = nullptr; }

    // The strand to run now, or null: runnext unless it has had its streak
    // (and the FIFO has something), else the front of the FIFO.
    Strand* next_to_run() {
        if (runnext_ && (runnext_streak_ < kRunnextStreak || local_.empty())) {
            ++runnext_streak_;
            Strand* s = runnext_;
            runnext_ = nullptr;
            return s;
        }
        runnext_streak_ = 0;
        return local_.pop_front();
    }

    bool has_ready() const { return runnext_ != nullptr || !local_.empty(); }

    // The worker loop resumes a strand: a new run of direct handoffs begins.
    void reset_handoff_budget() { handoff_budget_ = kHandoffBudget; }

    // The strand a switching-out strand may jump to directly, or null when
    // control must go back through the worker loop (budget spent, nothing
    // ready, or a migration, which the loop completes).
    Strand* take_for_handoff(SwitchReason why) {
        if (handoff_budget_ <= 0 || why == SwitchReason::Migrate) return nullptr;
        Strand* next = next_to_run();
        if (next) --handoff_budget_;
        return next;
    }

    // A yield with nothing else ready: true when the yielder just keeps
    // running (a no-op yield). It still spends budget, so a spinning strand
    // goes back through the loop for I/O now and then.
    bool keep_running_yielder() {
        if (runnext_ == nullptr && local_.empty() && handoff_budget_ > 0) {
            --handoff_budget_;
            return true;
        }
        return false;
    }

    // Moves everything other threads posted into the FIFO, in post order.
    void take_posted() {
        if (inbox_.take_all(local_)) none_movable_ = false;
    }

    // Hands half of the FIFO (at least one strand; never a pinned one) to one
    // sleeping worker and wakes it. One relaxed load when none sleeps.
    void donate_if_others_idle() {
        if (local_.empty() || none_movable_ || idle_workers_->load(std::memory_order_relaxed) <= 0)
            return;
        donate_to_a_sleeper();
    }

    size_t fifo_size() const { return local_.size(); }
    Strand* runnext() const { return runnext_; }

    // ---- any thread -------------------------------------------------------------------

    // Queues into the inbox; the caller wakes the owner (Worker::post).
    void post(Strand* s) { inbox_.push(s); }
    void post_chain(Strand* first, Strand* last) { inbox_.push_chain(first, last); }
    bool nothing_posted() const { return inbox_.empty(); }

  private:
    static void check_queueable(const Strand* s) {
        SEQ_ASSERT(s->next == nullptr, "queueing a strand that is already queued");
        SEQ_ASSERT(s->wake_state.load(std::memory_order_relaxed) !=
                       static_cast<uint32_t>(WakeState::Parked),
                   "queueing a parked strand (only wake() may)");
        (void)s;
    }
    void donate_to_a_sleeper();
    // A strand enters the FIFO: it may be one donation can move.
    void note_queued(const Strand* s) {
        if (s->pin_count == 0) none_movable_ = false;
    }

    Scheduler& sched_;
    const std::atomic<int>* const idle_workers_;
    const unsigned index_;
    LocalQueue<Strand> local_;
    Strand* runnext_ = nullptr;
    unsigned runnext_streak_ = 0;
    // The last child queued by the running strand (reset at every switch,
    // and when the queue is shared out).
    Strand* spawn_cursor_ = nullptr;
    int handoff_budget_ = 0;
    // Set by a donation that found every FIFO strand pinned (a server's
    // connection strands, parked in socket reads, all are): no walk of the
    // FIFO until an unpinned strand is queued. A queued strand's pin count
    // cannot change (only a running strand pins itself).
    bool none_movable_ = false;
    Inbox<Strand> inbox_;
};

}  // namespace seq
