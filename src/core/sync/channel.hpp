// Channels: MPMC queues between strands on any worker (CSP), plus the
// waiter record that channels and weaves use to park a strand or an OS
// thread until another party hands it something.
//
// Design (see docs/channels.md for the measurements behind it):
//   - one small spinlock per channel protects a ring buffer of queued values
//     and two intrusive FIFO lists of parked parties (receivers; senders of
//     a full bounded channel). No global lock; critical sections are a few
//     loads and stores and never park or make a syscall.
//   - a parked party's ChannelWaiter lives on its own (fiber) stack: parking
//     allocates nothing. A message costs no allocation beyond the ring's
//     amortised growth.
//   - a send to a channel with a parked receiver hands the value straight to
//     that receiver's ChannelWaiter and wakes it. wake() from a strand puts an
//     unpinned strand into the waker's runnext, so the receiver runs next on
//     the sender's worker: no syscall, and communicating strands converge
//     on one worker instead of bouncing a cross-thread wake per message.
//   - callers that are not strands (a C host thread, a test's main thread)
//     block their OS thread on a condition variable instead of parking.
#pragma once

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "core/intrusive_fifo.hpp"
#include "core/sched/park_reason.hpp"
#include "core/value/value.hpp"

namespace seq {

struct Strand;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// Test-and-test-and-set spinlock for short critical sections that never
// park. After a burst of spinning it yields the CPU, so a holder preempted
// by the kernel does not make a waiter burn a whole time slice.
class SpinLock {
  public:
    void lock() {
        for (;;) {
            if (!busy_.exchange(true, std::memory_order_acquire)) return;
            unsigned spins = 0;
            while (busy_.load(std::memory_order_relaxed)) {
                if (++spins < 128) {
                    cpu_relax();
                } else {
                    spins = 0;
                    sched_yield();
                }
            }
        }
    }
    void unlock() { busy_.store(false, std::memory_order_release); }

  private:
    std::atomic<bool> busy_{false};
};

// A condition variable for an OS thread that is not running a strand; one
// per thread (a thread waits for one thing at a time).
struct ThreadWait {
    std::mutex mu;
    std::condition_variable cv;
};

// One party waiting for a handoff. Created on the waiting party's stack,
// linked into a list under the owner's lock, unlinked under that lock by
// exactly one other party, which fills `value`/`ok` and calls complete().
//
// Why three states: the waker must finish touching the waiting strand
// (wake() reads and queues it) before that strand may return, because a
// returned strand can end and its Strand record (at the top of its stack)
// be recycled. So the waker publishes Handing, wakes, then publishes Done;
// the waiter parks while Waiting, spins through the short Handing window
// (only possible when the waker runs on another thread), and returns on
// Done. On one worker the waker has always finished before the waiter runs.
struct ChannelWaiter {
    enum : uint32_t { kWaiting = 0, kHanding = 1, kDone = 2 };

    ChannelWaiter();
    ChannelWaiter(const ChannelWaiter&) = delete;
    ChannelWaiter& operator=(const ChannelWaiter&) = delete;

    // Blocks the calling strand (park, naming `reason`) or OS thread
    // (condvar) until complete().
    void wait(ParkReason reason);
    // Called once, by the party that unlinked this waiter, without any lock
    // held; the waiter may be gone as soon as this returns.
    void complete();

    ChannelWaiter* next = nullptr;
    Strand* strand;             // the waiting strand, or null for an OS thread
    ThreadWait* thread;         // set when strand is null
    StackValue value = kFalse;  // the value handed over (or offered, for a sender)
    bool ok = false;            // the handoff succeeded (false: closed / finished)
    uint8_t flags = 0;          // owner-defined (weaves: cancel)
    std::atomic<uint32_t> state{kWaiting};
};

// FIFO of waiters (guarded by the owner's lock).
using ChannelWaiterList = IntrusiveFifo<ChannelWaiter, &ChannelWaiter::next>;

inline constexpr size_t kUnbounded = SIZE_MAX;

struct Channel : ManagedObject {
    SpinLock lock;
    bool closed = false;
    size_t capacity = kUnbounded;  // queued values allowed before send parks
    // Ring buffer of queued values (power-of-two size, grown by doubling).
    StackValue* ring = nullptr;
    size_t ring_size = 0;
    size_t head = 0;
    size_t count = 0;
    ChannelWaiterList receivers;  // parked receivers (only while the queue is empty)
    ChannelWaiterList senders;    // parked senders (only while a bounded queue is full)
    // Diagnostics, guarded by `lock`.
    uint64_t sent = 0;
    uint64_t received = 0;
};

inline Channel* channel_of(StackValue v) {
    return static_cast<Channel*>(heap_of(v));
}

// A new channel value (rc = 1). capacity kUnbounded: send never parks;
// otherwise at most `capacity` values queue and send parks while full
// (0: every send waits for a receiver, a rendezvous).
StackValue channel_new(size_t capacity = kUnbounded);

// Takes ownership of `v` (made global with share_value). Returns false, and
// drops v, when the channel is closed (also when it closes while this send
// is parked on a full bounded channel).
bool channel_send(Channel* ch, StackValue v);

// Waits for a value. Returns true with an owned value in *out, or false
// (with *out = Int 0) once the channel is closed and drained.
bool channel_receive(Channel* ch, StackValue* out);

// Closes the channel: parked receivers get false, parked senders get false
// (keeping their values), later sends fail, receives drain what is queued.
// Idempotent.
void channel_close(Channel* ch);

struct ChannelStats {
    uint64_t sent;      // values accepted by the channel
    uint64_t received;  // values taken out of it
    uint64_t queued;    // values waiting now
    uint64_t capacity;  // UINT64_MAX when unbounded
    bool closed;
};
ChannelStats channel_stats(Channel* ch);

// Process-wide totals over all channels (per-thread tallies, summed).
void channel_totals(uint64_t* sent, uint64_t* received);

}  // namespace seq
