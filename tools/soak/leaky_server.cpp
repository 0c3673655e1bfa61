// soak_leaky_server: a small HTTP server with a deliberate leak, so that the
// tests can check that seq_soak catches one (a soak tool that cannot fail
// proves nothing).
//
//   soak_leaky_server --keep-fds   never closes a connection the client ended
//   soak_leaky_server --grow       touches 2 MiB more heap per second while
//                                  it serves, and never frees it
//
// It answers every "\r\n\r\n"-terminated request with a 200 (keep-alive),
// listens on 127.0.0.1 port 0 and prints "listening on 127.0.0.1:PORT".
// One thread, epoll, bounded: at most 4,096 connections, 256 MiB leaked.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

constexpr char kReply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr size_t kMaxLeak = size_t{256} << 20;
constexpr size_t kLeakPerSecond = size_t{2} << 20;
constexpr int kMaxConnections = 4096;

double now_s() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

size_t g_leaked = 0;
double g_first_request = 0;

// --grow: brings the leak up to kLeakPerSecond per second since the first
// request, in touched 64 KiB blocks that are never freed.
void leak_some() {
    if (g_first_request == 0) g_first_request = now_s();
    size_t want = static_cast<size_t>((now_s() - g_first_request) * kLeakPerSecond);
    while (g_leaked < want && g_leaked < kMaxLeak) {
        void* p = std::malloc(64 * 1024);
        if (!p) return;
        std::memset(p, 1, 64 * 1024);
        g_leaked += 64 * 1024;
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool keep_fds = argc == 2 && std::strcmp(argv[1], "--keep-fds") == 0;
    bool grow = argc == 2 && std::strcmp(argv[1], "--grow") == 0;
    if (!keep_fds && !grow) {
        std::fprintf(stderr, "usage: soak_leaky_server --keep-fds | --grow\n");
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(lfd, 512) != 0 ||
        getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        std::perror("soak_leaky_server");
        return 1;
    }
    std::printf("soak_leaky_server: listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    std::fflush(stdout);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    std::unordered_map<int, std::string> pending;  // unparsed bytes per connection
    int open = 0;
    epoll_event events[64];
    for (;;) {
        int n = epoll_wait(ep, events, 64, -1);
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int c = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) continue;
                if (open >= kMaxConnections) {
                    close(c);
                    continue;
                }
                ++open;
                ev.data.fd = c;
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                continue;
            }
            char buf[16384];
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r <= 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                pending.erase(fd);
                if (!keep_fds) {  // --keep-fds: the leak (counted as open)
                    close(fd);
                    --open;
                }
                continue;
            }
            std::string& in = pending[fd];
            in.append(buf, static_cast<size_t>(r));
            size_t at = 0, end;
            while ((end = in.find("\r\n\r\n", at)) != std::string::npos) {
                if (grow) leak_some();
                send(fd, kReply, sizeof kReply - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                at = end + 4;
            }
            in.erase(0, at);
        }
    }
}
