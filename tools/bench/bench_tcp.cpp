// bench_tcp: Seq-style TCP servers (strand per connection, C ABI) against raw
// libuv callback servers under the same closed-loop load, in one invocation.
//
//   bench_tcp [--runs 11] [--seconds 1] [--connections 64] [--load-threads 1]
//             [--size 64] [--mode echo|http|both]
//
// For each mode it alternates raw and Seq runs (so drift hits both alike) and
// prints the median round trips per second, median p50/p99 latency, the
// server's CPU time per round trip, the ratio of the medians (Seq / raw) and
// the median of the per-pair ratios (each Seq run against the raw run next to
// it). The raw server runs as many loops as the runtime has workers
// (SEQ_WORKERS, default: cores).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "../examples/seq_servers.hpp"
#include "../load/loadgen.hpp"
#include "core/sched/scheduler.hpp"
#include "raw_uv_server.hpp"
#include "seq/runtime.h"

namespace {

struct Sample {
    double rps, p50, p99;
    double cpu_us;  // server CPU per round trip
    uint64_t errors;
};

double process_cpu_s() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Sample measure(const loadgen::Options& base, int port) {
    loadgen::Options o = base;
    o.port = port;
    // Everything this process spends besides the load threads is the
    // server's (the main thread sleeps): CPU per round trip is a cost
    // measure that other jobs on the machine do not distort the way they
    // distort throughput.
    double cpu0 = process_cpu_s();
    loadgen::Result r = loadgen::run(o);
    double server_cpu = process_cpu_s() - cpu0 - r.load_cpu_s;
    double per = r.total_requests ? server_cpu / static_cast<double>(r.total_requests) * 1e6 : 0;
    return {r.rps, r.p50_us, r.p99_us, per, r.errors};
}

Sample run_raw(const loadgen::Options& o, rawuv::Mode mode, int loops) {
    rawuv::Server server(mode, loops);
    return measure(o, server.port());
}

Sample run_seq(const loadgen::Options& o, examples::Kind kind) {
    examples::Started s = examples::start(kind, "127.0.0.1", 0, 0);
    if (!s.listener) {
        std::fprintf(stderr, "bench_tcp: the Seq server could not listen\n");
        std::exit(1);
    }
    Sample r = measure(o, s.port);
    examples::stop_accepting(s.listener);
    patch_seq_wait_all_strands();  // the load closed its connections: handlers end
    return r;
}

struct Summary {
    double rps, p50, p99, cpu_us;
    uint64_t errors;
};

Summary summarize(const std::vector<Sample>& v) {
    std::vector<double> rps, p50, p99, cpu;
    uint64_t errors = 0;
    for (const Sample& s : v) {
        cpu.push_back(s.cpu_us);
        rps.push_back(s.rps);
        p50.push_back(s.p50);
        p99.push_back(s.p99);
        errors += s.errors;
    }
    return {median(rps), median(p50), median(p99), median(cpu), errors};
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 11;
    std::string which = "both";
    loadgen::Options o;
    o.port = 1;  // replaced per run
    // Short runs, many of them, alternating: other jobs on a shared machine
    // then disturb both servers alike.
    o.seconds = 1;
    o.warmup = 0.2;
    o.connections = 64;
    std::vector<char*> rest = {argv[0]};
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else if (a == "--mode" && i + 1 < argc) {
            which = argv[++i];
        } else if (a == "--load-threads" && i + 1 < argc) {
            o.threads = std::atoi(argv[++i]);
        } else {
            rest.push_back(argv[i]);
        }
    }
    std::string err = loadgen::parse_args(static_cast<int>(rest.size()), rest.data(), 1, &o);
    if (err.empty()) err = loadgen::validate(o);
    if (!err.empty() || runs < 1 || runs > 50 ||
        (which != "echo" && which != "http" && which != "both")) {
        std::fprintf(stderr,
                     "bench_tcp: %s\nusage: bench_tcp [--runs N] [--mode echo|http|both] "
                     "[--load-threads N] [--connections N] [--seconds S] [--size N]\n",
                     err.empty() ? "bad arguments" : err.c_str());
        return 2;
    }

    patch_seq_scheduler_init();
    int workers = static_cast<int>(seq::scheduler().workers.size());
    std::printf(
        "== bench_tcp: %u cores; Seq runtime %d workers vs raw libuv %d loops (SO_REUSEPORT)\n",
        std::thread::hardware_concurrency(), workers, workers);
    std::printf(
        "== load: %d connections, %d load thread%s, closed loop, %.1f s per run after %.1f s "
        "warm-up, median of %d runs\n",
        o.connections, o.threads, o.threads == 1 ? "" : "s", o.seconds, o.warmup, runs);
    std::printf("%-8s %-20s %10s %8s %8s %11s %6s %7s %7s\n", "mode", "server", "req/s", "p50 us",
                "p99 us", "CPU us/req", "errors", "ratio", "paired");

    bool ok = true;
    for (std::string mode : {"echo", "http"}) {
        if (which != "both" && which != mode) continue;
        loadgen::Options lo = o;
        lo.mode = mode == "echo" ? loadgen::Mode::Echo : loadgen::Mode::Http;
        auto rmode = mode == "echo" ? rawuv::Mode::Echo : rawuv::Mode::Http;
        auto kind = mode == "echo" ? examples::Kind::Echo : examples::Kind::Http;
        std::vector<Sample> raw, seq;
        for (int r = 0; r < runs; ++r) {
            if (r % 2 == 0) {
                raw.push_back(run_raw(lo, rmode, workers));
                seq.push_back(run_seq(lo, kind));
            } else {
                seq.push_back(run_seq(lo, kind));
                raw.push_back(run_raw(lo, rmode, workers));
            }
        }
        Summary a = summarize(raw), b = summarize(seq);
        // Each Seq run next to its raw run: the median of those ratios is
        // less sensitive to drift than the ratio of the medians.
        std::vector<double> paired;
        for (size_t i = 0; i < raw.size(); ++i)
            if (raw[i].rps > 0) paired.push_back(seq[i].rps / raw[i].rps);
        double pr = median(paired);
        std::string label =
            mode == "echo" ? "echo " + std::to_string(o.message_size) + "B" : "http";
        std::printf("%-8s %-20s %10.0f %8.0f %8.0f %11.2f %6llu %7s %7s\n", label.c_str(),
                    "raw libuv callbacks", a.rps, a.p50, a.p99, a.cpu_us,
                    static_cast<unsigned long long>(a.errors), "1.00", "");
        std::printf("%-8s %-20s %10.0f %8.0f %8.0f %11.2f %6llu %7.2f %7.2f\n", label.c_str(),
                    "Seq strands (ABI)", b.rps, b.p50, b.p99, b.cpu_us,
                    static_cast<unsigned long long>(b.errors), a.rps > 0 ? b.rps / a.rps : 0, pr);
        std::fflush(stdout);
        ok = ok && a.errors == 0 && b.errors == 0;
    }
    patch_seq_scheduler_shutdown();
    return ok ? 0 : 1;
}
