#include "core/sched/ready_queues.hpp"

#include "core/sched/scheduler.hpp"
#include "core/sched/worker.hpp"

namespace seq {

ReadyQueues::ReadyQueues(Scheduler& sched, unsigned owner_index)
    : sched_(sched), idle_workers_(&sched.idle_workers), index_(owner_index) {}

// The sleeper cannot steal (it sleeps), so the busy worker shares: half of
// its movable strands go to the first sleeping worker after it.
void ReadyQueues::donate_to_a_sleeper() {
    size_t n = sched_.workers.size();
    for (size_t k = 1; k < n; ++k) {
        Worker* other = sched_.workers[(index_ + k) % n].get();
        if (!other->sleeping.load(std::memory_order_relaxed)) continue;
        spawn_cursor_ = nullptr;  // it may be among the strands that move
        // Take half (at least one) of the movable strands.
        size_t want = (local_.size() + 1) / 2;
        Strand* first = nullptr;
        Strand* last = nullptr;
        LocalQueue<Strand> keep;
        size_t moved = 0;
        while (Strand* s = local_.pop_front()) {
            if (moved < want && s->pin_count == 0) {
                s->home = other;
                s->next = first;
                if (!first) last = s;
                first = s;
                ++moved;
            } else {
                keep.push_back(s);
            }
        }
        while (Strand* s = keep.pop_front())
            local_.push_back(s);
        if (first)
            other->post_chain(first, last);
        else
            none_movable_ = true;
        return;
    }
}

}  // namespace seq
