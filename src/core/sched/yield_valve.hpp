// The yield valve: how a strand that computes without ever blocking still
// lets the other strands of its worker run. Compiled code calls
// patch_seq_maybe_yield (which calls maybe_yield) at loop back-edges; with
// both valves off that is one load and a compare.
//   count   SEQ_YIELD_INTERVAL=N: every Nth call yields. The counter is per
//           strand (in its ExecContext: strands migrate between threads).
//   slice   SEQ_YIELD_SLICE_US=T: a monitor thread looks at every worker
//           each T/2 µs and, when one has not switched strands since its
//           previous look, asks it to yield (Worker::preempt); the next
//           maybe_yield on that worker then yields.
#pragma once

#include <atomic>
#include <cstdint>

namespace seq {

struct Scheduler;

// The valve's settings, packed in one word so the fast path is one load:
// the interval in the low 32 bits, 1 << 32 when time slicing is on.
inline std::atomic<uint64_t> g_yield_valve{0};

struct YieldValve {
    uint32_t interval;
    uint32_t slice;  // non-zero when time-slice yielding is on
};
inline YieldValve yield_valve() {
    uint64_t v = g_yield_valve.load(std::memory_order_relaxed);
    return {static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32)};
}

// Yields the current strand when a valve says so.
void maybe_yield_slow(YieldValve v);
inline void maybe_yield() {
    YieldValve v = yield_valve();
    if (!v.interval && !v.slice) return;  // both off: the common case
    maybe_yield_slow(v);
}

// scheduler_init, once the workers run: opens the valve as configured and
// starts the time-slice monitor if SEQ_YIELD_SLICE_US asks for one.
void yield_valve_start(Scheduler& sched);
// scheduler_shutdown: stops the monitor (before the workers stop) ...
void yield_valve_stop_monitor();
// A blocking section begins (core/sched/handoff): makes sure the monitor
// runs, starting it if the program had no reason to before.
void yield_valve_watch_sections();
// ... and closes the valve (after they are joined).
void yield_valve_close();

}  // namespace seq
