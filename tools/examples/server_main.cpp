// echo_server / http_server: a Seq-style server (strand per connection) on
// the runtime's C ABI, started the way a compiled Seq program starts:
// scheduler_init, spawn the main strand, scheduler_run.
//
//   echo_server [--host 127.0.0.1] [--port 0] [--serve N]
//   http_server [--host 127.0.0.1] [--port 0] [--serve N]
//
// It prints "listening on HOST:PORT" (port 0 picks a free one) and serves
// until killed, or with --serve N until N connections were accepted and all
// of them have ended; then it prints what it served and exits 0.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "seq/runtime.h"
#include "seq_servers.hpp"

#ifndef SEQ_EXAMPLE_KIND
#error "build with -DSEQ_EXAMPLE_KIND=0 (echo) or 1 (http)"
#endif

int main(int argc, char** argv) {
    constexpr bool kEcho = SEQ_EXAMPLE_KIND == 0;
    const char* name = kEcho ? "echo_server" : "http_server";
    std::string host = "127.0.0.1";
    int port = 0;
    long long serve = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 < argc && a == "--host") {
            host = argv[++i];
        } else if (i + 1 < argc && a == "--port") {
            port = std::atoi(argv[++i]);
        } else if (i + 1 < argc && a == "--serve") {
            serve = std::atoll(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--host H] [--port P] [--serve N]\n", name);
            return 2;
        }
    }
    patch_seq_args_init(argc, argv);
    patch_seq_scheduler_init();
    examples::Started s =
        examples::start(kEcho ? examples::Kind::Echo : examples::Kind::Http, host, port, serve);
    if (!s.listener) {
        std::fprintf(stderr, "%s: cannot listen on %s:%d\n", name, host.c_str(), port);
        return 1;
    }
    std::printf("%s: listening on %s:%d\n", name, host.c_str(), s.port);
    std::fflush(stdout);
    patch_seq_scheduler_run();
    examples::Stats& st = examples::stats();
    std::printf("%s: served %llu connections, %llu %s, %.1f MB read, %llu failed reads/writes\n",
                name, static_cast<unsigned long long>(st.connections.load()),
                static_cast<unsigned long long>(st.requests.load()),
                kEcho ? "messages echoed" : "responses", st.bytes_in.load() / 1e6,
                static_cast<unsigned long long>(st.failures.load()));
    return 0;
}
