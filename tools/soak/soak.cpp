// seq_soak: runs a server under a hostile mix of loopback clients for a fixed
// time, samples its memory, descriptors, threads and strands every second, and
// fails when memory keeps growing or anything is left behind after the load.
//
//   seq_soak [options] -- SERVER [ARGS...]
//   seq_soak [options] --pid PID --port P     (a server started otherwise,
//                                             e.g. under heaptrack)
//
// The server is started as a child (stdout and stderr go through a pipe); its
// port is taken from a "listening on HOST:PORT" line (our example servers
// print one) unless --port says it. The mix, all on 127.0.0.1 and bounded
// (at most kMaxClients connections at once):
//   keep-alive   --keepalive N clients looping HTTP GETs (tools/load's
//                loadgen, closed loop), like `wrk -cN`;
//   short        --short N clients doing connect, GET, read the reply,
//                close, like `ab -cN`;
//   reset        --reset N clients doing connect, GET, then close with
//                SO_LINGER 0 (an RST) without reading, --reset-rate per
//                second in all (5000, about the 1.45 M in 5 min);
//   non-readers  --nonreaders N clients per round that pipeline GETs and
//                never read (the server's writes fill the socket buffers and
//                park); each round holds them --round seconds, then resets;
//   slow-loris   --slowloris N clients per round that send a request head
//                one byte every --drip seconds, then close at the round's end.
// First --warmup seconds of the mix, so that what a server starts lazily and
// keeps (the runtime's stack trimmer thread) is part of the baseline; then
// the baseline once the server is quiet again; then the load.
// Each second it prints one line: time, phase, RSS (VmRSS), fds (entries of
// /proc/PID/fd), threads, and, with --strands (default for our servers), the
// live strand count and the free (pooled + cold) strand stacks from the
// runtime's SIGQUIT dump, which the server prints on stderr; the dump's text
// is not echoed.
//
// It fails (exit 1, one line saying why) when
//   - RSS at the end of the load (the smallest of the last 10 samples) is
//     more than --rss-growth (10%) and more than 2 MB above RSS at min(120 s,
//     40% of the run) (the smallest of 10 samples there): memory that keeps
//     growing under a steady load is a leak or fragmentation, not a working
//     set;
//   - fds, threads or strands are not back to their pre-load baseline within
//     --settle seconds after the load stopped;
//   - the server exits, or the keep-alive clients were not served.
// Exit 2: bad arguments or the server could not be started.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loadgen.hpp"

namespace {

constexpr int kMaxClients = 4000;  // connections the mix may hold at once
constexpr double kMaxSeconds = 3600;
constexpr long kRssSlackKb = 2048;  // RSS growth below this is never a failure
constexpr double kSettleMinS = 5;   // the settle phase lasts at least this long

struct Options {
    double seconds = 60;
    double settle = 20;
    double baseline = 1;  // seconds between baseline samples
    double warmup = 3;
    int port = 0;
    int pid = 0;   // watch this running server instead of starting one
    int idle = 0;  // --idle N: measure N idle connections instead of the mix
    int keepalive = 50;
    int short_clients = 10;
    int reset = 2;
    double reset_rate = 5000;  // RST connections per second, all reset clients together
    int nonreaders = 30;
    int slowloris = 200;
    double round = 10;  // non-reader and slow-loris rounds
    double drip = 2;    // slow-loris: seconds between bytes
    double rss_growth = 0.10;
    int strands = -1;  // -1: auto (on when the server prints "listening on")
    std::vector<std::string> command;
};

double now_s() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::atomic<bool> g_stop{false};  // the load's end
std::atomic<int> g_port{0};
std::atomic<long> g_strands{-1};  // from the latest SIGQUIT dump
std::atomic<long> g_pooled{-1};   // stacks pooled + cold, same dump
std::atomic<bool> g_saw_listening{false};

struct Counts {
    std::atomic<uint64_t> short_ok{0}, short_err{0}, resets{0}, nonreader_conns{0},
        slowloris_conns{0}, slowloris_closed_by_server{0}, connect_err{0};
} g_counts;

// ---- the server --------------------------------------------------------------------------

pid_t g_child = -1;

// Reads the child's output line by line: picks up the port and the SIGQUIT
// dump's strand count; echoes everything else with a prefix.
void output_reader(int fd) {
    std::string line;
    bool in_dump = false;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[i] != '\n') {
                line += buf[i];
                continue;
            }
            if (line.rfind("=== seq runtime diagnostics", 0) == 0) {
                in_dump = true;
            } else if (in_dump && line.rfind("=====", 0) == 0) {
                in_dump = false;
            } else if (in_dump) {
                long a = 0;
                long g = 0, d = 0, p = 0, c = 0;
                if (std::sscanf(line.c_str(), "strands: active %ld", &a) == 1) g_strands.store(a);
                long u = 0;
                if (std::sscanf(line.c_str(),
                                "stacks: %ld in use (%ld guarded, %ld dense, canary-checked), %ld "
                                "cached, %ld cold",
                                &u, &g, &d, &p, &c) == 5)
                    g_pooled.store(p + c);
            } else {
                size_t at = line.find("listening on ");
                size_t colon = line.rfind(':');
                if (at != std::string::npos && colon != std::string::npos && colon > at) {
                    g_port.store(std::atoi(line.c_str() + colon + 1));
                    g_saw_listening.store(true);
                }
                std::fprintf(stderr, "server: %s\n", line.c_str());
            }
            line.clear();
        }
    }
}

