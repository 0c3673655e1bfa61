// 1,000,000 parked strands on a stock kernel: spawns N strands that each
// park, measures the process RSS with all of them parked, wakes them all and
// waits. Prints RSS (and the kernel's page tables) per strand and how many
// stacks used each guard mode.
//
//   build/release/tools/bench/million [N] [plain|compiled]   (default 1000000 plain)
//
//   plain     spawn_strand(parker) from the main thread: no value stack.
//   compiled  what compiled `strand.spawn` does: a parent strand with a
//             seq_stack_new_default value stack pushes a channel and a
//             quotation and calls patch_seq_spawn, so each child starts on a
//             clone of the parent's stack; every child blocks in chan.receive.
//             The parent closes the channel once all are parked, which wakes
//             them all.
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/stack_pool.hpp"
#include "core/sched/strand.hpp"
#include "seq/runtime.h"
#include "seq/runtime_channels.h"

namespace {

std::vector<std::atomic<seq::Strand*>>* g_strands;
std::atomic<long> g_parked{0};
std::atomic<bool> g_go{false};
long g_n = 0;

seq::Stack parker(seq::Stack sp) {
    long i = g_parked.fetch_add(1);
    (*g_strands)[i].store(seq::current_strand());
    while (!g_go.load(std::memory_order_acquire))
        seq::park();
    return sp;
}

// ---- compiled mode -------------------------------------------------------------------

// The quotation's body: ( chan -- ) chan.receive drop drop. It counts itself
// first so the main thread knows when every child has started.
seq_stack_t child_quotation(seq_stack_t sp) {
    g_parked.fetch_add(1, std::memory_order_relaxed);
    sp = patch_seq_dup(sp);
    sp = patch_seq_chan_receive(sp);  // ( chan v ok ): parks until the close
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_drop_op(sp);
    return patch_seq_drop_op(sp);
}

std::atomic<bool> g_close{false};

// seq_main: ( -- ) make a channel, spawn N children on it, wait, close it.
seq_stack_t compiled_main(seq_stack_t) {
    seq_value_stack* st = seq_stack_new_default();
    seq_stack_t base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    seq_stack_t sp = patch_seq_make_channel(base);  // ( chan )
    for (long i = 0; i < g_n; ++i) {
        auto q = reinterpret_cast<uintptr_t>(child_quotation);
        sp = patch_seq_push_quotation(sp, q, q);  // ( chan quot )
        sp = patch_seq_spawn(sp);                 // ( chan id ): the child has a copy of chan
        sp = patch_seq_drop_op(sp);
        // Now and then let the children run to their receive (a compiled
        // spawn loop calls maybe_yield at its back-edge).
        if ((i & 1023) == 1023) patch_seq_yield_strand(sp);
    }
    while (!g_close.load(std::memory_order_acquire))
        patch_seq_yield_strand(sp);
    sp = patch_seq_close_channel(sp);  // wakes every receiver
    seq_stack_free(st);
    return nullptr;
}

long status_kib(const char* key) {
    std::ifstream f("/proc/self/status");
    std::string line;
    size_t n = std::strlen(key);
    while (std::getline(f, line))
        if (line.compare(0, n, key) == 0) return std::atol(line.c_str() + n);
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
    bool compiled = argc > 2 && std::strcmp(argv[2], "compiled") == 0;
    g_n = n;
    bench::print_machine();
    std::printf("vm.max_map_count: %ld (stock kernel setting, not raised)\n", max_map_count());
    std::printf("mode: %s\n", compiled ? "compiled (push_quotation + patch_seq_spawn, cloned "
                                         "value stack, parked in chan.receive)"
                                       : "plain (spawn_strand, no value stack, parked)");
    g_strands = new std::vector<std::atomic<seq::Strand*>>(compiled ? 0 : n);
    seq::scheduler_init();
    std::printf("strand stack: %zu bytes\n", seq::stack_pool().stack_size());
    long rss0 = status_kib("VmRSS:"), pte0 = status_kib("VmPTE:");
    double t0 = bench::now_ms();
    if (compiled) {
        patch_seq_strand_spawn(compiled_main, nullptr);
    } else {
        for (long i = 0; i < n; ++i)
            seq::spawn_strand(parker, nullptr);
    }
    while (g_parked.load() < n)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // Every strand has run to its park; give the last ones time to switch out.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    double t_spawn = bench::now_ms() - t0;
    long rss1 = status_kib("VmRSS:"), pte1 = status_kib("VmPTE:");
    seq::StackStats st = seq::stack_pool().stats();
    std::printf("parked: %ld strands in %.0f ms\n", n, t_spawn);
    std::printf("stacks: %lu guarded, %lu dense (canary-checked)\n", (unsigned long)st.guarded_live,
                (unsigned long)st.dense_live);
    std::printf("RSS: %ld MiB before, %ld MiB parked: %.2f KiB per parked strand (target <= 4.1)\n",
                rss0 / 1024, rss1 / 1024, double(rss1 - rss0) / n);
    std::printf("page tables (VmPTE, not in RSS): %.2f KiB per parked strand\n",
                double(pte1 - pte0) / n);
    std::printf("BENCH:million-%s:rss_per_strand_kib:%.2f:%.0f\n", compiled ? "compiled" : "plain",
                double(rss1 - rss0) / n, t_spawn);

    double t1 = bench::now_ms();
    if (compiled) {
        g_close.store(true, std::memory_order_release);
    } else {
        g_go.store(true, std::memory_order_release);
        for (long i = 0; i < n; ++i)
            seq::wake((*g_strands)[i].load());
    }
    seq::wait_all_strands();
    std::printf("woke and finished all in %.0f ms\n", bench::now_ms() - t1);
    seq::scheduler_shutdown();
    return 0;
}
