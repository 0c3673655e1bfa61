#include "core/sched/worker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <utility>

#include "core/assert.hpp"
#include "core/fatal.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/handoff.hpp"
#include "core/sched/scheduler.hpp"

namespace seq {

namespace detail {
constinit thread_local Worker* t_worker = nullptr;
constinit thread_local FiberSan t_thread_san{};
}  // namespace detail

namespace {

// With work queued, the loop is polled for I/O (an epoll_wait syscall) once
// kPollIntervalNs has passed, checked every kBatch strands: a long run queue
// never starves I/O, and switches do not pay a syscall each.
constexpr int kBatch = 64;
constexpr uint64_t kPollIntervalNs = 50000;

}  // namespace

__attribute__((noinline)) Worker* current_worker() {
    asm volatile("" ::: "memory");
    Worker* w = detail::t_worker;
    if (__builtin_expect(w != nullptr, 1)) return w;
    return handoff_reattach_current();  // null unless a detached strand asks
}

Worker::Worker(unsigned idx, Scheduler* sched) : index(idx), sched_(sched), ready(*sched, idx) {
    if (uv_loop_init(&loop) != 0) fatal("scheduler_init", "uv_loop_init failed");
    loop.data = this;
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) fatal("scheduler_init", "eventfd failed: %s", std::strerror(errno));
    uv_poll_init(&loop, &wake_poll_, wake_fd_);
    wake_poll_.data = this;
    uv_poll_start(&wake_poll_, UV_READABLE, on_wake_fd);
}

Worker::~Worker() {
    if (!started_) {
        // Never ran (a scheduling test's worker): close the loop here.
        uv_close(reinterpret_cast<uv_handle_t*>(&wake_poll_), nullptr);
        while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
        }
        uv_loop_close(&loop);
    }
    // Otherwise the loop was closed by the worker thread itself (see main()).
    if (wake_fd_ >= 0) close(wake_fd_);
}

void Worker::start() {
    started_ = true;
    worker_thread_start(this);
}

void Worker::on_wake_fd(uv_poll_t* h, int, int) {
    auto* w = static_cast<Worker*>(h->data);
    uint64_t v;
    while (read(w->wake_fd_, &v, sizeof v) > 0) {
    }
}

void Worker::notify() {
    if (sleeping.exchange(false, std::memory_order_seq_cst)) {
        sched_->idle_workers.fetch_sub(1, std::memory_order_relaxed);
        uint64_t one = 1;
        ssize_t r = write(wake_fd_, &one, sizeof one);
        (void)r;  // EAGAIN means the counter is already non-zero: awake anyway
    }
}

void Worker::post(Strand* s) {
    SEQ_ASSERT(s->home == this, "posting a strand to a worker that is not its home");
    ready.post(s);
    notify();
}

void Worker::post_chain(Strand* first, Strand* last) {
    ready.post_chain(first, last);
    notify();
}

void Worker::prepare_run(Strand* s) {
    // Whatever runs next was taken off a queue (unlinked) and is not the
    // strand switching out; a parked strand runs only after a wake.
    SEQ_ASSERT(s->next == nullptr, "a strand about to run is still queued");
    SEQ_ASSERT(s != running, "resuming the strand that is running");
    SEQ_ASSERT(
        s->wake_state.load(std::memory_order_relaxed) != static_cast<uint32_t>(WakeState::Parked),
        "resuming a parked strand");
    ready.on_switch_in();
    s->home = this;
    s->wake_state.store(static_cast<uint32_t>(WakeState::Running), std::memory_order_relaxed);
    running = s;
    running_id.store(s->id, std::memory_order_relaxed);
    ++switches;
    set_current_context(&s->ctx);
}

bool Worker::run_strand(Strand* s) {
    prepare_run(s);
    ready.reset_handoff_budget();
    Handoff from_scheduler{nullptr, SwitchReason::Yield, nullptr};
    transfer_t t = fiber_jump(s->fctx, &from_scheduler, thread_san(), s->san);
    // Whichever strand switched back here (after any direct handoffs).
    auto* h = static_cast<Handoff*>(t.data);
    if (__builtin_expect(h->why == SwitchReason::Reattach, 0)) {
        // This thread lost the worker to a spare while h->from ran foreign
        // code (core/sched/handoff); the strand is back from it and wants
        // to run on the worker again. The worker is the spare's now: only
        // its thread-safe inbox is touched, and the loop is left.
        Strand* back = h->from;
        back->fctx = t.fctx;
        set_current_context(nullptr);
        post(back);
        return false;
    }
    running = nullptr;
    running_id.store(0, std::memory_order_relaxed);
    after_switch(h->from, h->why, t.fctx);
    return true;
}

