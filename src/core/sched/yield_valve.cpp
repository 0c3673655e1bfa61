#include "core/sched/yield_valve.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/sched/handoff.hpp"
#include "core/sched/preempt.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/value/context.hpp"

namespace seq {

namespace {

// The monitor: a thread that looks at each worker every period and, when a
// worker has not switched strands since the previous look (its strand has run
// for at least one period), asks that strand to stop: through the preempt
// flag that maybe_yield reads (time slicing, SEQ_YIELD_SLICE_US), and with
// the preemption signal when compiled code runs there (SEQ_PREEMPT_MS,
// core/sched/preempt). It adds nothing to a switch: it only reads counters
// the workers keep anyway.
struct Monitor {
    std::thread thread;
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::condition_variable cv;
};
Monitor* g_monitor = nullptr;

struct MonitorPlan {
    uint64_t period_us;
    bool slice;     // set the preempt flag
    bool preempt;   // send the signal
    bool sections;  // hand off workers whose strand stays in a blocking section
};

// A program with neither time slices nor compiled code to preempt (a C or
// C++ host) has no monitor until its first blocking section: the monitor
// is started then (yield_valve_watch_sections), so a host that never uses
// sections never has the thread or its wake-ups.
std::mutex g_monitor_mu;              // g_monitor's start and stop
Scheduler* g_watch_sched = nullptr;   // set by yield_valve_start, null once stopped
MonitorPlan g_watch_plan{};           // the plan a started-late monitor runs
std::atomic<bool> g_watching{false};  // a monitor runs with sections in its plan

// A worker whose strand stays stuck after the signal is not in compiled code
// (a foreign C call, a long runtime word): signalling it every period would
// only interrupt its system calls (EINTR for the ones SA_RESTART does not
// restart). After kEagerTries looks it is signalled at looks 8, 16, 32, ...
// (exponential back-off) until it switches again.
//
// With handoff on (core/sched/handoff), a look asks for the worker's handoff
// and signals when the previous signal found the strand in foreign code
// (Worker::foreign_seen: the handoff then comes one look after the first
// signal), and once anyway at the first look past the eager ones.
constexpr uint64_t kEagerTries = 4;
bool signal_this_look(uint64_t stuck_looks) {
    return stuck_looks <= kEagerTries || (stuck_looks & (stuck_looks - 1)) == 0;
}

void monitor_main(Scheduler* sched, Monitor* m, MonitorPlan plan) {
    std::vector<uint64_t> last(sched->workers.size(), ~uint64_t{0});
    std::vector<uint64_t> stuck(sched->workers.size(), 0);
    auto period = std::chrono::microseconds(plan.period_us ? plan.period_us : 1);
    std::unique_lock<std::mutex> lock(m->mu);
    while (!m->stop.load()) {
        m->cv.wait_for(lock, period);
        for (size_t i = 0; i < sched->workers.size(); ++i) {
            Worker* w = sched->workers[i].get();
            uint64_t seen = w->strands_run.load(std::memory_order_relaxed);
            if (seen == last[i] && !w->sleeping.load(std::memory_order_relaxed)) {
                // In a blocking section for a period at least: the strand
                // promised not to touch the worker, so no signal is needed.
                uintptr_t section = plan.sections ? w->section.load(std::memory_order_acquire) : 0;
                if (section) {
                    handoff_release_section(*w, section);
                    last[i] = seen;
                    continue;
                }
                if (plan.slice) w->preempt.store(true, std::memory_order_relaxed);
                if (plan.preempt && w->running_id.load(std::memory_order_relaxed) != 0) {
                    uint64_t n = ++stuck[i];
                    bool ask = handoff_enabled() &&
                               (w->foreign_seen.exchange(false, std::memory_order_relaxed) ||
                                n == kEagerTries + 1);
                    if (ask) handoff_request(*w);
                    if (ask || signal_this_look(n)) preempt_interrupt(*w);
                }
            } else {
                stuck[i] = 0;
                if (w->handoff_requested.load(std::memory_order_relaxed))
                    w->handoff_requested.store(false, std::memory_order_relaxed);
                if (w->foreign_seen.load(std::memory_order_relaxed))
                    w->foreign_seen.store(false, std::memory_order_relaxed);
            }
            last[i] = seen;
        }
    }
}

}  // namespace

void maybe_yield_slow(YieldValve v) {
    ExecContext* ctx = current_context();
    if (!ctx->strand) return;
    // Back from a foreign call on a thread that lost its worker: a valve is
    // a scheduler entry, so go back to the worker (core/sched/handoff).
    if (__builtin_expect(ctx->strand->detached.load(std::memory_order_relaxed), 0))
        reattach(ctx->strand);
    // The counter is per strand (strands migrate between threads) and wraps.
    if (v.interval && ++ctx->yield_counter >= v.interval) {
        ctx->yield_counter = 0;
        yield_now();
        return;
    }
    if (v.slice && preempt_requested()) yield_now();
}

namespace {

void start_monitor_locked(Scheduler& sched, MonitorPlan plan) {
    g_monitor = new Monitor;
    g_monitor->thread = std::thread(monitor_main, &sched, g_monitor, plan);
    g_watching.store(plan.sections, std::memory_order_release);
}

}  // namespace

void yield_valve_start(Scheduler& sched) {
    uint64_t interval = std::min<uint64_t>(sched.config.yield_interval, UINT32_MAX);
    g_yield_valve.store(interval | (uint64_t{sched.config.yield_slice_us ? 1u : 0u} << 32),
                        std::memory_order_relaxed);
    MonitorPlan plan{0, sched.config.yield_slice_us != 0,
                     preempt_start(sched.config.preempt_ms, sched.config.handoff),
                     sched.config.handoff};
    // Half a slice between looks: a strand is asked to stop after one to two.
    // Blocking sections are looked at every SEQ_PREEMPT_MS / 2 (5 ms by
    // default, and when preemption is off).
    uint64_t section_period = (sched.config.preempt_ms ? sched.config.preempt_ms : 10) * 1000 / 2;
    uint64_t period = plan.sections ? section_period : UINT64_MAX;
    if (plan.slice) period = std::min<uint64_t>(period, sched.config.yield_slice_us / 2);
    if (plan.preempt) period = std::min<uint64_t>(period, sched.config.preempt_ms * 1000 / 2);
    plan.period_us = period;
    handoff_sections_enable(plan.sections);
    std::lock_guard<std::mutex> lock(g_monitor_mu);
    g_watch_sched = &sched;
    g_watch_plan = plan;
    if (plan.slice || plan.preempt) start_monitor_locked(sched, plan);
}

void yield_valve_watch_sections() {
    if (g_watching.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(g_monitor_mu);
    if (g_monitor || !g_watch_sched || !g_watch_plan.sections) return;
    start_monitor_locked(*g_watch_sched, g_watch_plan);
}

void yield_valve_stop_monitor() {
    std::lock_guard<std::mutex> lock(g_monitor_mu);
    g_watch_sched = nullptr;
    handoff_sections_enable(false);
    g_watching.store(false, std::memory_order_release);
    if (!g_monitor) return;
    g_monitor->stop.store(true);
    g_monitor->cv.notify_all();
    g_monitor->thread.join();
    delete g_monitor;
    g_monitor = nullptr;
    preempt_stop();
}

void yield_valve_close() {
    g_yield_valve.store(0, std::memory_order_relaxed);
}

}  // namespace seq
