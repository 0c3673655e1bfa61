// The scheduler: process-wide state shared by all workers.
//
// Lifecycle counters follow the seed (seq-runtime 5.4.0 scheduler.rs):
//   active      lock-free count of live strands (the hot path);
//   spawned     monotonic; incremented just before active at spawn;
//   completed   monotonic; incremented after active is decremented at the
//               end, so an outside observer always sees
//               spawned >= completed + active;
//   peak        high-water mark of active (CAS max).
// wait_all blocks a non-worker thread on a condition variable that the last
// strand to finish notifies while holding the mutex (no lost wake-up).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/sched/config.hpp"
#include "core/sched/worker.hpp"

namespace seq {

struct Scheduler {
    Config config;
    std::vector<std::unique_ptr<Worker>> workers;
    std::atomic<unsigned> next_worker{0};  // round-robin for outside spawns
    std::atomic<int> idle_workers{0};
    uint64_t start_ns = 0;
};

struct Counters {
    std::atomic<uint64_t> active{0};
    std::atomic<uint64_t> spawned{0};
    std::atomic<uint64_t> completed{0};
    std::atomic<uint64_t> peak{0};
    std::atomic<uint64_t> next_id{1};
};

Counters& counters();

// Initialises once (reads the configuration, starts workers); idempotent.
void scheduler_init();
// As scheduler_init, with `cfg` instead of the environment (null: the
// environment). Returns false, changing nothing, when already running: the
// check and the start are one step, so two hosts racing cannot both start.
bool scheduler_init_with(const Config* cfg);
bool scheduler_running();
// The running scheduler (initialising it if needed).
Scheduler& scheduler();
// Stops the workers, closes their loops and frees pooled stacks. Strands
// still parked are abandoned (and forgotten: no longer counted active nor
// tracked). A later scheduler_init starts afresh.
void scheduler_shutdown();

// What the last scheduler_shutdown found left behind. A clean shutdown (every
// uv handle closed by whoever opened it, every strand finished) leaves it
// empty; tests fail on anything else, naming it.
struct ShutdownReport {
    uint64_t sequence = 0;                // 1 for the first shutdown, 2 for the next, ...
    std::vector<WorkerShutdown> workers;  // by worker index
    uint64_t strands_active = 0;          // counted strands abandoned
    // Ids of the strands abandoned, counted or not (weaves are not counted),
    // when the registry tracked them (SEQ_DIAGNOSTICS builds).
    std::vector<uint64_t> strand_ids;

    bool clean() const;
    // One line per finding, e.g. "worker 0 force-closed 1 uv handle: timer"
    // or "1 strand still alive (ids 7)"; empty when clean.
    std::string describe() const;
};
ShutdownReport last_shutdown_report();
// Blocks the calling (non-worker) thread until no counted strand is active.
void wait_all_strands();

// Spawn bookkeeping used by spawn_strand and at strand exit.
uint64_t counters_on_spawn(bool counted);
void counters_on_finish(bool counted);

// Wall-clock nanoseconds since the scheduler started (for reports).
uint64_t scheduler_elapsed_ns();
uint64_t monotonic_ns();

}  // namespace seq
