#include "core/sync/weave.hpp"

#include <algorithm>
#include <csetjmp>

#include "core/fatal.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/value/callable.hpp"
#include "core/value/stack.hpp"

namespace seq {

namespace {

enum class Phase : uint8_t {
    Dormant,    // never resumed: no strand yet
    Suspended,  // parked in yield (`parked` is its waiter)
    Running,    // serving a request; the resumer waits in `serving`
    Done,       // finished, cancelled or abandoned: resume answers false
};

enum : uint8_t { kCancelFlag = 1 };

// A resume or cancel request, on the requester's stack. The weave answers
// through the ChannelWaiter (value = what it yielded, ok = false once finished).
struct WeaveRequest : ChannelWaiter {
    StackValue in = kFalse;  // the resume value, until the weave takes it
    bool cancel = false;
};

}  // namespace

struct WeaveCore {
    std::atomic<uint32_t> refs{1};  // the handle, the context, the strand
    SpinLock lock;
    Phase phase = Phase::Dormant;
    bool handle_dropped = false;    // no resumer can ever come back
    bool cancel_requested = false;  // the weave cancelled itself
    Strand* strand = nullptr;       // set by the weave when it starts
    uint64_t epoch = 0;             // start time of the scheduler it runs under
    WeaveRequest* serving = nullptr;
    ChannelWaiterList pending;        // requests waiting their turn (WeaveRequest)
    ChannelWaiter* parked = nullptr;  // the weave's own waiter while Suspended

    // Dormant: what the first resume starts.
    StackValue callable = kFalse;
    StackValue* start_base = nullptr;
    Stack start_sp = nullptr;

