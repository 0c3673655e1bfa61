#include "loadgen.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace loadgen {

namespace {

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

bool is_loopback(const sockaddr* a) {
    if (a->sa_family == AF_INET) {
        uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr);
        return (ip >> 24) == 127;
    }
    if (a->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr);
    return false;
}

// Resolves host:port to loopback addresses only.
bool resolve(const Options& o, sockaddr_storage* out, socklen_t* len, std::string* err) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(o.port);
    int r = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res);
    if (r != 0) {
        *err = "cannot resolve " + o.host + ": " + gai_strerror(r);
        return false;
    }
    bool found = false;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        if (!is_loopback(ai->ai_addr)) {
            *err = o.host + " is not a loopback address: this tool only loads this host";
            found = false;
            break;
        }
        if (!found) {
            std::memcpy(out, ai->ai_addr, ai->ai_addrlen);
            *len = ai->ai_addrlen;
            found = true;
        }
    }
    freeaddrinfo(res);
    return found;
}

struct Conn {
    int fd = -1;
    bool connected = false;
    bool dead = false;
    bool want_out = false;
    bool pending = false;  // connect in progress
    bool idle = false;     // finished its last request
    bool open = false;     // counted in live_
    size_t sent = 0;       // bytes of the current request sent
    size_t received = 0;   // echo: bytes of the response received
    std::string rbuf;      // http: response bytes so far
    uint64_t t0 = 0;       // when the current request started
};

struct Shared {
    const Options* o;
    sockaddr_storage addr;
    socklen_t addr_len;
    std::string request;
    std::atomic<int> ready_threads{0};
    std::atomic<uint64_t> window_start{0};  // 0 until every thread connected
    uint64_t warmup_ns = 0;
    uint64_t measure_ns = 0;
};

struct ThreadResult {
    int connected = 0;
    uint64_t total = 0;
    double cpu_s = 0;
    uint64_t requests = 0;
    uint64_t errors = 0;
    uint64_t bytes = 0;
    std::vector<uint32_t> lat_ns;  // one sample per measured request (capped at ~4.3 s)
};

// Length of a complete HTTP response at the start of `b`, 0 if incomplete,
// SIZE_MAX if it is not a 200 with a Content-Length.
size_t http_response_len(const std::string& b) {
    size_t end = b.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    if (b.compare(0, 12, "HTTP/1.1 200") != 0) return SIZE_MAX;
    size_t body = 0;
    bool have_len = false;
    for (size_t p = b.find("\r\n"); p < end; p = b.find("\r\n", p + 2)) {
        static const char kName[] = "content-length:";
        size_t n = sizeof kName - 1;
        if (p + 2 + n > end) continue;
        bool match = true;
        for (size_t i = 0; i < n && match; ++i)
            match = std::tolower(static_cast<unsigned char>(b[p + 2 + i])) == kName[i];
        if (!match) continue;
        body = std::strtoull(b.c_str() + p + 2 + n, nullptr, 10);
        have_len = true;
    }
    if (!have_len) return SIZE_MAX;
    size_t total = end + 4 + body;
    return b.size() >= total ? total : 0;
}

class Worker {
  public:
    Worker(Shared& sh, int nconns) : sh_(sh), conns_(static_cast<size_t>(nconns)) {}

    ThreadResult run() {
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        for (Conn& c : conns_)
            open(c);
        // Wait (bounded) until every connection is up, then tell the others.
        uint64_t deadline = now_ns() + 5000000000ull;
        while (pending_connects_ > 0 && now_ns() < deadline)
            poll_once(10);
        sh_.ready_threads.fetch_add(1);
        while (sh_.window_start.load() == 0)
            poll_once(1);
        uint64_t start = sh_.window_start.load();
        from_ = start + sh_.warmup_ns;
        to_ = from_ + sh_.measure_ns;
        while (now_ns() < to_ && live_ > 0)
            poll_once(5);
        // Let requests in flight finish (bounded) so that every connection
        // ends between requests: the server sees a clean end of stream.
        draining_ = true;
        uint64_t drain_until = now_ns() + 2000000000ull;
        while (idle_ < live_ && now_ns() < drain_until)
            poll_once(5);
        for (Conn& c : conns_)
            if (c.fd >= 0) close(c.fd);
        close(ep_);
        res_.connected = connected_;
        timespec cpu;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
        res_.cpu_s = static_cast<double>(cpu.tv_sec) + cpu.tv_nsec / 1e9;
        return std::move(res_);
    }

