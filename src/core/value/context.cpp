#include "core/value/context.hpp"

namespace seq {

namespace {
thread_local ExecContext t_default_context;
thread_local ExecContext* t_current = nullptr;
}  // namespace

// noinline + the empty asm keep every call a fresh TLS lookup; see header.
__attribute__((noinline)) ExecContext* current_context() {
    asm volatile("" ::: "memory");
    ExecContext* c = t_current;
    return c ? c : &t_default_context;
}

__attribute__((noinline)) void set_current_context(ExecContext* ctx) {
    asm volatile("" ::: "memory");
    t_current = ctx;
}

__attribute__((noinline)) ExecContext* thread_default_context() {
    asm volatile("" ::: "memory");
    return &t_default_context;
}

}  // namespace seq
