#include "core/sys/drain.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/fatal.hpp"
#include "core/output.hpp"
#include "core/sys/env_number.hpp"
#include "core/sys/signals.hpp"

namespace seq {

namespace {

std::atomic<bool> g_installed{false};
std::atomic<uint64_t> g_drain_ms{0};
std::atomic<bool> g_started{false};
std::atomic<bool> g_term_seen{false};
std::atomic<int64_t> g_conns{0};
std::atomic<void (*)()> g_stop_hook{nullptr};
std::atomic<void (*)()> g_report_hook{nullptr};
int g_term_fd = -1;

// The watcher sleeps on this until the last connection closes or the
// deadline passes; closers notify under the mutex so no wake-up is lost.
std::mutex& drain_mu() {
    static auto* m = new std::mutex;  // never destroyed: used at exit
    return *m;
}
std::condition_variable& drain_cv() {
    static auto* cv = new std::condition_variable;
    return *cv;
}

void write_stderr(const char* s, size_t n) {
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= static_cast<size_t>(w);
    }
}

void on_sigterm(int) {
    if (g_term_seen.exchange(true)) {
        // The second SIGTERM: whoever sent it will not wait for the drain.
        static const char msg[] = "seq: second SIGTERM during drain, exiting now\n";
        write_stderr(msg, sizeof msg - 1);
        _exit(1);
    }
    int saved = errno;
    uint64_t one = 1;
    ssize_t r = write(g_term_fd, &one, sizeof one);
    (void)r;
    errno = saved;
}

[[noreturn]] void finish(int code) {
    stdout_flush();
    if (void (*report)() = g_report_hook.load(std::memory_order_acquire)) report();
    std::fflush(stderr);
    // _exit, not exit: the program's main thread may be returning at this
    // very moment (its strands ended with the last connection), and two
    // threads running exit()'s handlers at once is undefined.
    _exit(code);
}

void drain_watcher() {
    uint64_t v;
    while (read(g_term_fd, &v, sizeof v) < 0 && errno == EINTR) {
    }
    uint64_t ms = g_drain_ms.load(std::memory_order_relaxed);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    g_started.store(true, std::memory_order_seq_cst);
    if (void (*stop)() = g_stop_hook.load(std::memory_order_acquire)) stop();
    std::unique_lock<std::mutex> lock(drain_mu());
    bool drained = drain_cv().wait_until(
        lock, deadline, [] { return g_conns.load(std::memory_order_seq_cst) <= 0; });
    lock.unlock();
    if (drained) finish(0);
    char line[160];
    int n = std::snprintf(line, sizeof line,
                          "seq: drain: SEQ_DRAIN_MS=%llu elapsed, cutting %lld open "
                          "connection%s\n",
                          static_cast<unsigned long long>(ms),
                          static_cast<long long>(g_conns.load()), g_conns.load() == 1 ? "" : "s");
    if (n > 0) write_stderr(line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    finish(1);
}

}  // namespace

uint64_t parse_drain_ms(const char* v) {
    return env_count_or_off("SEQ_DRAIN_MS", v, "graceful drain");
}

void install_drain_policy() {
    if (g_installed.exchange(true)) return;
    uint64_t ms = parse_drain_ms(std::getenv("SEQ_DRAIN_MS"));
    if (ms == 0) return;
    g_term_fd = eventfd(0, EFD_CLOEXEC);
    if (g_term_fd < 0) {
        warn("SEQ_DRAIN_MS: no eventfd (%s), SIGTERM keeps its default action",
             std::strerror(errno));
        return;
    }
    g_drain_ms.store(ms, std::memory_order_relaxed);
    std::thread(drain_watcher).detach();
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigterm;
    sa.sa_flags = SA_RESTART;
    // Through the signals module: a program's signal.trap of SIGTERM wins.
    install_runtime_signal(SIGTERM, sa);
}

uint64_t drain_ms() {
    return g_drain_ms.load(std::memory_order_relaxed);
}

bool drain_started() {
    return g_started.load(std::memory_order_acquire);
}

void set_drain_stop_hook(void (*stop_accepting)()) {
    g_stop_hook.store(stop_accepting, std::memory_order_release);
}

void set_drain_report_hook(void (*report)()) {
    g_report_hook.store(report, std::memory_order_release);
}

void drain_connection_opened() {
    g_conns.fetch_add(1, std::memory_order_relaxed);
}

void drain_connection_closed() {
    // seq_cst on both sides (here and the watcher's start): either the watcher
    // sees the count at zero, or this closer sees the drain started.
    if (g_conns.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
        g_started.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lock(drain_mu());
        drain_cv().notify_all();
    }
}

size_t drain_connections() {
    int64_t n = g_conns.load(std::memory_order_relaxed);
    return n > 0 ? static_cast<size_t>(n) : 0;
}

void drain_connections_reset() {
    g_conns.store(0, std::memory_order_relaxed);
}

}  // namespace seq