  private:
    void open(Conn& c) {
        c.fd = socket(sh_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) {
            fail(c);
            return;
        }
        int r = connect(c.fd, reinterpret_cast<const sockaddr*>(&sh_.addr), sh_.addr_len);
        if (r != 0 && errno != EINPROGRESS) {
            fail(c);
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLIN;
        ev.data.ptr = &c;
        epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
        c.want_out = true;
        c.pending = c.open = true;
        ++pending_connects_;
        ++live_;
    }

    void fail(Conn& c) {
        ++res_.errors;
        if (c.dead) return;
        c.dead = true;
        if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
        c.fd = -1;
        if (c.pending) --pending_connects_;
        if (c.open) --live_;
        if (c.idle) --idle_;
        c.pending = c.open = c.idle = false;
    }

    void set_out(Conn& c, bool on) {
        if (c.want_out == on) return;
        c.want_out = on;
        epoll_event ev{};
        ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
        ev.data.ptr = &c;
        epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    }

    void start_request(Conn& c) {
        c.sent = 0;
        c.received = 0;
        c.rbuf.clear();
        c.t0 = now_ns();
        send_more(c);
    }

    void send_more(Conn& c) {
        const std::string& req = sh_.request;
        while (c.sent < req.size()) {
            ssize_t n = send(c.fd, req.data() + c.sent, req.size() - c.sent, MSG_NOSIGNAL);
            if (n > 0) {
                c.sent += static_cast<size_t>(n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                set_out(c, true);
                return;
            }
            fail(c);
            return;
        }
        set_out(c, false);
    }

    void complete(Conn& c, size_t resp_bytes) {
        uint64_t t = now_ns();
        ++res_.total;
        if (t >= from_ && t <= to_ && from_ != 0) {
            ++res_.requests;
            res_.bytes += resp_bytes;
            uint64_t d = t - c.t0;
            res_.lat_ns.push_back(d > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(d));
        }
        if (draining_ || (to_ != 0 && t >= to_)) {
            c.idle = true;
            ++idle_;
            return;
        }
        start_request(c);
    }

    void on_readable(Conn& c) {
        for (;;) {
            ssize_t n = recv(c.fd, buf_, sizeof buf_, 0);
            if (n == 0) {
                fail(c);  // the server ended the connection
                return;
            }
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                fail(c);
                return;
            }
            if (sh_.o->mode == Mode::Echo) {
                const std::string& req = sh_.request;
                size_t k = static_cast<size_t>(n);
                if (c.received + k > req.size() ||
                    std::memcmp(buf_, req.data() + c.received, k) != 0) {
                    fail(c);  // not an echo of what was sent
                    return;
                }
                c.received += k;
                if (c.received == req.size()) complete(c, req.size());
            } else {
                c.rbuf.append(buf_, static_cast<size_t>(n));
                size_t len = http_response_len(c.rbuf);
                if (len == SIZE_MAX || (len && len != c.rbuf.size())) {
                    fail(c);  // not a 200, or bytes beyond one response
                    return;
                }
                if (len) complete(c, len);
            }
            if (c.dead) return;
        }
    }

    void poll_once(int timeout_ms) {
        epoll_event evs[256];
        int n = epoll_wait(ep_, evs, 256, timeout_ms);
        for (int i = 0; i < n; ++i) {
            Conn& c = *static_cast<Conn*>(evs[i].data.ptr);
            if (c.dead) continue;
            if (!c.connected) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || !(evs[i].events & EPOLLOUT)) {
                    fail(c);
                    continue;
                }
                c.connected = true;
                c.pending = false;
                --pending_connects_;
                ++connected_;
                int one = 1;
                setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                start_request(c);
                continue;
            }
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                if (!(evs[i].events & EPOLLIN)) {
                    fail(c);
                    continue;
                }
            }
            if (evs[i].events & EPOLLOUT) send_more(c);
            if (!c.dead && (evs[i].events & EPOLLIN)) on_readable(c);
        }
    }

    Shared& sh_;
    std::vector<Conn> conns_;
    int ep_ = -1;
    int pending_connects_ = 0;
    int live_ = 0;
    int connected_ = 0;
    int idle_ = 0;
    bool draining_ = false;
    uint64_t from_ = 0, to_ = 0;
    ThreadResult res_;
    char buf_[65536];
};

double pct(std::vector<uint32_t>& v, double p) {
    if (v.empty()) return 0;
    size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k] / 1000.0;
}

}  // namespace

std::string validate(const Options& o) {
    if (o.port < 1 || o.port > 65535) return "--port must be in 1..65535";
    if (o.connections < 1 || o.connections > kMaxConnections)
        return "--connections must be in 1.." + std::to_string(kMaxConnections);
    if (o.threads < 1 || o.threads > 64) return "--threads must be in 1..64";
    if (!(o.seconds > 0) || o.seconds > kMaxSeconds)
        return "--seconds must be in (0, " + std::to_string(static_cast<int>(kMaxSeconds)) + "]";
    if (o.warmup < 0 || o.warmup > 60) return "--warmup must be in 0..60";
    if (o.message_size < 1 || o.message_size > (16u << 20)) return "--size must be in 1..16777216";
    sockaddr_storage a;
    socklen_t len;
    std::string err;
    if (!resolve(o, &a, &len, &err)) return err;
    return "";
}

