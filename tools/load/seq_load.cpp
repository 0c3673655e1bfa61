// seq_load: drives a TCP echo or HTTP server on this host and prints what it
// achieved (round trips per second, latency percentiles, errors).
//
//   seq_load --port 8080 --mode http --connections 200 --seconds 10
//
// Exit status: 0 when at least one request completed and none failed.
#include <cstdio>
#include <string>

#include "loadgen.hpp"

int main(int argc, char** argv) {
    loadgen::Options o;
    std::string err = loadgen::parse_args(argc, argv, 1, &o);
    if (err.empty()) err = loadgen::validate(o);
    if (!err.empty()) {
        std::fprintf(stderr, "seq_load: %s\nusage: seq_load --port P [options]\n%s", err.c_str(),
                     loadgen::usage());
        return 2;
    }
    loadgen::Result r = loadgen::run(o);
    loadgen::print(stdout, o, r);
    return r.requests > 0 && r.errors == 0 ? 0 : 1;
}
