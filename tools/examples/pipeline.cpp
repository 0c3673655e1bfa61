// pipeline: a TCP service in C++ on the Seq runtime's header-only layer
// (seq/runtime.hpp, over seq/host.h). Clients send one number per line; the
// server answers each line with "n primes-below-n", in order, while the
// counting runs on a pool of worker strands:
//
//   connection reader ──jobs──▶ [ worker strands ] ──results──▶ connection writer
//     (a strand per          channel<job>, shared    channel<result>, one per
//      connection)           by every connection     connection; the writer
//                                                    restores the line order
//
// Each stage is a strand; channels carry movable C++ values (std::string,
// std::shared_ptr) between them; sockets, channels and the runtime are RAII.
// Errors: socket calls throw std::system_error (seq::error_category()); the
// connection stages use the std::error_code overloads, since a client going
// away is routine, not exceptional.
//
//   pipeline [--host 127.0.0.1] [--port 0] [--workers 4]   serve until killed
//   pipeline --self-test [--clients 8]    serve on 127.0.0.1:0, drive it with
//       client strands and a client on the main thread, check every answer
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "seq/runtime.hpp"

namespace {

// ---- the work -------------------------------------------------------------------------

constexpr long kMaxN = 2'000'000;

// Primes below n (a sieve: enough work per line to be worth a pool).
long primes_below(long n) {
    if (n < 3) return 0;
    std::vector<bool> composite(static_cast<size_t>(n), false);
    long count = 0;
    for (long i = 2; i < n; ++i) {
        if (composite[i]) continue;
        ++count;
        for (long j = i * i; j < n; j += i)
            composite[j] = true;
    }
    return count;
}

std::string answer(const std::string& line) {
    char* end = nullptr;
    long n = std::strtol(line.c_str(), &end, 10);
    if (line.empty() || *end != '\0') return "ERROR not a number: " + line;
    if (n < 0 || n > kMaxN) return "ERROR out of range 0.." + std::to_string(kMaxN);
    return std::to_string(n) + " " + std::to_string(primes_below(n));
}

// ---- the pipeline's messages ----------------------------------------------------------------

struct result {
    uint64_t seq;       // line number within the connection
    std::string text;   // the answer line
    bool last = false;  // from the reader: `seq` lines were read in all
};

struct job {
    uint64_t seq;
    std::string line;
    std::shared_ptr<seq::channel<result>> reply;  // the connection's writer
};

// ---- stages ------------------------------------------------------------------------------------

void worker(seq::channel<job>& jobs) {
    while (std::optional<job> j = jobs.recv())
        j->reply->send(result{j->seq, answer(j->line)});
}

// Writes results in line order until the reader's count has been written.
void connection_writer(seq::tcp_socket& sock, seq::channel<result>& results) {
    std::map<uint64_t, std::string> early;  // answers that overtook earlier ones
    uint64_t next = 0;
    std::optional<uint64_t> total;
    std::error_code ec;
    while (!total || next < *total) {
        std::optional<result> r = results.recv();
        if (!r) break;
        if (r->last) {
            total = r->seq;
            continue;
        }
        early.emplace(r->seq, std::move(r->text));
        for (auto it = early.find(next); it != early.end(); it = early.find(++next)) {
            if (!ec) sock.write(it->second + "\n", ec);  // a gone client: keep draining
            early.erase(it);
        }
    }
}

void connection_reader(seq::tcp_socket sock, seq::channel<job>& jobs) {
    auto results = std::make_shared<seq::channel<result>>();
    // The writer runs beside the reader, on the same socket (a read and a
    // write may wait on one socket at once).
    seq::channel<bool> writer_done(1);
    seq::go([&] {
        connection_writer(sock, *results);
        writer_done.send(true);
    });
    std::string pending;
    uint64_t lines = 0;
    char buf[4096];
    std::error_code ec;
    for (;;) {
        size_t n = sock.read(buf, sizeof buf, ec);
        if (ec || n == 0) break;
        pending.append(buf, n);
        size_t start = 0, nl;
        while ((nl = pending.find('\n', start)) != std::string::npos) {
            std::string line = pending.substr(start, nl - start);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            jobs.send(job{lines++, std::move(line), results});
            start = nl + 1;
        }
        pending.erase(0, start);
    }
    results->send(result{lines, {}, true});
    writer_done.recv();  // `sock` and `writer_done` live in this frame
}

void accept_loop(seq::tcp_listener& listener, seq::channel<job>& jobs) {
    for (;;) {
        std::error_code ec;
        seq::tcp_socket s = listener.accept(ec);
        if (ec == seq::make_error_code(SEQ_EBADHANDLE)) return;  // closed: stop
        if (ec) {
            std::fprintf(stderr, "pipeline: accept: %s\n", ec.message().c_str());
            continue;
        }
        seq::go(connection_reader, std::move(s), std::ref(jobs));
    }
}

// ---- the self-test's client ---------------------------------------------------------------

// Sends `count` lines at once (pipelined), then reads the answers and
// checks them against a local computation. Socket errors arrive as
// exceptions; none may escape a strand, so they end here as a failed check.
bool run_client(int port, int index, int count) try {
    seq::tcp_socket s = seq::tcp_socket::connect("127.0.0.1", port);
    std::string request, expected;
    for (int i = 0; i < count; ++i) {
        // Every 17th line is not a number (an error answer); building it
        // with append, not "x" + to_string, sidesteps GCC 12's false
        // -Wrestrict on operator+(const char*, string&&).
        std::string line = std::to_string((index * 7919 + i * 104729) % 50000);
        if (i % 17 == 5) line.insert(0, 1, 'x');
        request += line + "\n";
        expected += answer(line) + "\n";
    }
    s.write(request);
    std::string got;
    char buf[4096];
    while (got.size() < expected.size()) {
        size_t n = s.read(buf, sizeof buf);
        if (n == 0) break;
        got.append(buf, n);
    }
    if (got != expected) std::fprintf(stderr, "pipeline: client %d: wrong answers\n", index);
    return got == expected;
} catch (const std::system_error& e) {
    std::fprintf(stderr, "pipeline: client %d: %s\n", index, e.what());
    return false;
}

int self_test(int clients, seq::tcp_listener& listener) {
    int port = listener.port();
    seq::channel<bool> verdicts;
    for (int c = 0; c < clients; ++c)
        seq::go([&, c] { verdicts.send(run_client(port, c, 100)); });
    // The main thread is a host thread; sockets work there too.
    int passed = run_client(port, clients, 50);
    for (int c = 0; c < clients; ++c)
        passed += verdicts.recv().value_or(false);
    seq_stats_t st = seq::runtime::stats();
    std::printf("pipeline: %d of %d clients correct; %llu strands, peak %llu, %llu workers\n",
                passed, clients + 1, static_cast<unsigned long long>(st.spawned),
                static_cast<unsigned long long>(st.peak),
                static_cast<unsigned long long>(st.workers));
    return passed == clients + 1 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    int port = 0, pool = 4, clients = 8;
    bool test = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--self-test") {
            test = true;
        } else if (i + 1 < argc && a == "--host") {
            host = argv[++i];
        } else if (i + 1 < argc && a == "--port") {
            port = std::atoi(argv[++i]);
        } else if (i + 1 < argc && a == "--workers") {
            pool = std::atoi(argv[++i]);
        } else if (i + 1 < argc && a == "--clients") {
            clients = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--host H] [--port P] [--workers N] | --self-test\n",
                         argv[0]);
            return 2;
        }
    }
    try {
        // Declared before the runtime, so they outlive every strand: the
        // runtime's destructor waits for all of them.
        seq::channel<job> jobs(64);  // bounded: readers wait when workers lag
        seq::tcp_listener listener;
        int status = 0;
        {
            seq::runtime rt;  // SEQ_WORKERS... from the environment
            listener = seq::tcp_listener(host, port);
            for (int w = 0; w < (pool < 1 ? 1 : pool); ++w)
                seq::go(worker, std::ref(jobs));
            seq::go(accept_loop, std::ref(listener), std::ref(jobs));
            if (test) {
                status = self_test(clients < 1 ? 1 : clients, listener);
            } else {
                std::printf("pipeline: listening on %s:%d\n", host.c_str(), listener.port());
                std::fflush(stdout);
                rt.wait_all();  // serves until killed
            }
            listener.close();  // the accept loop ends
            jobs.close();      // workers end once the queue is drained
        }                      // waits for every strand, then stops
        return status;
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "pipeline: %s\n", e.what());
        return 1;
    }
}
