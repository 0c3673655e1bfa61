// Signal dispositions: who handles each signal, and the flags the signal.*
// words poll.
//
// Three parties want signals, and this module arbitrates between them:
//   the runtime   its policy (docs/architecture.md, "Failure policy"): SIGINT exits 130 through a
//   watcher
//                 thread, SIGPIPE is ignored, SIGQUIT dumps diagnostics. The
//                 process module installs these through
//                 install_runtime_signal(), which remembers them;
//   the program   signal.trap / .ignore / .default. A program's choice always
//                 wins over the runtime's policy, whenever it was made: a
//                 trap made before scheduler_init is not undone by it, and
//                 signal.default restores the RUNTIME's policy for a signal
//                 the runtime handles (SIGINT still exits 130 after flushing
//                 output), the system default (SIG_DFL) for the others;
//   the terminal  while raw mode is on, a signal that would kill the process
//                 by its default action (SIGHUP, SIGINT, SIGQUIT, SIGTERM,
//                 SIGABRT) first runs the terminal's restore hook, then dies
//                 as it would have (set_termination_hook).
// Fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE) stay the runtime's: a
// trapped fault would re-execute the faulting instruction forever, and
// SIGSEGV reports strand stack overflows.
//
// Handlers only store to lock-free atomics (async-signal-safe); programs
// poll the flags. Changing a disposition takes a mutex, so concurrent
// strands serialize.
#pragma once

#include <signal.h>

namespace seq {

// Signal numbers the flag words accept: 0 <= sig < kMaxSignal (upstream's
// MAX_SIGNAL).
inline constexpr int kMaxSignal = 32;

// signal.trap: the signal sets its flag instead of its action. Aborts naming
// `word` for numbers out of range, fault signals, and signals the kernel
// refuses (SIGKILL, SIGSTOP, 0).
void signal_trap(int sig, const char* word);
// signal.ignore: SIG_IGN (same failures).
void signal_ignore(int sig, const char* word);
// signal.default: the runtime's policy if it has one for `sig`, else SIG_DFL
// (same failures).
void signal_default(int sig, const char* word);

// The flag words; `sig` is in range (the caller checked).
bool signal_take(int sig);  // received?: reads and clears
bool signal_peek(int sig);  // pending?: reads
void signal_clear(int sig);
// Test hook: sets a flag as the handler would.
void signal_raise_flag(int sig);

// True while the program's own choice (trap, ignore or default) governs sig.
bool signal_claimed_by_program(int sig);

// For the process module: installs `action` as the runtime's policy for
// `sig`, unless the program has claimed the signal (then only remembered,
// for signal.default).
void install_runtime_signal(int sig, const struct sigaction& action);

// For the terminal module: while `hook` is set, the signals listed above
// whose disposition is SIG_DFL run hook() (which must be async-signal-safe)
// and then take their default action. Null removes the guard.
void set_termination_hook(void (*hook)());

}  // namespace seq