bool start_server(const Options& o, std::thread* reader) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return false;
    g_child = fork();
    if (g_child < 0) return false;
    if (g_child == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        std::vector<char*> argv;
        for (const std::string& a : o.command)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
        _exit(127);
    }
    close(p[1]);
    *reader = std::thread(output_reader, p[0]);
    return true;
}

bool g_attached = false;  // --pid: watching a process we did not start

bool server_alive() {
    if (g_attached) return kill(g_child, 0) == 0;
    int status;
    return waitpid(g_child, &status, WNOHANG) == 0;
}

// SIGTERM (our servers drain and exit), SIGKILL after 5 s.
void stop_server() {
    if (g_attached || !server_alive()) return;  // not ours to stop
    kill(g_child, SIGTERM);
    for (int i = 0; i < 100 && server_alive(); ++i)
        usleep(50000);
    if (server_alive()) kill(g_child, SIGKILL);
    waitpid(g_child, nullptr, 0);
}

struct Sample {
    double t = 0;
    long rss_kb = -1, fds = -1, threads = -1, strands = -1, pooled = -1;
    long pte_kb = -1;  // page tables (kernel memory, not in RSS)
};

long status_field(const std::string& status, const char* name) {
    size_t at = status.find(name);
    if (at == std::string::npos) return -1;
    return std::atol(status.c_str() + at + std::strlen(name));
}

Sample sample(bool strands) {
    Sample s;
    std::string path = "/proc/" + std::to_string(g_child);
    if (FILE* f = std::fopen((path + "/status").c_str(), "r")) {
        std::string text;
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            text.append(buf, n);
        std::fclose(f);
        s.rss_kb = status_field(text, "\nVmRSS:");
        s.threads = status_field(text, "\nThreads:");
        s.pte_kb = status_field(text, "\nVmPTE:");
    }
    if (DIR* d = opendir((path + "/fd").c_str())) {
        long n = 0;
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
        s.fds = n;
    }
    if (strands) {
        // The dump arrives on the pipe; the reader thread parses it (the
        // stacks line comes after the strands line).
        g_strands.store(-1);
        g_pooled.store(-1);
        kill(g_child, SIGQUIT);
        for (int i = 0; i < 50 && g_pooled.load() < 0; ++i)
            usleep(10000);
        s.strands = g_strands.load();
        s.pooled = g_pooled.load();
    }
    return s;
}

// ---- the clients ---------------------------------------------------------------------------

const char kGet[] = "GET / HTTP/1.1\r\nHost: soak\r\n\r\n";

int connect_server() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(g_port.load()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, always
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        g_counts.connect_err.fetch_add(1);
        return -1;
    }
    // A client that blocks on a server that stopped answering must still
    // notice the end of the load.
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

