// Scheduler benchmarks, each beside its baseline measured in the same run:
//   yield round trip      vs two raw Boost.Context jumps (the switch floor);
//   spawn+complete        of 100,000 empty strands vs raw thread spawn+join
//                         (Go's goroutines come from tools/bench/go/spawn.go,
//                         run by tools/bench/run-scheduler.sh).
// Prints BENCH:<name>:<case>:<result>:<ms> lines; medians of 5 runs.
//
//   build/release/tools/bench_scheduler [N]
#include <boost/context/detail/fcontext.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "seq/runtime.h"

namespace bc = boost::context::detail;

namespace {

// ---- raw Boost.Context: main <-> fiber ping-pong -----------------------------------

long g_jumps = 0;

void raw_fiber(bc::transfer_t t) {
    for (;;)
        t = bc::jump_fcontext(t.fctx, nullptr);
}

double raw_roundtrip_ms(long n) {
    static std::vector<char> stack(64 * 1024);
    bc::fcontext_t f = bc::make_fcontext(stack.data() + stack.size(), stack.size(), raw_fiber);
    double t0 = bench::now_ms();
    for (long i = 0; i < n; ++i)
        f = bc::jump_fcontext(f, nullptr).fctx;
    g_jumps += n;
    return bench::now_ms() - t0;
}

// ---- our yield: two strands on one worker yielding to each other ---------------------

long g_yields;
seq::Stack yielder(seq::Stack sp) {
    for (long i = 0; i < g_yields; ++i)
        seq::yield_now();
    return sp;
}

double yield_ms(long n) {
    g_yields = n;
    double t0 = bench::now_ms();
    seq::spawn_strand(yielder, nullptr);
    seq::spawn_strand(yielder, nullptr);
    seq::wait_all_strands();
    return bench::now_ms() - t0;
}

// ---- spawn + complete ---------------------------------------------------------------------

seq::Stack empty_strand(seq::Stack sp) {
    return sp;
}

long g_spawn_n;
seq::Stack spawner(seq::Stack sp) {
    for (long i = 0; i < g_spawn_n; ++i)
        seq::spawn_strand(empty_strand, nullptr);
    return sp;
}

double spawn_from_strand_ms(long n) {
    g_spawn_n = n;
    double t0 = bench::now_ms();
    seq::spawn_strand(spawner, nullptr);
    seq::wait_all_strands();
    return bench::now_ms() - t0;
}

double spawn_from_main_ms(long n) {
    double t0 = bench::now_ms();
    for (long i = 0; i < n; ++i)
        patch_seq_strand_spawn(empty_strand, nullptr);
    seq::wait_all_strands();
    return bench::now_ms() - t0;
}

double thread_spawn_ms(long n) {
    double t0 = bench::now_ms();
    for (long i = 0; i < n; ++i)
        std::thread([] {}).join();
    return bench::now_ms() - t0;
}

}  // namespace

int main(int argc, char** argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 100000;
    bench::print_machine();

    // Switch costs on one worker, so both strands share a thread.
    setenv("SEQ_WORKERS", "1", 1);
    seq::scheduler_init();
    long yields = 1000000;
    double raw = bench::median_of(5, [&] { return raw_roundtrip_ms(yields); });
    double yl = bench::median_of(5, [&] { return yield_ms(yields); });
    double raw_ns = raw * 1e6 / yields;           // one main->fiber->main round trip = two jumps
    double yield_ns = yl * 1e6 / (2.0 * yields);  // per yield: strand -> next strand
    std::printf("BENCH:scheduler:raw_two_jumps_ns:%.1f:%.3f\n", raw_ns, raw);
    std::printf("BENCH:scheduler:yield_ns:%.1f:%.3f\n", yield_ns, yl);
    std::printf("ratio: one yield = %.2fx two raw Boost.Context jumps (target <= 3x)\n",
                yield_ns / raw_ns);
    seq::scheduler_shutdown();

    // Spawn rates with every core.
    unsetenv("SEQ_WORKERS");
    seq::scheduler_init();
    std::printf("workers: %zu\n", seq::scheduler().workers.size());
    double from_strand = bench::median_of(5, [&] { return spawn_from_strand_ms(n); });
    double from_main = bench::median_of(5, [&] { return spawn_from_main_ms(n); });
    long tn = 2000;
    double threads = bench::median_of(5, [&] { return thread_spawn_ms(tn); });
    double thread_equiv = threads * static_cast<double>(n) / tn;
    std::printf("BENCH:scheduler:spawn_complete_from_strand:%ld:%.3f\n", n, from_strand);
    std::printf("BENCH:scheduler:spawn_complete_from_main:%ld:%.3f\n", n, from_main);
    std::printf("BENCH:baseline:thread_spawn_join:%ld:%.3f\n", n, thread_equiv);
    std::printf("ratio: strand spawn+complete is %.1fx faster than thread spawn+join\n",
                thread_equiv / from_strand);
    seq::scheduler_shutdown();
    return 0;
}
