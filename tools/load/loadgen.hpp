// A closed-loop TCP load generator for loopback benchmarks.
//
// Each connection sends one request, waits for the whole response, records
// the round-trip time and sends the next one (no pipelining), for a fixed
// time. Requests are either echo messages (the response must be the same
// bytes) or HTTP/1.1 keep-alive GETs (the response must be a 200 with a
// Content-Length body). Threads each drive their share of the connections
// with epoll, so a few threads keep thousands of connections busy.
//
// It refuses anything but loopback addresses and bounds its work (at most
// kMaxConnections connections, kMaxSeconds seconds): it is a benchmark
// tool, not a stress tool for other people's hosts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace loadgen {

enum class Mode { Echo, Http };

inline constexpr int kMaxConnections = 20000;
inline constexpr double kMaxSeconds = 300;

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    Mode mode = Mode::Echo;
    int connections = 64;
    int threads = 1;
    double seconds = 5;        // measured time
    double warmup = 0.5;       // before measuring (requests run, are not counted)
    size_t message_size = 64;  // echo request size
    std::string path = "/";    // http request path
};

struct Result {
    int connected = 0;      // connections established
    uint64_t requests = 0;  // round trips completed in the measured window
    uint64_t errors = 0;    // connect failures, resets, early ends, bad responses
    uint64_t bytes = 0;     // response bytes received in the window
    double seconds = 0;     // length of the measured window
    double rps = 0;         // requests / seconds
    double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
    uint64_t total_requests = 0;  // round trips over the whole run (warm-up included)
    double load_cpu_s = 0;        // CPU time the load threads used (whole run)
};

// Checks the options (loopback only, bounds); returns an error message or "".
std::string validate(const Options& o);
// Runs the load; the options must be valid.
Result run(const Options& o);
// A human-readable summary (several lines).
void print(FILE* out, const Options& o, const Result& r);
// Parses "--name value" style arguments into `o`; returns an error or "".
std::string parse_args(int argc, char** argv, int first, Options* o);
const char* usage();

}  // namespace loadgen
