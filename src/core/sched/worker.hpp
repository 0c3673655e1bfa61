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
// it: the thread, the uv loop, the eventfd, sleeping and waking.
#pragma once

#include <pthread.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
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

    void start();  // creates the thread
    void join();
    // The thread, for the preemption signal (core/sched/preempt); valid
    // between start() and join().
    pthread_t native_thread() { return thread_.native_handle(); }

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
    FiberSan san;  // the worker thread's own stack
    uint64_t switches = 0;
    // A strand stopped by preemption (yield_to_loop): the loop is polled
    // before it is queued again, so whatever that wakes runs first.
    Strand* preempted = nullptr;

    // ---- shared state ----
    std::atomic<bool> sleeping{false};
    std::atomic<bool> stop{false};
    std::atomic<bool> preempt{false};       // set by the time-slice monitor
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
    void main();
    void run_strand(Strand* s);
    void sleep_in_loop();
    static void on_wake_fd(uv_poll_t* h, int status, int events);

    std::thread thread_;
    bool started_ = false;
    int wake_fd_ = -1;
    uv_poll_t wake_poll_;
    void* sigstack_ = nullptr;
};

// The worker this thread is, or null (main thread, host threads).
Worker* current_worker();

}  // namespace seq
