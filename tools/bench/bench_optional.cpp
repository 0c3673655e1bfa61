// Optional word families: what the design choices buy, as ratios measured in
// one invocation (medians of 5 runs).
//   regex: regex.match? with the pattern cache vs. recompiling on every call
//          (what upstream's Regex::new per call does);
//   http:  N GETs from N strands at once vs. the same N one after another,
//          against a local server that answers after a fixed delay (the
//          concurrency the parked-strand client allows; a client that blocks
//          its worker would serialise them per worker).
//
//   bench_optional            (build: see the lead's tools/CMakeLists.txt)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/value/stack.hpp"
#include "core/words/regex.hpp"
#include "io/net/http_client.hpp"
#include "seq/runtime.h"
#include "seq/runtime_optional.h"

using namespace seq;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double regex_ns_per_call(bool recompile, int n) {
    std::vector<StackValue> buf(16);
    Stack sp = buf.data();
    set_stack_base(sp);
    StackValue text = make_string("user-1234@example.com sent 42 messages");
    StackValue pat = make_string(R"(^[\w.-]+@[\w-]+\.\w+\s+sent\s+(\d+))");
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        if (recompile) regex::cache_clear();
        sp = push(sp, clone_value(text));
        sp = push(sp, clone_value(pat));
        sp = patch_seq_regex_match(sp);
        --sp;
    }
    double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
    drop_value(text);
    drop_value(pat);
    set_stack_base(nullptr);
    return ns;
}

// Answers every request after `delay`, many connections at once.
class SlowServer {
  public:
    explicit SlowServer(std::chrono::milliseconds delay) : delay_(delay) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        listen(fd_, 512);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~SlowServer() {
        stop_ = true;
        thread_.join();
        close(fd_);
    }
    int port = 0;

  private:
    int fd_;
    std::chrono::milliseconds delay_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    void run() {
        std::vector<std::thread> conns;
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            int c = accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            conns.emplace_back([c, d = delay_] {
                char buf[4096];
                std::string req;
                while (req.find("\r\n\r\n") == std::string::npos) {
                    ssize_t n = recv(c, buf, sizeof buf, 0);
                    if (n <= 0) break;
                    req.append(buf, static_cast<size_t>(n));
                }
                std::this_thread::sleep_for(d);
                const char resp[] =
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                send(c, resp, sizeof resp - 1, MSG_NOSIGNAL);
                close(c);
            });
        }
        for (auto& t : conns)
            t.join();
    }
};

std::string g_url;
std::atomic<int> g_ok{0};
int g_n = 0;

Stack get_once(Stack sp) {
    if (http::request(http::rules7(), "GET", g_url).ok) g_ok.fetch_add(1);
    return sp;
}

double http_ms(int n, bool concurrent) {
    g_ok = 0;
    g_n = n;
    auto t0 = Clock::now();
    if (concurrent) {
        for (int i = 0; i < n; ++i)
            spawn_strand(get_once, nullptr);
    } else {
        spawn_strand(
            [](Stack sp) -> Stack {
                for (int i = 0; i < g_n; ++i)
                    get_once(sp);
                return sp;
            },
            nullptr);
    }
    patch_seq_wait_all_strands();
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (g_ok.load() != n)
        std::fprintf(stderr, "only %d of %d requests succeeded\n", g_ok.load(), n);
    return ms;
}

}  // namespace

int main() {
    std::printf("cores: %u\n", std::thread::hardware_concurrency());
    std::vector<double> cached, recompiled;
    for (int r = 0; r < 5; ++r) {
        cached.push_back(regex_ns_per_call(false, 100000));
        recompiled.push_back(regex_ns_per_call(true, 500));
    }
    double c = median(cached), u = median(recompiled);
    std::printf("regex.match? cached %.0f ns/call, recompiled %.0f ns/call: cache %.0fx faster\n",
                c, u, u / c);

    http::set_allow_private_addresses(true);
    SlowServer server(std::chrono::milliseconds(20));
    g_url = "http://127.0.0.1:" + std::to_string(server.port) + "/";
    patch_seq_scheduler_init();
    constexpr int kRequests = 32;
    std::vector<double> seq_ms, par_ms;
    for (int r = 0; r < 5; ++r) {
        seq_ms.push_back(http_ms(kRequests, false));
        par_ms.push_back(http_ms(kRequests, true));
    }
    patch_seq_scheduler_shutdown();
    double s = median(seq_ms), p = median(par_ms);
    std::printf(
        "http.get x%d (server delay 20 ms): one strand in sequence %.1f ms, %d strands "
        "at once %.1f ms: %.1fx\n",
        kRequests, s, kRequests, p, s / p);
    return 0;
}
