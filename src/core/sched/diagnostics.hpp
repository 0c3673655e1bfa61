// What the runtime tells about itself: the stack-overflow report, the SIGQUIT
// dump (counters, stacks, workers, and every tracked strand with what it is
// waiting on), and the SEQ_REPORT at-exit report.
//
// Split from the process words because all of it reads scheduler state; the
// process module (core/sys) stays below the scheduler.
#pragma once

#include <cstdint>
#include <string>

namespace seq {

// Installs the strand-aware signal handlers once (called by scheduler_init):
//   SIGSEGV  in a strand's guard page (or just below a dense stack): names the
//            strand and SEQ_STACK_SIZE, then aborts; other faults go to the
//            handler installed before ours;
//   SIGQUIT  prints diagnostics_text() to stderr and keeps running
//            (SEQ_DIAGNOSTICS builds).
void install_diagnostic_signals();

// Reports a strand's stack overflow and aborts (async-signal-safe).
[[noreturn]] void report_stack_overflow(uint64_t strand_id);

// Human-readable diagnostics: counters, stacks by mode, each worker (busy
// running strand N, busy in its loop, or idle), and each tracked strand:
// running, ready, or "parked on <reason> for <seconds> s".
std::string diagnostics_text();

// The at-exit report (SEQ_REPORT unset or 0: silent; 1: text; json; words;
// json:PATH writes JSON to a file).
void emit_report();
void report_init(const uint64_t* counters, const char* const* names, int64_t count);

// Hosts (seq/host.h) have no generated main that calls patch_seq_report()
// after scheduler_run, so seq_runtime_start arms the report for process exit
// (once per process): it prints unless something called emit_report()
// already, covering every start/stop cycle, its wall clock counted from the
// first start. seq_runtime_stop calls report_note_stop() first, because the
// worker count is gone with the workers.
void report_at_exit();
void report_note_stop();

}  // namespace seq
