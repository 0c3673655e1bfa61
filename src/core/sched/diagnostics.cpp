#include "core/sched/diagnostics.hpp"

#include <signal.h>
#include <unistd.h>

#include <dirent.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

#include "core/fatal.hpp"
#include "core/output.hpp"
#include "core/sched/config.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/sched/watchdog.hpp"
#include "core/sched/worker.hpp"
#include "core/sys/drain.hpp"
#include "core/sys/signals.hpp"

namespace seq {

// ---- signals ------------------------------------------------------------------------

namespace {

std::atomic<bool> g_installed{false};
struct sigaction g_prev_segv;

void write_all(int fd, const char* s) {
    size_t n = std::strlen(s);
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= static_cast<size_t>(w);
    }
}

// Async-signal-safe decimal formatting.
char* format_u64(char* end, uint64_t v) {
    *--end = '\0';
    do {
        *--end = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void on_sigsegv(int sig, siginfo_t* info, void* uctx) {
    Worker* w = current_worker();
    Strand* s = w ? w->running : nullptr;
    // A fault in or near a stack slab while a strand runs is that strand's
    // overflow: below its fiber stack (a guard page, a dense stack running off
    // its slab, a frame that skipped a guard) or past its value stack.
    if (s) {
        switch (StackPool::classify_fault(s->stack, info->si_addr)) {
            case StackFault::Stack:
                report_stack_overflow(s->id);
            case StackFault::ValueStack:
                report_value_stack_overflow(s->id);
            case StackFault::None:
                break;
        }
    }
    // Not ours: hand it to whoever was installed before (ASan, the default).
    if (g_prev_segv.sa_flags & SA_SIGINFO) {
        if (g_prev_segv.sa_sigaction) {
            g_prev_segv.sa_sigaction(sig, info, uctx);
            return;
        }
    } else if (g_prev_segv.sa_handler != SIG_DFL && g_prev_segv.sa_handler != SIG_IGN) {
        g_prev_segv.sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);  // re-executing the access now kills the process
}

void on_sigquit(int) {
    // The watchdog thread takes the dump (a sem_post is all the handler
    // does): the signal may land on a worker, which could then not answer its
    // own census, or inside a lock the dump needs. Without that thread (no
    // scheduler runs) the handler formats it itself: formatting allocates,
    // which is not async-signal-safe, a risk worth taking for a process being
    // inspected by hand.
    int saved = errno;
    if (!request_dump_from_signal()) {
        std::string text = diagnostics_text();
        write_all(2, text.c_str());
    }
    errno = saved;
}

}  // namespace

void report_stack_overflow(uint64_t strand_id) {
    // Async-signal-safe: the SIGSEGV handler calls this on the alternate stack.
    char id_buf[24], size_buf[24];
    write_all(2, "seq: strand ");
    write_all(2, format_u64(id_buf + sizeof id_buf, strand_id));
    write_all(2, " overflowed its stack (SEQ_STACK_SIZE=");
    write_all(2, format_u64(size_buf + sizeof size_buf, stack_pool().stack_size()));
    write_all(2, " bytes); raise SEQ_STACK_SIZE\n");
    signal(SIGABRT, SIG_DFL);
    abort();
}

void report_value_stack_overflow(uint64_t strand_id) {
    // Async-signal-safe, as above. The value stack's size is the compiler's
    // (seq_stack_new_default), not a setting: the message says so.
    char id_buf[24], slots_buf[24];
    write_all(2, "seq: strand ");
    write_all(2, format_u64(id_buf + sizeof id_buf, strand_id));
    write_all(2, " overflowed its value stack (");
    write_all(2, format_u64(slots_buf + sizeof slots_buf, kValueSlots));
    write_all(2, " slots): more values were pushed than compiled code's fixed stack holds\n");
    signal(SIGABRT, SIG_DFL);
    abort();
}

void install_diagnostic_signals() {
    if (g_installed.exchange(true)) return;
    // A drain (SEQ_DRAIN_MS) ends the process itself: it prints the report
    // the program's main would have printed.
    set_drain_report_hook(emit_report);

    struct sigaction segv {};
    sigemptyset(&segv.sa_mask);
    segv.sa_sigaction = on_sigsegv;
    segv.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &segv, &g_prev_segv);

#if defined(SEQ_DIAGNOSTICS)
    struct sigaction quit {};
    sigemptyset(&quit.sa_mask);
    quit.sa_handler = on_sigquit;
    quit.sa_flags = SA_RESTART;
    install_runtime_signal(SIGQUIT, quit);
#endif
}

// ---- the snapshot --------------------------------------------------------------------

namespace {

// A host's first start (report_at_exit) and the worker count of the run that
// ended (report_note_stop), for a report printed after the workers are gone.
std::atomic<uint64_t> g_first_start_ns{0};
std::atomic<size_t> g_last_workers{0};

size_t report_worker_count() {
    return g_last_workers.load();
}

// Providers of ResourceTotals (add_totals_provider): a few fixed slots, so
// that a snapshot reads them without a lock.
constexpr size_t kMaxProviders = 8;
std::atomic<void (*)(ResourceTotals&)> g_providers[kMaxProviders];

// The census board: one round at a time (g_census_round_mu); each worker
// answers into its entry under g_census_mu. A late answer (the round timed
// out) finds the round closed and is dropped.
std::mutex g_census_round_mu;
std::mutex g_census_mu;
std::condition_variable g_census_cv;
bool g_census_open = false;
std::vector<WorkerCensus> g_census_answers;
std::vector<bool> g_census_has;
size_t g_census_pending = 0;

WorkerCensus census_of(Worker& w) {
    WorkerCensus c;
    c.fifo = w.ready.fifo_size();
    c.runnext = w.ready.runnext() != nullptr;
    c.inbox = !w.ready.nothing_posted();
    c.active_handles = w.loop.active_handles;
    uv_walk(
        &w.loop,
        [](uv_handle_t* h, void* arg) {
            if (uv_is_closing(h)) return;
            auto* out = static_cast<std::vector<std::pair<std::string, size_t>>*>(arg);
            const char* name = uv_handle_type_name(h->type);
            std::string key = name ? name : "unknown";
            for (auto& [type, n] : *out)
                if (type == key) {
                    ++n;
                    return;
                }
            out->emplace_back(std::move(key), 1);
        },
        &c.handles);
    std::sort(c.handles.begin(), c.handles.end());
    return c;
}

// Asks every worker of `s` for its census and waits (bounded) for the
// answers; the calling worker, if any, counts its own loop.
void gather_census(Scheduler& s, std::vector<WorkerSnapshot>& out) {
    std::lock_guard<std::mutex> round(g_census_round_mu);
    Worker* self = current_worker();
    {
        std::lock_guard<std::mutex> lock(g_census_mu);
        g_census_answers.assign(s.workers.size(), WorkerCensus{});
        g_census_has.assign(s.workers.size(), false);
        g_census_pending = 0;
        g_census_open = true;
        for (auto& w : s.workers)
            if (w.get() != self) ++g_census_pending;
    }
    for (auto& w : s.workers) {
        if (w.get() == self) continue;
        w->census_wanted.store(true, std::memory_order_relaxed);
        w->notify();  // a sleeping worker wakes and answers at once
    }
    if (self) {
        WorkerCensus mine = census_of(*self);
        std::lock_guard<std::mutex> lock(g_census_mu);
        g_census_answers[self->index] = std::move(mine);
        g_census_has[self->index] = true;
    }
    std::unique_lock<std::mutex> lock(g_census_mu);
    g_census_cv.wait_for(lock, std::chrono::milliseconds(kCensusWaitMs),
                         [] { return g_census_pending == 0; });
    g_census_open = false;
    for (size_t i = 0; i < out.size() && i < g_census_has.size(); ++i) {
        out[i].census_answered = g_census_has[i];
        if (g_census_has[i]) out[i].census = std::move(g_census_answers[i]);
    }
}

uint64_t count_threads() {
    uint64_t n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

// Wall clock of the program so far: from a host's first start (report_at_exit)
// or from the scheduler's start.
uint64_t wall_clock_ms() {
    uint64_t first = g_first_start_ns.load();
    return (first ? monotonic_ns() - first : scheduler_elapsed_ns()) / 1000000;
}

}  // namespace

void add_totals_provider(void (*provider)(ResourceTotals&)) {
    for (auto& slot : g_providers) {
        auto* cur = slot.load(std::memory_order_acquire);
        if (cur == provider) return;
        if (!cur) {
            void (*expected)(ResourceTotals&) = nullptr;
            if (slot.compare_exchange_strong(expected, provider, std::memory_order_acq_rel)) return;
            if (expected == provider) return;
        }
    }
}

void answer_census(Worker& w) {
    if (!w.census_wanted.exchange(false, std::memory_order_relaxed)) return;
    WorkerCensus c = census_of(w);
    std::lock_guard<std::mutex> lock(g_census_mu);
    if (!g_census_open || w.index >= g_census_has.size() || g_census_has[w.index]) return;
    g_census_answers[w.index] = std::move(c);
    g_census_has[w.index] = true;
    if (g_census_pending && --g_census_pending == 0) g_census_cv.notify_all();
}

RuntimeSnapshot take_snapshot(const SnapshotOptions& opts) {
    RuntimeSnapshot snap;
    Counters& c = counters();
    snap.wall_ms = wall_clock_ms();
    // In this order, so that spawned >= completed + active holds in the
    // snapshot too: a strand counted completed has left active already, and
    // every strand counted in either was spawned before `spawned` is read.
    snap.completed = c.completed.load();
    snap.active = c.active.load();
    snap.spawned = c.spawned.load();
    snap.peak = c.peak.load();
    snap.stacks = stack_pool().stats();
    snap.stack_size = stack_pool().stack_size();
    snap.threads = count_threads();
    for (auto& slot : g_providers)
        if (auto* p = slot.load(std::memory_order_acquire)) p(snap.totals);

    size_t limit = opts.strand_limit;
    std::vector<uint64_t> running;  // strand ids running now, by worker
    if (scheduler_running()) {
        Scheduler& s = scheduler();
        snap.stack_guard = stack_guard_name(s.config.stack_guard);
        snap.worker_threads = s.workers.size();
        if (!limit) limit = s.config.dump_strands;
        for (auto& w : s.workers) {
            WorkerSnapshot ws;
            ws.index = w->index;
            ws.sleeping = w->sleeping.load(std::memory_order_relaxed);
            ws.strands_run = w->strands_run.load(std::memory_order_relaxed);
            ws.running_id = w->running_id.load(std::memory_order_relaxed);
            ws.loop_rounds = w->loop_rounds.load(std::memory_order_relaxed);
            if (ws.running_id)
                ws.running_for_known =
                    worker_run_age_ms(ws.index, ws.strands_run, ws.running_id, &ws.running_for_ms);
            running.push_back(ws.running_id);
            snap.workers.push_back(std::move(ws));
        }
        if (opts.census) gather_census(s, snap.workers);
    } else {
        snap.worker_threads = report_worker_count();
        if (!limit) limit = Config{}.dump_strands;
    }
#if defined(SEQ_DIAGNOSTICS)
    if (opts.strands) {
        StrandRegistry& r = strand_registry();
        std::vector<TrackedStrand> live = r.tracked();
        snap.registry = true;
        snap.tracked = live.size();
        snap.registry_capacity = r.capacity();
        snap.registry_overflow = r.overflow_count();
        // Oldest first: ids grow with every spawn.
        std::sort(live.begin(), live.end(), [](auto& a, auto& b) { return a.id < b.id; });
        uint64_t now = static_cast<uint64_t>(std::time(nullptr));
        uint64_t now_ms = coarse_monotonic_ms();
        for (const TrackedStrand& t : live) {
            if (snap.strands.size() >= limit) {
                ++snap.strands_not_listed;
                continue;
            }
            StrandSnapshot ss;
            ss.id = t.id;
            ss.age_s = now >= t.spawn_time ? now - t.spawn_time : 0;
            ss.home = t.home;
            auto on = std::find(running.begin(), running.end(), t.id);
            if (on != running.end()) {
                // Wherever it was homed before, it runs on this worker now.
                ss.state = StrandSnapshot::State::Running;
                ss.home = static_cast<int>(on - running.begin());
            } else if (t.reason == ParkReason::None) {
                ss.state = StrandSnapshot::State::Runnable;
            } else {
                ss.state = StrandSnapshot::State::Parked;
                ss.reason = t.reason;
                ss.parked_ms = now_ms >= t.parked_ms ? now_ms - t.parked_ms : 0;
            }
            snap.strands.push_back(ss);
        }
    }
#endif
    return snap;
}

std::string snapshot_text(const RuntimeSnapshot& snap) {
    char buf[1024];
    std::string out = "=== seq runtime diagnostics ===\n";
    const StackStats& st = snap.stacks;
    std::snprintf(buf, sizeof buf,
                  "strands: active %" PRIu64 ", spawned %" PRIu64 ", completed %" PRIu64
                  ", peak %" PRIu64 "\n",
                  snap.active, snap.spawned, snap.completed, snap.peak);
    out += buf;
    std::snprintf(buf, sizeof buf,
                  "stacks: %" PRIu64 " in use (%" PRIu64 " guarded, %" PRIu64
                  " dense, canary-checked), %" PRIu64 " cached, %" PRIu64 " cold; %" PRIu64
                  " slabs mapped, %" PRIu64 " trims; guard %s, budget %" PRIu64
                  " guarded stacks, %zu bytes each\n",
                  st.guarded_live + st.dense_live, st.guarded_live, st.dense_live, st.pooled,
                  st.cold, st.mmap_calls, st.trims, snap.stack_guard, st.guard_budget,
                  snap.stack_size);
    out += buf;
    const ResourceTotals& t = snap.totals;
    std::snprintf(buf, sizeof buf,
                  "channels: %" PRIu64 " live (%" PRIu64
                  " made)\n"
                  "sockets: %" PRIu64 " open (tcp: %" PRIu64 " listeners, %" PRIu64
                  " streams; udp: %" PRIu64
                  ")\n"
                  "threads: %" PRIu64 " in the process, %zu workers\n",
                  t.channels_live, t.channels_made, t.tcp_listeners + t.tcp_streams + t.udp_sockets,
                  t.tcp_listeners, t.tcp_streams, t.udp_sockets, snap.threads, snap.worker_threads);
    out += buf;
    for (const WorkerSnapshot& w : snap.workers) {
        std::string what;
        if (w.running_id) {
            std::snprintf(buf, sizeof buf, "busy, running strand %" PRIu64 ", ", w.running_id);
            what = buf;
            if (w.running_for_known)
                std::snprintf(buf, sizeof buf, "for %" PRIu64 " ms without switching",
                              w.running_for_ms);
            else
                std::snprintf(buf, sizeof buf, "just switched in");
            what += buf;
        } else if (w.sleeping) {
            what = "idle";
        } else {
            what = "busy, in its loop";
        }
        std::snprintf(buf, sizeof buf,
                      "worker %u: %s; %" PRIu64 " strand runs, %" PRIu64 " loop rounds\n", w.index,
                      what.c_str(), w.strands_run, w.loop_rounds);
        out += buf;
        if (w.census_answered) {
            const WorkerCensus& c = w.census;
            std::snprintf(buf, sizeof buf,
                          "  queues: %zu in the FIFO, runnext %s, inbox %s; loop: %zu active "
                          "handles",
                          c.fifo, c.runnext ? "taken" : "empty", c.inbox ? "not empty" : "empty",
                          c.active_handles);
            out += buf;
            for (size_t i = 0; i < c.handles.size(); ++i) {
                std::snprintf(buf, sizeof buf, "%s%s %zu",
                              i ? ", " : "; open: ", c.handles[i].first.c_str(),
                              c.handles[i].second);
                out += buf;
            }
            out += "\n";
        } else if (w.running_id) {
            if (w.running_for_known)
                std::snprintf(buf, sizeof buf,
                              "  busy: census unavailable, strand %" PRIu64 " running for %" PRIu64
                              " ms\n",
                              w.running_id, w.running_for_ms);
            else
                std::snprintf(buf, sizeof buf,
                              "  busy: census unavailable, strand %" PRIu64 " running\n",
                              w.running_id);
            out += buf;
        } else {
            out += "  busy: census unavailable (the loop did not come round in time)\n";
        }
    }
    if (snap.registry) {
        std::snprintf(buf, sizeof buf,
                      "registry: %zu tracked of %zu slots, %" PRIu64
                      " overflowed; strands oldest first:\n",
                      snap.tracked, snap.registry_capacity, snap.registry_overflow);
        out += buf;
        for (const StrandSnapshot& ss : snap.strands) {
            char home[32];
            if (ss.home >= 0)
                std::snprintf(home, sizeof home, "worker %d", ss.home);
            else
                std::snprintf(home, sizeof home, "not known");
            switch (ss.state) {
                case StrandSnapshot::State::Running:
                    std::snprintf(buf, sizeof buf,
                                  "  strand %" PRIu64 ": running on %s (spawned %" PRIu64
                                  " s ago)\n",
                                  ss.id, home, ss.age_s);
                    break;
                case StrandSnapshot::State::Runnable:
                    std::snprintf(buf, sizeof buf,
                                  "  strand %" PRIu64 ": runnable, home %s (spawned %" PRIu64
                                  " s ago)\n",
                                  ss.id, home, ss.age_s);
                    break;
                case StrandSnapshot::State::Parked:
                    std::snprintf(buf, sizeof buf,
                                  "  strand %" PRIu64
                                  ": parked on %s for %.1f s, home %s (spawned %" PRIu64
                                  " s ago)\n",
                                  ss.id, park_reason_name(ss.reason),
                                  static_cast<double>(ss.parked_ms) / 1000.0, home, ss.age_s);
                    break;
            }
            out += buf;
        }
        if (snap.strands_not_listed) {
            std::snprintf(buf, sizeof buf, "  ... and %zu more (SEQ_DUMP_STRANDS)\n",
                          snap.strands_not_listed);
            out += buf;
        }
    }
    out += "===============================\n";
    return out;
}

std::string diagnostics_text() {
    return snapshot_text(take_snapshot());
}

namespace {
const uint64_t* g_word_counters = nullptr;
const char* const* g_word_names = nullptr;
int64_t g_word_count = 0;
// The at-exit report of hosts (report_at_exit).
std::atomic<bool> g_report_emitted{false};

void report_if_not_yet() {
    if (!g_report_emitted.load()) emit_report();
}
}  // namespace

void report_at_exit() {
    uint64_t unset = 0;
    if (g_first_start_ns.compare_exchange_strong(unset, monotonic_ns()))
        std::atexit(report_if_not_yet);
}

void report_note_stop() {
    if (scheduler_running()) g_last_workers.store(scheduler().workers.size());
}

void report_init(const uint64_t* counters, const char* const* names, int64_t count) {
    g_word_counters = counters;
    g_word_names = names;
    g_word_count = count;
}

void emit_report() {
    g_report_emitted.store(true);
    auto mode = env_var("SEQ_REPORT");
    if (!mode || mode->empty() || *mode == "0") return;
    bool json = false, words = false;
    std::string path;
    if (*mode == "1") {
    } else if (*mode == "words") {
        words = true;
    } else if (*mode == "json") {
        json = true;
    } else if (mode->rfind("json:", 0) == 0) {
        json = true;
        path = mode->substr(5);
    } else {
        warn("SEQ_REPORT='%s' not recognized, ignoring", mode->c_str());
        return;
    }
    // The same snapshot as the dump, without what only a running program has
    // (the workers' census, the strand list).
    SnapshotOptions opts;
    opts.census = false;
    opts.strands = false;
    RuntimeSnapshot snap = take_snapshot(opts);
    const ResourceTotals& t = snap.totals;
    uint64_t sockets = t.tcp_listeners + t.tcp_streams + t.udp_sockets;
    uint64_t stacks_in_use = snap.stacks.guarded_live + snap.stacks.dense_live;
    std::vector<std::pair<std::string, uint64_t>> counts;
    if (words && g_word_counters) {
        for (int64_t i = 0; i < g_word_count; ++i)
            counts.emplace_back(g_word_names[i] ? g_word_names[i] : "?",
                                __atomic_load_n(&g_word_counters[i], __ATOMIC_RELAXED));
        std::stable_sort(counts.begin(), counts.end(),
                         [](auto& a, auto& b) { return a.second > b.second; });
    }
    char buf[1024];
    std::string out;
    if (json) {
        // worker_threads stays last (readers of the 7.x report match on it).
        std::snprintf(buf, sizeof buf,
                      "{\"wall_clock_ms\":%" PRIu64 ",\"strands_spawned\":%" PRIu64
                      ",\"strands_completed\":%" PRIu64 ",\"peak_strands\":%" PRIu64
                      ",\"strands_active\":%" PRIu64 ",\"channels_live\":%" PRIu64
                      ",\"channels_made\":%" PRIu64 ",\"sockets_open\":%" PRIu64
                      ",\"tcp_listeners\":%" PRIu64 ",\"tcp_streams\":%" PRIu64
                      ",\"udp_sockets\":%" PRIu64 ",\"stacks_in_use\":%" PRIu64
                      ",\"stacks_cached\":%" PRIu64 ",\"stack_slabs_mapped\":%" PRIu64
                      ",\"stack_guard\":\"%s\",\"threads\":%" PRIu64 ",\"worker_threads\":%zu}\n",
                      snap.wall_ms, snap.spawned, snap.completed, snap.peak, snap.active,
                      t.channels_live, t.channels_made, sockets, t.tcp_listeners, t.tcp_streams,
                      t.udp_sockets, stacks_in_use, snap.stacks.pooled, snap.stacks.mmap_calls,
                      snap.stack_guard, snap.threads, snap.worker_threads);
        out = buf;
    } else {
        std::snprintf(buf, sizeof buf,
                      "=== SEQ REPORT ===\nWall clock:      %" PRIu64
                      " ms\n"
                      "Strands spawned: %" PRIu64 "\nStrands done:    %" PRIu64
                      "\nPeak strands:    %" PRIu64
                      "\nWorker threads:  %zu\n"
                      "Strands active:  %" PRIu64 "\nChannels live:   %" PRIu64 " (%" PRIu64
                      " made)\nSockets open:    %" PRIu64 " (tcp: %" PRIu64 " listeners, %" PRIu64
                      " streams; udp: %" PRIu64 ")\nStacks:          %" PRIu64 " in use, %" PRIu64
                      " cached, %" PRIu64 " slabs mapped, guard %s\nThreads:         %" PRIu64 "\n",
                      snap.wall_ms, snap.spawned, snap.completed, snap.peak, snap.worker_threads,
                      snap.active, t.channels_live, t.channels_made, sockets, t.tcp_listeners,
                      t.tcp_streams, t.udp_sockets, stacks_in_use, snap.stacks.pooled,
                      snap.stacks.mmap_calls, snap.stack_guard, snap.threads);
        out = buf;
        if (!counts.empty()) {
            out += "\n--- Word Call Counts ---\n";
            for (auto& [name, n] : counts) {
                std::snprintf(buf, sizeof buf, "  %-30s %" PRIu64 "\n", name.c_str(), n);
                out += buf;
            }
        }
        out += "==================\n";
    }
    if (!path.empty()) {
        if (FILE* f = std::fopen(path.c_str(), "w")) {
            std::fwrite(out.data(), 1, out.size(), f);
            std::fclose(f);
            return;
        }
        warn("could not write report to %s", path.c_str());
    }
    stderr_write(out);
}

}  // namespace seq
