// The uv <-> strand bridge: how a word that would block parks its strand on
// a libuv request or handle instead of stalling the worker thread.
//
// The pattern, used by every I/O word:
//
//     UvWaiter w(ParkReason::TcpWrite); // pins the strand to this worker
//     uv_xxx_start(..., [](uv_req* r, int st) { waiter_of(r)->complete(st); });
//     int status = w.wait();            // parks (on that reason) until the callback ran
//
// The callback runs on the same worker thread (the strand is pinned while
// the operation is in flight), so `done` needs no atomics: it is written by
// the loop before wake() and read by the strand after park() returns.
//
// uv handles are loop-affine. A strand that wants to use a handle owned by
// another worker's loop first moves there with run_on_owner(owner).
#pragma once

#include <uv.h>

#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"

namespace seq {

class UvWaiter {
  public:
    // `reason`: what the strand waits for, shown by diagnostics while parked.
    explicit UvWaiter(ParkReason reason) : strand_(current_strand()), reason_(reason) {}
    UvWaiter(const UvWaiter&) = delete;
    UvWaiter& operator=(const UvWaiter&) = delete;

    // Called from the uv callback (on the owning loop's thread).
    void complete(int status) {
        status_ = status;
        done_ = true;
        wake(strand_);
    }

    // Parks until complete() ran; returns its status.
    int wait() {
        while (!done_)
            park(reason_);
        return status_;
    }

    bool done() const { return done_; }
    Strand* strand() const { return strand_; }

  private:
    LoopPin pin_;  // the strand may not migrate while the operation is in flight
    Strand* strand_;
    ParkReason reason_;
    bool done_ = false;
    int status_ = 0;
};

// The loop of the worker the current strand runs on (null outside strands).
inline uv_loop_t* current_loop() {
    Worker* w = current_worker();
    return w && current_strand() ? &w->loop : nullptr;
}

// Moves the current strand to `owner` (a no-op when already there) so that it
// may touch handles of owner's loop.
inline void run_on_owner(Worker* owner) {
    if (current_worker() != owner) migrate_to(owner);
}

}  // namespace seq
