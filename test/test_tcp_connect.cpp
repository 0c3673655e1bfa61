// tcp.connect as Seq 7.x has it (names through the DNS module, each attempt
// bounded by SEQ_TCP_CONNECT_TIMEOUT_MS), tcp.local-port, socket casts, and
// tcp.close on listeners. Loopback only, ephemeral ports; the timeout is
// provoked with a local listener whose backlog is full (its kernel drops
// further SYNs), never with an outside address.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/net/connect.hpp"
#include "io/net/dns.hpp"
#include "io/net/tcp.hpp"
#include "net_support.hpp"

namespace seq {
namespace {

using namespace nettest;
using test::spawn_fn;

class TcpConnect : public NetTest {
  protected:
    // A listener on 127.0.0.1 and its port.
    std::pair<int64_t, int64_t> listen_local() {
        IdFlag l = tcp_listen_on_abi("127.0.0.1", 0);
        EXPECT_TRUE(l.ok);
        IdFlag p = tcp_local_port_abi(l.id);
        EXPECT_TRUE(p.ok);
        return {l.id, p.id};
    }
};

// A plain listening socket with backlog 0 whose queue is filled by raw
// clients the test keeps open: the kernel then drops new SYNs, so a connect
// to it neither succeeds nor is refused. Returns the port, or 0 when the
// queue could not be seen to fill.
struct FullBacklog {
    int listen_fd = -1;
    std::vector<int> clients;
    int port = 0;

    FullBacklog() {
        listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listen_fd, 0) != 0 ||
            getsockname(listen_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return;
        // Connect until one client stays unconnected: the queue is full.
        for (int i = 0; i < 64; ++i) {
            int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            clients.push_back(fd);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) continue;
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 500) == 0) {
                port = ntohs(a.sin_port);
                return;
            }
        }
    }
    ~FullBacklog() {
        for (int fd : clients)
            ::close(fd);
        if (listen_fd >= 0) ::close(listen_fd);
    }
};

TEST_F(TcpConnect, ConnectsByLiteralAndByName) {
    auto [listener, port] = listen_local();
    std::atomic<int> accepted{0};
    spawn_fn([&, listener = listener] {
        for (int i = 0; i < 2; ++i) {
            IdFlag c = tcp_accept_abi(listener);
            if (c.ok) {
                ++accepted;
                tcp_close_abi(c.id);
            }
        }
    });
    for (const char* host : {"127.0.0.1", "localhost"}) {
        IdFlag c = tcp_connect_abi(host, port);
        ASSERT_TRUE(c.ok) << host;
        EXPECT_GT(c.id, 0);
        IdFlag local = tcp_local_port_abi(c.id);
        EXPECT_TRUE(local.ok);
        EXPECT_GT(local.id, 0);
        EXPECT_NE(local.id, port) << "a stream's own (ephemeral) port";
        EXPECT_TRUE(tcp_close_abi(c.id));
    }
    ASSERT_TRUE(eventually([&] { return accepted.load() == 2; }));
    EXPECT_TRUE(tcp_close_abi(listener));
}

TEST_F(TcpConnect, NamesGoThroughTheDnsCache) {
    auto [listener, port] = listen_local();
    dns_clear_cache();
    spawn_fn([&, listener = listener] {
        for (int i = 0; i < 2; ++i) {
            IdFlag c = tcp_accept_abi(listener);
            if (c.ok) tcp_close_abi(c.id);
        }
    });
    DnsStats s0 = dns_stats();
    IdFlag a = tcp_connect_abi("localhost", port);
    IdFlag b = tcp_connect_abi("localhost", port);
    ASSERT_TRUE(a.ok && b.ok);
    DnsStats s1 = dns_stats();
    EXPECT_EQ(s1.lookups, s0.lookups + 1);
    EXPECT_EQ(s1.cache_hits, s0.cache_hits + 1);
    EXPECT_TRUE(tcp_close_abi(a.id));
    EXPECT_TRUE(tcp_close_abi(b.id));
    ASSERT_TRUE(eventually([] { return counters().active.load() == 0; }));
    EXPECT_TRUE(tcp_close_abi(listener));
}

TEST_F(TcpConnect, RefusedAndUnresolvableAreFalse) {
    auto [listener, port] = listen_local();
    ASSERT_TRUE(tcp_close_abi(listener));
    // Nothing listens there any more (close completes on the owner's loop).
    EXPECT_TRUE(eventually([&, port = port] { return !tcp_connect_abi("127.0.0.1", port).ok; }));
    IdFlag r = tcp_connect_abi("127.0.0.1", port);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.id, 0);
    EXPECT_FALSE(tcp_connect_abi(unresolvable_name(), 80).ok);
    EXPECT_FALSE(tcp_connect_abi("", 80).ok);
    EXPECT_FALSE(tcp_connect_abi(std::string("127.0.0.1\0", 10), port).ok);
    EXPECT_EQ(tcp_stats().live, 0u) << "failed attempts leave nothing behind";
}

