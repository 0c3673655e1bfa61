// Scheduler words: init/run/shutdown, spawning, yielding, waiting.
#include <mutex>
#include <unordered_set>

#include "abi/abi.hpp"
#include "core/output.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/yield_valve.hpp"
#include "core/value/callable.hpp"
#include "core/value/context.hpp"

using namespace seq;

namespace {

// Buffers handed out by the ABI's clone_stack: a strand spawned on one
// (strand_spawn_with_base) owns and frees it. Host-facing, not a hot path.
std::mutex g_clone_mu;
std::unordered_set<StackValue*>* g_host_clones = new std::unordered_set<StackValue*>;

bool take_host_clone(StackValue* base) {
    std::lock_guard<std::mutex> lock(g_clone_mu);
    return g_host_clones->erase(base) != 0;
}

// A spawned closure runs with a fresh stack and its captured environment.
Stack closure_trampoline(Stack sp) {
    StackValue c = current_strand()->payload;
    return invoke_callable(sp, c, "spawn");
}

}  // namespace

extern "C" {

SEQ_API void patch_seq_scheduler_init(void) {
    scheduler_init();
}

SEQ_API seq_stack_t patch_seq_scheduler_run(void) {
    scheduler_init();
    wait_all_strands();
    stdout_flush();
    return nullptr;
}

SEQ_API void patch_seq_scheduler_shutdown(void) {
    scheduler_shutdown();
}

SEQ_API int64_t patch_seq_strand_spawn_with_base(seq_entry_fn entry, seq_stack_t initial_stack,
                                                 seq_stack_t stack_base) {
    if (!entry) fatal("strand_spawn", "null entry function");
    SpawnOptions opts;
    opts.base = stack_base;
    if (stack_base && take_host_clone(stack_base)) opts.owned_base = stack_base;
    return static_cast<int64_t>(spawn_strand(entry, initial_stack, opts));
}

SEQ_API int64_t patch_seq_strand_spawn(seq_entry_fn entry, seq_stack_t initial_stack) {
    return patch_seq_strand_spawn_with_base(entry, initial_stack, nullptr);
}

SEQ_API void patch_seq_spawn_strand(seq_entry_fn entry) {
    patch_seq_strand_spawn_with_base(entry, nullptr, nullptr);
}

SEQ_API seq_stack_t clone_stack(seq_stack_t sp) {
    Stack base;
    Stack new_sp = clone_stack_with_base(sp, &base);
    std::lock_guard<std::mutex> lock(g_clone_mu);
    g_host_clones->insert(base);
    return new_sp;
}

SEQ_API seq_stack_t patch_seq_spawn(seq_stack_t sp) {
    StackValue callable = *--sp;
    SpawnOptions opts;
    int64_t id;
    if (is_kind(callable, Kind::Quotation)) {
        // The child gets a deep copy of what remains on the parent's stack,
        // in the value stack of its own stack slot.
        opts.clone_from = sp;
        auto fn = reinterpret_cast<EntryFn>(quotation_of(callable)->wrapper);
        drop_value(callable);
        id = static_cast<int64_t>(spawn_strand(fn, nullptr, opts));
    } else if (is_kind(callable, Kind::Closure)) {
        // As upstream: a closure starts on a fresh stack; its environment
        // travels with it (already shared, so safe on any worker).
        opts.fresh_value_stack = true;
        opts.payload = callable;  // the strand owns it now
        id = static_cast<int64_t>(spawn_strand(closure_trampoline, nullptr, opts));
    } else {
        type_error("spawn", "Quotation or Closure", callable);
    }
    return push(sp, make_int(id));
}

SEQ_API seq_stack_t patch_seq_yield_strand(seq_stack_t sp) {
    yield_now();
    return sp;
}

SEQ_API void patch_seq_maybe_yield(void) {
    maybe_yield();
}

SEQ_API void patch_seq_wait_all_strands(void) {
    wait_all_strands();
}

}  // extern "C"
