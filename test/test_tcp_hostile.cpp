// Hostile clients beside a well-behaved one: a slow-loris that never finishes
// its request, a client that resets right after its request, one that asks
// for a large response and never reads it, and one that half-closes after
// its request. The good client must be served while all of them are at it,
// the half-closing one too (half-close is legal), and once they are gone no
// socket or strand is left (the fixture checks strands and uv handles).
// No timing assertions: every wait is bounded and checks an outcome.
#include <sys/socket.h>

#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "io/net/tcp.hpp"
#include "serve_support.hpp"

namespace seq {
namespace {

using namespace servetest;
using nettest::tcp_accept_abi;
using nettest::tcp_close_abi;
using test::spawn_fn;
using test::wait_until;

class TcpHostile : public test::SchedulerTest {};

// "GET <n>\n" -> n bytes of 'y', then close. Anything else, an error or the
// end before a full line: close.
void spawn_server(int64_t listener, int conns, std::atomic<int>* done) {
    spawn_fn([=] {
        for (int i = 0; i < conns; ++i) {
            IdFlag c = tcp_accept_abi(listener);
            if (!c.ok) return;
            spawn_fn([=, id = c.id] {
                std::string req;
                bool whole = false;
                for (;;) {
                    Read r = tcp_read_abi(id);
                    if (!r.ok || r.data.empty()) break;
                    req += r.data;
                    if (req.size() > 4096) break;  // a cap, as a real server has
                    if (req.find('\n') != std::string::npos) {
                        whole = true;
                        break;
                    }
                }
                if (whole && req.rfind("GET ", 0) == 0) {
                    size_t n = std::strtoull(req.c_str() + 4, nullptr, 10);
                    std::string chunk(64 * 1024, 'y');
                    for (size_t sent = 0; sent < n;) {
                        size_t k = std::min(chunk.size(), n - sent);
                        if (!tcp_write_abi(id, chunk.substr(0, k))) break;
                        sent += k;
                    }
                }
                tcp_close_abi(id);
                done->fetch_add(1);
            });
        }
    });
}

TEST_F(TcpHostile, GoodClientIsServedBesideHostileOnesAndNothingLeaks) {
    auto [listener, port] = listen_local();
    std::atomic<int> done{0};
    constexpr int kClients = 5;
    spawn_server(listener, kClients, &done);

    int loris = raw_connect(port);
    ASSERT_GE(loris, 0);
    ASSERT_TRUE(raw_send(loris, "GE"));  // and nothing more, ever

    int hog = raw_connect(port);  // asks for 32 MiB and never reads
    ASSERT_GE(hog, 0);
    ASSERT_TRUE(raw_send(hog, "GET 33554432\n"));

    int rst = raw_connect(port);  // a full request, then a reset
    ASSERT_GE(rst, 0);
    ASSERT_TRUE(raw_send(rst, "GET 1048576\n"));
    linger l{1, 0};
    setsockopt(rst, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(rst);

    int half = raw_connect(port);  // a request, then shutdown(SHUT_WR)
    ASSERT_GE(half, 0);
    ASSERT_TRUE(raw_send(half, "GET 1000\n"));
    shutdown(half, SHUT_WR);

    int good = raw_connect(port);
    ASSERT_GE(good, 0);
    ASSERT_TRUE(raw_send(good, "GET 200000\n"));
    std::string body = raw_recv(good, 200001, 20);
    EXPECT_EQ(body.size(), 200000u) << "the good client gets all of its response, then the end";
    EXPECT_EQ(body.find_first_not_of('y'), std::string::npos);
    close(good);

    std::string half_body = raw_recv(half, 1001, 20);
    EXPECT_EQ(half_body, std::string(1000, 'y')) << "a half-closed client is served";
    close(half);

    // Good, half and reset handlers end on their own; loris and hog are
    // still held: one parked reading, one parked writing.
    ASSERT_TRUE(wait_until([&] { return done.load() == 3; })) << done.load();
    EXPECT_EQ(tcp_stats().live, 3u) << "listener, loris, hog";
    close(loris);
    close(hog);
    ASSERT_TRUE(wait_until([&] { return done.load() == kClients; })) << done.load();
    EXPECT_TRUE(wait_until([] { return tcp_stats().live == 1; })) << "only the listener is left";
    EXPECT_TRUE(tcp_close_abi(listener));
}

TEST_F(TcpHostile, ManyResetsAfterRequestsLeaveNothingBehind) {
    auto [listener, port] = listen_local();
    std::atomic<int> done{0};
    constexpr int kClients = 200;
    spawn_server(listener, kClients, &done);
    for (int i = 0; i < kClients; ++i) {
        int fd = raw_connect(port);
        ASSERT_GE(fd, 0);
        raw_send(fd, i % 2 ? "GET 65536\n" : "GET 6");  // whole or cut requests
        linger lg{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
    }
    ASSERT_TRUE(wait_until([&] { return done.load() == kClients; })) << done.load();
    EXPECT_TRUE(wait_until([] { return tcp_stats().live == 1; }));
    // Still serving.
    std::atomic<int> done2{0};
    spawn_server(listener, 1, &done2);
    int good = raw_connect(port);
    ASSERT_TRUE(raw_send(good, "GET 10\n"));
    EXPECT_EQ(raw_recv(good, 11), std::string(10, 'y'));
    close(good);
    ASSERT_TRUE(wait_until([&] { return done2.load() == 1; }));
    EXPECT_TRUE(tcp_close_abi(listener));
}

}  // namespace
}  // namespace seq