void close_with_reset(int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

bool send_all(int fd, const char* p, size_t n) {
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) return false;
        p += k;
        n -= static_cast<size_t>(k);
    }
    return true;
}

void pause_a_little() {
    if (!g_stop.load()) usleep(20000);
}

// connect, GET, read the whole reply (Content-Length), close.
void short_client() {
    while (!g_stop.load()) {
        int fd = connect_server();
        if (fd < 0) {
            pause_a_little();
            continue;
        }
        bool ok = send_all(fd, kGet, sizeof kGet - 1);
        std::string got;
        char buf[4096];
        while (ok) {
            size_t head = got.find("\r\n\r\n");
            if (head != std::string::npos) {
                size_t cl = got.find("Content-Length:");
                size_t len =
                    cl == std::string::npos ? 0 : std::strtoul(got.c_str() + cl + 15, nullptr, 10);
                if (got.size() >= head + 4 + len) break;
            }
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                ok = false;
            else
                got.append(buf, static_cast<size_t>(n));
        }
        (ok ? g_counts.short_ok : g_counts.short_err).fetch_add(1);
        close(fd);
    }
}

// connect, GET, RST; `interval` seconds apart at most (0: as fast as it can).
void reset_client(double interval) {
    double next = now_s();
    while (!g_stop.load()) {
        if (interval > 0) {
            next += interval;
            double ahead = next - now_s();
            if (ahead > 0) usleep(static_cast<useconds_t>(ahead * 1e6));
        }
        int fd = connect_server();
        if (fd < 0) {
            pause_a_little();
            continue;
        }
        send_all(fd, kGet, sizeof kGet - 1);
        close_with_reset(fd);
        g_counts.resets.fetch_add(1);
    }
}

// Sleeps up to `s` seconds, less if the load ends.
void sleep_while_running(double s) {
    double end = now_s() + s;
    while (!g_stop.load() && now_s() < end)
        usleep(50000);
}

// Rounds of n clients that pipeline GETs until their send buffers are full
// and never read; at the round's end they reset.
void nonreader_rounds(const Options& o) {
    std::string burst;
    for (int i = 0; i < 64; ++i)
        burst += kGet;
    while (!g_stop.load()) {
        std::vector<int> fds;
        for (int i = 0; i < o.nonreaders && !g_stop.load(); ++i) {
            int fd = connect_server();
            if (fd < 0) continue;
            int fl = fcntl(fd, F_GETFL);
            fcntl(fd, F_SETFL, fl | O_NONBLOCK);
            fds.push_back(fd);
            g_counts.nonreader_conns.fetch_add(1);
        }
        double end = now_s() + o.round;
        while (!g_stop.load() && now_s() < end) {
            // Keep the pipe full: the server answers until its writes park.
            for (int fd : fds)
                for (int k = 0; k < 16; ++k)
                    if (send(fd, burst.data(), burst.size(), MSG_NOSIGNAL) <= 0) break;
            sleep_while_running(0.25);
        }
        for (int fd : fds)
            close_with_reset(fd);
    }
}

// Rounds of n clients that send a request head one byte every `drip` seconds.
void slowloris_rounds(const Options& o) {
    const std::string head =
        "GET / HTTP/1.1\r\nHost: soak\r\nX-Slow: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    while (!g_stop.load()) {
        std::vector<int> fds;
        for (int i = 0; i < o.slowloris && !g_stop.load(); ++i) {
            int fd = connect_server();
            if (fd < 0) continue;
            fds.push_back(fd);
            g_counts.slowloris_conns.fetch_add(1);
        }
        double end = now_s() + o.round;
        for (size_t at = 0; !g_stop.load() && now_s() < end; ++at) {
            for (int& fd : fds) {
                if (fd < 0) continue;
                if (send(fd, &head[at % head.size()], 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
                    g_counts.slowloris_closed_by_server.fetch_add(1);
                    close(fd);
                    fd = -1;
                }
            }
            sleep_while_running(o.drip);
        }
        for (int fd : fds)
            if (fd >= 0) close(fd);
    }
}

