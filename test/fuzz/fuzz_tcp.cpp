// Fuzz target: the TCP words behind a real loopback server. The runtime
// starts once, with the example servers of tools/examples (the echo server
// and the HTTP server with its request caps, both strand-per-connection on
// the tcp.* words) listening on 127.0.0.1:0. Each input is one client
// connection: the input's first bytes pick the server, how the payload is cut
// into writes and how the client leaves (reads everything after a
// half-close, resets with SO_LINGER 0, or closes without reading, part way
// through); the rest is the payload.
//
// Checked per input: the echo server returns exactly the payload, the HTTP
// server answers only with its 200 reply (and at most one 431/413 at the
// end), and after the client is gone the connection's strand ends and its
// socket is freed (strand and socket counts back to the servers' own). At
// exit the listeners close and the scheduler must shut down clean (no strand
// or uv handle left); LeakSanitizer then checks the heap. (libFuzzer's own
// leak check between inputs is off for this target, -detect_leaks=0 in
// tools/fuzz.sh: it runs while the servers' strands are parked, and what
// only a parked strand's stack points to looks leaked, because LSan does not
// scan strand stacks.)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "core/sched/scheduler.hpp"
#include "fuzz_support.hpp"
#include "io/net/socket_table.hpp"
#include "io/net/tcp.hpp"
#include "seq_servers.hpp"

using namespace seq;
using seq::net::shared_socket_table;

namespace {

// The replies of tools/examples/seq_servers.cpp.
constexpr std::string_view kReply200 =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::string_view kReply431 =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: "
    "close\r\n\r\n";
constexpr std::string_view kReply413 =
    "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

examples::Started g_echo, g_http;
uint64_t g_base_active = 0;  // the two accept loops
size_t g_base_sockets = 0;   // the two listeners
uint64_t g_connections = 0;  // made by this process

enum class Leave { HalfCloseAndRead, Reset, CloseUnread };

bool wait_for(const auto& pred, double secs = 10) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return pred();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

void shutdown_clean() {
    examples::stop_accepting(g_echo.listener);
    examples::stop_accepting(g_http.listener);
    if (!wait_for([] { return counters().active.load() == 0; })) {
        std::fprintf(stderr, "fuzz_tcp: strands still active at exit: %llu\n",
                     static_cast<unsigned long long>(counters().active.load()));
        std::abort();
    }
    patch_seq_scheduler_shutdown();
    ShutdownReport r = last_shutdown_report();
    if (!r.clean()) {
        std::fprintf(stderr, "fuzz_tcp: unclean shutdown:\n%s\n", r.describe().c_str());
        std::abort();
    }
    std::fprintf(stderr, "fuzz_tcp: %llu connections served, clean shutdown\n",
                 static_cast<unsigned long long>(g_connections));
}

// The harness connects ~2,000 times a second and closes first, so each of
// its ports then waits in TIME_WAIT; on a busy machine the ephemeral ports
// can run out for a moment (EADDRNOTAVAIL). That is the harness's rate, not
// the server: wait and try again (up to ~10 s). Any other failure is one.
int connect_to(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    for (int tries = 0;; ++tries) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        SEQ_FUZZ_CHECK(fd >= 0);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // one write, one segment
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
        int err = errno;
        close(fd);
        if (err == EADDRNOTAVAIL && tries < 1000) {
            usleep(10000);
            continue;
        }
        std::fprintf(stderr, "fuzz_tcp: connect to 127.0.0.1:%d failed: %s (after %d tries)\n",
                     port, std::strerror(err), tries + 1);
        SEQ_FUZZ_CHECK(!"the server refused a connection");
    }
}

// Reads until the server closes (or 10 s pass: a server that never closes
// after our half-close is a finding). `reset`: the stream ended in a reset
// (the HTTP server closes after a 431/413 while our request may still be
// arriving), which may have discarded the end of what the server sent.
std::string read_to_eof(int fd, bool& reset) {
    reset = false;
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        SEQ_FUZZ_CHECK(std::chrono::steady_clock::now() < deadline);
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) reset = true;
        if (n <= 0) return got;
        got.append(buf, static_cast<size_t>(n));
    }
}