TEST_F(TcpConnect, BadArgumentsAreFalseAndConsumed) {
    // (the helper checks the effect: exactly ( -- 0 false ) is left)
    for (int64_t p : {int64_t{0}, int64_t{-1}, int64_t{65536}}) {
        IdFlag c = tcp_connect_abi("127.0.0.1", p);
        EXPECT_FALSE(c.ok) << p;
        EXPECT_EQ(c.id, 0);
    }
    EXPECT_FALSE(tcp_connect_v(make_string("127.0.0.1"), make_string("80")).ok);
    EXPECT_FALSE(tcp_connect_v(make_int(1), make_int(80)).ok);
}

TEST_F(TcpConnect, AnAttemptThatHangsTimesOut) {
    restart_with({{"SEQ_TCP_CONNECT_TIMEOUT_MS", "200"}});
    FullBacklog silent;
    if (silent.port == 0) GTEST_SKIP() << "could not fill a listen backlog here";
    uint64_t before = connect_timeouts();
    IdFlag c = tcp_connect_abi("127.0.0.1", silent.port);
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.id, 0);
    EXPECT_EQ(connect_timeouts(), before + 1) << "it was the timeout that ended it";
    EXPECT_EQ(tcp_stats().live, 0u);
    // The runtime goes on: a reachable listener still connects.
    auto [listener, port] = listen_local();
    spawn_fn([&, listener = listener] {
        IdFlag a = tcp_accept_abi(listener);
        if (a.ok) tcp_close_abi(a.id);
    });
    IdFlag ok = tcp_connect_abi("127.0.0.1", port);
    EXPECT_TRUE(ok.ok);
    EXPECT_TRUE(tcp_close_abi(ok.id));
    ASSERT_TRUE(eventually([] { return counters().active.load() == 0; }));
    EXPECT_TRUE(tcp_close_abi(listener));
}

TEST_F(TcpConnect, ManyConcurrentTimeoutsFromStrands) {
    restart_with({{"SEQ_TCP_CONNECT_TIMEOUT_MS", "100"}});
    FullBacklog silent;
    if (silent.port == 0) GTEST_SKIP() << "could not fill a listen backlog here";
    uint64_t before = connect_timeouts();
    constexpr int kStrands = 20;
    std::atomic<int> failed{0};
    for (int i = 0; i < kStrands; ++i)
        spawn_fn([&] {
            if (!tcp_connect_abi("127.0.0.1", silent.port).ok) ++failed;
        });
    ASSERT_TRUE(eventually([&] { return failed.load() == kStrands; }));
    EXPECT_EQ(connect_timeouts(), before + kStrands);
    EXPECT_TRUE(eventually([] { return tcp_stats().live == 0; }));
}

TEST_F(TcpConnect, CloseClosesListenersToo) {
    auto [listener, port] = listen_local();
    std::atomic<bool> returned{false};
    IdFlag got;
    spawn_fn([&, listener = listener] {
        got = tcp_accept_abi(listener);
        returned = true;
    });
    ASSERT_TRUE(
        eventually([&, listener = listener] { return tcp_socket_info(listener).acceptors == 1; }));
    EXPECT_TRUE(tcp_close_abi(listener));
    ASSERT_TRUE(eventually([&] { return returned.load(); }));
    EXPECT_FALSE(got.ok) << "a parked acceptor gets the failure flag";
    EXPECT_FALSE(tcp_close_abi(listener)) << "already closed";
    EXPECT_FALSE(tcp_local_port_abi(listener).ok);
}

TEST_F(TcpConnect, LocalPortOfBadIdsIsFalse) {
    for (int64_t id : {int64_t{0}, int64_t{-5}, int64_t{999999}}) {
        IdFlag p = tcp_local_port_abi(id);
        EXPECT_FALSE(p.ok);
        EXPECT_EQ(p.id, 0);
    }
    StackValue buf[4];
    Stack sp = push(buf, make_string("1"));
    IdFlag s = id_flag_word(patch_seq_tcp_local_port, buf, sp);
    EXPECT_FALSE(s.ok);
}

TEST_F(TcpConnect, SocketCastChangesNothing) {
    StackValue buf[4];
    Stack sp = push(buf, make_int(42));
    sp = patch_seq_socket_cast(sp);
    ASSERT_EQ(sp - buf, 1);
    EXPECT_EQ(buf[0], make_int(42));
    // Whatever the value, it stays (upstream aborts on a non-Int).
    StackValue s = make_string("not a socket");
    sp = push(buf, s);
    sp = patch_seq_socket_cast(sp);
    ASSERT_EQ(sp - buf, 1);
    EXPECT_EQ(buf[0], s);
    EXPECT_EQ(test::refcount(s), 1u);
    drop_value(s);
}

TEST(TcpConnectConfig, TimeoutParse) {
    EXPECT_EQ(parse_tcp_connect_timeout_ms(nullptr), 10000u);
    EXPECT_EQ(parse_tcp_connect_timeout_ms("0"), 10000u) << "0 means the default, as upstream";
    EXPECT_EQ(parse_tcp_connect_timeout_ms("250"), 250u);
    EXPECT_EQ(parse_tcp_connect_timeout_ms("ten"), 10000u);
    EXPECT_EQ(parse_tcp_connect_timeout_ms("-1"), 10000u);
}

}  // namespace
}  // namespace seq