// Keep-alive: loadgen's closed loop, in pieces of at most its own cap.
struct KeepAliveTotals {
    uint64_t requests = 0, errors = 0;
    int connected = 0;
} g_keepalive;

void keepalive_clients(const Options& o, double end) {
    while (!g_stop.load()) {
        double left = end - now_s();
        if (left < 0.5) break;
        loadgen::Options lo;
        lo.port = g_port.load();
        lo.mode = loadgen::Mode::Http;
        lo.connections = o.keepalive;
        lo.threads = 1;
        lo.warmup = 0;
        lo.seconds = std::min(left, loadgen::kMaxSeconds);
        if (!loadgen::validate(lo).empty()) break;
        loadgen::Result r = loadgen::run(lo);
        g_keepalive.requests += r.total_requests;
        g_keepalive.errors += r.errors;
        g_keepalive.connected = std::max(g_keepalive.connected, r.connected);
    }
}

// Starts the mix; join the threads after setting g_stop.
std::vector<std::thread> start_mix(const Options& o, double end) {
    std::vector<std::thread> clients;
    if (o.keepalive) clients.emplace_back(keepalive_clients, std::cref(o), end);
    for (int i = 0; i < o.short_clients; ++i)
        clients.emplace_back(short_client);
    double interval = o.reset_rate > 0 ? o.reset / o.reset_rate : 0;
    for (int i = 0; i < o.reset; ++i)
        clients.emplace_back(reset_client, interval);
    if (o.nonreaders) clients.emplace_back(nonreader_rounds, std::cref(o));
    if (o.slowloris) clients.emplace_back(slowloris_rounds, std::cref(o));
    return clients;
}

void stop_mix(std::vector<std::thread>& clients) {
    g_stop.store(true);
    for (std::thread& t : clients)
        t.join();
    clients.clear();
}

void print_sample(const char* phase, const Sample& s) {
    std::printf("t=%6.1fs %-8s rss=%8.1f MB fds=%5ld threads=%3ld strands=%6ld free-stacks=%6ld\n",
                s.t, phase, s.rss_kb / 1024.0, s.fds, s.threads, s.strands, s.pooled);
    std::fflush(stdout);
}

// ---- idle connections ------------------------------------------------------------------------

// The server's resident memory split in two: strand stack slabs (mappings of
// a whole number of 1060 KiB slots: a 1 MiB stack plus its value stack, the
// runtime's default layout) and everything else (heap, libraries).
void rss_split(long* stacks_kb, long* other_kb) {
    *stacks_kb = *other_kb = 0;
    FILE* f = std::fopen(("/proc/" + std::to_string(g_child) + "/smaps").c_str(), "r");
    if (!f) return;
    char line[512];
    long size = 0;
    while (std::fgets(line, sizeof line, f)) {
        long v;
        if (std::sscanf(line, "Size: %ld kB", &v) == 1)
            size = v;
        else if (std::sscanf(line, "Rss: %ld kB", &v) == 1)
            (size >= 1060 && size % 1060 == 0 ? *stacks_kb : *other_kb) += v;
    }
    std::fclose(f);
}

// --idle N: opens N keep-alive connections, each served one GET, and holds
// them idle; prints the server's RSS per connection (and how much of it is
// stack), then closes them and checks that everything comes back.
// Opens up to n connections, each served one GET; stops at the first that
// is not served.
std::vector<int> open_idle(int n) {
    std::vector<int> fds;
    std::string reply;
    for (int i = 0; i < n; ++i) {
        int fd = connect_server();
        if (fd < 0) break;
        fds.push_back(fd);
        bool ok = send_all(fd, kGet, sizeof kGet - 1);
        char buf[512];
        reply.clear();
        while (ok && reply.find("\r\n\r\n") == std::string::npos) {
            ssize_t k = recv(fd, buf, sizeof buf, 0);
            if (k <= 0)
                ok = false;
            else
                reply.append(buf, static_cast<size_t>(k));
        }
        if (!ok) {
            std::printf("seq_soak: connection %d was not served\n", i);
            break;
        }
    }
    return fds;
}

