#include "core/sched/diagnostics.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <utility>
#include <vector>

#include "core/fatal.hpp"
#include "core/output.hpp"
#include "core/sched/config.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/stack_pool.hpp"
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
    // A fault just below the running strand's stack is its overflow: in the
    // guard page, or (dense stacks) past the bottom of its slab.
    if (s && StackPool::below_stack(s->stack, info->si_addr)) report_stack_overflow(s->id);
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
    // Formatting allocates, which is not async-signal-safe; diagnostics on
    // demand are worth that risk (the process is being inspected by hand).
    std::string text = diagnostics_text();
    write_all(2, text.c_str());
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

// ---- diagnostics and report ------------------------------------------------------------

std::string diagnostics_text() {
    Counters& c = counters();
    StackStats st = stack_pool().stats();
    char buf[1024];
    std::string out = "=== seq runtime diagnostics ===\n";
    std::snprintf(
        buf, sizeof buf,
        "strands: active %" PRIu64 ", spawned %" PRIu64 ", completed %" PRIu64 ", peak %" PRIu64
        "\n"
        "stacks in use: %" PRIu64 " guarded, %" PRIu64 " dense (canary-checked); %" PRIu64
        " pooled, %" PRIu64 " cold; guard budget %" PRIu64 " stacks; %" PRIu64
        " slabs mapped, %" PRIu64 " trims\n",
        c.active.load(), c.spawned.load(), c.completed.load(), c.peak.load(), st.guarded_live,
        st.dense_live, st.pooled, st.cold, st.guard_budget, st.mmap_calls, st.trims);
    out += buf;
    // Which strand each worker runs right now: a worker running one is busy
    // whatever its loop flag says, and those strands are "running" below.
    std::vector<uint64_t> running;
    if (scheduler_running()) {
        Scheduler& s = scheduler();
        for (auto& w : s.workers) {
            uint64_t id = w->running_id.load(std::memory_order_relaxed);
            char what[64];
            if (id) {
                running.push_back(id);
                std::snprintf(what, sizeof what, "busy, running strand %" PRIu64, id);
            } else if (w->sleeping.load(std::memory_order_relaxed)) {
                std::snprintf(what, sizeof what, "idle");
            } else {
                std::snprintf(what, sizeof what, "busy, in its loop");
            }
            std::snprintf(buf, sizeof buf, "worker %u: %s, %" PRIu64 " strand runs\n", w->index,
                          what, w->strands_run.load());
            out += buf;
        }
    }
#if defined(SEQ_DIAGNOSTICS)
    StrandRegistry& r = strand_registry();
    std::vector<TrackedStrand> live = r.tracked();
    uint64_t now = static_cast<uint64_t>(std::time(nullptr));
    uint64_t now_ms = coarse_monotonic_ms();
    std::snprintf(buf, sizeof buf, "registry: %zu tracked of %zu slots, %" PRIu64 " overflowed\n",
                  live.size(), r.capacity(), r.overflow_count());
    out += buf;
    std::sort(live.begin(), live.end(), [](auto& a, auto& b) {
        return a.spawn_time != b.spawn_time ? a.spawn_time < b.spawn_time : a.id < b.id;
    });
    for (const TrackedStrand& t : live) {
        uint64_t age = now >= t.spawn_time ? now - t.spawn_time : 0;
        bool is_running = std::find(running.begin(), running.end(), t.id) != running.end();
        if (is_running || t.reason == ParkReason::None) {
            // Runnable: on a worker now, or queued on one.
            std::snprintf(buf, sizeof buf, "  strand %" PRIu64 ": %s (spawned %" PRIu64 " s ago)\n",
                          t.id, is_running ? "running" : "ready", age);
        } else {
            double parked_s =
                now_ms >= t.parked_ms ? static_cast<double>(now_ms - t.parked_ms) / 1000.0 : 0.0;
            std::snprintf(buf, sizeof buf,
                          "  strand %" PRIu64 ": parked on %s for %.1f s (spawned %" PRIu64
                          " s ago)\n",
                          t.id, park_reason_name(t.reason), parked_s, age);
        }
        out += buf;
    }
#endif
    out += "===============================\n";
    return out;
}

namespace {
const uint64_t* g_word_counters = nullptr;
const char* const* g_word_names = nullptr;
int64_t g_word_count = 0;
// The at-exit report of hosts (report_at_exit).
std::atomic<bool> g_report_emitted{false};
std::atomic<uint64_t> g_first_start_ns{0};
std::atomic<size_t> g_last_workers{0};

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
    Counters& c = counters();
    uint64_t first = g_first_start_ns.load();
    uint64_t ms = (first ? monotonic_ns() - first : scheduler_elapsed_ns()) / 1000000;
    size_t threads = scheduler_running() ? scheduler().workers.size() : g_last_workers.load();
    std::vector<std::pair<std::string, uint64_t>> counts;
    if (words && g_word_counters) {
        for (int64_t i = 0; i < g_word_count; ++i)
            counts.emplace_back(g_word_names[i] ? g_word_names[i] : "?",
                                __atomic_load_n(&g_word_counters[i], __ATOMIC_RELAXED));
        std::stable_sort(counts.begin(), counts.end(),
                         [](auto& a, auto& b) { return a.second > b.second; });
    }
    char buf[512];
    std::string out;
    if (json) {
        std::snprintf(buf, sizeof buf,
                      "{\"wall_clock_ms\":%" PRIu64 ",\"strands_spawned\":%" PRIu64
                      ",\"strands_completed\":%" PRIu64 ",\"peak_strands\":%" PRIu64
                      ",\"worker_threads\":%zu}\n",
                      ms, c.spawned.load(), c.completed.load(), c.peak.load(), threads);
        out = buf;
    } else {
        std::snprintf(buf, sizeof buf,
                      "=== SEQ REPORT ===\nWall clock:      %" PRIu64
                      " ms\n"
                      "Strands spawned: %" PRIu64 "\nStrands done:    %" PRIu64
                      "\nPeak strands:    %" PRIu64 "\nWorker threads:  %zu\n",
                      ms, c.spawned.load(), c.completed.load(), c.peak.load(), threads);
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
