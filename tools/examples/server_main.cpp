// echo_server / http_server: a Seq-style server (strand per connection) on
// the runtime's C ABI, started the way a compiled Seq program starts:
// scheduler_init, spawn the main strand, scheduler_run.
//
//   echo_server [--host 127.0.0.1] [--port 0] [--serve N]
//   http_server [--host 127.0.0.1] [--port 0] [--serve N]
//
//   http_server --self-test
//
// It prints "listening on HOST:PORT" (port 0 picks a free one) and serves
// until killed, or with --serve N until N connections were accepted and all
// of them have ended; then it prints what it served and exits 0.
//
// Safe defaults for a server people copy (each only if the variable is not
// set already): idle connections are closed after 5 s
// (SEQ_TCP_READ_TIMEOUT_MS=5000: the read fails and the handler closes), and
// SIGTERM drains for up to 10 s (SEQ_DRAIN_MS=10000, docs/deployment.md).
// The HTTP server caps a request head at 8 KiB (431) and a body at 1 MiB
// (413), then closes.
//
// --self-test (http_server): serves on 127.0.0.1:0 and drives itself with
// plain socket clients, checking the caps, incremental parsing and the idle
// timeout; exits 0 when every check passed (ctest runs it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "seq/runtime.h"
#include "seq_servers.hpp"

#ifndef SEQ_EXAMPLE_KIND
#error "build with -DSEQ_EXAMPLE_KIND=0 (echo) or 1 (http)"
#endif

namespace {

int g_failed = 0;

void check(bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) ++g_failed;
}

int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, const std::string& s) {
    for (size_t off = 0; off < s.size();) {
        ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

// Reads until `want` occurrences of `marker`, the end of stream, or 20 s.
// `eof` tells whether the stream ended.
std::string recv_until(int fd, const std::string& marker, int want, bool* eof = nullptr) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    if (eof) *eof = false;
    for (;;) {
        int seen = 0;
        for (size_t at = got.find(marker); at != std::string::npos; at = got.find(marker, at + 1))
            ++seen;
        if (want > 0 && seen >= want) return got;
        if (std::chrono::steady_clock::now() > deadline) return got;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (eof) *eof = true;
            return got;
        }
        got.append(buf, static_cast<size_t>(n));
    }
}

int count(const std::string& hay, const std::string& needle) {
    int n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1))
        ++n;
    return n;
}

long max_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

int self_test() {
    // A short idle timeout, so the check below does not wait long.
    setenv("SEQ_TCP_READ_TIMEOUT_MS", "300", 1);
    patch_seq_scheduler_init();
    examples::Started s = examples::start(examples::Kind::Http, "127.0.0.1", 0, 0);
    if (!s.listener) {
        std::fprintf(stderr, "http_server: cannot listen\n");
        return 1;
    }
    const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    bool eof = false;
    {
        int fd = connect_to(s.port);
        send_all(fd, get);
        std::string r = recv_until(fd, "Hello, World!", 1);
        check(r.rfind("HTTP/1.1 200 OK", 0) == 0, "a GET is answered 200");
        // Two pipelined requests, split inside the terminator and the line.
        send_all(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r");
        usleep(10000);
        send_all(fd, "\nGET /b HT");
        usleep(10000);
        send_all(fd, "TP/1.1\r\nHost: x\r\n\r\n");
        r = recv_until(fd, "Hello, World!", 2);
        check(count(r, "HTTP/1.1 200 OK") == 2, "split pipelined requests: two replies");
        // A body that looks like two more requests, split across reads, is
        // skipped: exactly two replies (POST and GET) before the end.
        send_all(fd, "POST /p HTTP/1.1\r\nContent-Length: 12\r\n\r\nab\r\n\r");
        usleep(10000);
        send_all(fd, "\ncd\r\n\r\n" + get);
        shutdown(fd, SHUT_WR);
        r = recv_until(fd, "", 0, &eof);
        check(eof && count(r, "HTTP/1.1 200 OK") == 2,
              "a body split across reads is skipped: POST and GET answered, nothing more");
        close(fd);
    }
    {
        int fd = connect_to(s.port);
        send_all(fd, "GET /" + std::string(9000, 'a'));
        std::string r = recv_until(fd, "\r\n\r\n", 1, &eof);
        r += recv_until(fd, "", 0, &eof);
        check(r.rfind("HTTP/1.1 431", 0) == 0 && eof, "a head over 8 KiB: 431, then close");
        close(fd);
    }
    {
        int fd = connect_to(s.port);
        send_all(fd, "POST / HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n");
        std::string r = recv_until(fd, "\r\n\r\n", 1, &eof);
        r += recv_until(fd, "", 0, &eof);
        check(r.rfind("HTTP/1.1 413", 0) == 0 && eof, "a body over 1 MiB: 413, then close");
        close(fd);
    }
    {
        // A 100 MB request line: the server closes after the cap, so the
        // client cannot send it all, and memory does not follow the request.
        long rss_before = max_rss_kb();
        int fd = connect_to(s.port);
        std::string chunk(64 * 1024, 'b');
        size_t sent = 0;
        send_all(fd, "GET /");
        while (sent < 100u * 1024 * 1024 && send_all(fd, chunk))
            sent += chunk.size();
        check(sent < 100u * 1024 * 1024, "a 100 MB request line is cut off before its end");
        check(max_rss_kb() - rss_before < 64 * 1024, "and memory stays bounded (< 64 MB more)");
        close(fd);
    }
    {
        int fd = connect_to(s.port);
        std::string r = recv_until(fd, "", 0, &eof);
        check(eof && r.empty(), "an idle connection is closed (SEQ_TCP_READ_TIMEOUT_MS)");
        close(fd);
    }
    {
        int fd = connect_to(s.port);
        send_all(fd, get);
        std::string r = recv_until(fd, "Hello, World!", 1);
        check(r.rfind("HTTP/1.1 200 OK", 0) == 0, "and the server still serves");
        close(fd);
    }
    examples::stop_accepting(s.listener);
    patch_seq_scheduler_run();
    std::printf("http_server self-test: %s (%llu refused over a cap)\n",
                g_failed ? "FAILED" : "passed",
                static_cast<unsigned long long>(examples::stats().refused.load()));
    return g_failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    constexpr bool kEcho = SEQ_EXAMPLE_KIND == 0;
    const char* name = kEcho ? "echo_server" : "http_server";
    std::string host = "127.0.0.1";
    int port = 0;
    long long serve = 0;
    // The safe defaults (header comment); an operator's setting wins.
    setenv("SEQ_TCP_READ_TIMEOUT_MS", "5000", 0);
    setenv("SEQ_DRAIN_MS", "10000", 0);
    if (!kEcho && argc == 2 && std::strcmp(argv[1], "--self-test") == 0) return self_test();
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
