#include "core/sched/worker.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/fatal.hpp"
#include "core/sched/scheduler.hpp"

namespace seq {

namespace {

thread_local Worker* t_worker = nullptr;

// With work queued, the loop is polled for I/O (an epoll_wait syscall) once
// kPollIntervalNs has passed, checked every kBatch strands: a long run queue
// never starves I/O, and switches do not pay a syscall each.
constexpr int kBatch = 64;
constexpr uint64_t kPollIntervalNs = 50000;
// Consecutive runnext picks before the local queue gets a turn (two strands
// ping-ponging through runnext would otherwise starve everything else).
constexpr unsigned kRunnextStreak = 32;
// Direct strand-to-strand switches allowed before control goes back through
// the worker loop (which drains the inbox, donates work and polls I/O).
constexpr int kHandoffBudget = 32;

}  // namespace

__attribute__((noinline)) Worker* current_worker() {
    asm volatile("" ::: "memory");
    return t_worker;
}

Worker::Worker(unsigned idx, Scheduler* sched) : index(idx), sched_(sched) {
    if (uv_loop_init(&loop) != 0) fatal("scheduler_init", "uv_loop_init failed");
    loop.data = this;
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) fatal("scheduler_init", "eventfd failed: %s", std::strerror(errno));
    uv_poll_init(&loop, &wake_poll_, wake_fd_);
    wake_poll_.data = this;
    uv_poll_start(&wake_poll_, UV_READABLE, on_wake_fd);
}

Worker::~Worker() {
    // The loop was closed by the worker thread itself (see main()).
    if (wake_fd_ >= 0) close(wake_fd_);
}

void Worker::start() {
    thread_ = std::thread([this] { main(); });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
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
    inbox.push(s);
    notify();
}

void Worker::post_chain(Strand* first, Strand* last) {
    inbox.push_chain(first, last);
    notify();
}

void Worker::push_runnext(Strand* s) {
    if (runnext) local.push_back(runnext);
    runnext = s;
}

void Worker::take_inbox() {
    inbox.take_all(local);
}

Strand* Worker::next_ready() {
    if (runnext && (runnext_streak < kRunnextStreak || local.empty())) {
        ++runnext_streak;
        Strand* s = runnext;
        runnext = nullptr;
        return s;
    }
    runnext_streak = 0;
    return local.pop_front();
}

// Hands half of the local queue to one sleeping worker. Costs one relaxed
// load when nobody is idle.
void Worker::donate_if_others_idle() {
    if (local.empty() || sched_->idle_workers.load(std::memory_order_relaxed) <= 0) return;
    Scheduler& sched = *sched_;
    size_t n = sched.workers.size();
    for (size_t k = 1; k < n; ++k) {
        Worker* other = sched.workers[(index + k) % n].get();
        if (!other->sleeping.load(std::memory_order_relaxed)) continue;
        spawn_cursor = nullptr;  // it may be among the strands that move
        // Take half (at least one) of the movable strands.
        size_t want = (local.size() + 1) / 2;
        Strand* first = nullptr;
        Strand* last = nullptr;
        LocalQueue<Strand> keep;
        size_t moved = 0;
        while (Strand* s = local.pop_front()) {
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
            local.push_back(s);
        if (first) other->post_chain(first, last);
        return;
    }
}

void Worker::prepare_run(Strand* s) {
    spawn_cursor = nullptr;
    s->home = this;
    s->wake_state.store(static_cast<uint32_t>(WakeState::Running), std::memory_order_relaxed);
    running = s;
    ++switches;
    set_current_context(&s->ctx);
}

void Worker::run_strand(Strand* s) {
    prepare_run(s);
    handoff_budget = kHandoffBudget;
    Handoff from_scheduler{nullptr, SwitchReason::Yield, nullptr};
    transfer_t t = fiber_jump(s->fctx, &from_scheduler, san, s->san);
    // Whichever strand switched back here (after any direct handoffs).
    auto* h = static_cast<Handoff*>(t.data);
    running = nullptr;
    after_switch(h->from, h->why, t.fctx);
}

void Worker::after_switch(Strand* prev, SwitchReason why, fcontext_t prev_ctx) {
    if (preempt.load(std::memory_order_relaxed)) preempt.store(false, std::memory_order_relaxed);
    // Single writer (this thread): a plain store, no locked instruction.
    strands_run.store(strands_run.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);

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
            local.push_back(prev);
            break;
        case SwitchReason::Park: {
            uint32_t expected = static_cast<uint32_t>(WakeState::Running);
            if (!prev->wake_state.compare_exchange_strong(expected,
                                                          static_cast<uint32_t>(WakeState::Parked),
                                                          std::memory_order_acq_rel)) {
                // Woken before it finished parking: run it again soon.
                prev->wake_state.store(static_cast<uint32_t>(WakeState::Running),
                                       std::memory_order_relaxed);
                local.push_back(prev);
            }
            break;
        }
        case SwitchReason::Migrate: {
            Worker* target = prev->migrate_to;
            prev->migrate_to = nullptr;
            prev->home = target;
            target->post(prev);
            break;
        }
        case SwitchReason::Done:
            break;
    }
}

Strand* Worker::take_for_handoff(SwitchReason why) {
    if (handoff_budget <= 0 || why == SwitchReason::Migrate) return nullptr;
    Strand* next = next_ready();
    if (next) --handoff_budget;
    return next;
}

void Worker::sleep_in_loop() {
    Scheduler& sched = *sched_;
    sched.idle_workers.fetch_add(1, std::memory_order_relaxed);
    sleeping.store(true, std::memory_order_seq_cst);
    // Re-check after announcing sleep: a post that raced with the store
    // either is visible here or sees `sleeping` and writes the eventfd.
    if (!inbox.empty() || stop.load(std::memory_order_seq_cst)) {
        if (sleeping.exchange(false)) sched.idle_workers.fetch_sub(1, std::memory_order_relaxed);
        return;
    }
    uv_run(&loop, UV_RUN_ONCE);
    if (sleeping.exchange(false)) sched.idle_workers.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::main() {
    t_worker = this;
    fiber_san_thread(san);
    // An alternate signal stack so the SIGSEGV handler can run when a strand
    // hits its guard page (the faulting stack is unusable).
    stack_t ss{};
    ss.ss_size = 64 * 1024;
    sigstack_ = std::malloc(ss.ss_size);
    ss.ss_sp = sigstack_;
    sigaltstack(&ss, nullptr);

    uint64_t last_poll = monotonic_ns();
    while (!stop.load(std::memory_order_acquire)) {
        take_inbox();
        for (int i = 0; i < kBatch; ++i) {
            Strand* s = next_ready();
            if (!s) break;
            donate_if_others_idle();
            run_strand(s);
        }
        if (runnext || !local.empty()) {
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
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    std::free(sigstack_);
    t_worker = nullptr;
}

}  // namespace seq