int idle_run(const Options& o, bool strands) {
    double t0 = now_s();
    // Warm-up: a smaller round first, so that what the runtime starts once
    // (its stack trimmer) is in the baseline; then its stacks go back.
    for (int fd : open_idle(std::min(o.idle, 500)))
        close(fd);
    usleep(4000000);
    Sample base = sample(strands);
    base.t = now_s() - t0;
    long base_stacks, base_other;
    rss_split(&base_stacks, &base_other);
    print_sample("baseline", base);
    std::vector<int> fds = open_idle(o.idle);
    int n = static_cast<int>(fds.size());
    usleep(2000000);  // let the server settle (replies written, strands parked)
    Sample held = sample(strands);
    held.t = now_s() - t0;
    long held_stacks, held_other;
    rss_split(&held_stacks, &held_other);
    print_sample("idle", held);
    for (int fd : fds)
        close(fd);
    bool ok = n == o.idle;
    if (n > 0) {
        std::printf(
            "seq_soak: %d idle keep-alive connections: RSS +%.1f MB, %.2f KiB per "
            "connection (strand stacks %.2f KiB, heap and the rest %.2f KiB); page tables "
            "+%.2f KiB per connection (kernel memory, not in RSS)\n",
            n, (held.rss_kb - base.rss_kb) / 1024.0,
            static_cast<double>(held.rss_kb - base.rss_kb) / n,
            static_cast<double>(held_stacks - base_stacks) / n,
            static_cast<double>(held_other - base_other) / n,
            static_cast<double>(held.pte_kb - base.pte_kb) / n);
    }
    Sample after;
    bool back = false;
    for (double until = now_s() + o.settle; now_s() < until && !back;) {
        usleep(1000000);
        after = sample(strands);
        after.t = now_s() - t0;
        print_sample("settle", after);
        back = after.fds <= base.fds && after.threads <= base.threads &&
               (!strands || after.strands <= base.strands);
    }
    if (!back) {
        std::printf("seq_soak: FAIL: not back to baseline after closing the idle connections\n");
        ok = false;
    }
    return ok ? 0 : 1;
}

// ---- the run --------------------------------------------------------------------------------

const char* usage() {
    return "usage: seq_soak [options] -- SERVER [ARGS...]\n"
           "       seq_soak [options] --pid PID --port P\n"
           "  --seconds S      load time (default 60, at most 3600)\n"
           "  --settle S       time allowed after the load to get back to baseline (20)\n"
           "  --warmup S       mix before the baseline is taken (3)\n"
           "  --port P         the server's port (default: from its \"listening on H:P\" line)\n"
           "  --pid PID        watch this running server (with --port, no command; it is\n"
           "                   not stopped, strands are not sampled)\n"
           "  --idle N         instead of the mix: hold N idle keep-alive connections and\n"
           "                   print the server's RSS per connection\n"
           "  --keepalive N    keep-alive HTTP clients (50)\n"
           "  --short N        connect/GET/close clients (10)\n"
           "  --reset N        connect/GET/RST clients (2)\n"
           "  --reset-rate R   RST connections per second in all, 0: unlimited (5000)\n"
           "  --nonreaders N   clients per round that never read (30)\n"
           "  --slowloris N    clients per round sending a byte every --drip s (200)\n"
           "  --round S        length of a non-reader / slow-loris round (10)\n"
           "  --drip S         slow-loris: seconds between bytes (2)\n"
           "  --rss-growth F   allowed RSS growth under load (0.10)\n"
           "  --strands on|off sample strands with SIGQUIT (default: on for servers that\n"
           "                   print \"listening on\", i.e. ours; off kills other servers)\n";
}

