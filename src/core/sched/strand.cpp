#include "core/sched/strand.hpp"

#include <ctime>
#include <new>

#include "core/assert.hpp"
#include "core/fatal.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/handoff.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/worker.hpp"
#include "core/value/stack.hpp"

namespace seq {

namespace {

// Completes a switch into `self`: records where its worker loop is and
// finishes the switch-out of the strand that handed over, if any.
void arrive(Strand* self, transfer_t t) {
    auto* h = static_cast<Handoff*>(t.data);
    if (!h->from) {
        self->sched_fctx = t.fctx;
        return;
    }
    self->sched_fctx = h->sched_fctx;
    self->home->after_switch(h->from, h->why, t.fctx);
}

// A dense stack has no guard page: its canary is checked whenever a strand
// leaves its stack (a switch, its end). A value stack in the slot ends in a
// gap before the guard page: pushes that stopped inside it are caught here.
inline void check_canaries(Strand* s) {
    if (!StackPool::canary_intact(s->stack)) report_stack_overflow(s->id);
    if (s->slot_stack != SlotStack::None && !StackPool::value_canary_intact(s->stack))
        report_value_stack_overflow(s->id);
}

// Switches the running strand out. Returns when it is resumed, possibly on
// another worker thread.
__attribute__((always_inline)) inline void switch_out(Strand* s, SwitchReason why) {
    // Where this frame is (an overflow still in progress), then the canaries.
    if (static_cast<char*>(__builtin_frame_address(0)) < s->stack->bottom + 256)
        report_stack_overflow(s->id);
    check_canaries(s);
    // Back from foreign code on a thread that lost its worker (handoff)?
    if (__builtin_expect(s->detached.load(std::memory_order_relaxed), 0)) reattach(s);
    Worker* w = s->home;
    SEQ_ASSERT(w == current_worker() && w->running == s,
               "switching out a strand that is not running on this worker");
    SEQ_ASSERT(s->next == nullptr, "the running strand is linked into a queue");
    SEQ_ASSERT(
        s->wake_state.load(std::memory_order_relaxed) != static_cast<uint32_t>(WakeState::Parked),
        "a running strand is marked parked");
    Handoff h{s, why, s->sched_fctx};
    if (Strand* next = w->ready.take_for_handoff(why)) {
        SEQ_ASSERT(next != s, "a switching-out strand was in its own run queue");
        w->prepare_run(next);
        arrive(s, fiber_jump(next->fctx, &h, s->san, next->san));
        return;
    }
    // Nothing else is ready: a yield is a no-op (the budget still sends a
    // spinning strand back through the loop now and then for I/O).
    if (why == SwitchReason::Yield && w->ready.keep_running_yielder()) return;
    w->running = nullptr;
    arrive(s, fiber_jump(s->sched_fctx, &h, s->san, thread_san()));
}

// Everything a strand does after its entry function returns, still on its
// own stack; whoever runs next recycles the stack.
[[noreturn]] void finish(Strand* s, Stack final_sp) {
    check_canaries(s);
    if (__builtin_expect(s->detached.load(std::memory_order_relaxed), 0)) reattach(s);
    if (s->owned_base) owned_stack_free(s->owned_base, final_sp);
    s->owned_base = nullptr;
    if (s->slot_stack == SlotStack::Owned) {
        StackValue* vb = s->stack->vstack;
        if (final_sp >= vb && final_sp <= vb + kValueSlots)
            for (Stack p = vb; p < final_sp; ++p)
                drop_value(*p);
    }
    // The next strand on this stack finds the slot's value stack zero where
    // it was never used, and clean (values dropped) where it was.
    s->slot_stack = SlotStack::None;
    drop_value(s->payload);
    s->payload = kFalse;
    if (s->on_finish) s->on_finish(s);
    s->ctx.arena.reset();
#if defined(SEQ_DIAGNOSTICS)
    if (s->registry_slot >= 0) strand_registry().unregister_at(s->registry_slot, s->id);
#endif
    counters_on_finish(s->counted);
    Worker* w = s->home;
    SEQ_ASSERT(w == current_worker() && w->running == s,
               "a finishing strand is not the one running on this worker");
    Handoff h{s, SwitchReason::Done, s->sched_fctx};
    if (Strand* next = w->ready.take_for_handoff(SwitchReason::Done)) {
        w->prepare_run(next);
        fiber_exit(next->fctx, &h, s->san, next->san);
    }
    w->running = nullptr;
    fiber_exit(s->sched_fctx, &h, s->san, thread_san());
}

void strand_main(transfer_t t) {
    // The worker stored the strand in `running` before switching here.
    Strand* s = current_strand();
    fiber_started(s->san);
    arrive(s, t);
    if (s->ctx.stack_base == nullptr && s->owned_base) s->ctx.stack_base = s->owned_base;
    Stack final_sp = s->entry(s->initial_sp);
    finish(s, final_sp);
}

// Queues a runnable strand: on this worker when we are on one and the strand
// may move (a strand woken by a strand goes to runnext), otherwise on its
// home worker.
void make_runnable(Strand* s, bool by_strand) {
    Worker* cw = current_worker();
    if (cw && (s->pin_count == 0 || s->home == cw)) {
        s->home = cw;
        cw->ready.push_woken(s, by_strand);
        return;
    }
    s->home->post(s);
}

}  // namespace

uint64_t spawn_strand(EntryFn entry, Stack initial_sp, const SpawnOptions& opts) {
    Scheduler& sched = scheduler();
    Worker* cw = current_worker();
    FiberStack* fs = stack_pool().acquire(cw ? &cw->stacks : nullptr);

    // The Strand record sits at the top of its own stack, just above the
    // stack's descriptor and below the slot's value stack: no separate
    // allocation, and it lives in the page the strand touches anyway.
    static_assert(sizeof(Strand) <= kRecordRoom, "the Strand record outgrew its room");
    static_assert(kValueSlots == kDefaultStackSlots);
    auto* s = new (reinterpret_cast<char*>(fs) + kDescRoom) Strand();
    size_t usable = fs->size;

    s->stack = fs;
    s->entry = entry;
    s->initial_sp = initial_sp;
    s->ctx.stack_base = opts.base;
    if (opts.clone_from || opts.fresh_value_stack) {
        // The slot's value stack is zero or clean (finish()); a copy too deep
        // for it (a grown parent stack) goes to a buffer of its own.
        Stack sp = fs->vstack;
        if (opts.clone_from) sp = clone_stack_into(opts.clone_from, fs->vstack, kValueSlots);
        if (sp) {
            s->slot_stack = SlotStack::Owned;
            s->ctx.stack_base = fs->vstack;
            s->initial_sp = sp;
        } else {
            Stack base;
            s->initial_sp = clone_stack_with_base(opts.clone_from, &base);
            s->ctx.stack_base = base;
            s->owned_base = base;
        }
    }
    s->ctx.strand = s;
    if (opts.owned_base) s->owned_base = opts.owned_base;
    s->payload = opts.payload;
    s->counted = opts.counted;
    s->on_finish = opts.on_finish;
    s->user = opts.user;
    fiber_san_create(s->san, fs->bottom, usable, &fs->tsan_fiber);
    s->fctx = fiber_make(fs->bottom, usable, strand_main);

    s->id = counters_on_spawn(opts.counted);
#if defined(SEQ_DIAGNOSTICS)
    if (auto slot =
            strand_registry().register_strand(s->id, cw ? cw->index : StrandRegistry::kNoHome))
        s->registry_slot = static_cast<int32_t>(*slot);
#endif

    uint64_t id = s->id;  // `s` may run (and finish) as soon as it is queued
    if (cw) {
        s->home = cw;
        // Spawned by a strand: work-first (see ReadyQueues::push_spawned), so a
        // tree of spawns runs depth-first and finished children return their
        // stacks before the next ones need them: skynet's peak drops from
        // ~100,000 live strands to ~100. Wakes and yields queue at the back.
        bool by_strand = current_strand() != nullptr;
        if (by_strand && opts.run_next) {
            cw->ready.push_runnext(s);
            return id;
        }
        if (by_strand)
            cw->ready.push_spawned(s);
        else
            cw->ready.push_ready(s);
        // A strand spawning in a loop does not return to its worker loop for
        // a while: share the new work with sleeping workers now (Go wakes an
        // idle P at every go statement for the same reason).
        cw->ready.donate_if_others_idle();
    } else {
        unsigned n = static_cast<unsigned>(sched.workers.size());
        Worker* w =
            sched.workers[sched.next_worker.fetch_add(1, std::memory_order_relaxed) % n].get();
        s->home = w;
#if defined(SEQ_DIAGNOSTICS)
        if (s->registry_slot >= 0) strand_registry().note_home(s->registry_slot, w->index);
#endif
        w->post(s);
    }
    return id;
}

Strand* current_strand() {
    return current_context()->strand;
}

StackValue* claim_slot_value_stack() {
    Strand* s = current_strand();
    if (!s || s->slot_stack != SlotStack::None) return nullptr;
    s->slot_stack = SlotStack::Handle;
    return s->stack->vstack;
}

void release_slot_value_stack(StackValue* base) {
    Strand* s = current_strand();
    if (s && s->slot_stack == SlotStack::Handle && s->stack->vstack == base)
        s->slot_stack = SlotStack::None;
}

void park(ParkReason reason) {
    Strand* s = current_strand();
    if (!s) fatal("park", "called outside a strand");
    SEQ_ASSERT(reason != ParkReason::None, "park() needs a reason");
    s->park_reason = reason;
#if defined(SEQ_DIAGNOSTICS)
    if (s->registry_slot >= 0)
        existing_strand_registry().note_parked(s->registry_slot, reason, s->home->index);
#endif
    switch_out(s, SwitchReason::Park);
}

void note_woken(Strand* s) {
    s->park_reason = ParkReason::None;
#if defined(SEQ_DIAGNOSTICS)
    if (s->registry_slot >= 0) existing_strand_registry().note_woken(s->registry_slot);
#endif
}

void wake(Strand* s) {
    uint32_t prev = s->wake_state.exchange(static_cast<uint32_t>(WakeState::Notified),
                                           std::memory_order_acq_rel);
    SEQ_ASSERT(prev <= static_cast<uint32_t>(WakeState::Notified), "corrupt wake state");
    if (prev == static_cast<uint32_t>(WakeState::Parked)) {
        SEQ_ASSERT(s->next == nullptr, "a parked strand is linked into a queue");
        // Only this caller made the PARKED -> NOTIFIED transition: the
        // strand is ours to queue until it runs.
        note_woken(s);
        make_runnable(s, current_strand() != nullptr);
    }
}

void yield_now() {
    Strand* s = current_strand();
    if (!s) return;  // outside strands there is nothing to yield to
    switch_out(s, SwitchReason::Yield);
}

void yield_to_loop() {
    Strand* s = current_strand();
    if (!s) return;
    check_canaries(s);
    if (__builtin_expect(s->detached.load(std::memory_order_relaxed), 0)) reattach(s);
    Worker* w = s->home;
    SEQ_ASSERT(w == current_worker() && w->running == s,
               "switching out a strand that is not running on this worker");
    Handoff h{s, SwitchReason::Preempt, s->sched_fctx};
    w->running = nullptr;
    arrive(s, fiber_jump(s->sched_fctx, &h, s->san, thread_san()));
}

__attribute__((noinline)) Worker* reattach(Strand* s) {
    // In a blocking section whose worker nobody took: it is this thread's
    // again, no switch (core/sched/handoff).
    if (Worker* w = handoff_section_resume(s)) return w;
    // This thread's loop frame is where s last came from (sched_fctx): it
    // saves s's context and posts s to its home worker (Worker::run_strand).
    handoff_note_reattach(s);
    Handoff h{s, SwitchReason::Reattach, s->sched_fctx};
    arrive(s, fiber_jump(s->sched_fctx, &h, s->san, thread_san()));
    return current_worker();
}

void migrate_to(Worker* w) {
    Strand* s = current_strand();
    if (!s) fatal("migrate", "called outside a strand");
    if (s->home == w) return;
    if (s->pin_count)
        fatal("migrate", "strand %llu is pinned to its loop", (unsigned long long)s->id);
    s->migrate_to = w;
    // Pinned while in flight, so the target cannot donate it to another
    // worker before it runs there (it moves to use w's loop).
    ++s->pin_count;
    switch_out(s, SwitchReason::Migrate);
    --s->pin_count;
}

LoopPin::LoopPin() : s_(current_strand()) {
    if (s_) ++s_->pin_count;
}

LoopPin::~LoopPin() {
    if (s_) --s_->pin_count;
}

bool preempt_requested() {
    Worker* w = current_worker();
    return w && w->preempt.load(std::memory_order_relaxed);
}

}  // namespace seq
