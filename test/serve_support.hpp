// Helpers shared by the serving tests (limits, drain, SO_REUSEPORT, socket
// activation): tcp.read / tcp.write through the C ABI, and plain blocking
// loopback clients driven from the test thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "child_process.hpp"
#include "net_support.hpp"
#include "test_support.hpp"

namespace seq::servetest {

using nettest::IdFlag;
using nettest::kSlow;

struct Read {
    std::string data;
    bool ok = false;
};

inline Read tcp_read_abi(int64_t id) {
    StackValue buf[8];
    Stack sp = push(buf, make_int(id));
    sp = patch_seq_tcp_read(sp);
    EXPECT_EQ(sp - buf, 2) << "( socket -- String Bool )";
    Read r{std::string(string_of(buf[0])->view()), buf[1] == kTrue};
    drop_value(buf[0]);
    return r;
}

inline bool tcp_write_abi(int64_t id, const std::string& data) {
    StackValue buf[8];
    Stack sp = push(buf, make_string(data));
    sp = push(sp, make_int(id));
    sp = patch_seq_tcp_write(sp);
    EXPECT_EQ(sp - buf, 1) << "( String socket -- Bool )";
    return buf[0] == kTrue;
}

// A listener on 127.0.0.1 with an ephemeral port: {id, port}.
inline std::pair<int64_t, int> listen_local() {
    IdFlag l = nettest::tcp_listen_on_abi("127.0.0.1", 0);
    EXPECT_TRUE(l.ok);
    IdFlag p = nettest::tcp_local_port_abi(l.id);
    EXPECT_TRUE(p.ok);
    return {l.id, static_cast<int>(p.id)};
}

// Plain blocking clients for the test thread (test_tcp uses them too).
inline int raw_connect(int port, const char* host = "127.0.0.1") {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

inline bool raw_send(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

// Receives until `n` bytes, end of stream, an error or `secs` (times kSlow).
inline std::string raw_recv(int fd, size_t n, double secs = 20) {
    std::string out;
    char buf[65536];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs * kSlow);
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t k = recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
        if (k <= 0) break;
        out.append(buf, static_cast<size_t>(k));
    }
    return out;
}

// A listening socket of our own on 127.0.0.1, port 0: {fd, port}.
inline std::pair<int, int> raw_listen() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 64) != 0) {
        close(fd);
        return {-1, 0};
    }
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return {fd, ntohs(a.sin_port)};
}

inline size_t count_of(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1))
        ++n;
    return n;
}

}  // namespace seq::servetest
