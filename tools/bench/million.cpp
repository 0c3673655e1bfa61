// 1,000,000 parked strands on a stock kernel: spawns N strands that each
// park, measures the process RSS with all of them parked, wakes them all and
// waits. Prints RSS (and the kernel's page tables) per strand and how many
// stacks used each guard mode.
//
//   build/release/tools/bench/million [N] [plain|compiled|deep]   (default 1000000 plain)
//
//   plain     spawn_strand(parker) from the main thread: no value stack.
//   compiled  what compiled `strand.spawn` does: a parent strand with a
//             seq_stack_new_default value stack pushes a channel and a
//             quotation and calls patch_seq_spawn, so each child starts on a
//             clone of the parent's stack; every child blocks in chan.receive.
//             The parent closes the channel once all are parked, which wakes
//             them all.
//   deep      N strands each recurse 512 KiB deep, park, then end: RSS with
//             them parked, and after their stacks went back to the pool (a
//             deep stack returns its lower pages); then the two madvise
//             policies on the same shape of raw memory: MADV_DONTNEED and
//             MADV_FREE, per-call cost and RSS right after.
#include <sys/mman.h>
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

// ---- deep mode ------------------------------------------------------------------------

uint64_t deep_recurse(uint64_t n);
uint64_t (*volatile g_deep_recurse)(uint64_t) = deep_recurse;
__attribute__((noinline)) uint64_t deep_recurse(uint64_t n) {
    volatile char frame[448];
    frame[0] = static_cast<char>(n);
    if (n == 0) return 0;
    return g_deep_recurse(n - 1) + static_cast<uint64_t>(frame[0]);
}

seq::Stack deep_parker(seq::Stack sp) {
    deep_recurse(512 * 1024 / 512);  // ~512 KiB of frames
    return parker(sp);
}

long status_kib(const char* key);

// The same memory shape without the pool: n regions of 1 MiB, 512 KiB of
// each touched, then returned with `advice`.
void raw_madvise(long n, int advice, const char* name) {
    size_t region = 1 << 20, deep = 512 << 10;
    auto* m = static_cast<char*>(mmap(nullptr, region * n, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    for (long i = 0; i < n; ++i)
        for (size_t off = region - deep; off < region; off += 4096)
            m[i * region + off] = 1;
    long rss_touched = status_kib("VmRSS:");
    double t0 = bench::now_ms();
    for (long i = 0; i < n; ++i)
        madvise(m + i * region, region - 64 * 1024, advice);
    double us = (bench::now_ms() - t0) * 1000 / n;
    long rss_after = status_kib("VmRSS:");
    double t1 = bench::now_ms();
    for (long i = 0; i < n; ++i)  // reuse: the next strand goes as deep again
        for (size_t off = region - deep; off < region; off += 4096)
            m[i * region + off] = 2;
    double reuse_us = (bench::now_ms() - t1) * 1000 / n;
    std::printf(
        "raw %-14s %.1f us per call; RSS %ld -> %ld MiB right after; touching 512 KiB "
        "again %.1f us per region\n",
        name, us, rss_touched / 1024, rss_after / 1024, reuse_us);
    munmap(m, region * n);
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
    bool deep = argc > 2 && std::strcmp(argv[2], "deep") == 0;
    g_n = n;
    bench::print_machine();
    std::printf("vm.max_map_count: %ld (stock kernel setting, not raised)\n", max_map_count());
    std::printf("mode: %s\n", deep       ? "deep (512 KiB of frames each, parked)"
                              : compiled ? "compiled (push_quotation + patch_seq_spawn, cloned "
                                           "value stack, parked in chan.receive)"
                                         : "plain (spawn_strand, no value stack, parked)");
    g_strands = new std::vector<std::atomic<seq::Strand*>>(compiled ? 0 : n);
    if (deep) setenv("SEQ_STACK_GUARD", "never", 0);  // every slot alike
    seq::scheduler_init();
    std::printf("strand stack: %zu bytes\n", seq::stack_pool().stack_size());
    long rss0 = status_kib("VmRSS:"), pte0 = status_kib("VmPTE:");
    double t0 = bench::now_ms();
    if (compiled) {
        patch_seq_strand_spawn(compiled_main, nullptr);
    } else {
        for (long i = 0; i < n; ++i)
            seq::spawn_strand(deep ? deep_parker : parker, nullptr);
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
    std::printf("BENCH:million-%s:rss_per_strand_kib:%.2f:%.0f\n",
                deep       ? "deep"
                : compiled ? "compiled"
                           : "plain",
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
    if (deep) {
        long rss2 = status_kib("VmRSS:");
        seq::StackStats st2 = seq::stack_pool().stats();
        std::printf(
            "after they ended: RSS %ld MiB (%.1f KiB per pooled stack), %lu deep stacks "
            "returned their lower pages\n",
            rss2 / 1024, double(rss2 - rss0) / n, (unsigned long)st2.deep_trims);
    }
    seq::scheduler_shutdown();
    if (deep) {
        raw_madvise(n, MADV_DONTNEED, "MADV_DONTNEED");
        raw_madvise(n, MADV_FREE, "MADV_FREE");
    }
    return 0;
}
