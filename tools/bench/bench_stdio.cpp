// stdio throughput against baselines measured in the same invocation:
//   write_line   N lines from strands through the runtime's buffered writer,
//                vs upstream 5.4.0's way (two write() calls per line under a
//                lock), to /dev/null and to a pipe drained by a thread;
//   read_line    N lines from a file through the runtime's reader, vs
//                getline() on a FILE (what Rust's BufReader amounts to).
// Medians of 5 runs; ratios > 1 mean the runtime is faster.
//   build/release/tools/bench_stdio [lines]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "io/stdio.hpp"
#include "seq/runtime.h"
#include "seq/runtime_io.h"

using namespace seq;

namespace {

int g_lines = 1000000;
int g_strands = 1;
int g_fd = -1;  // baseline's target
std::mutex g_baseline_mu;
const char kLine[] = "the quick brown fox jumps over the lazy dog";

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Stack runtime_writer(Stack sp) {
    int n = g_lines / g_strands;
    for (int i = 0; i < n; ++i) {
        StackValue st[2] = {make_string(kLine)};
        patch_seq_write_line(st + 1);
    }
    return sp;
}

// Upstream io.rs: a lock, then write(line) and write("\n").
Stack baseline_writer(Stack sp) {
    int n = g_lines / g_strands;
    for (int i = 0; i < n; ++i) {
        StackValue v = make_string(kLine);
        {
            std::lock_guard<std::mutex> g(g_baseline_mu);
            ssize_t r = write(g_fd, string_of(v)->data, string_of(v)->len);
            r = write(g_fd, "\n", 1);
            (void)r;
        }
        drop_value(v);
    }
    return sp;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Sink {
    int fd = -1;
    std::thread drain;
    explicit Sink(bool pipe_sink) {
        if (!pipe_sink) {
            fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
            return;
        }
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) std::abort();
        fd = p[1];
        int r = p[0];
        drain = std::thread([r] {
            char buf[1 << 16];
            while (read(r, buf, sizeof buf) > 0) {
            }
            close(r);
        });
    }
    ~Sink() {
        close(fd);
        if (drain.joinable()) drain.join();
    }
};

void bench_write(const char* sink_name, bool pipe_sink, int strands) {
    g_strands = strands;
    std::vector<double> ours, base;
    for (int rep = 0; rep < 5; ++rep) {
        {
            Sink s(pipe_sink);
            g_fd = s.fd;
            double t = now_s();
            for (int i = 0; i < g_strands; ++i)
                spawn_strand(baseline_writer, nullptr);
            wait_all_strands();
            base.push_back(now_s() - t);
        }
        {
            Sink s(pipe_sink);
            stdout_reset_for_test(s.fd);
            double t = now_s();
            for (int i = 0; i < g_strands; ++i)
                spawn_strand(runtime_writer, nullptr);
            wait_all_strands();
            stdout_reset_for_test(-1);  // includes the final flush
            ours.push_back(now_s() - t);
        }
    }
    double o = median(ours), b = median(base);
    std::printf(
        "write_line %-9s %2d strand(s): runtime %6.0f ns/line, upstream-style %6.0f ns/line, "
        "ratio %.2fx\n",
        sink_name, strands, o * 1e9 / g_lines, b * 1e9 / g_lines, b / o);
}

Stack runtime_reader(Stack sp) {
    for (;;) {
        StackValue st[3];
        Stack s = patch_seq_read_line(st);
        bool ok = s[-1] == kTrue;
        drop_value(s[-2]);
        if (!ok) break;
    }
    return sp;
}

void bench_read() {
    char path[] = "/tmp/seq_bench_stdinXXXXXX";
    int fd = mkstemp(path);
    std::string content;
    for (int i = 0; i < g_lines; ++i)
        content.append(kLine).append("\n");
    if (write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        std::abort();
    close(fd);
    std::vector<double> ours, base;
    for (int rep = 0; rep < 5; ++rep) {
        {
            FILE* f = std::fopen(path, "r");
            char* line = nullptr;
            size_t cap = 0;
            double t = now_s();
            long n = 0;
            while (getline(&line, &cap, f) > 0) {
                StackValue v = make_string(line);  // the word returns a String value
                drop_value(v);
                ++n;
            }
            base.push_back(now_s() - t);
            std::free(line);
            std::fclose(f);
        }
        {
            int in = open(path, O_RDONLY | O_CLOEXEC);
            stdin_reset_for_test(in);
            close(in);
            double t = now_s();
            spawn_strand(runtime_reader, nullptr);
            wait_all_strands();
            ours.push_back(now_s() - t);
        }
    }
    stdin_reset_for_test(-1);
    unlink(path);
    double o = median(ours), b = median(base);
    std::printf(
        "read_line file       1 strand(s): runtime %6.0f ns/line, getline() %6.0f ns/line, "
        "ratio %.2fx\n",
        o * 1e9 / g_lines, b * 1e9 / g_lines, b / o);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) g_lines = std::atoi(argv[1]);
    scheduler_init();
    std::printf("bench_stdio: %d lines of %zu bytes, %u cores, %zu workers, medians of 5\n",
                g_lines, sizeof kLine, std::thread::hardware_concurrency(),
                scheduler().workers.size());
    bench_write("/dev/null", false, 1);
    bench_write("/dev/null", false, 8);
    bench_write("pipe", true, 1);
    bench_write("pipe", true, 8);
    bench_read();
    scheduler_shutdown();
}
