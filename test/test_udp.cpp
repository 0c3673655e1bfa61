// UDP words against real sockets on 127.0.0.1 and ::1 (ephemeral ports
// only). Every wait is bounded; no check depends on how long anything took.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/sched/strand.hpp"
#include "io/net/tcp.hpp"
#include "io/net/udp.hpp"
#include "net_support.hpp"

namespace seq {
namespace {

using namespace nettest;
using test::spawn_fn;

class Udp : public NetTest {};

// ---- bind / close / ids ------------------------------------------------------------------

TEST_F(Udp, BindGivesIdAndTheBoundPort) {
    Bound a = udp_bind_abi(0);
    ASSERT_TRUE(a.ok);
    EXPECT_GT(a.id, 0) << "ids are never 0";
    EXPECT_GT(a.port, 0) << "port 0 gives the kernel's choice";
    EXPECT_EQ(udp_socket_info(a.id).port, a.port);
    Bound b = udp_bind_abi(0);
    ASSERT_TRUE(b.ok);
    EXPECT_NE(a.id, b.id);
    EXPECT_NE(a.port, b.port);
    EXPECT_EQ(udp_stats().live, 2u);
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_FALSE(udp_close_abi(a.id)) << "a second close has nothing to close";
    EXPECT_TRUE(udp_close_abi(b.id));
    EXPECT_EQ(udp_stats().live, 0u);
}

TEST_F(Udp, BindRejectsBadPortsWithNeutralValues) {
    for (int64_t p : {int64_t{-1}, int64_t{65536}, int64_t{1} << 40}) {
        Bound b = udp_bind_abi(p);
        EXPECT_FALSE(b.ok) << p;
        EXPECT_EQ(b.id, 0);
        EXPECT_EQ(b.port, 0);
    }
    Bound s = udp_bind_v(make_string("53"));  // not an Int: consumed, false
    EXPECT_FALSE(s.ok);
    EXPECT_EQ(udp_stats().live, 0u);
}

TEST_F(Udp, BindingAPortInUseIsFalse) {
    Bound a = udp_bind_abi(0);
    ASSERT_TRUE(a.ok);
    EXPECT_FALSE(udp_bind_abi(a.port).ok) << "no SO_REUSEADDR, as upstream";
    EXPECT_TRUE(udp_close_abi(a.id));
    // Free again once closed (the close completes on the owner's loop).
    EXPECT_TRUE(eventually([&] {
        Bound b = udp_bind_abi(a.port);
        if (b.ok) udp_close_abi(b.id);
        return b.ok;
    }));
}

TEST_F(Udp, StaleIdsStayDead) {
    Bound a = udp_bind_abi(0);
    ASSERT_TRUE(a.ok);
    ASSERT_TRUE(udp_close_abi(a.id));
    // The slot is reused sooner or later; the old id never names the new socket.
    std::vector<int64_t> ids;
    for (int i = 0; i < 4; ++i) {
        Bound b = udp_bind_abi(0);
        ASSERT_TRUE(b.ok);
        EXPECT_NE(b.id, a.id);
        ids.push_back(b.id);
    }
    EXPECT_FALSE(udp_send_abi("x", "127.0.0.1", 9, a.id));
    EXPECT_FALSE(udp_receive_abi(a.id).ok);
    EXPECT_FALSE(udp_close_abi(a.id));
    for (int64_t id : ids)
        EXPECT_TRUE(udp_close_abi(id));
}

// ---- datagrams ----------------------------------------------------------------------------

TEST_F(Udp, LoopbackRoundTripReportsTheSender) {
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    ASSERT_TRUE(udp_send_abi("hello", "127.0.0.1", a.port, b.id));
    Datagram d = udp_receive_abi(a.id);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.bytes, "hello");
    EXPECT_EQ(d.host, "127.0.0.1");
    EXPECT_EQ(d.port, b.port) << "the sender's bound port";
    // And back, to the address the datagram came from.
    ASSERT_TRUE(udp_send_abi("world", d.host, d.port, a.id));
    Datagram e = udp_receive_abi(b.id);
    ASSERT_TRUE(e.ok);
    EXPECT_EQ(e.bytes, "world");
    EXPECT_EQ(e.port, a.port);
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, SendResolvesNames) {
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    ASSERT_TRUE(udp_send_abi("by name", "localhost", a.port, b.id));
    Datagram d = udp_receive_abi(a.id);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.bytes, "by name");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, PayloadsAreBytesUnchanged) {
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    std::string all;
    for (int i = 0; i < 256; ++i)
        all.push_back(static_cast<char>(i));
    all += std::string("\xff\xfe\x00\xc3", 4);  // not UTF-8, with a NUL
    ASSERT_TRUE(udp_send_abi(all, "127.0.0.1", a.port, b.id));
    Datagram d = udp_receive_abi(a.id);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.bytes, all);
    // An empty datagram is a datagram.
    ASSERT_TRUE(udp_send_abi("", "127.0.0.1", a.port, b.id));
    Datagram e = udp_receive_abi(a.id);
    EXPECT_TRUE(e.ok);
    EXPECT_EQ(e.bytes, "");
    EXPECT_EQ(e.port, b.port);
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, LargestDatagramArrivesWholeOversizedSendIsFalse) {
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    std::string big(65507, 'x');  // the IPv4 maximum: 65535 - 20 (IP) - 8 (UDP)
    big[0] = 'A';
    big.back() = 'Z';
    ASSERT_TRUE(udp_send_abi(big, "127.0.0.1", a.port, b.id));
    Datagram d = udp_receive_abi(a.id);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.bytes.size(), big.size());
    EXPECT_EQ(d.bytes, big);
    // No datagram can carry this: the send fails, nothing crashes, and the
    // socket goes on working.
    EXPECT_FALSE(udp_send_abi(std::string(70000, 'y'), "127.0.0.1", a.port, b.id));
    ASSERT_TRUE(udp_send_abi("after", "127.0.0.1", a.port, b.id));
    EXPECT_EQ(udp_receive_abi(a.id).bytes, "after");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, ReceiveParksOnlyItsStrand) {
    // One worker: if receive-from blocked the thread, the sender below
    // (a strand on the same worker) could never run.
    restart_with({{"SEQ_WORKERS", "1"}});
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    std::atomic<bool> got{false};
    std::string bytes;
    spawn_fn([&] {
        Datagram d = udp_receive_abi(a.id);
        bytes = d.bytes;
        got = d.ok;
    });
    ASSERT_TRUE(eventually([&] { return udp_socket_info(a.id).receivers == 1; }));
    std::atomic<bool> sent{false};
    spawn_fn([&] { sent = udp_send_abi("wake", "127.0.0.1", a.port, b.id); });
    ASSERT_TRUE(eventually([&] { return got.load(); }));
    EXPECT_TRUE(sent);
    EXPECT_EQ(bytes, "wake");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, EachDatagramGoesToOneWaitingReceiver) {
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    constexpr int kReceivers = 5;
    std::mutex mu;
    std::multiset<std::string> got;
    std::atomic<int> done{0};
    for (int i = 0; i < kReceivers; ++i) {
        spawn_fn([&] {
            Datagram d = udp_receive_abi(a.id);
            EXPECT_TRUE(d.ok);
            std::lock_guard<std::mutex> lock(mu);
            got.insert(d.bytes);
            ++done;
        });
    }
    ASSERT_TRUE(eventually([&] { return udp_socket_info(a.id).receivers == kReceivers; }));
    std::multiset<std::string> want;
    for (int i = 0; i < kReceivers; ++i) {
        char m[16];
        std::snprintf(m, sizeof m, "m%d", i);  // ("m" + to_string: a false GCC 12 -Wrestrict)
        want.insert(m);
        ASSERT_TRUE(udp_send_abi(m, "127.0.0.1", a.port, b.id));
    }
    ASSERT_TRUE(eventually([&] { return done.load() == kReceivers; }));
    EXPECT_EQ(got, want);
    EXPECT_EQ(udp_socket_info(a.id).receivers, 0u);
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, ManySendersOnOtherWorkersOneReceiver) {
    restart_with({{"SEQ_WORKERS", "4"}});
    Bound a = udp_bind_abi(0);
    ASSERT_TRUE(a.ok);
    unsigned owner = udp_socket_info(a.id).owner;
    constexpr int kSenders = 8, kEach = 10;
    std::atomic<int> received{0};
    std::atomic<bool> all_ok{true};
    spawn_fn([&] {
        for (int i = 0; i < kSenders * kEach; ++i) {
            Datagram d = udp_receive_abi(a.id);
            if (!d.ok || d.bytes.size() != 100) all_ok = false;
            ++received;
        }
    });
    // Strands spawned from this thread land on the workers round robin; each
    // sends from a socket of its own, through the shared receiver's owner.
    std::atomic<int> sent{0};
    for (int s = 0; s < kSenders; ++s) {
        spawn_fn([&] {
            Bound mine = udp_bind_abi(0);
            EXPECT_TRUE(mine.ok);
            for (int i = 0; i < kEach; ++i)
                if (udp_send_abi(std::string(100, 'd'), "127.0.0.1", a.port, mine.id)) ++sent;
            EXPECT_TRUE(udp_close_abi(mine.id));
        });
    }
    ASSERT_TRUE(eventually([&] { return received.load() == kSenders * kEach; }));
    EXPECT_EQ(sent.load(), kSenders * kEach);
    EXPECT_TRUE(all_ok);
    EXPECT_EQ(udp_socket_info(a.id).owner, owner) << "a socket never moves";
    EXPECT_TRUE(udp_close_abi(a.id));
}

