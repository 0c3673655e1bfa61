// The stall benchmark (issue 11): how late a sleeping strand's timers fire
// while other strands compute without ever calling the runtime.
//
// The computing strands run seq_bench_stall_spin, named like the functions
// seqc generates (seq_<word>) and, like a register-specialised Seq loop,
// never calling patch_seq_maybe_yield: only preemption (core/sched/preempt)
// can stop them. A ticker strand, spawned from the first computing strand so
// it starts on the same worker, sleeps 10 ms 50 times; each sleep's lateness
// is how much longer than 10 ms it took.
//
// Cases: one computing strand, then one per worker; each with preemption on
// (the default SEQ_PREEMPT_MS=10) and off (SEQ_PREEMPT_MS=0, the baseline:
// what the runtime did before). Also the computing strand's slowdown: its
// time with the ticker and preemption against its time alone with
// preemption off. Prints BENCH lines; medians of `runs` runs.
//
// The foreign-call case (issue 11): one worker, its strand inside a call
// into a foreign library (bench_foreign_spin in libseq_bench_foreign.so,
// called from seq_bench_stall_ffi as seqc's FFI wrappers call sqlite3_step),
// with handoff on (SEQ_HANDOFF=1: a spare thread takes the worker over,
// core/sched/handoff) and off (the baseline); preemption on in both.
//
//   bench_stall [compute_ms (default 1000)] [runs (default 3)]
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "io/timer.hpp"
#include "seq/runtime.h"

