// Runtime configuration read from the environment (docs/configuration.md).
//
// Invalid values print a one-line warning naming the variable, the bad value
// and the default used, then fall back (docs/architecture.md, "Failure policy").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace seq {

enum class StackGuard { Auto, Always, Never };
// What the watchdog does about a strand stuck past SEQ_WATCHDOG_SECS.
enum class WatchdogAction { Warn, Exit };

// A strand's fiber stack by default: as deep as upstream's real default.
inline constexpr size_t kDefaultStackBytes = 1024 * 1024;

struct Config {
    size_t stack_size = kDefaultStackBytes;     // SEQ_STACK_SIZE
    size_t pool_capacity = 10000;               // SEQ_POOL_CAPACITY
    unsigned workers = 0;                       // SEQ_WORKERS (0 = number of cores)
    uint64_t yield_interval = 0;                // SEQ_YIELD_INTERVAL (0 = off)
    uint64_t yield_slice_us = 0;                // SEQ_YIELD_SLICE_US (0 = off)
    uint64_t preempt_ms = 10;                   // SEQ_PREEMPT_MS (0 = off)
    bool handoff = true;                        // SEQ_HANDOFF (0 = off)
    size_t registry_size = 1024;                // SEQ_STRAND_REGISTRY_SIZE
    StackGuard stack_guard = StackGuard::Auto;  // SEQ_STACK_GUARD
    // Diagnostics (core/sched/watchdog, core/sched/diagnostics).
    uint64_t watchdog_secs = 0;                             // SEQ_WATCHDOG_SECS (0 = off)
    uint64_t watchdog_interval_secs = 5;                    // SEQ_WATCHDOG_INTERVAL
    WatchdogAction watchdog_action = WatchdogAction::Warn;  // SEQ_WATCHDOG_ACTION
    uint64_t stall_warn_ms = 0;                             // SEQ_STALL_WARN_MS (0 = off)
    size_t dump_strands = 100;                              // SEQ_DUMP_STRANDS
};

// Reads every variable (warning on invalid ones).
Config load_config();

// Parsers, one per variable, exposed for tests. Each takes the raw value
// (nullopt when unset) and returns the value to use.
size_t parse_stack_size(const std::optional<std::string>& v);
size_t parse_pool_capacity(const std::optional<std::string>& v);
unsigned parse_workers(const std::optional<std::string>& v);
uint64_t parse_yield_interval(const std::optional<std::string>& v);
uint64_t parse_yield_slice_us(const std::optional<std::string>& v);
uint64_t parse_preempt_ms(const std::optional<std::string>& v);
bool parse_handoff(const std::optional<std::string>& v);
size_t parse_registry_size(const std::optional<std::string>& v);
StackGuard parse_stack_guard(const std::optional<std::string>& v);
uint64_t parse_watchdog_secs(const std::optional<std::string>& v);
uint64_t parse_watchdog_interval(const std::optional<std::string>& v);
WatchdogAction parse_watchdog_action(const std::optional<std::string>& v);
uint64_t parse_stall_warn_ms(const std::optional<std::string>& v);
size_t parse_dump_strands(const std::optional<std::string>& v);

std::optional<std::string> env_var(const char* name);
const char* stack_guard_name(StackGuard g);

}  // namespace seq
