// 1,000,000 parked strands on a stock kernel: spawns N strands that each
// park, measures the process RSS with all of them parked, wakes them all and
// waits. Prints RSS per strand and how many stacks used each guard mode.
//
//   build/release/tools/million [N]          (default 1000000)
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/sched/strand.hpp"

namespace {

std::vector<std::atomic<seq::Strand*>>* g_strands;
std::atomic<long> g_parked{0};
std::atomic<bool> g_go{false};

seq::Stack parker(seq::Stack sp) {
    long i = g_parked.fetch_add(1);
    (*g_strands)[i].store(seq::current_strand());
    while (!g_go.load(std::memory_order_acquire))
        seq::park();
    return sp;
}

long rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

long max_map_count() {
    std::ifstream f("/proc/sys/vm/max_map_count");
    long n = 0;
    f >> n;
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 1000000;
    bench::print_machine();
    std::printf("vm.max_map_count: %ld (stock kernel setting, not raised)\n", max_map_count());
    g_strands = new std::vector<std::atomic<seq::Strand*>>(n);
    seq::scheduler_init();
    long rss0 = rss_kib();
    double t0 = bench::now_ms();
    for (long i = 0; i < n; ++i)
        seq::spawn_strand(parker, nullptr);
    while (g_parked.load() < n)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // Every strand has run to its park(); give the last ones time to switch out.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    double t_spawn = bench::now_ms() - t0;
    long rss1 = rss_kib();
    seq::StackStats st = seq::stack_pool().stats();
    std::printf("parked: %ld strands in %.0f ms\n", n, t_spawn);
    std::printf("stacks: %lu guarded, %lu dense (canary-checked)\n", (unsigned long)st.guarded_live,
                (unsigned long)st.dense_live);
    std::printf("RSS: %ld MiB before, %ld MiB parked: %.2f KiB per parked strand (target <= 8)\n",
                rss0 / 1024, rss1 / 1024, double(rss1 - rss0) / n);
    std::printf("BENCH:million:rss_per_strand_kib:%.2f:%.0f\n", double(rss1 - rss0) / n, t_spawn);

    double t1 = bench::now_ms();
    g_go.store(true, std::memory_order_release);
    for (long i = 0; i < n; ++i)
        seq::wake((*g_strands)[i].load());
    seq::wait_all_strands();
    std::printf("woke and finished all in %.0f ms\n", bench::now_ms() - t1);
    seq::scheduler_shutdown();
    return 0;
}
