// Process-level state and policy: command-line arguments, the exit code, and
// the process's signal policy for SIGINT and SIGPIPE (docs/architecture.md,
// "Failure policy"):
//   SIGINT   the first exits 130 after flushing output; a second exits at once;
//   SIGPIPE  ignored: a write to a closed socket or pipe is an error value;
//   SIGTERM  with SEQ_DRAIN_MS set, a graceful drain (core/sys/drain.hpp).
// The same once-per-process step raises the soft fd limit (fd_limit.hpp).
// The strand-aware signals (SIGSEGV in a guard page, SIGQUIT diagnostics) are
// the scheduler's: core/sched/diagnostics.hpp.
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

// Installs the SIGINT, SIGPIPE and SIGTERM policy and raises the fd limit,
// once (called by scheduler_init).
void install_process_signal_policy();

}  // namespace seq
