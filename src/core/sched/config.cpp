#include "core/sched/config.hpp"

#include <cstdlib>
#include <thread>

#include "core/fatal.hpp"
#include "core/sys/env_number.hpp"

namespace seq {

namespace {

// The raw value as the env_number readers take it (nullptr: unset).
const char* raw(const std::optional<std::string>& v) {
    return v ? v->c_str() : nullptr;
}

}  // namespace

std::optional<std::string> env_var(const char* name) {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
}

size_t parse_stack_size(const std::optional<std::string>& v) {
    // Bytes, as upstream documents it. Upstream hands the number to its
    // coroutine library as a count of 8-byte words, so its real default is
    // 1 MiB: ours is 1 MiB of bytes (docs/configuration.md).
    return env_positive_number("SEQ_STACK_SIZE", raw(v), kDefaultStackBytes);
}

size_t parse_pool_capacity(const std::optional<std::string>& v) {
    return env_positive_number("SEQ_POOL_CAPACITY", raw(v), 10000);
}

unsigned parse_workers(const std::optional<std::string>& v) {
    unsigned cores = std::thread::hardware_concurrency();
    if (cores == 0) cores = 1;
    uint64_t n = env_positive_number("SEQ_WORKERS", raw(v), cores);
    if (n > 1024) {
        warn("SEQ_WORKERS=%llu is out of range (1..1024), using default %u",
             static_cast<unsigned long long>(n), cores);
        return cores;
    }
    return static_cast<unsigned>(n);
}

uint64_t parse_yield_interval(const std::optional<std::string>& v) {
    return env_count_or_off("SEQ_YIELD_INTERVAL", raw(v), "yield safety valve");
}

uint64_t parse_yield_slice_us(const std::optional<std::string>& v) {
    return env_count_or_off("SEQ_YIELD_SLICE_US", raw(v), "time-slice yielding");
}

uint64_t parse_preempt_ms(const std::optional<std::string>& v) {
    // 0 turns asynchronous preemption off; above a second it would not help.
    return env_number_in_range("SEQ_PREEMPT_MS", raw(v), 0, 1000, 10);
}

bool parse_handoff(const std::optional<std::string>& v) {
    // 1 (the default) or 0: whether a worker stuck in a foreign call is
    // handed to a spare thread (core/sched/handoff).
    return env_number_in_range("SEQ_HANDOFF", raw(v), 0, 1, 1) != 0;
}

size_t parse_registry_size(const std::optional<std::string>& v) {
    // 0 is allowed: no slots, every strand counts as overflow
    return env_number("SEQ_STRAND_REGISTRY_SIZE", raw(v), 1024);
}

StackGuard parse_stack_guard(const std::optional<std::string>& v) {
    if (!v || *v == "auto") return StackGuard::Auto;
    if (*v == "always") return StackGuard::Always;
    if (*v == "never") return StackGuard::Never;
    warn("SEQ_STACK_GUARD='%s' is not one of auto|always|never, using default auto", v->c_str());
    return StackGuard::Auto;
}

uint64_t parse_watchdog_secs(const std::optional<std::string>& v) {
    return env_count_or_off("SEQ_WATCHDOG_SECS", raw(v), "the watchdog");
}

uint64_t parse_watchdog_interval(const std::optional<std::string>& v) {
    // Seconds between the watchdog's checks; 0 makes no sense (upstream
    // ignores it too and keeps 5).
    return env_positive_number("SEQ_WATCHDOG_INTERVAL", raw(v), 5);
}

WatchdogAction parse_watchdog_action(const std::optional<std::string>& v) {
    if (!v || v->empty()) return WatchdogAction::Warn;
    std::string a;
    for (char ch : *v)
        a += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    if (a == "warn") return WatchdogAction::Warn;
    if (a == "exit") return WatchdogAction::Exit;
    warn("SEQ_WATCHDOG_ACTION='%s' is not one of warn|exit, using default warn", v->c_str());
    return WatchdogAction::Warn;
}

uint64_t parse_stall_warn_ms(const std::optional<std::string>& v) {
    return env_count_or_off("SEQ_STALL_WARN_MS", raw(v), "the stall warning");
}

size_t parse_dump_strands(const std::optional<std::string>& v) {
    // 0 is allowed: the dump lists no strand, only the counts.
    return env_number("SEQ_DUMP_STRANDS", raw(v), 100);
}

const char* stack_guard_name(StackGuard g) {
    switch (g) {
        case StackGuard::Auto:
            return "auto";
        case StackGuard::Always:
            return "always";
        case StackGuard::Never:
            return "never";
    }
    return "?";
}

Config load_config() {
    Config c;
    c.stack_size = parse_stack_size(env_var("SEQ_STACK_SIZE"));
    // The runtime's own frames (libuv callbacks, formatting) need some room:
    // smaller requests are raised, not refused. Sizes are rounded to pages.
    constexpr size_t kMinStack = 16 * 1024;
    if (c.stack_size < kMinStack) {
        warn("SEQ_STACK_SIZE=%zu is below the minimum, using %zu", c.stack_size, kMinStack);
        c.stack_size = kMinStack;
    }
    c.stack_size = (c.stack_size + 4095) & ~size_t{4095};
    c.pool_capacity = parse_pool_capacity(env_var("SEQ_POOL_CAPACITY"));
    c.workers = parse_workers(env_var("SEQ_WORKERS"));
    c.yield_interval = parse_yield_interval(env_var("SEQ_YIELD_INTERVAL"));
    c.yield_slice_us = parse_yield_slice_us(env_var("SEQ_YIELD_SLICE_US"));
    c.preempt_ms = parse_preempt_ms(env_var("SEQ_PREEMPT_MS"));
    c.handoff = parse_handoff(env_var("SEQ_HANDOFF"));
    c.registry_size = parse_registry_size(env_var("SEQ_STRAND_REGISTRY_SIZE"));
    c.stack_guard = parse_stack_guard(env_var("SEQ_STACK_GUARD"));
    c.watchdog_secs = parse_watchdog_secs(env_var("SEQ_WATCHDOG_SECS"));
    c.watchdog_interval_secs = parse_watchdog_interval(env_var("SEQ_WATCHDOG_INTERVAL"));
    c.watchdog_action = parse_watchdog_action(env_var("SEQ_WATCHDOG_ACTION"));
    c.stall_warn_ms = parse_stall_warn_ms(env_var("SEQ_STALL_WARN_MS"));
    c.dump_strands = parse_dump_strands(env_var("SEQ_DUMP_STRANDS"));
    return c;
}

}  // namespace seq
