#include "core/sched/watchdog.hpp"

#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/config.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/worker.hpp"

namespace seq {

namespace {

// Sampling period without a stall threshold: the resolution of the dump's
// "running for X ms". Ten looks a second at a few atomics per worker.
constexpr uint64_t kBasePeriodMs = 100;
// With SEQ_STALL_WARN_MS: a quarter of it, but not below this.
constexpr uint64_t kMinPeriodMs = 5;
// At most one stall line in this interval, in all.
constexpr uint64_t kStallLineIntervalMs = 1000;

// What the sampler saw of one worker.
struct Sample {
    uint64_t runs = ~uint64_t{0};  // strands_run
    uint64_t id = 0;               // running_id; 0: no strand ran there
    uint64_t since_ms = 0;         // when the sampler first saw this pair
    bool stall_warned = false;
};

// One instance for the process (never freed: the SIGQUIT handler may look at
// it at any moment); `active` while a thread runs for a scheduler.
struct Watchdog {
    Watchdog() { sem_init(&sem, 0, 0); }

    std::mutex life_mu;  // start/stop
    std::thread thread;
    sem_t sem;  // posted by stop and by SIGQUIT
    std::atomic<bool> active{false};
    std::atomic<bool> stop{false};
    std::atomic<bool> dump_wanted{false};

    // The samples (by worker index), read by worker_run_age_ms.
    std::mutex mu;
    std::vector<Sample> samples;

