// Process-level words: command-line arguments, the exit code, the at-exit
// report, and the signal policy (DESIGN §6):
//   SIGINT   the first exits 130 after flushing output; a second exits at once;
//   SIGPIPE  ignored: a write to a closed socket or pipe is an error value;
//   SIGSEGV  in a strand's guard page: names the strand and SEQ_STACK_SIZE;
//   SIGQUIT  prints diagnostics to stderr and keeps running.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seq {

void args_init(int argc, char** argv);
size_t arg_count();
std::string arg_at(size_t i);  // "" when out of range

void set_exit_code(int64_t code);
int64_t get_exit_code();

// Flushes runtime output and exits the process with `code`.
[[noreturn]] void exit_process(int code);

// Installs the signal handlers and records the start time (called by
// scheduler_init).
void process_on_scheduler_init();

// The at-exit report (SEQ_REPORT unset or 0: silent; 1: text; json; words;
// json:PATH writes JSON to a file).
void emit_report();
void report_init(const uint64_t* counters, const char* const* names, int64_t count);

// Reports a strand's stack overflow and aborts (async-signal-safe).
[[noreturn]] void report_stack_overflow(uint64_t strand_id);

// Human-readable diagnostics (SIGQUIT): counters, stacks by mode, registry.
std::string diagnostics_text();

}  // namespace seq