extern "C" __attribute__((noinline)) uint64_t seq_bench_stall_spin(uint64_t iters) {
    uint64_t x = 88172645463325252ull;
    for (uint64_t i = 0; i < iters; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

extern "C" uint64_t bench_foreign_spin(uint64_t iters);

extern "C" __attribute__((noinline)) uint64_t seq_bench_stall_ffi(uint64_t iters) {
    uint64_t r = bench_foreign_spin(iters);
    asm volatile("" ::: "memory");
    return r;
}

namespace {

constexpr int kTicks = 50;
constexpr uint64_t kTickMs = 10;

struct Run {
    uint64_t iters = 0;
    int spinners = 1;
    bool ticker = true;
    bool foreign = false;  // the first computing strand calls foreign code
    std::vector<double> lateness_ms;
    double compute_ms = 0;  // the first spinner's time
    std::atomic<uint64_t> sink{0};
    std::atomic<bool> ticker_started{false};
};
Run* g_run = nullptr;

seq::Stack ticker_main(seq::Stack sp) {
    g_run->ticker_started.store(true);
    for (int i = 0; i < kTicks; ++i) {
        double t0 = bench::now_ms();
        seq::sleep_ms(kTickMs);
        g_run->lateness_ms.push_back(bench::now_ms() - t0 - static_cast<double>(kTickMs));
    }
    return sp;
}

seq::Stack spinner_main(seq::Stack sp) {
    double t0 = bench::now_ms();
    g_run->sink.fetch_add(g_run->foreign ? seq_bench_stall_ffi(g_run->iters)
                                         : seq_bench_stall_spin(g_run->iters));
    g_run->compute_ms = std::max(g_run->compute_ms, bench::now_ms() - t0);
    return sp;
}

seq::Stack first_spinner_main(seq::Stack sp) {
    // The ticker starts on this worker: spawns from a strand stay local.
    // The computing starts once the ticker has begun its first sleep.
    if (g_run->ticker) {
        seq::spawn_strand(ticker_main, nullptr);
        while (!g_run->ticker_started.load())
            seq::yield_now();
        seq::yield_now();
    }
    return spinner_main(sp);
}

void restart(bool preempt, unsigned workers, bool handoff = true) {
    patch_seq_scheduler_shutdown();
    setenv("SEQ_PREEMPT_MS", preempt ? "10" : "0", 1);
    setenv("SEQ_HANDOFF", handoff ? "1" : "0", 1);
    setenv("SEQ_WORKERS", std::to_string(workers).c_str(), 1);
    patch_seq_scheduler_init();
}

Run& run_once(Run& r) {
    g_run = &r;
    seq::spawn_strand(first_spinner_main, nullptr);
    for (int i = 1; i < r.spinners; ++i)
        seq::spawn_strand(spinner_main, nullptr);
    seq::wait_all_strands();
    std::sort(r.lateness_ms.begin(), r.lateness_ms.end());
    return r;
}

double pct(const std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    double target_ms = argc > 1 ? std::atof(argv[1]) : 1000.0;
    int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    if (target_ms < 1 || runs < 1) {
        std::fprintf(stderr, "usage: bench_stall [compute_ms >= 1] [runs >= 1]\n");
        return 2;
    }
    bench::print_machine();
    // About target_ms of computing, measured on this thread.
    double t0 = bench::now_ms();
    uint64_t probe = 50'000'000;
    uint64_t sink = seq_bench_stall_spin(probe);
    double probe_ms = bench::now_ms() - t0;
    uint64_t iters = static_cast<uint64_t>(static_cast<double>(probe) * target_ms / probe_ms);

    patch_seq_scheduler_init();
    unsigned workers = static_cast<unsigned>(seq::scheduler().workers.size());
    std::printf("stall: %u workers, %llu iterations (~%.0f ms) per computing strand, %d runs\n",
                workers, static_cast<unsigned long long>(iters), target_ms, runs);

    // The computing strand alone, preemption off: the slowdown's baseline.
    restart(false, workers);
    double alone_ms = bench::median_of(runs, [&] {
        Run r;
        r.iters = iters;
        r.ticker = false;
        return run_once(r).compute_ms;
    });
    std::printf("BENCH:stall:compute_alone_ms:%.1f:%.1f\n", alone_ms, alone_ms);

    // `runs` runs of `proto` on the scheduler as it is: the medians of the
    // ticks' lateness and of the computation, as BENCH lines named `name`.
    auto measure = [&](const std::string& name, const Run& proto) {
        std::vector<double> p50, p99, mx, compute;
        for (int k = 0; k < runs; ++k) {
            Run r;
            r.iters = proto.iters;
            r.spinners = proto.spinners;
            r.foreign = proto.foreign;
            run_once(r);
            sink += r.sink.load();
            p50.push_back(pct(r.lateness_ms, 0.50));
            p99.push_back(pct(r.lateness_ms, 0.99));
            mx.push_back(r.lateness_ms.empty() ? 0 : r.lateness_ms.back());
            compute.push_back(r.compute_ms);
        }
        auto med = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        };
        std::printf("BENCH:stall:%s_tick_late_p50_ms:%.2f:%.2f\n", name.c_str(), med(p50),
                    med(p50));
        std::printf("BENCH:stall:%s_tick_late_p99_ms:%.2f:%.2f\n", name.c_str(), med(p99),
                    med(p99));
        std::printf("BENCH:stall:%s_tick_late_max_ms:%.2f:%.2f\n", name.c_str(), med(mx), med(mx));
        std::printf("BENCH:stall:%s_compute_slowdown:%.3f:%.1f\n", name.c_str(),
                    med(compute) / alone_ms, med(compute));
    };

    // 1 worker: the ticker surely shares the computing strand's worker.
    // Then all workers: the idle one may take the ticker (one computing
    // strand), or every worker computes.
    struct Case {
        unsigned workers;
        int spinners;
    };
    for (Case c : {Case{1, 1}, Case{workers, 1}, Case{workers, static_cast<int>(workers)}}) {
        for (bool preempt : {false, true}) {
            restart(preempt, c.workers);
            Run proto;
            proto.iters = iters;
            proto.spinners = c.spinners;
            const char* mode = preempt ? "preempt" : "baseline_no_preempt";
            measure(std::to_string(c.workers) + "w_" + std::to_string(c.spinners) + "_computing_" +
                        mode,
                    proto);
        }
    }
    // One worker, its strand in a foreign call: handoff off, then on.
    for (bool handoff : {false, true}) {
        restart(true, 1, handoff);
        Run proto;
        proto.iters = iters;
        proto.foreign = true;
        measure(
            std::string("1w_1_in_foreign_call_") + (handoff ? "handoff" : "baseline_no_handoff"),
            proto);
    }
    patch_seq_scheduler_shutdown();
    std::printf("(checksum %llu)\n", static_cast<unsigned long long>(sink & 1));
    return 0;
}