// ---- close and bad input --------------------------------------------------------------------

TEST_F(Udp, CloseWakesAParkedReceiverWithTheFailureFlag) {
    Bound a = udp_bind_abi(0);
    ASSERT_TRUE(a.ok);
    std::atomic<bool> returned{false};
    Datagram d;
    spawn_fn([&] {
        d = udp_receive_abi(a.id);
        returned = true;
    });
    ASSERT_TRUE(eventually([&] { return udp_socket_info(a.id).receivers == 1; }));
    EXPECT_TRUE(udp_close_abi(a.id)) << "the socket was open";
    ASSERT_TRUE(eventually([&] { return returned.load(); }));
    EXPECT_FALSE(d.ok);
    EXPECT_EQ(d.bytes, "");
    EXPECT_EQ(d.host, "");
    EXPECT_EQ(d.port, 0);
    EXPECT_FALSE(udp_receive_abi(a.id).ok);
    EXPECT_FALSE(udp_send_abi("x", "127.0.0.1", 9, a.id));
    EXPECT_TRUE(eventually([] { return udp_stats().live == 0; }));
}

TEST_F(Udp, InvalidHandlesAreFalse) {
    for (int64_t id : {int64_t{0}, int64_t{-1}, int64_t{12345}, int64_t{1} << 50}) {
        EXPECT_FALSE(udp_send_abi("x", "127.0.0.1", 9, id)) << id;
        Datagram d = udp_receive_abi(id);
        EXPECT_FALSE(d.ok) << id;
        EXPECT_EQ(d.bytes, "");
        EXPECT_EQ(d.port, 0);
        EXPECT_FALSE(udp_close_abi(id)) << id;
    }
}

