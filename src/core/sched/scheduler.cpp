#include "core/sched/scheduler.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "core/fatal.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/handoff.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/watchdog.hpp"
#include "core/sched/yield_valve.hpp"
#include "core/sys/process.hpp"

namespace seq {

namespace {

// Never destroyed: worker threads and at-exit paths may still use them while
// static destructors run.
std::mutex& init_mutex() {
    static auto* m = new std::mutex;
    return *m;
}
std::mutex& shutdown_mutex() {
    static auto* m = new std::mutex;
    return *m;
}
std::condition_variable& shutdown_cv() {
    static auto* cv = new std::condition_variable;
    return *cv;
}

std::atomic<Scheduler*> g_sched{nullptr};

// Written by scheduler_shutdown under init_mutex(), read under it; never
// destroyed (an at-exit shutdown may run after static destructors).
ShutdownReport& last_report() {
    static auto* r = new ShutdownReport;
    return *r;
}

}  // namespace

Counters& counters() {
    static auto* c = new Counters;
    return *c;
}

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void scheduler_init() {
    if (g_sched.load(std::memory_order_acquire)) return;
    scheduler_init_with(nullptr);
}

bool scheduler_init_with(const Config* cfg) {
    std::lock_guard<std::mutex> lock(init_mutex());
    if (g_sched.load(std::memory_order_relaxed)) return false;

    auto* sched = new Scheduler;
    sched->config = cfg ? *cfg : load_config();
    sched->start_ns = monotonic_ns();
    install_process_signal_policy();  // SIGINT, SIGPIPE
    install_diagnostic_signals();     // SIGSEGV in a guard page, SIGQUIT
    stack_pool().configure(sched->config.stack_size, sched->config.pool_capacity,
                           sched->config.stack_guard);
#if defined(SEQ_DIAGNOSTICS)
    strand_registry();  // sized now, from the environment
#endif
    for (unsigned i = 0; i < sched->config.workers; ++i)
        sched->workers.push_back(std::make_unique<Worker>(i, sched));
    g_sched.store(sched, std::memory_order_release);
    for (auto& w : sched->workers)
        w->start();
    yield_valve_start(*sched);
    watchdog_start(*sched);  // the sampler, stall warnings, SEQ_WATCHDOG_SECS, SIGQUIT
    return true;
}

bool scheduler_running() {
    return g_sched.load(std::memory_order_acquire) != nullptr;
}

Scheduler& scheduler() {
    Scheduler* s = g_sched.load(std::memory_order_acquire);
    if (!s) {
        scheduler_init();
        s = g_sched.load(std::memory_order_acquire);
    }
    return *s;
}

void scheduler_shutdown() {
    std::lock_guard<std::mutex> lock(init_mutex());
    Scheduler* sched = g_sched.load(std::memory_order_acquire);
    if (!sched) return;
    if (current_worker()) fatal("scheduler_shutdown", "called from a strand or worker thread");
    watchdog_stop();
    yield_valve_stop_monitor();
    for (auto& w : sched->workers) {
        w->stop.store(true, std::memory_order_release);
        // Wake it whether or not it is sleeping.
        w->sleeping.store(true);
        w->notify();
    }
    ShutdownReport report;
    report.sequence = last_report().sequence + 1;
    // Every thread: those that ran a worker to its stop, spares, and one
    // still detached in a foreign call (it comes back, reattaches, leaves).
    worker_threads_join();
    for (auto& w : sched->workers)
        report.workers.push_back(std::move(w->shutdown_result));
    // No strand runs any more: whatever is still counted or tracked is
    // abandoned. Forget it, so that a leak is reported by the shutdown that
    // found it and a later wait_all_strands does not wait for it forever.
    report.strands_active = counters().active.exchange(0, std::memory_order_acq_rel);
    if (report.strands_active) {
        std::lock_guard<std::mutex> wait_lock(shutdown_mutex());
        shutdown_cv().notify_all();  // a host thread in wait_all_strands
    }
#if defined(SEQ_DIAGNOSTICS)
    for (auto& tracked : strand_registry().active_strands()) {
        report.strand_ids.push_back(tracked.first);
        strand_registry().unregister(tracked.first);
    }
    std::sort(report.strand_ids.begin(), report.strand_ids.end());
#endif
    last_report() = std::move(report);
    g_sched.store(nullptr, std::memory_order_release);
    yield_valve_close();
    delete sched;
    stack_pool().release_all();
}

bool ShutdownReport::clean() const {
    for (const WorkerShutdown& w : workers)
        if (!w.forced_handles.empty() || w.loop_close != 0) return false;
    return strands_active == 0 && strand_ids.empty();
}

std::string ShutdownReport::describe() const {
    std::string out;
    char buf[160];
    for (size_t i = 0; i < workers.size(); ++i) {
        const WorkerShutdown& w = workers[i];
        if (!w.forced_handles.empty()) {
            std::snprintf(buf, sizeof buf, "worker %zu force-closed %zu uv handle%s:", i,
                          w.forced_handles.size(), w.forced_handles.size() == 1 ? "" : "s");
            out += buf;
            for (const std::string& type : w.forced_handles)
                out += " " + type;
            out += "\n";
        }
        if (w.loop_close != 0) {
            std::snprintf(buf, sizeof buf, "worker %zu: uv_loop_close failed: %s\n", i,
                          uv_err_name(w.loop_close));
            out += buf;
        }
    }
    if (strands_active != 0 || !strand_ids.empty()) {
        std::snprintf(buf, sizeof buf, "%" PRIu64 " counted strand%s still alive", strands_active,
                      strands_active == 1 ? "" : "s");
        out += buf;
        if (!strand_ids.empty()) {
            out += strand_ids.size() == 1 ? " (tracked: strand" : " (tracked: strands";
            for (size_t i = 0; i < strand_ids.size() && i < 20; ++i) {
                std::snprintf(buf, sizeof buf, " %" PRIu64, strand_ids[i]);
                out += buf;
            }
            if (strand_ids.size() > 20) out += " ...";
            out += ")";
        }
        out += "\n";
    }
    return out;
}

ShutdownReport last_shutdown_report() {
    std::lock_guard<std::mutex> lock(init_mutex());
    return last_report();
}

uint64_t counters_on_spawn(bool counted) {
    Counters& c = counters();
    uint64_t id = c.next_id.fetch_add(1, std::memory_order_relaxed);
    if (!counted) return id;
    // Spawned before active (the seed does the reverse): an observer that
    // reads completed, then active, then spawned always finds
    // spawned >= completed + active. The TSan run of the 100k-strand test
    // caught the seed's order breaking it.
    c.spawned.fetch_add(1, std::memory_order_seq_cst);
    uint64_t now = c.active.fetch_add(1, std::memory_order_seq_cst) + 1;
    uint64_t peak = c.peak.load(std::memory_order_acquire);
    while (now > peak && !c.peak.compare_exchange_weak(peak, now, std::memory_order_release,
                                                       std::memory_order_relaxed)) {
    }
    return id;
}

void counters_on_finish(bool counted) {
    if (!counted) return;
    Counters& c = counters();
    // Active first, then completed: spawned >= completed + active always holds.
    uint64_t prev = c.active.fetch_sub(1, std::memory_order_seq_cst);
    c.completed.fetch_add(1, std::memory_order_seq_cst);
    if (prev == 1) {
        // Notify under the mutex so a waiter between its check and its wait
        // cannot miss it.
        std::lock_guard<std::mutex> lock(shutdown_mutex());
        shutdown_cv().notify_all();
    }
}

void wait_all_strands() {
    if (current_worker())
        fatal("wait_all_strands", "called from a strand: it would wait for itself forever");
    std::unique_lock<std::mutex> lock(shutdown_mutex());
    while (counters().active.load(std::memory_order_acquire) > 0)
        shutdown_cv().wait(lock);
}

uint64_t scheduler_elapsed_ns() {
    Scheduler* s = g_sched.load(std::memory_order_acquire);
    return s ? monotonic_ns() - s->start_ns : 0;
}

}  // namespace seq
