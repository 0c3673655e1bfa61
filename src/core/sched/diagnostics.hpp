// What the runtime tells about itself: the stack-overflow report, the SIGQUIT
// dump (counters, stacks, workers, and every tracked strand with what it is
// waiting on), and the SEQ_REPORT at-exit report.
//
// The dump and the report are two renderings of one RuntimeSnapshot, taken
// while the program runs and without stopping it: every figure is a relaxed
// read of a counter its owner keeps anyway (racy by design: a figure may be a
// moment older than the one beside it), except what only a worker's own
// thread may read (its loop's handles, its queue lengths): that comes from a
// census the worker answers at the top of its next loop round, waited for at
// most kCensusWaitMs; a worker stuck in a strand cannot answer and is shown
// as such.
//
// Split from the process words because all of it reads scheduler state; the
// process module (core/sys) stays below the scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/sched/park_reason.hpp"
#include "core/sched/stack_pool.hpp"

namespace seq {

// Installs the strand-aware signal handlers once (called by scheduler_init):
//   SIGSEGV  in or near a stack slab while a strand runs (a guard page, just
//            below a dense slab, past the value stack): names the strand and
//            SEQ_STACK_SIZE (or the value stack's slots), then aborts; other
//            faults go to the handler installed before ours;
//   SIGQUIT  prints diagnostics_text() to stderr and keeps running
//            (SEQ_DIAGNOSTICS builds).
void install_diagnostic_signals();

// Reports a strand's stack overflow and aborts (async-signal-safe).
[[noreturn]] void report_stack_overflow(uint64_t strand_id);
// Reports that a strand pushed past its value stack and aborts (same).
[[noreturn]] void report_value_stack_overflow(uint64_t strand_id);

// ---- the snapshot --------------------------------------------------------------------

// How long a dump waits for the workers' census answers, in all.
inline constexpr unsigned kCensusWaitMs = 50;

struct StrandSnapshot {
    enum class State { Running, Runnable, Parked };
    uint64_t id = 0;
    State state = State::Runnable;
    ParkReason reason = ParkReason::None;  // Parked only
    uint64_t parked_ms = 0;                // Parked: for how long
    uint64_t age_s = 0;                    // since its spawn
    int home = -1;                         // worker index; -1: not known
};

// What a worker's own thread told about itself (Worker::census_wanted).
struct WorkerCensus {
    size_t fifo = 0;            // strands in its local FIFO
    bool runnext = false;       // a strand in its runnext slot
    bool inbox = false;         // strands posted by other threads, not taken yet
    size_t active_handles = 0;  // handles keeping the loop alive (uv's count)
    // Open handles by type (uv_handle_type_name), the runtime's wake poll
    // included; handles already closing are not counted.
    std::vector<std::pair<std::string, size_t>> handles;
};

struct WorkerSnapshot {
    unsigned index = 0;
    uint64_t running_id = 0;  // 0: no strand runs there
    // The running strand has not switched out for at least this long: the
    // watchdog thread's sampler saw the same run this long ago (its
    // resolution is the sampling period); false when it has not yet.
    bool running_for_known = false;
    uint64_t running_for_ms = 0;
    bool sleeping = false;  // blocked in its loop with nothing to run
    uint64_t strands_run = 0;
    uint64_t loop_rounds = 0;
    bool census_answered = false;
    WorkerCensus census;
};

// Totals kept by rooms above the scheduler (channels in core/sync, sockets in
// io/net): each registers a provider that adds its figures.
struct ResourceTotals {
    uint64_t channels_live = 0;
    uint64_t channels_made = 0;
    uint64_t tcp_listeners = 0;
    uint64_t tcp_streams = 0;
    uint64_t udp_sockets = 0;
};
// Idempotent; at most a few providers (one per room). Safe from any thread.
void add_totals_provider(void (*provider)(ResourceTotals&));

struct RuntimeSnapshot {
    uint64_t wall_ms = 0;  // since the scheduler (or a host's first start) began
    uint64_t active = 0, spawned = 0, completed = 0, peak = 0;
    StackStats stacks{};
    const char* stack_guard = "?";  // SEQ_STACK_GUARD of the running scheduler
    size_t stack_size = 0;
    size_t worker_threads = 0;
    uint64_t threads = 0;  // OS threads of the process (/proc/self/task)
    ResourceTotals totals;
    std::vector<WorkerSnapshot> workers;
    // The registry (SEQ_DIAGNOSTICS builds): tracked strands, oldest first,
    // at most SnapshotOptions::strand_limit of them.
    bool registry = false;
    size_t tracked = 0, registry_capacity = 0;
    uint64_t registry_overflow = 0;
    std::vector<StrandSnapshot> strands;
    size_t strands_not_listed = 0;
};

struct SnapshotOptions {
    bool census = true;       // ask each worker for its census (bounded wait)
    bool strands = true;      // list tracked strands
    size_t strand_limit = 0;  // 0: the running scheduler's SEQ_DUMP_STRANDS
};

// Any thread, including a worker's (it then counts its own loop itself).
RuntimeSnapshot take_snapshot(const SnapshotOptions& opts = {});
std::string snapshot_text(const RuntimeSnapshot& snap);

// Called by Worker::main at the top of a round when census_wanted is set.
void answer_census(struct Worker& w);

// Human-readable diagnostics: snapshot_text(take_snapshot()). Counters, stacks,
// each worker (busy running strand N and for how long, busy in its loop, or
// idle; queues, loop handles, rounds), totals, and each tracked strand:
// running, runnable, or "parked on <reason> for <seconds> s", with its home.
std::string diagnostics_text();

// The at-exit report (SEQ_REPORT unset or 0: silent; 1: text; json; words;
// json:PATH writes JSON to a file).
void emit_report();
void report_init(const uint64_t* counters, const char* const* names, int64_t count);

// Hosts (seq/host.h) have no generated main that calls patch_seq_report()
// after scheduler_run, so seq_runtime_start arms the report for process exit
// (once per process): it prints unless something called emit_report()
// already, covering every start/stop cycle, its wall clock counted from the
// first start. seq_runtime_stop calls report_note_stop() first, because the
// worker count is gone with the workers.
void report_at_exit();
void report_note_stop();

}  // namespace seq