bool parse(int argc, char** argv, Options* o, std::string* err) {
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (i + 1 >= argc) {
            *err = "missing value for " + a;
            return false;
        }
        const char* v = argv[++i];
        if (a == "--seconds")
            o->seconds = std::atof(v);
        else if (a == "--settle")
            o->settle = std::atof(v);
        else if (a == "--warmup")
            o->warmup = std::atof(v);
        else if (a == "--port")
            o->port = std::atoi(v);
        else if (a == "--idle")
            o->idle = std::atoi(v);
        else if (a == "--pid")
            o->pid = std::atoi(v);
        else if (a == "--keepalive")
            o->keepalive = std::atoi(v);
        else if (a == "--short")
            o->short_clients = std::atoi(v);
        else if (a == "--reset")
            o->reset = std::atoi(v);
        else if (a == "--reset-rate")
            o->reset_rate = std::atof(v);
        else if (a == "--nonreaders")
            o->nonreaders = std::atoi(v);
        else if (a == "--slowloris")
            o->slowloris = std::atoi(v);
        else if (a == "--round")
            o->round = std::atof(v);
        else if (a == "--drip")
            o->drip = std::atof(v);
        else if (a == "--rss-growth")
            o->rss_growth = std::atof(v);
        else if (a == "--strands")
            o->strands = std::strcmp(v, "on") == 0 ? 1 : 0;
        else {
            *err = "unknown option " + a;
            return false;
        }
    }
    for (; i < argc; ++i)
        o->command.push_back(argv[i]);
    if (o->pid && (!o->port || !o->command.empty() || o->strands == 1))
        *err = "--pid needs --port, no command, and --strands off";
    else if (o->command.empty() && !o->pid)
        *err = "no server command";
    else if (!(o->seconds > 0) || o->seconds > kMaxSeconds)
        *err = "--seconds must be in (0, 3600]";
    else if (o->settle < 0 || o->settle > 600)
        *err = "--settle must be in 0..600";
    else if (!(o->warmup >= 0) || o->warmup > 60)
        *err = "--warmup must be in 0..60";
    else if (o->keepalive < 0 || o->short_clients < 0 || o->reset < 0 || o->nonreaders < 0 ||
             o->slowloris < 0)
        *err = "client counts must be >= 0";
    else if (o->keepalive + o->short_clients + o->reset + o->nonreaders + o->slowloris >
             kMaxClients)
        *err = "at most " + std::to_string(kMaxClients) + " clients in all";
    else if (o->idle < 0 || o->idle > 20000)
        *err = "--idle must be in 0..20000";
    else if (o->reset_rate < 0)
        *err = "--reset-rate must be >= 0";
    else if (!(o->round > 0) || !(o->drip > 0))
        *err = "--round and --drip must be > 0";
    return err->empty();
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    std::string err;
    if (!parse(argc, argv, &o, &err)) {
        std::fprintf(stderr, "seq_soak: %s\n%s", err.c_str(), usage());
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    rlimit nofile{};  // --idle holds thousands of connections
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    std::thread reader;
    if (o.pid) {
        g_child = o.pid;
        g_attached = true;
        if (!server_alive()) {
            std::fprintf(stderr, "seq_soak: no process %d\n", o.pid);
            return 2;
        }
    } else if (!start_server(o, &reader)) {
        std::fprintf(stderr, "seq_soak: cannot start %s\n", o.command[0].c_str());
        return 2;
    }
    auto give_up = [&](const char* why, int code) {
        std::printf("seq_soak: FAIL: %s\n", why);
        std::fflush(stdout);
        g_stop.store(true);
        stop_server();
        if (reader.joinable()) reader.join();
        return code;
    };
    // Wait for the port (or for the given one to accept).
    if (o.port) g_port.store(o.port);
    for (int i = 0; i < 200; ++i) {
        if (!server_alive()) return give_up("the server exited before listening", 2);
        if (g_port.load() && (g_saw_listening.load() || o.port)) {
            int fd = connect_server();
            if (fd >= 0) {
                close(fd);
                break;
            }
        }
        usleep(50000);
    }
    if (!g_port.load()) return give_up("no \"listening on HOST:PORT\" line and no --port", 2);
    bool strands = o.strands < 0 ? g_saw_listening.load() : o.strands == 1;
    std::printf(
        "seq_soak: server pid %d on 127.0.0.1:%d; %.0f s of load: %d keep-alive, %d short, "
        "%d reset, %d non-readers and %d slow-loris per %.0f s round\n",
        static_cast<int>(g_child), g_port.load(), o.seconds, o.keepalive, o.short_clients, o.reset,
        o.nonreaders, o.slowloris, o.round);

    if (o.idle) {
        int rc = idle_run(o, strands);
        stop_server();
        if (reader.joinable()) reader.join();
        std::printf("seq_soak: %s\n", rc ? "FAIL" : "PASS");
        return rc;
    }

    double t0 = now_s();
    // Warm-up: a few seconds of the mix, so that what the runtime starts
    // lazily (its stack trimmer, say) and keeps is part of the baseline;
    // then the baseline, once the descriptors are back down.
    std::vector<std::thread> clients = start_mix(o, now_s() + o.warmup);
    sleep_while_running(o.warmup);
    stop_mix(clients);
    g_stop.store(false);
    // The totals printed at the end count the load only.
    for (auto* c :
         {&g_counts.short_ok, &g_counts.short_err, &g_counts.resets, &g_counts.nonreader_conns,
          &g_counts.slowloris_conns, &g_counts.slowloris_closed_by_server, &g_counts.connect_err})
        c->store(0);
    g_keepalive = KeepAliveTotals{};
    Sample base, prev;
    for (double until = now_s() + o.settle; now_s() < until;) {
        usleep(static_cast<useconds_t>(o.baseline * 1e6));
        base = sample(strands);
        base.t = now_s() - t0;
        print_sample("baseline", base);
        if (base.fds == prev.fds && base.strands == prev.strands && base.threads == prev.threads)
            break;
        prev = base;
    }

    double load_start = now_s();
    double load_end = load_start + o.seconds;
    clients = start_mix(o, load_end);

    double ref_at = std::min(120.0, 0.4 * o.seconds);
    std::vector<Sample> series;
    bool died = false;
    long peak_rss = 0;
    for (int k = 1; now_s() < load_end; ++k) {
        double next = load_start + k;
        while (now_s() < next)
            usleep(static_cast<useconds_t>(std::max(0.0, next - now_s()) * 1e6));
        if (!server_alive()) {
            died = true;
            break;
        }
        Sample s = sample(strands);
        s.t = now_s() - t0;
        peak_rss = std::max(peak_rss, s.rss_kb);
        print_sample("load", s);
        series.push_back(s);
    }
    stop_mix(clients);
    if (died) return give_up("the server exited under load", 1);

    // RSS at the reference time and at the end: the floor (the smallest
    // sample) of a 10 s window around each. A leak or fragmentation raises
    // the floor and keeps it raised; a burst of live strands (the reset
    // clients pile up whenever the machine stalls the server for a moment,
    // thousands of one-page stacks at once) raises the peaks of a few
    // samples and is gone in the next ones: working set, not growth. (The
    // median of five samples read one such burst at the end of a 60 s CI
    // run as +80%.)
    size_t span = std::min<size_t>(10, std::max<size_t>(1, series.size() / 4));
    auto floor_rss = [&](size_t from) {
        long lo = -1;
        for (size_t i = from; i < series.size() && i < from + span; ++i)
            if (lo < 0 || series[i].rss_kb < lo) lo = series[i].rss_kb;
        return lo;
    };
    size_t ref_i = 0;
    while (ref_i + 1 < series.size() && series[ref_i].t - (load_start - t0) < ref_at)
        ++ref_i;
    Sample ref = series.empty() ? Sample{} : series[ref_i];
    Sample last = series.empty() ? Sample{} : series.back();
    ref.rss_kb = floor_rss(ref_i >= span / 2 ? ref_i - span / 2 : 0);
    last.rss_kb = floor_rss(series.size() > span ? series.size() - span : 0);
    long ref_rss_kb = ref.rss_kb;

    // Settle: the load is gone; everything should come back.
    // Descriptors, threads and strands must come back to the baseline, and
    // RSS to no more than the load's working set (RSS at the reference
    // time): what a burst took is given back, or it was never a working set.
    // At least kSettleMinS, so that a runtime that returns memory after a
    // delay (our stack pool: about 2 s) is seen doing it.
    double settle_start = now_s(), settle_end = settle_start + o.settle;
    Sample after;
    bool back = false, rss_back = false;
    long rss_allowed = std::max(ref_rss_kb, base.rss_kb);
    rss_allowed += std::max(static_cast<long>(rss_allowed * o.rss_growth), kRssSlackKb);
    while (now_s() < settle_end) {
        usleep(1000000);
        if (!server_alive()) return give_up("the server exited after the load", 1);
        after = sample(strands);
        after.t = now_s() - t0;
        print_sample("settle", after);
        back = after.fds <= base.fds && after.threads <= base.threads &&
               (!strands || (after.strands >= 0 && after.strands <= base.strands));
        rss_back = after.rss_kb <= rss_allowed;
        if (back && rss_back && now_s() - settle_start >= kSettleMinS) break;
    }
    double load_s = o.seconds;
    std::printf(
        "seq_soak: keep-alive %d connected, %llu requests (%.0f/s), %llu errors; short %llu "
        "ok, %llu failed; %llu resets; %llu non-reader and %llu slow-loris connections "
        "(%llu cut by the server); %llu connects refused\n",
        g_keepalive.connected, static_cast<unsigned long long>(g_keepalive.requests),
        g_keepalive.requests / load_s, static_cast<unsigned long long>(g_keepalive.errors),
        static_cast<unsigned long long>(g_counts.short_ok.load()),
        static_cast<unsigned long long>(g_counts.short_err.load()),
        static_cast<unsigned long long>(g_counts.resets.load()),
        static_cast<unsigned long long>(g_counts.nonreader_conns.load()),
        static_cast<unsigned long long>(g_counts.slowloris_conns.load()),
        static_cast<unsigned long long>(g_counts.slowloris_closed_by_server.load()),
        static_cast<unsigned long long>(g_counts.connect_err.load()));
    // Growth counts when it is both more than --rss-growth and more than
    // kRssSlackKb: a small server's RSS moves by a few hundred KB with the
    // bursts alone.
    long grown_kb = last.rss_kb - ref.rss_kb;
    double growth = ref.rss_kb > 0 ? static_cast<double>(grown_kb) / ref.rss_kb : 0;
    bool grew = growth > o.rss_growth && grown_kb > kRssSlackKb;
    std::printf(
        "seq_soak: RSS baseline %.1f MB, at %.0f s %.1f MB, end of load %.1f MB (%+.1f%%), "
        "peak %.1f MB, after %.1f MB\n",
        base.rss_kb / 1024.0, ref.t - (load_start - t0), ref.rss_kb / 1024.0, last.rss_kb / 1024.0,
        growth * 100, peak_rss / 1024.0, after.rss_kb / 1024.0);

    char why[512] = "";
    if (o.keepalive && g_keepalive.requests == 0)
        std::snprintf(why, sizeof why, "the keep-alive clients were not served");
    else if (grew)
        std::snprintf(why, sizeof why,
                      "RSS grew %.1f%% under load (%.1f MB at %.0f s -> %.1f MB at the end; "
                      "allowed %.0f%%)",
                      growth * 100, ref.rss_kb / 1024.0, ref.t - (load_start - t0),
                      last.rss_kb / 1024.0, o.rss_growth * 100);
    else if (!back)
        std::snprintf(why, sizeof why,
                      "not back to baseline %.0f s after the load: fds %ld (baseline %ld), threads "
                      "%ld (%ld), strands %ld (%ld)",
                      o.settle, after.fds, base.fds, after.threads, base.threads, after.strands,
                      base.strands);
    else if (!rss_back)
        std::snprintf(why, sizeof why,
                      "RSS not given back %.0f s after the load: %.1f MB (load working set %.1f "
                      "MB, baseline %.1f MB)",
                      o.settle, after.rss_kb / 1024.0, ref_rss_kb / 1024.0, base.rss_kb / 1024.0);
    if (why[0]) return give_up(why, 1);

    stop_server();
    if (reader.joinable()) reader.join();
    std::printf("seq_soak: PASS\n");
    return 0;
}
