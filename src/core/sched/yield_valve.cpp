#include "core/sched/yield_valve.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/value/context.hpp"

namespace seq {

namespace {

// The time-slice monitor (SEQ_YIELD_SLICE_US): a thread that looks at each
// worker every half slice and asks the running strand to yield when the
// worker has not switched since the previous look.
struct Monitor {
    std::thread thread;
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::condition_variable cv;
};
Monitor* g_monitor = nullptr;

void monitor_main(Scheduler* sched, Monitor* m, uint64_t slice_us) {
    std::vector<uint64_t> last(sched->workers.size(), ~uint64_t{0});
    auto period = std::chrono::microseconds(slice_us / 2 ? slice_us / 2 : 1);
    std::unique_lock<std::mutex> lock(m->mu);
    while (!m->stop.load()) {
        m->cv.wait_for(lock, period);
        for (size_t i = 0; i < sched->workers.size(); ++i) {
            Worker* w = sched->workers[i].get();
            uint64_t seen = w->strands_run.load(std::memory_order_relaxed);
            if (seen == last[i] && !w->sleeping.load(std::memory_order_relaxed))
                w->preempt.store(true, std::memory_order_relaxed);
            last[i] = seen;
        }
    }
}

}  // namespace

void maybe_yield_slow(YieldValve v) {
    ExecContext* ctx = current_context();
    if (!ctx->strand) return;
    // The counter is per strand (strands migrate between threads) and wraps.
    if (v.interval && ++ctx->yield_counter >= v.interval) {
        ctx->yield_counter = 0;
        yield_now();
        return;
    }
    if (v.slice && preempt_requested()) yield_now();
}

void yield_valve_start(Scheduler& sched) {
    uint64_t interval = std::min<uint64_t>(sched.config.yield_interval, UINT32_MAX);
    g_yield_valve.store(interval | (uint64_t{sched.config.yield_slice_us ? 1u : 0u} << 32),
                        std::memory_order_relaxed);
    if (sched.config.yield_slice_us) {
        g_monitor = new Monitor;
        g_monitor->thread =
            std::thread(monitor_main, &sched, g_monitor, sched.config.yield_slice_us);
    }
}

void yield_valve_stop_monitor() {
    if (!g_monitor) return;
    g_monitor->stop.store(true);
    g_monitor->cv.notify_all();
    g_monitor->thread.join();
    delete g_monitor;
    g_monitor = nullptr;
}

void yield_valve_close() {
    g_yield_valve.store(0, std::memory_order_relaxed);
}

}  // namespace seq