    // Watchdog thread only.
    Scheduler* sched = nullptr;
    uint64_t period_ms = kBasePeriodMs;
    uint64_t stall_ms = 0;
    uint64_t watchdog_ms = 0;
    uint64_t interval_ms = 0;
    WatchdogAction action = WatchdogAction::Warn;
    uint64_t next_check_ms = 0;
    uint64_t last_stuck_id = 0;
    uint64_t last_stall_line_ms = 0;
    bool stall_line_printed = false;
    uint64_t stalls_unreported = 0;
};

Watchdog& wd() {
    static Watchdog* w = new Watchdog;
    return *w;
}
// The instance, once a scheduler has started one (for the signal handler,
// which must not run wd()'s first-use initialisation).
std::atomic<Watchdog*> g_started{nullptr};

uint64_t now_ms() {
    return monotonic_ns() / 1000000;
}

// Straight to the descriptor: stderr_write would first flush stdout, which
// blocks while stdout's reader is stuck, the very moment a dump is wanted.
void write_stderr(const std::string& s) {
    const char* p = s.data();
    size_t n = s.size();
    while (n) {
        ssize_t w = ::write(2, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= static_cast<size_t>(w);
    }
}

void sample(Watchdog& d, uint64_t now) {
    std::lock_guard<std::mutex> lock(d.mu);
    for (size_t i = 0; i < d.samples.size(); ++i) {
        Worker* w = d.sched->workers[i].get();
        uint64_t runs = w->strands_run.load(std::memory_order_relaxed);
        uint64_t id = w->running_id.load(std::memory_order_relaxed);
        Sample& s = d.samples[i];
        if (s.runs == runs && s.id == id) continue;
        // A stall that ended before the rate limit let its line out.
        if (d.stall_ms && s.id && !s.stall_warned && now - s.since_ms >= d.stall_ms)
            ++d.stalls_unreported;
        s = Sample{runs, id, now, false};
    }
}

void check_stalls(Watchdog& d, uint64_t now) {
    if (!d.stall_ms) return;
    std::lock_guard<std::mutex> lock(d.mu);
    for (size_t i = 0; i < d.samples.size(); ++i) {
        Sample& s = d.samples[i];
        if (!s.id || s.stall_warned || now - s.since_ms < d.stall_ms) continue;
        if (d.stall_line_printed && now - d.last_stall_line_ms < kStallLineIntervalMs) return;
        char line[256];
        int n = std::snprintf(line, sizeof line,
                              "seq: stall: worker %zu has run strand %" PRIu64 " for %" PRIu64
                              " ms without returning to its loop (SEQ_STALL_WARN_MS=%" PRIu64 ")",
                              i, s.id, now - s.since_ms, d.stall_ms);
        std::string out(line, static_cast<size_t>(n));
        if (d.stalls_unreported) {
            std::snprintf(line, sizeof line,
                          "; %" PRIu64 " earlier stalls not reported (one line a second)",
                          d.stalls_unreported);
            out += line;
            d.stalls_unreported = 0;
        }
        out += "\n";
        write_stderr(out);
        s.stall_warned = true;
        d.stall_line_printed = true;
        d.last_stall_line_ms = now;
    }
}

void check_watchdog(Watchdog& d, uint64_t now) {
    if (!d.watchdog_ms || now < d.next_check_ms) return;
    d.next_check_ms = now + d.interval_ms;
    size_t worker = 0;
    uint64_t id = 0, age = 0;
    {
        std::lock_guard<std::mutex> lock(d.mu);
        for (size_t i = 0; i < d.samples.size(); ++i) {
            const Sample& s = d.samples[i];
            if (s.id && now - s.since_ms > age) {
                worker = i;
                id = s.id;
                age = now - s.since_ms;
            }
        }
    }
    if (!id || age <= d.watchdog_ms) {
        d.last_stuck_id = 0;  // the next stuck strand gets its dump again
        return;
    }
    bool first = d.last_stuck_id != id;
    d.last_stuck_id = id;
    char line[256];
    std::snprintf(line, sizeof line,
                  "seq: watchdog: strand %" PRIu64
                  " has run on worker %zu for %.1f s without "
                  "switching out (SEQ_WATCHDOG_SECS=%" PRIu64 ")\n",
                  id, worker, static_cast<double>(age) / 1000.0, d.watchdog_ms / 1000);
    write_stderr(line);
    if (d.action == WatchdogAction::Exit) {
        write_stderr(diagnostics_text());
        write_stderr("seq: watchdog: exiting with code 1 (SEQ_WATCHDOG_ACTION=exit)\n");
        // The strand holds its worker; exit handlers and destructors would
        // race with it (and the report would wait for it): leave now.
        _exit(1);
    }
    if (first)
        write_stderr(diagnostics_text());
    else
        write_stderr("seq: watchdog: (the same strand is still stuck, dump not repeated)\n");
}

void watchdog_main(Watchdog* d) {
    while (!d->stop.load(std::memory_order_acquire)) {
        timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        uint64_t ns = static_cast<uint64_t>(until.tv_nsec) + d->period_ms * 1000000;
        until.tv_sec += static_cast<time_t>(ns / 1000000000);
        until.tv_nsec = static_cast<long>(ns % 1000000000);
        sem_clockwait(&d->sem, CLOCK_MONOTONIC, &until);
        if (d->stop.load(std::memory_order_acquire)) break;
        uint64_t now = now_ms();
        sample(*d, now);
        if (d->dump_wanted.exchange(false)) write_stderr(diagnostics_text());
        check_stalls(*d, now);
        check_watchdog(*d, now);
    }
}

}  // namespace

void watchdog_start(Scheduler& sched) {
    Watchdog& d = wd();
    std::lock_guard<std::mutex> life(d.life_mu);
    if (d.active.load()) return;
    while (sem_trywait(&d.sem) == 0) {
    }
    const Config& c = sched.config;
    d.sched = &sched;
    d.stall_ms = c.stall_warn_ms;
    d.watchdog_ms = c.watchdog_secs * 1000;
    d.interval_ms = c.watchdog_interval_secs * 1000;
    d.action = c.watchdog_action;
    d.period_ms = kBasePeriodMs;
    if (d.stall_ms) d.period_ms = std::max(kMinPeriodMs, std::min(d.period_ms, d.stall_ms / 4));
    d.next_check_ms = now_ms() + d.interval_ms;
    d.last_stuck_id = 0;
    d.stall_line_printed = false;
    d.stalls_unreported = 0;
    {
        std::lock_guard<std::mutex> lock(d.mu);
        d.samples.assign(sched.workers.size(), Sample{});
    }
    d.stop.store(false);
    d.dump_wanted.store(false);
    d.thread = std::thread(watchdog_main, &d);
    d.active.store(true, std::memory_order_release);
    g_started.store(&d, std::memory_order_release);
}

void watchdog_stop() {
    Watchdog& d = wd();
    std::lock_guard<std::mutex> life(d.life_mu);
    if (!d.active.load()) return;
    d.active.store(false, std::memory_order_release);
    d.stop.store(true, std::memory_order_release);
    sem_post(&d.sem);
    d.thread.join();
    std::lock_guard<std::mutex> lock(d.mu);
    d.samples.clear();
    d.sched = nullptr;
}

bool worker_run_age_ms(unsigned index, uint64_t runs, uint64_t strand_id, uint64_t* ms) {
    Watchdog& d = wd();
    std::lock_guard<std::mutex> lock(d.mu);
    if (index >= d.samples.size()) return false;
    const Sample& s = d.samples[index];
    if (s.runs != runs || s.id != strand_id) return false;
    uint64_t now = now_ms();
    *ms = now >= s.since_ms ? now - s.since_ms : 0;
    return true;
}

bool request_dump_from_signal() {
    Watchdog* d = g_started.load(std::memory_order_acquire);
    if (!d || !d->active.load(std::memory_order_acquire)) return false;
    d->dump_wanted.store(true);
    sem_post(&d->sem);
    return true;
}

}  // namespace seq