Result run(const Options& o) {
    Shared sh;
    sh.o = &o;
    std::string err;
    resolve(o, &sh.addr, &sh.addr_len, &err);
    if (o.mode == Mode::Echo) {
        sh.request.resize(o.message_size);
        for (size_t i = 0; i < o.message_size; ++i)
            sh.request[i] = static_cast<char>('a' + i % 26);
    } else {
        sh.request = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + "\r\n\r\n";
    }
    sh.warmup_ns = static_cast<uint64_t>(o.warmup * 1e9);
    sh.measure_ns = static_cast<uint64_t>(o.seconds * 1e9);

    int threads = std::min(o.threads, o.connections);
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<ThreadResult> results(static_cast<size_t>(threads));
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
        int n = o.connections / threads + (t < o.connections % threads ? 1 : 0);
        workers.push_back(std::make_unique<Worker>(sh, n));
    }
    for (int t = 0; t < threads; ++t)
        ts.emplace_back(
            [&, t] { results[static_cast<size_t>(t)] = workers[static_cast<size_t>(t)]->run(); });
    while (sh.ready_threads.load() < threads)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sh.window_start.store(now_ns());
    for (auto& t : ts)
        t.join();

    Result r;
    std::vector<uint32_t> all;
    for (ThreadResult& tr : results) {
        r.connected += tr.connected;
        r.requests += tr.requests;
        r.errors += tr.errors;
        r.bytes += tr.bytes;
        r.total_requests += tr.total;
        r.load_cpu_s += tr.cpu_s;
        all.insert(all.end(), tr.lat_ns.begin(), tr.lat_ns.end());
    }
    r.seconds = o.seconds;
    r.rps = static_cast<double>(r.requests) / o.seconds;
    r.p50_us = pct(all, 0.50);
    r.p90_us = pct(all, 0.90);
    r.p99_us = pct(all, 0.99);
    r.max_us = all.empty() ? 0 : *std::max_element(all.begin(), all.end()) / 1000.0;
    return r;
}

void print(FILE* out, const Options& o, const Result& r) {
    std::fprintf(out,
                 "load: %s, %d connections (%d connected), %d thread%s, %s, %.1f s measured after "
                 "%.1f s warm-up\n",
                 o.mode == Mode::Echo ? "echo" : "http", o.connections, r.connected, o.threads,
                 o.threads == 1 ? "" : "s",
                 o.mode == Mode::Echo ? (std::to_string(o.message_size) + "-byte messages").c_str()
                                      : ("GET " + o.path).c_str(),
                 r.seconds, o.warmup);
    std::fprintf(out, "  requests   %llu (%.0f req/s), %.1f MB received\n",
                 static_cast<unsigned long long>(r.requests), r.rps, r.bytes / 1e6);
    std::fprintf(out, "  latency    p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n", r.p50_us,
                 r.p90_us, r.p99_us, r.max_us);
    std::fprintf(out, "  errors     %llu\n", static_cast<unsigned long long>(r.errors));
}

const char* usage() {
    return "  --host H          loopback address or name (default 127.0.0.1)\n"
           "  --port P          server port (required)\n"
           "  --mode echo|http  request kind (default echo)\n"
           "  --connections N   concurrent connections (default 64, max 20000)\n"
           "  --threads N       load threads (default 1)\n"
           "  --seconds S       measured time (default 5, max 300)\n"
           "  --warmup S        unmeasured time first (default 0.5)\n"
           "  --size N          echo message bytes (default 64)\n"
           "  --path P          http path (default /)\n";
}

std::string parse_args(int argc, char** argv, int first, Options* o) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return "missing value after " + a;
        std::string v = argv[++i];
        char* end = nullptr;
        if (a == "--host") {
            o->host = v;
        } else if (a == "--port") {
            o->port = static_cast<int>(std::strtol(v.c_str(), &end, 10));
        } else if (a == "--mode") {
            if (v == "echo")
                o->mode = Mode::Echo;
            else if (v == "http")
                o->mode = Mode::Http;
            else
                return "--mode must be echo or http";
        } else if (a == "--connections") {
            o->connections = static_cast<int>(std::strtol(v.c_str(), &end, 10));
        } else if (a == "--threads") {
            o->threads = static_cast<int>(std::strtol(v.c_str(), &end, 10));
        } else if (a == "--seconds") {
            o->seconds = std::strtod(v.c_str(), &end);
        } else if (a == "--warmup") {
            o->warmup = std::strtod(v.c_str(), &end);
        } else if (a == "--size") {
            o->message_size = std::strtoull(v.c_str(), &end, 10);
        } else if (a == "--path") {
            o->path = v;
        } else {
            return "unknown option " + a;
        }
        if (end && *end) return "bad number for " + a + ": " + v;
    }
    return "";
}

}  // namespace loadgen
