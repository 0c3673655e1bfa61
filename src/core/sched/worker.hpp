// Workers: OS threads that each own a libuv loop and run strands.
//
// A worker alternates between running ready strands and letting its loop
// poll for I/O. It never spins: with nothing to run it blocks in the loop
// (epoll), and other threads wake it through its inbox and an eventfd that
// a uv_poll_t watches (on Debian's libuv 1.44.2 uv_async_send costs tens of
// µs per wake because its receiver spins; the eventfd measured ~7 µs).
//
// The scheduling policy (runnext, the local FIFO, work-first spawns, the
// inbox, handoffs, donation) is the worker's ReadyQueues
// (core/sched/ready_queues.hpp); the Worker is the loop integration around
// it: the uv loop, the eventfd, sleeping and waking.
//
// A Worker is not an OS thread (Go's P, not its M): a thread runs a worker's
// loop until the worker stops or until the thread loses it to a spare thread
// while one of its strands is stuck in foreign code (core/sched/handoff).
// Whatever belongs to the thread (its own stack's sanitizer record, the
// alternate signal stack, which worker it runs) is thread-local state there.
#pragma once

#include <pthread.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/sched/fiber.hpp"
#include "core/sched/ready_queues.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/sched/strand.hpp"

namespace seq {

// What a worker's shutdown found on its loop (read by scheduler_shutdown
// after joining the thread, for ShutdownReport).
struct WorkerShutdown {
    // Type names (uv_handle_type_name) of the handles still open that the
    // worker had to close itself; the runtime's own (the wake poll) are not
    // counted, nor handles already closing.
    std::vector<std::string> forced_handles;
    int loop_close = 0;  // uv_loop_close's result: 0, or a uv error (UV_EBUSY)
};

struct Worker {
    Worker(unsigned index, struct Scheduler* sched);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start();  // gives it a thread (core/sched/handoff)
    // The thread running it now (0: none, between a handoff and its
    // adoption), for the preemption signal (core/sched/preempt).
    pthread_t native_thread() { return thread.load(std::memory_order_acquire); }

    // How the loop ended on the calling thread: the worker stopped (then
    // close_loop, on the same thread), or this thread lost it to a spare
    // (a reattaching strand came back here; the worker is not touched).
    enum class LoopEnd { Stopped, Lost };
    LoopEnd run_loop();
    // Shutdown: closes every handle, then the loop; flushes the stack cache.
    void close_loop();

    // Any thread: queue a strand here and wake the worker if it sleeps.
    void post(Strand* s);
    void post_chain(Strand* first, Strand* last);
    // Any thread: wake the worker if it is blocked in its loop.
    void notify();

    // The switch protocol (see strand.hpp). prepare_run readies `s` to run
    // on this worker; after_switch completes the switch-out of `prev` once
    // its context is saved (queueing it again, parking it, moving it, or
    // recycling its stack). Both run on this worker's thread, either in the
    // worker loop or in the strand that a direct handoff switched to.
    void prepare_run(Strand* s);
    void after_switch(Strand* prev, SwitchReason why, fcontext_t prev_ctx);

    const unsigned index;
    uv_loop_t loop;

  private:
    struct Scheduler* const sched_;

  public:
    // The scheduling policy: every ready strand of this worker is in here.
    // Owner thread only, except its post operations.
    ReadyQueues ready;

    // ---- owner-only state ----
    Strand* running = nullptr;
    StackCache stacks;
    uint64_t switches = 0;
    // A strand stopped by preemption (yield_to_loop): the loop is polled
    // before it is queued again, so whatever that wakes runs first.
    Strand* preempted = nullptr;

    // ---- shared state ----
    std::atomic<bool> sleeping{false};
    std::atomic<bool> stop{false};
    std::atomic<bool> preempt{false};  // set by the time-slice monitor
    // Set by the monitor when a spare thread may take this worker over if
    // its strand is found in foreign code (core/sched/handoff).
    std::atomic<bool> handoff_requested{false};
    // Set by the preemption handler when it found this worker's strand in
    // foreign code and could not hand the worker off yet: the monitor asks
    // for the handoff at its next look instead of after the eager signals.
    std::atomic<bool> foreign_seen{false};
    // The strand of this worker inside a blocking section (seq/host.h's
    // seq_blocking_begin; core/sched/handoff), 0 when none. Stored by the
    // worker's thread at the section's begin; taken back (CAS to 0) by it at
    // the end, or by the monitor when it hands the worker to a spare.
    std::atomic<uintptr_t> section{0};
    std::atomic<pthread_t> thread{0};
    Worker* released_next = nullptr;        // link while released, not yet adopted
    std::atomic<uint64_t> resumes_seen{0};  // monitor's view of `switches`
    std::atomic<uint64_t> strands_run{0};   // diagnostics
    // The id of the strand running here (0: none), for diagnostics: written
    // by this worker at every switch (a plain store), read by anyone.
    std::atomic<uint64_t> running_id{0};
    // Diagnostics (core/sched/diagnostics): rounds of the worker loop (a
    // plain store each), and a census of this loop that another thread asked
    // for, answered at the top of the next round (uv_walk is owner-only).
    std::atomic<uint64_t> loop_rounds{0};
    std::atomic<bool> census_wanted{false};
    WorkerShutdown shutdown_result;  // written by the thread as it ends

  private:
    bool run_strand(Strand* s);  // false: this thread lost the worker
    void sleep_in_loop();
    static void on_wake_fd(uv_poll_t* h, int status, int events);

    bool started_ = false;
    int wake_fd_ = -1;
    uv_poll_t wake_poll_;
};

namespace detail {
// The worker this thread runs (null: none, or detached: core/sched/handoff),
// and this thread's own stack for the sanitizers (constant-initialised).
extern constinit thread_local Worker* t_worker;
extern constinit thread_local FiberSan t_thread_san;
}  // namespace detail

// The worker this thread runs, or null (main thread, host threads). On a
// thread that lost its worker while the calling strand ran foreign code,
// the strand first goes back to that worker (core/sched/handoff), so the
// answer is the worker it now runs on.
Worker* current_worker();
// The same without going back: null on a detached thread (for signal
// handlers).
inline Worker* attached_worker() {
    return detail::t_worker;
}
// This thread's own stack, for the switch back to its loop.
inline FiberSan& thread_san() {
    return detail::t_thread_san;
}

}  // namespace seq
