// Strands: green threads, each a Boost.Context fiber with its own stack.
//
// The life of a strand, in this file and worker.cpp:
//   spawn     a stack comes from the pool; the Strand record is placed at the
//             top of that stack; the strand is queued on a worker.
//   run       a worker switches to it (Worker::run_strand).
//   park      the strand switches back to its worker, which marks it parked
//             unless a wake already arrived (see the protocol below).
//   wake      any thread makes it runnable again: a plain queue push on the
//             waker's worker, or the owner's inbox plus an eventfd signal.
//   finish    its entry returns; counters are updated as the seed does, and
//             the worker recycles the stack.
//
// Park/wake protocol (one atomic per strand, "permit" semantics):
//   wake():  state <- NOTIFIED; if it was PARKED, the waker queues it.
//   park():  the strand switches out; only then does its worker try
//            RUNNING -> PARKED. If a wake came first (state NOTIFIED), the
//            worker requeues it instead. So a wake is never lost, and only
//            the single PARKED -> NOTIFIED transition queues it: never twice.
// A wake with no parked strand leaves a permit, and the next park() returns
// at once: callers park in a loop on their own condition.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/sched/fiber.hpp"
#include "core/sched/park_reason.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/value/context.hpp"
#include "core/value/value.hpp"

namespace seq {

struct Worker;
using EntryFn = Stack (*)(Stack);

enum class WakeState : uint32_t { Running = 0, Parked = 1, Notified = 2 };

// Who uses the value stack in the strand's own stack slot (stack_pool.hpp).
enum class SlotStack : uint8_t {
    None,    // nobody (it costs nothing: untouched)
    Owned,   // the strand's starting stack (a spawn's copy); leftovers dropped at the end
    Handle,  // a seq_stack_new_default handle, which drops its own values when freed
};

// Why a strand switched out.
// Preempt: a Yield that goes through the worker loop, which polls before it
// queues the strand again (yield_to_loop).
// Reattach: a strand whose thread lost its worker while it ran foreign code
// goes back to that worker through its thread's loop, which posts it there
// without touching the worker otherwise (core/sched/handoff).
enum class SwitchReason : uintptr_t {
    Yield = 1,
    Park = 2,
    Done = 3,
    Migrate = 4,
    Preempt = 5,
    Reattach = 6,
};

// Passed with every context switch: who switched out and why. A strand that
// switches out either returns to its worker loop or, when another strand is
// ready on the same worker, jumps straight to it ("direct handoff": one jump
// instead of two); either way the side that gains control completes the
// switch-out (Worker::after_switch) once the old context is saved.
struct Handoff {
    Strand* from;  // null: the worker loop resumed this strand
    SwitchReason why;
    fcontext_t sched_fctx;  // the worker loop's context, carried across handoffs
};

struct Strand {
    Strand* next = nullptr;  // run-queue / inbox link (intrusive)
    uint64_t id = 0;
    fcontext_t fctx = nullptr;        // where to resume it
    fcontext_t sched_fctx = nullptr;  // the worker context it returns to
    std::atomic<uint32_t> wake_state{0};
    Worker* home = nullptr;        // worker it runs on, or last ran on
    Worker* migrate_to = nullptr;  // target of a Migrate switch
    uint32_t pin_count = 0;        // > 0: bound to home's libuv loop
    bool counted = true;           // counts in ACTIVE (weaves do not)
    SlotStack slot_stack = SlotStack::None;
    // Set (by the preemption handler, on the strand's own thread) while the
    // strand runs on a thread that lost its worker (core/sched/handoff): the
    // switch paths test it, a byte of a line they read anyway.
    std::atomic<bool> detached{false};
    // Open blocking sections (seq_blocking_begin, nested), and the worker the
    // outermost one began on (core/sched/handoff).
    uint32_t section_depth = 0;
    Worker* section_worker = nullptr;
    // What it parked on, until it is woken (None otherwise); also in its
    // registry slot, for diagnostics.
    ParkReason park_reason = ParkReason::None;
    int32_t registry_slot = -1;
    FiberStack* stack = nullptr;
    FiberSan san;
    ExecContext ctx;  // arena, value-stack base, yield counter