    // The weave's entry frame, where a cancelled yield jumps back to.
    std::jmp_buf* unwind_env = nullptr;
    Stack unwind_sp = nullptr;
};

namespace {

void core_release(WeaveCore* c) {
    if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (c->start_base) owned_stack_free(c->start_base, c->start_sp);
    drop_value(c->callable);
    delete c;
}

// Releases what a dormant weave holds (its copied stack, its callable).
// Called with the lock NOT held: dropping values may run other destructors.
void free_dormant(StackValue* base, Stack sp, StackValue callable) {
    if (base) owned_stack_free(base, sp);
    drop_value(callable);
}

// A strand that parked under a scheduler that has since shut down is gone
// (its stack unmapped); its waiter must not be touched. Caller holds lock.
bool strand_alive(const WeaveCore* c) {
    return scheduler_running() && scheduler().start_ns == c->epoch;
}

void abandon_if_dead(WeaveCore* c) {
    if ((c->phase == Phase::Suspended || c->phase == Phase::Running) && !strand_alive(c)) {
        c->phase = Phase::Done;
        c->parked = nullptr;
        c->serving = nullptr;
        c->pending.take_all();
    }
}

// The weave will unwind with nobody waiting for it: count it as an active
// strand until it ends, so wait_all (and so shutdown) cannot overtake it.
void make_counted(Strand* s) {
    if (s->counted) return;
    counters_on_spawn(true);
    s->counted = true;
}

void destroy_weave_obj(ManagedObject* m);

WeaveObj* new_weave_obj(WeaveCore* c, uint16_t aux) {
    auto* o = new WeaveObj;
    o->rc.store(1, std::memory_order_relaxed);
    o->kind = Kind::WeaveCtx;
    o->flags = 0;
    o->aux = aux;
    o->destroy = destroy_weave_obj;
    o->core = c;
    return o;
}

// A weave that never started ends: it is Done, and what it would have run
// on (its value stack and callable) is freed outside the lock.
void end_dormant_and_unlock(WeaveCore* c) {
    c->phase = Phase::Done;
    StackValue* base = c->start_base;
    Stack sp = c->start_sp;
    StackValue callable = c->callable;
    c->start_base = nullptr;
    c->callable = kFalse;
    c->lock.unlock();
    free_dormant(base, sp, callable);
}

// The last reference to the handle is gone: nobody can resume again.
void handle_released(WeaveCore* c) {
    c->lock.lock();
    c->handle_dropped = true;
    abandon_if_dead(c);
    switch (c->phase) {
        case Phase::Dormant: {
            end_dormant_and_unlock(c);
            break;
        }
        case Phase::Suspended: {
            // Unwind it now rather than keep a parked fiber forever.
            c->phase = Phase::Running;
            ChannelWaiter* w = c->parked;
            c->parked = nullptr;
            w->flags |= kCancelFlag;
            make_counted(c->strand);
            c->lock.unlock();
            w->complete();
            break;
        }
        case Phase::Running:  // the weave itself dropped it: unwinds at its next yield
        case Phase::Done:
            c->lock.unlock();
            break;
    }
    core_release(c);
}

void destroy_weave_obj(ManagedObject* m) {
    auto* o = static_cast<WeaveObj*>(m);
    WeaveCore* c = o->core;
    bool handle = o->aux == kWeaveHandle;
    delete o;
    if (handle)
        handle_released(c);
    else
        core_release(c);
}

Stack weave_entry(Stack sp) {
    Strand* s = current_strand();
    auto* c = static_cast<WeaveCore*>(s->user);
    std::jmp_buf env;
    c->lock.lock();
    c->strand = s;
    c->unwind_env = &env;
    c->lock.unlock();
    // A cancelled yield jumps back here; returning lets the scheduler end the
    // strand the ordinary way (value stack, arena, callable, fiber).
    if (_setjmp(env) != 0) return c->unwind_sp;
    return invoke_callable(sp, s->payload, "strand.weave");
}

// on_finish hook: runs on the weave's strand as it ends.
void weave_finished(Strand* s) {
    auto* c = static_cast<WeaveCore*>(s->user);
    c->lock.lock();
    c->phase = Phase::Done;
    // The request being served is answered first, then the queued ones.
    if (c->serving) c->pending.push_front(c->serving);
    c->serving = nullptr;
    ChannelWaiter* rest = c->pending.take_all();
    c->parked = nullptr;
    c->strand = nullptr;
    c->unwind_env = nullptr;
    c->lock.unlock();
    for (ChannelWaiter* w = rest; w;) {
        ChannelWaiter* next = ChannelWaiterList::next(w);
        w->value = make_int(0);
        w->ok = false;  // an untaken resume value stays with (and is dropped by) its resumer
        w->complete();
        w = next;
    }
    core_release(c);  // the strand's reference
}

// Starts a dormant weave's strand with ( ctx first-value ) on its stack.
// The caller has set phase = Running and serving; lock not held.
void start(WeaveCore* c, StackValue first) {
    WeaveObj* ctx = new_weave_obj(c, kWeaveContext);
    c->refs.fetch_add(2, std::memory_order_relaxed);  // the context, the strand
    Stack sp = push(c->start_sp, from_heap(ctx));
    sp = push(sp, first);
    SpawnOptions opts;
    opts.base = c->start_base;
    opts.owned_base = c->start_base;
    opts.payload = c->callable;
    opts.counted = false;  // a suspended weave must not keep the program alive
    opts.run_next = true;  // the resumer waits for it: run it here, next
    opts.on_finish = weave_finished;
    opts.user = c;
    c->start_base = nullptr;
    c->start_sp = nullptr;
    c->callable = kFalse;
    spawn_strand(weave_entry, sp, opts);
}

[[noreturn]] void unwind(WeaveCore* c, StackValue ctx, Stack sp) {
    drop_value(ctx);
    c->unwind_sp = sp;
    std::jmp_buf* env = c->unwind_env;
    _longjmp(*env, 1);
}

}  // namespace

StackValue weave_new(StackValue callable, Stack sp, const char* word) {
    auto* c = new WeaveCore;
    if (is_kind(callable, Kind::Quotation)) {
        if (quotation_of(callable)->wrapper == 0) fatal(word, "quotation has a null entry point");
        // Like spawn: the weave starts on a copy of the remaining stack, with
        // room above it for ( ctx value ) and its own work.
        size_t depth = stack_depth(word, sp);
        size_t cap = std::max(kDefaultStackSlots, depth * 2 + 2);
        StackValue* base = owned_stack_alloc(cap);
        for (size_t i = 0; i < depth; ++i)
            base[i] = share_value(clone_value(sp[static_cast<ptrdiff_t>(i - depth)]));
        c->start_base = base;
        c->start_sp = base + depth;
    } else if (is_kind(callable, Kind::Closure)) {
        // As upstream: a closure starts on a fresh stack with its environment.
        StackValue* base = owned_stack_alloc(kDefaultStackSlots);
        c->start_base = base;
        c->start_sp = base;
    } else {
        delete c;
        type_error(word, "Quotation or Closure", callable);
    }
    c->callable = callable;
    return from_heap(new_weave_obj(c, kWeaveHandle));
}

WeaveResult weave_resume(WeaveCore* c, StackValue in) {
    in = share_value(in);  // it becomes a value on the weave's stack
    Strand* self = current_strand();
    uint64_t epoch = scheduler().start_ns;  // initialises the scheduler if needed
    WeaveRequest req;
    req.in = in;
    c->lock.lock();
    abandon_if_dead(c);
    if (c->phase == Phase::Done || (self && c->strand == self)) {
        // Finished (upstream would wait forever), or a weave resuming itself.
        c->lock.unlock();
        drop_value(req.in);
        return {make_int(0), false};
    }
    switch (c->phase) {
        case Phase::Dormant:
            c->phase = Phase::Running;
            c->serving = &req;
            c->epoch = epoch;
            c->lock.unlock();
            req.in = kFalse;
            start(c, in);
            break;
        case Phase::Suspended: {
            c->phase = Phase::Running;
            c->serving = &req;
            ChannelWaiter* w = c->parked;
            c->parked = nullptr;
            w->value = in;
            req.in = kFalse;
            c->lock.unlock();
            w->complete();  // the weave runs next on this worker
            break;
        }
        case Phase::Running:  // another resume is in flight: wait our turn
            c->pending.push_back(&req);
            c->lock.unlock();
            break;
        case Phase::Done:
            break;
    }
    req.wait(ParkReason::WeaveResume);
    drop_value(req.in);  // still ours only if the weave ended before taking it
    if (!req.ok) return {make_int(0), false};
    return {req.value, true};
}

StackValue weave_yield(WeaveCore* c, StackValue ctx, StackValue out, Stack sp) {
    out = share_value(out);  // it goes to the resumer's strand
    Strand* self = current_strand();
    c->lock.lock();
    if (!self || c->strand != self) {
        c->lock.unlock();
        fatal("yield", "called outside the weave this context belongs to");
    }
    WeaveRequest* r = c->serving;
    c->serving = nullptr;
    if (r) {
        r->value = out;
        r->ok = true;
        out = kFalse;
    }
    auto* next = static_cast<WeaveRequest*>(c->pending.pop_front());
    if (next) {
        // Another resumer was waiting: serve it straight away, or end if it
        // is a cancel.
        c->serving = next;
        bool cancel = next->cancel;
        StackValue in = next->in;
        next->in = kFalse;
        c->lock.unlock();
        drop_value(out);
        if (r) r->complete();
        if (cancel) unwind(c, ctx, sp);
        return in;
    }
    if (c->cancel_requested || c->handle_dropped) {
        c->lock.unlock();
        drop_value(out);
        if (r) r->complete();
        make_counted(self);  // nobody waits for the unwinding
        unwind(c, ctx, sp);
    }
    c->phase = Phase::Suspended;
    ChannelWaiter me;
    c->parked = &me;
    c->lock.unlock();
    drop_value(out);
    if (r) r->complete();
    me.wait(ParkReason::WeaveYield);
    if (me.flags & kCancelFlag) unwind(c, ctx, sp);
    return me.value;
}

void weave_cancel(WeaveCore* c) {
    Strand* self = current_strand();
    c->lock.lock();
    abandon_if_dead(c);
    switch (c->phase) {
        case Phase::Done:
            c->lock.unlock();
            return;
        case Phase::Dormant: {
            end_dormant_and_unlock(c);
            return;
        }
        case Phase::Suspended: {
            WeaveRequest req;
            req.cancel = true;
            c->phase = Phase::Running;
            c->serving = &req;
            ChannelWaiter* w = c->parked;
            c->parked = nullptr;
            w->flags |= kCancelFlag;
            c->lock.unlock();
            w->complete();
            req.wait(ParkReason::WeaveResume);  // answered (false) when the weave has ended
            return;
        }
        case Phase::Running: {
            if (self && c->strand == self) {
                // Cancelling itself: it cannot wait for itself to end.
                c->cancel_requested = true;
                c->lock.unlock();
                return;
            }
            WeaveRequest req;
            req.cancel = true;
            c->pending.push_back(&req);
            c->lock.unlock();
            req.wait(ParkReason::WeaveResume);
            return;
        }
    }
}

}  // namespace seq
