// Seq-style network servers written against the runtime's C ABI the way the
// Seq compiler's output calls it: an accept loop that spawns one strand per
// connection (`[ handle-connection ] strand.spawn`), every word a call on the
// value stack. Used by the example executables and by bench_tcp.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace examples {

enum class Kind { Echo, Http };

struct Stats {
    std::atomic<uint64_t> connections{0};  // connection strands started
    std::atomic<uint64_t> requests{0};     // echo: reads echoed; http: replies sent
    std::atomic<uint64_t> bytes_in{0};     // bytes read
    std::atomic<uint64_t> failures{0};     // reads/writes that returned false
    std::atomic<uint64_t> refused{0};      // http: requests over a cap (431/413)
};
Stats& stats();

struct Started {
    int64_t listener = 0;  // 0: listening failed
    int port = 0;
};

// Starts the server's main strand, which listens on host:port (port 0:
// ephemeral) and accepts until the listener is closed or `serve` connections
// were accepted (0: no limit). Blocks until it listens. The scheduler must be
// initialised.
Started start(Kind kind, const std::string& host, int port, int64_t serve);

// Closes the listener from outside (a host thread); the accept loop ends.
void stop_accepting(int64_t listener);

}  // namespace examples