    EntryFn entry = nullptr;
    Stack initial_sp = nullptr;
    StackValue* owned_base = nullptr;      // value-stack buffer freed at the end
    StackValue payload = kFalse;           // e.g. the closure a closure-spawn runs
    void (*on_finish)(Strand*) = nullptr;  // hook run before the counters update
    void* user = nullptr;                  // owner data for on_finish (weaves)
};

struct SpawnOptions {
    Stack base = nullptr;              // value-stack base for the child (may be null)
    StackValue* owned_base = nullptr;  // buffer the strand frees when it ends
    // The child starts on a copy of the calling strand's stack [base, clone_from)
    // (values cloned and shared, as clone_stack does), placed in the value
    // stack of its own stack slot: guarded, and sharing the page its fiber
    // touches first. `base` and the entry's argument are then the copy's.
    Stack clone_from = nullptr;
    // The child starts on an empty value stack in its slot (a closure spawn).
    bool fresh_value_stack = false;
    StackValue payload = kFalse;  // owned value kept alive for the strand
    bool counted = true;
    // The spawner is about to wait for the child (a weave's first resume):
    // run it next on this worker and never hand it to another.
    bool run_next = false;
    void (*on_finish)(Strand*) = nullptr;
    void* user = nullptr;
};

// Spawns a strand running entry(initial_sp); returns its id (> 0).
// Initialises the scheduler lazily.
uint64_t spawn_strand(EntryFn entry, Stack initial_sp, const SpawnOptions& opts = {});

// The value stack in the current strand's slot for a seq_stack_new_default
// handle (kValueSlots slots, guarded), or null when not in a strand or the
// slot's stack is taken. The handle must be freed before the strand ends,
// as compiled seq_main does; release_slot_value_stack(base) then gives it back.
StackValue* claim_slot_value_stack();
void release_slot_value_stack(StackValue* base);

// The strand running on this thread, or null.
Strand* current_strand();

// Parks the current strand until a wake (see protocol above), recording
// why. Must be called from a strand.
void park(ParkReason reason);
// park(ParkReason::Other): for tests and tools; runtime code names its reason.
inline void park() {
    park(ParkReason::Other);
}
// Makes `s` runnable if it is parked (or leaves a permit). Any thread.
void wake(Strand* s);
// The switch protocol's part of a wake: `s`, parked, is runnable again, so
// its park reason is cleared (in the strand and its registry slot). Called
// by whoever made that transition (wake(), or the worker that found a wake
// had come before the park completed).
void note_woken(Strand* s);
// Moves the current strand to the back of its worker's run queue.
void yield_now();
// Like yield_now, but always through the worker's loop, which polls its
// timers and I/O before it runs another strand: for a strand stopped because
// it ran too long (core/sched/preempt), whose worker may have let the loop
// wait all that time.
void yield_to_loop();
// Moves the current strand onto worker `w` (returns running there).
void migrate_to(Worker* w);
// The strand `s`, running on a thread that lost its worker (core/sched/
// handoff), goes back to that worker: it switches to this thread's loop
// frame, which posts it to the worker's inbox, and returns running on
// whichever thread runs the worker now. Returns that worker.
Worker* reattach(Strand* s);

// While a LoopPin lives, the current strand stays on its worker: it has a
// libuv operation in flight on that worker's loop.
class LoopPin {
  public:
    LoopPin();
    ~LoopPin();
    LoopPin(const LoopPin&) = delete;
    LoopPin& operator=(const LoopPin&) = delete;

  private:
    Strand* s_;
};

// Time-slice preemption support: set by the scheduler's monitor when the
// strand running on a worker has had the CPU longer than SEQ_YIELD_SLICE_US.
bool preempt_requested();

}  // namespace seq
