// The execution context: per-strand state that compiled code and runtime
// words reach without an argument (the value-stack base, the arena, the
// yield counter).
//
// Each strand embeds one; a thread that is not running a strand (the main
// thread, a host thread, a test) uses a thread-local default. Strands migrate
// between workers, so the current context is looked up through a function
// that is never inlined: a TLS address cached by the compiler across a
// context switch would name the previous thread's slot.
#pragma once

#include <cstdint>

#include "core/value/arena.hpp"
#include "core/value/value.hpp"

namespace seq {

struct Strand;

struct ExecContext {
    Arena arena;
    Stack stack_base = nullptr;   // set by patch_seq_set_stack_base
    Strand* strand = nullptr;     // null on a non-strand thread
    uint64_t yield_counter = 0;   // maybe_yield calls since the last yield
    uint64_t slice_start_ns = 0;  // when the strand was last resumed
};

// The context of whatever is running on this thread right now.
ExecContext* current_context();
// Installs `ctx` (null restores the thread's default context).
void set_current_context(ExecContext* ctx);
// The calling thread's default (non-strand) context.
ExecContext* thread_default_context();

}  // namespace seq
