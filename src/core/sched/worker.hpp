// Workers: OS threads that each own a libuv loop and run strands.
//
// A worker alternates between running ready strands and letting its loop
// poll for I/O. It never spins: with nothing to run it blocks in the loop
// (epoll), and other threads wake it through its inbox and an eventfd that
// a uv_poll_t watches (on Debian's libuv 1.44.2 uv_async_send costs tens of
// µs per wake because its receiver spins; the eventfd measured ~7 µs).
//
// Scheduling policy, kept here and apart from the loop integration:
//   runnext   a strand woken by another strand runs next on the waker's
//             worker (communicating strands stay together), at most
//             kRunnextStreak times in a row so the queue is not starved;
//   local     FIFO of ready strands, owner-only;
//   inbox     strands posted by other threads (spawns from outside, wakes of
//             pinned strands, donations);
//   donation  when some worker sleeps idle while this one has queued work,
//             half of the queue moves to the sleeper's inbox and wakes it.
//             Strands pinned to this loop (a uv operation in flight) never move.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/fiber.hpp"
#include "core/sched/run_queue.hpp"
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

    // Any thread: queue a strand here and wake the worker if it sleeps.
    void post(Strand* s);
    void post_chain(Strand* first, Strand* last);
    // Any thread: wake the worker if it is blocked in its loop.
    void notify();

    // Owner thread only.
    void push_local(Strand* s) { local.push_back(s); }
    // A child spawned by the running strand: queued work-first (ahead of
    // older work, so a tree of spawns runs depth-first and memory stays
    // bounded) but in spawn order among the children of one run (so
    // siblings run, and print, in the order they were spawned, as upstream).
    void push_spawned(Strand* s) {
        if (spawn_cursor)
            local.insert_after(spawn_cursor, s);
        else
            local.push_front(s);
        spawn_cursor = s;
    }
    // The last child queued by the running strand (reset at every switch,
    // and when the queue is shared out).
    Strand* spawn_cursor = nullptr;
    void push_runnext(Strand* s);

    // The switch protocol (see strand.hpp). prepare_run readies `s` to run
    // on this worker; after_switch completes the switch-out of `prev` once
    // its context is saved (queueing it again, parking it, moving it, or
    // recycling its stack). Both run on this worker's thread, either in the
    // worker loop or in the strand that a direct handoff switched to.
    void prepare_run(Strand* s);
    void after_switch(Strand* prev, SwitchReason why, fcontext_t prev_ctx);
    // The strand a switching-out strand may hand the CPU to directly, or
    // null when control must go back through the worker loop.
    Strand* take_for_handoff(SwitchReason why);
    int handoff_budget = 0;
    // Hands half of the local queue to a sleeping worker, if any sleeps.
    // One relaxed load when none does.
    void donate_if_others_idle();

    const unsigned index;
    uv_loop_t loop;

  private:
    struct Scheduler* const sched_;

  public:
    // ---- owner-only state ----
    LocalQueue<Strand> local;
    Strand* runnext = nullptr;
    unsigned runnext_streak = 0;
    Strand* running = nullptr;
    StackCache stacks;
    FiberSan san;  // the worker thread's own stack
    uint64_t switches = 0;

    // ---- shared state ----
    Inbox<Strand> inbox;
    std::atomic<bool> sleeping{false};
    std::atomic<bool> stop{false};
    std::atomic<bool> preempt{false};       // set by the time-slice monitor
    std::atomic<uint64_t> resumes_seen{0};  // monitor's view of `switches`
    std::atomic<uint64_t> strands_run{0};   // diagnostics
    WorkerShutdown shutdown_result;         // written by the thread as it ends

  private:
    void main();
    void run_strand(Strand* s);

  public:
    Strand* next_ready();

  private:
    void sleep_in_loop();
    void take_inbox();
    static void on_wake_fd(uv_poll_t* h, int status, int events);

    std::thread thread_;
    int wake_fd_ = -1;
    uv_poll_t wake_poll_;
    void* sigstack_ = nullptr;
};

// The worker this thread is, or null (main thread, host threads).
Worker* current_worker();

}  // namespace seq
