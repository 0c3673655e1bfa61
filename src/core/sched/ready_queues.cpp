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
        // Take half (at least one) of the movable strands, from the front,
        // and stop walking once that many moved: the rest of the FIFO stays
        // linked as it is. (Walking all of it, and queueing the kept half
        // again, was ~11% of a 100,000-strand spawn burst: every strand
        // record sits in its own stack slot, a cache and TLB miss each.)
        size_t want = (local_.size() + 1) / 2;
        Strand* first = nullptr;
        Strand* last = nullptr;
        LocalQueue<Strand> keep;  // pinned strands walked past, in order
        size_t moved = 0;
        while (moved < want) {
            Strand* s = local_.pop_front();
            if (!s) break;
            if (s->pin_count == 0) {
                s->home = other;
                s->next = first;
                if (!first) last = s;
                first = s;
                ++moved;
            } else {
                keep.push_back(s);
            }
        }
        if (keep.size()) {
            // The pinned ones go back in front of the unwalked rest.
            Strand* rest_last = local_.back();
            size_t rest_n = local_.size();
            keep.append_chain(local_.take_all(), rest_last, rest_n);
            Strand* keep_last = keep.back();
            size_t keep_n = keep.size();
            local_.append_chain(keep.take_all(), keep_last, keep_n);
        }
        if (first)
            other->post_chain(first, last);
        else
            none_movable_ = true;
        return;
    }
}

}  // namespace seq