// 200 replies, then at most one 431/413; after a reset the last reply may be
// cut short.
bool is_http_answer(std::string_view got, bool reset) {
    while (got.starts_with(kReply200))
        got.remove_prefix(kReply200.size());
    if (got.empty() || got == kReply431 || got == kReply413) return true;
    return reset &&
           (kReply200.starts_with(got) || kReply431.starts_with(got) || kReply413.starts_with(got));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    patch_seq_scheduler_init();
    g_echo = examples::start(examples::Kind::Echo, "127.0.0.1", 0, 0);
    g_http = examples::start(examples::Kind::Http, "127.0.0.1", 0, 0);
    if (!g_echo.listener || !g_http.listener) {
        std::fprintf(stderr, "fuzz_tcp: the servers could not listen\n");
        std::abort();
    }
    g_base_active = counters().active.load();
    g_base_sockets = shared_socket_table().live();
    std::atexit(shutdown_clean);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    bool http = in.ConsumeBool();
    auto leave = static_cast<Leave>(in.ConsumeIntegralInRange<int>(0, 2));
    uint32_t chunking = in.ConsumeIntegral<uint32_t>();
    uint16_t cut = in.ConsumeIntegral<uint16_t>();
    std::string payload = in.ConsumeRemainingBytesAsString();
    // Reset and close-unread leave after `cut` bytes; half-close sends all.
    size_t send_len =
        leave == Leave::HalfCloseAndRead ? payload.size() : std::min<size_t>(cut, payload.size());

    int fd = connect_to(http ? g_http.port : g_echo.port);
    ++g_connections;
    uint32_t seed = chunking | 1;
    for (size_t off = 0; off < send_len;) {
        seed = seed * 1103515245u + 12345u;  // chunk sizes 1..256 from the input's seed
        size_t n = std::min<size_t>(1 + (seed >> 16) % 256, send_len - off);
        ssize_t w = send(fd, payload.data() + off, n, MSG_NOSIGNAL);
        if (w <= 0) break;  // the HTTP server closes after 431/413
        off += static_cast<size_t>(w);
    }
    switch (leave) {
        case Leave::HalfCloseAndRead: {
            shutdown(fd, SHUT_WR);
            bool reset = false;
            std::string got = read_to_eof(fd, reset);
            if (http) {
                if (!is_http_answer(got, reset))
                    std::fprintf(stderr, "unexpected HTTP answer: %s\n", got.c_str());
                SEQ_FUZZ_CHECK(is_http_answer(got, reset));
                if (payload.find("\r\n\r\n") == std::string::npos)
                    SEQ_FUZZ_CHECK(!got.starts_with(kReply200));
            } else {
                SEQ_FUZZ_CHECK(!reset && got == payload);
            }
            close(fd);
            break;
        }
        case Leave::Reset: {
            linger lg{1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close(fd);
            break;
        }
        case Leave::CloseUnread:
            close(fd);
            break;
    }
    // The server saw the connection, ended its strand and freed its socket.
    bool done = wait_for([] {
        return examples::stats().connections.load() == g_connections &&
               counters().active.load() == g_base_active &&
               shared_socket_table().live() == g_base_sockets;
    });
    if (!done) {
        std::fprintf(stderr,
                     "fuzz_tcp: connection not cleaned up: accepted %llu of %llu, "
                     "%llu strands (base %llu), %zu sockets (base %zu)\n",
                     static_cast<unsigned long long>(examples::stats().connections.load()),
                     static_cast<unsigned long long>(g_connections),
                     static_cast<unsigned long long>(counters().active.load()),
                     static_cast<unsigned long long>(g_base_active), shared_socket_table().live(),
                     g_base_sockets);
        std::abort();
    }
    return 0;
}
