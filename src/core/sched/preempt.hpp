// Asynchronous preemption of compiled Seq code.
//
// The compiler specialises hot loops into register-only functions that never
// call patch_seq_maybe_yield, so no cooperative valve is reached and every
// other strand, timer and socket of that worker would wait for the loop to
// end. Like Go's async preemption (1.14+), the time-slice monitor
// (core/sched/yield_valve) sends a worker whose strand has run for longer
// than SEQ_PREEMPT_MS a signal (SIGURG); the handler yields the strand when
// the interrupted instruction is inside compiled Seq code, and does nothing
// otherwise (the runtime, libc and a host's own code may hold locks, so only
// code we know holds none is interrupted).
//
// Which code is compiled Seq code: the executable's ELF symbol table is read
// once at start; its functions named seq_* that are not the runtime's own
// exports (seq_go, seq_stack_new, ...: the names in our public headers) are
// what seqc generated (seq_main, seq_<word>, specialised seq_<word>_i64...).
// A host program has none, so nothing of it is ever interrupted.
//
// When the interrupted instruction is in foreign code instead (a library
// the executable links for FFI, see scan_foreign_code), the handler does not
// yield but may hand the worker to a spare thread (core/sched/handoff).
//
// Yielding inside the handler is what makes this small: the kernel saved
// every register (general, flags, SSE/AVX) in the signal frame on the
// strand's own stack, so switching away from the handler and returning to it
// later, perhaps on another worker thread, resumes the loop exactly where it
// was. Two pieces of per-thread state in that frame are fixed up after the
// switch back: the alternate signal stack and the signal mask, which
// sigreturn would otherwise copy from the thread the strand left.
//
// Unavailable under ThreadSanitizer (it defers asynchronous signals to its
// own safe points, so the handler never sees the interrupted instruction) and
// on targets other than x86-64 Linux; the cooperative valves still work there.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seq {

struct Worker;

// scheduler_init: finds the compiled code and installs the handler when
// preemption is enabled (SEQ_PREEMPT_MS > 0) and compiled code exists.
// Returns whether preemption is active. With `handoff` (SEQ_HANDOFF) and
// foreign libraries linked, the handler also hands a worker whose strand it
// finds in foreign code to a spare thread (core/sched/handoff).
bool preempt_start(uint64_t preempt_ms, bool handoff);
void preempt_stop();
bool preempt_active();

// The monitor: interrupt worker `w` (its running strand has not switched for
// a whole preemption period).
void preempt_interrupt(Worker& w);

// Counters for diagnostics and tests.
uint64_t preempt_signals_sent();
uint64_t preempt_yields();
// How many compiled-code functions the symbol table scan found, and whether
// `pc` lies in one of them (tests).
size_t preempt_code_functions();
bool preempt_covers(const void* pc);
// The same for foreign code: how many executable ranges of foreign libraries
// the start found, and whether `pc` lies in one.
size_t preempt_foreign_ranges();
bool preempt_covers_foreign(const void* pc);
// Whether `ret`, in the executable or a foreign library, is just after a
// call instruction (the test a stack word passes to count as a return
// address when a strand stopped in libc is traced to its caller).
bool preempt_return_address_is_call(const void* ret);

}  // namespace seq
