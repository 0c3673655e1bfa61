// raw_uv_server: the raw libuv callback server of bench_tcp (raw_uv_server.hpp)
// as a process of its own, the baseline the main job (tools/main-job.sh)
// loads beside the Seq servers, with the same load generator.
//
//   raw_uv_server [--mode echo|http] [--loops N]
//
// Binds 127.0.0.1 on a free port, prints "listening on 127.0.0.1:PORT" and
// serves until SIGTERM or SIGINT. --loops defaults to what the Seq servers
// get as workers: SEQ_WORKERS, else the number of cores.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "raw_uv_server.hpp"

int main(int argc, char** argv) {
    rawuv::Mode mode = rawuv::Mode::Echo;
    int loops = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* w = std::getenv("SEQ_WORKERS"); w && std::atoi(w) > 0) loops = std::atoi(w);
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 < argc && a == "--mode" &&
            (std::string(argv[i + 1]) == "echo" || std::string(argv[i + 1]) == "http")) {
            mode = std::string(argv[++i]) == "echo" ? rawuv::Mode::Echo : rawuv::Mode::Http;
        } else if (i + 1 < argc && a == "--loops" && std::atoi(argv[i + 1]) > 0) {
            loops = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: raw_uv_server [--mode echo|http] [--loops N]\n");
            return 2;
        }
    }
    if (loops < 1) loops = 1;
    // Blocked before the loop threads start, so they inherit the mask and
    // only sigwait below sees the signal: the server then stops cleanly.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    {
        rawuv::Server server(mode, loops);
        std::printf("raw_uv_server: listening on 127.0.0.1:%d (%d loop%s)\n", server.port(), loops,
                    loops == 1 ? "" : "s");
        std::fflush(stdout);
        int sig = 0;
        sigwait(&stop, &sig);
    }
    std::printf("raw_uv_server: stopped\n");
    return 0;
}