TEST_F(Udp, TcpAndUdpIdsAreNotInterchangeable) {
    IdFlag l = tcp_listen_on_abi("127.0.0.1", 0);
    ASSERT_TRUE(l.ok);
    Bound u = udp_bind_abi(0);
    ASSERT_TRUE(u.ok);
    EXPECT_NE(l.id, u.id) << "one id space";
    // A TCP id is no UDP socket...
    EXPECT_FALSE(udp_send_abi("x", "127.0.0.1", u.port, l.id));
    EXPECT_FALSE(udp_receive_abi(l.id).ok);
    EXPECT_FALSE(udp_close_abi(l.id));
    // ...and a UDP id no TCP socket.
    EXPECT_FALSE(tcp_local_port_abi(u.id).ok);
    EXPECT_FALSE(tcp_accept_abi(u.id).ok);
    EXPECT_FALSE(tcp_close_abi(u.id));
    TcpReadResult r = tcp_read(u.id, utf8::Bytes::Any);
    EXPECT_FALSE(r.ok);
    drop_value(r.str);
    EXPECT_FALSE(tcp_write(u.id, "x"));
    // Both still open.
    EXPECT_TRUE(udp_close_abi(u.id));
    EXPECT_TRUE(tcp_close_abi(l.id));
}

TEST_F(Udp, WrongKindsAndBadAddressesAreFalseAndConsumed) {
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    StackValue host = make_string("127.0.0.1");
    // (the helper checks that exactly one Bool is left: all four consumed)
    EXPECT_FALSE(
        udp_send_v(make_int(1), make_string("127.0.0.1"), make_int(a.port), make_int(b.id)))
        << "bytes not a String";
    EXPECT_FALSE(udp_send_v(make_string("x"), make_int(7), make_int(a.port), make_int(b.id)))
        << "host not a String";
    EXPECT_FALSE(
        udp_send_v(make_string("x"), make_string("127.0.0.1"), make_string("1"), make_int(b.id)))
        << "port not an Int";
    EXPECT_FALSE(udp_send_v(make_string("x"), make_string("127.0.0.1"), make_int(a.port), host))
        << "socket not an Int";
    EXPECT_FALSE(udp_receive_v(make_string("1")).ok);
    EXPECT_FALSE(one_flag_word(patch_seq_udp_close, make_bool(true)));
    EXPECT_FALSE(udp_send_abi("x", "127.0.0.1", -1, b.id));
    EXPECT_FALSE(udp_send_abi("x", "127.0.0.1", 65536, b.id));
    EXPECT_FALSE(udp_send_abi("x", "", a.port, b.id)) << "empty host";
    EXPECT_FALSE(udp_send_abi("x", unresolvable_name(), a.port, b.id));
    EXPECT_FALSE(udp_send_abi("x", std::string("127.0.0.1\0x", 11), a.port, b.id));
    // Nothing above reached `a`; a real datagram still does.
    ASSERT_TRUE(udp_send_abi("ok", "127.0.0.1", a.port, b.id));
    EXPECT_EQ(udp_receive_abi(a.id).bytes, "ok");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, SocketLimitIsPerProtocol) {
    restart_with({{"SEQ_MAX_SOCKETS", "3"}});
    std::vector<int64_t> ids;
    for (int i = 0; i < 3; ++i) {
        Bound b = udp_bind_abi(0);
        ASSERT_TRUE(b.ok) << i;
        ids.push_back(b.id);
    }
    Bound full = udp_bind_abi(0);
    EXPECT_FALSE(full.ok);
    EXPECT_EQ(full.id, 0);
    EXPECT_EQ(udp_stats().table_full, 1u);
    // TCP has its own three.
    std::vector<int64_t> tcp;
    for (int i = 0; i < 3; ++i) {
        IdFlag l = tcp_listen_on_abi("127.0.0.1", 0);
        ASSERT_TRUE(l.ok) << i;
        tcp.push_back(l.id);
    }
    EXPECT_FALSE(tcp_listen_on_abi("127.0.0.1", 0).ok);
    // Closing one makes room again.
    EXPECT_TRUE(udp_close_abi(ids[0]));
    Bound again = udp_bind_abi(0);
    EXPECT_TRUE(again.ok);
    ids[0] = again.id;
    for (int64_t id : ids)
        EXPECT_TRUE(udp_close_abi(id));
    for (int64_t id : tcp)
        EXPECT_TRUE(tcp_close_abi(id));
}