void Worker::after_switch(Strand* prev, SwitchReason why, fcontext_t prev_ctx) {
    if (preempt.load(std::memory_order_relaxed)) preempt.store(false, std::memory_order_relaxed);
    // Single writer (this thread): a plain store, no locked instruction.
    strands_run.store(strands_run.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    SEQ_ASSERT(prev != running, "completing the switch-out of the strand that runs");
    SEQ_ASSERT(prev->next == nullptr, "a strand switching out is linked into a queue");

    if (why == SwitchReason::Done) {
        if (!running) set_current_context(nullptr);  // the context dies with the strand
        FiberStack* fs = prev->stack;
        prev->~Strand();
        stack_pool().release(fs, &stacks);
        return;
    }
    prev->fctx = prev_ctx;

    switch (why) {
        case SwitchReason::Yield:
            SEQ_ASSERT(prev->wake_state.load(std::memory_order_relaxed) !=
                           static_cast<uint32_t>(WakeState::Parked),
                       "a yielding strand is marked parked");
            ready.push_ready(prev);
            break;
        case SwitchReason::Park: {
            uint32_t expected = static_cast<uint32_t>(WakeState::Running);
            if (!prev->wake_state.compare_exchange_strong(expected,
                                                          static_cast<uint32_t>(WakeState::Parked),
                                                          std::memory_order_acq_rel)) {
                SEQ_ASSERT(expected == static_cast<uint32_t>(WakeState::Notified),
                           "a parking strand's state changed to other than NOTIFIED");
                // Woken before it finished parking: run it again soon.
                prev->wake_state.store(static_cast<uint32_t>(WakeState::Running),
                                       std::memory_order_relaxed);
                note_woken(prev);
                ready.push_ready(prev);
            }
            break;
        }
        case SwitchReason::Preempt:
            SEQ_ASSERT(preempted == nullptr, "two preempted strands at once");
            preempted = prev;
            break;
        case SwitchReason::Migrate: {
            Worker* target = prev->migrate_to;
            SEQ_ASSERT(target != nullptr && prev->pin_count > 0,
                       "a migration without a target, or unpinned in flight");
            prev->migrate_to = nullptr;
            prev->home = target;
            target->post(prev);
            break;
        }
        case SwitchReason::Done:
        case SwitchReason::Reattach:  // only ever to the detached thread's loop
            break;
    }
}

void Worker::sleep_in_loop() {
    Scheduler& sched = *sched_;
    sched.idle_workers.fetch_add(1, std::memory_order_relaxed);
    sleeping.store(true, std::memory_order_seq_cst);
    // Re-check after announcing sleep: a post that raced with the store
    // either is visible here or sees `sleeping` and writes the eventfd.
    if (!ready.nothing_posted() || stop.load(std::memory_order_seq_cst)) {
        if (sleeping.exchange(false)) sched.idle_workers.fetch_sub(1, std::memory_order_relaxed);
        return;
    }
    uv_run(&loop, UV_RUN_ONCE);
    if (sleeping.exchange(false)) sched.idle_workers.fetch_sub(1, std::memory_order_relaxed);
}

Worker::LoopEnd Worker::run_loop() {
    uint64_t last_poll = monotonic_ns();
    while (!stop.load(std::memory_order_acquire)) {
        loop_rounds.store(loop_rounds.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
        if (census_wanted.load(std::memory_order_relaxed)) answer_census(*this);
        ready.take_posted();
        for (int i = 0; i < kBatch; ++i) {
            Strand* s = ready.next_to_run();
            if (!s) break;
            ready.donate_if_others_idle();
            if (!run_strand(s)) return LoopEnd::Lost;
            if (preempted) break;
        }
        if (preempted) {
            // The strand ran long enough for a timer or a socket to wait:
            // serve the loop, then queue the strand behind what it woke.
            set_current_context(nullptr);
            uv_run(&loop, UV_RUN_NOWAIT);
            last_poll = monotonic_ns();
            ready.take_posted();
            ready.push_ready(std::exchange(preempted, nullptr));
        } else if (ready.has_ready()) {
            uint64_t now = monotonic_ns();
            if (now - last_poll >= kPollIntervalNs) {
                set_current_context(nullptr);  // loop callbacks run outside any strand
                uv_run(&loop, UV_RUN_NOWAIT);
                last_poll = now;
            }
        } else {
            set_current_context(nullptr);
            sleep_in_loop();
            last_poll = monotonic_ns();
        }
    }
    return LoopEnd::Stopped;
}

void Worker::close_loop() {
    set_current_context(nullptr);
    // Shutdown: close every handle on this loop (I/O modules' included) and
    // let the close callbacks run, then close the loop. A handle other than
    // our own that is still open was left behind by whoever opened it: note
    // its type, so that shutdown can say what it had to force-close.
    shutdown_result = WorkerShutdown{};
    uv_walk(
        &loop,
        [](uv_handle_t* h, void* arg) {
            auto* self = static_cast<Worker*>(arg);
            if (uv_is_closing(h)) return;
            if (h != reinterpret_cast<uv_handle_t*>(&self->wake_poll_))
                self->shutdown_result.forced_handles.emplace_back(uv_handle_type_name(h->type));
            uv_close(h, nullptr);
        },
        this);
    while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
    }
    shutdown_result.loop_close = uv_loop_close(&loop);
    stack_pool().flush(&stacks);
}

}  // namespace seq
