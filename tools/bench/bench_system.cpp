// Measures the choices made for the system words (docs/abi-system.md):
//   1. a threadpool round trip (what a file word pays to keep its worker
//      free) against an inline stat (why metadata words stay inline);
//   2. file.slurp of a small and a large file from a strand, against the
//      upstream way (read inline on the worker), and the longest time another
//      strand on the same worker waits meanwhile (what the threadpool buys);
//   3. random-int from the per-thread buffer against a getrandom per draw.
// Every figure is a median of several runs; ratios compare against the
// baseline run in the same invocation. Run with SEQ_WORKERS unset (the tool
// sets 1 worker so that both strands share it).
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "bench_common.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sys/os_random.hpp"
#include "core/value/stack.hpp"
#include "io/fs.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {

uint64_t spawn_fn(std::function<void()> fn) {
    SpawnOptions o;
    o.user = new std::function<void()>(std::move(fn));
    return spawn_strand(
        [](Stack sp) -> Stack {
            auto* f = static_cast<std::function<void()>*>(current_strand()->user);
            (*f)();
            delete f;
            return sp;
        },
        nullptr, o);
}

// Runs fn in a strand and waits for it.
void in_strand(std::function<void()> fn) {
    spawn_fn(std::move(fn));
    wait_all_strands();
}

std::string make_file(const std::string& dir, const char* name, size_t size) {
    std::string p = dir + "/" + name;
    std::string data(size, 'x');
    for (size_t i = 0; i < size; i += 80)
        data[i] = '\n';
    FILE* f = std::fopen(p.c_str(), "wb");
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
    return p;
}

// The upstream way: read the whole file on the calling (worker) thread.
size_t read_inline(const std::string& p) {
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    close(fd);
    StackValue s = make_string(out);
    size_t len = string_of(s)->len;
    drop_value(s);
    return len;
}

size_t slurp_word(const std::string& p) {
    StackValue buf[4];
    Stack sp = patch_seq_file_slurp(push(buf, make_string(p)));
    bool ok = *--sp == kTrue;
    StackValue s = *--sp;
    size_t len = ok ? string_of(s)->len : 0;
    drop_value(s);
    return len;
}

// Time per slurp (ms) from a strand, and the longest gap (ms) a ticking
// strand on the same worker saw meanwhile.
struct SlurpRun {
    double ms;
    double worst_gap_ms;
};

SlurpRun slurp_with_ticker(const std::string& p, bool inline_read, int reps) {
    std::atomic<bool> stop{false}, ticking{false};
    double worst = 0, total = 0;
    spawn_fn([&] {
        double last = bench::now_ms();
        ticking = true;
        while (!stop.load(std::memory_order_relaxed)) {
            yield_now();
            double t = bench::now_ms();
            if (t - last > worst) worst = t - last;
            last = t;
        }
    });
    spawn_fn([&] {
        while (!ticking)
            yield_now();
        double t0 = bench::now_ms();
        for (int i = 0; i < reps; ++i) {
            inline_read ? read_inline(p) : slurp_word(p);
            yield_now();  // the gap the ticker sees is one slurp, not the loop
        }
        total = bench::now_ms() - t0;
        stop = true;
    });
    wait_all_strands();
    return {total / reps, worst};
}

// Medians, over `runs` runs after a warm-up, of both figures.
SlurpRun median_run(int runs, const std::string& p, bool inline_read, int reps) {
    slurp_with_ticker(p, inline_read, reps);
    std::vector<double> ms, gap;
    for (int i = 0; i < runs; ++i) {
        SlurpRun r = slurp_with_ticker(p, inline_read, reps);
        ms.push_back(r.ms);
        gap.push_back(r.worst_gap_ms);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(gap.begin(), gap.end());
    return {ms[ms.size() / 2], gap[gap.size() / 2]};
}

}  // namespace

int main() {
    setenv("SEQ_WORKERS", "1", 1);
    scheduler_init();
    bench::print_machine();
    char tmpl[] = "/tmp/seq-bench-sys-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    std::string small = make_file(dir, "small", 4096);
    std::string large = make_file(dir, "large", 64 << 20);
    constexpr int kRuns = 5;

    // 1. metadata inline vs one threadpool round trip
    double stat_ns = bench::median_of(kRuns, [&] {
        constexpr int n = 100000;
        double t0 = bench::now_ms();
        for (int i = 0; i < n; ++i)
            path_kind(small);
        return (bench::now_ms() - t0) * 1e6 / n;
    });
    double trip_ns = bench::median_of(kRuns, [&] {
        constexpr int n = 2000;
        double r = 0;
        in_strand([&] {
            auto nothing = [] {};
            double t0 = bench::now_ms();
            for (int i = 0; i < n; ++i)
                run_blocking(nothing);
            r = (bench::now_ms() - t0) * 1e6 / n;
        });
        return r;
    });
    std::printf("stat inline:              %8.0f ns   (baseline)\n", stat_ns);
    std::printf("threadpool round trip:    %8.0f ns   %.1fx a stat\n", trip_ns, trip_ns / stat_ns);

    // 2. slurp, small and large, threadpool vs inline
    for (auto [name, path, reps] :
         {std::tuple{"4 KiB", small, 500}, std::tuple{"64 MiB", large, 3}}) {
        SlurpRun base = median_run(kRuns, path, true, reps);
        SlurpRun ours = median_run(kRuns, path, false, reps);
        std::printf(
            "slurp %-6s inline (upstream): %9.3f ms/op, another strand waits up to %8.3f ms\n",
            name, base.ms, base.worst_gap_ms);
        std::printf(
            "slurp %-6s seq-runtime:       %9.3f ms/op (%.2fx), waits up to %8.3f ms (%.4fx)\n",
            name, ours.ms, ours.ms / base.ms, ours.worst_gap_ms,
            ours.worst_gap_ms / base.worst_gap_ms);
    }

    // 3. random-int: buffered kernel bytes vs a syscall per draw
    double sys_ns = bench::median_of(kRuns, [] {
        constexpr int n = 200000;
        uint64_t acc = 0;
        double t0 = bench::now_ms();
        for (int i = 0; i < n; ++i) {
            uint64_t v;
            if (getrandom(&v, sizeof v, 0) != sizeof v) std::abort();
            acc += v % 100;
        }
        double r = (bench::now_ms() - t0) * 1e6 / n;
        if (acc == 1) std::puts("");
        return r;
    });
    double buf_ns = bench::median_of(kRuns, [] {
        constexpr int n = 200000;
        int64_t acc = 0;
        double t0 = bench::now_ms();
        for (int i = 0; i < n; ++i)
            acc += random_range(0, 100);
        double r = (bench::now_ms() - t0) * 1e6 / n;
        if (acc == 1) std::puts("");
        return r;
    });
    std::printf("random-int getrandom/draw: %7.1f ns   (baseline)\n", sys_ns);
    std::printf("random-int buffered:       %7.1f ns   %.3fx\n", buf_ns, buf_ns / sys_ns);

    scheduler_shutdown();
    std::string cmd = "rm -rf '" + dir + "'";
    return std::system(cmd.c_str());
}