bool ipv6_loopback_available() {
    int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

TEST_F(Udp, Ipv6LoopbackWhereAvailable) {
    if (!ipv6_loopback_available()) GTEST_SKIP() << "no ::1 here";
    restart_with({{"SEQ_BIND_ADDR", "::1"}});
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    ASSERT_TRUE(udp_send_abi("six", "::1", a.port, b.id));
    Datagram d = udp_receive_abi(a.id);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.bytes, "six");
    EXPECT_EQ(d.host, "::1");
    EXPECT_EQ(d.port, b.port);
    ASSERT_TRUE(udp_send_abi("bracketed", "[::1]", a.port, b.id));
    EXPECT_EQ(udp_receive_abi(a.id).bytes, "bracketed");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, ADualStackSocketReachesIpv4AndReportsItPlainly) {
    if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 here";
    restart_with({{"SEQ_BIND_ADDR", "::"}});
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    ASSERT_TRUE(udp_send_abi("v4", "127.0.0.1", a.port, b.id));
    Datagram d = udp_receive_abi(a.id);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.bytes, "v4");
    EXPECT_EQ(d.host, "127.0.0.1") << "not ::ffff:127.0.0.1";
    // The reported address answers.
    ASSERT_TRUE(udp_send_abi("re", d.host, d.port, a.id));
    EXPECT_EQ(udp_receive_abi(b.id).bytes, "re");
    ASSERT_TRUE(udp_send_abi("v6", "::1", a.port, b.id));
    Datagram e = udp_receive_abi(a.id);
    EXPECT_EQ(e.bytes, "v6");
    EXPECT_EQ(e.host, "::1");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, AnIpv4SocketSkipsIpv6Addresses) {
    // 127.0.0.1 bound (SEQ_BIND_ADDR): sending to "::1" cannot work, and
    // fails instead of crashing; IPv4 goes on working.
    restart_with({{"SEQ_BIND_ADDR", "127.0.0.1"}});
    Bound a = udp_bind_abi(0), b = udp_bind_abi(0);
    ASSERT_TRUE(a.ok && b.ok);
    EXPECT_FALSE(udp_send_abi("x", "::1", a.port, b.id));
    ASSERT_TRUE(udp_send_abi("y", "127.0.0.1", a.port, b.id));
    EXPECT_EQ(udp_receive_abi(a.id).bytes, "y");
    EXPECT_TRUE(udp_close_abi(a.id));
    EXPECT_TRUE(udp_close_abi(b.id));
}

TEST_F(Udp, WorksFromAStrandAndAcrossRestarts) {
    for (int round = 0; round < 2; ++round) {
        Bound a = udp_bind_abi(0);
        ASSERT_TRUE(a.ok);
        std::atomic<bool> ok{false};
        spawn_fn([&] {
            Bound b = udp_bind_abi(0);
            ok = b.ok && udp_send_abi("r", "127.0.0.1", a.port, b.id) &&
                 udp_receive_abi(a.id).bytes == "r" && udp_close_abi(b.id);
        });
        ASSERT_TRUE(eventually([&] { return counters().active.load() == 0; }));
        EXPECT_TRUE(ok) << round;
        // Left open on purpose: the restart must drop it cleanly.
        restart_with({});
        EXPECT_EQ(udp_stats().live, 0u);
    }
}

}  // namespace
}  // namespace seq
