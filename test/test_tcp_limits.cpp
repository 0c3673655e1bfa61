// Limits for serving: the descriptor limit raised at init, SEQ_MAX_SOCKETS
// derived from it, one rate-limited warning when sockets or descriptors run
// out, and SEQ_TCP_READ_TIMEOUT_MS. Real sockets on 127.0.0.1, port 0.
#include <sys/resource.h>
#include <uv.h>

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/sys/fd_limit.hpp"
#include "io/net/socket_table.hpp"
#include "io/net/tcp.hpp"
#include "serve_support.hpp"

namespace seq {
namespace {

using namespace servetest;
using nettest::tcp_accept_abi;
using nettest::tcp_close_abi;
using test::spawn_fn;
using test::wait_until;

class TcpLimits : public test::SchedulerTest {};

// ---- the descriptor limit -------------------------------------------------------------

// Child side: started with a soft limit of 256 below a hard one of 512.
TEST(TcpLimitsChild, SoftLimitRaised) {
    if (!test::in_child()) GTEST_SKIP() << "runs only as the child of a TcpLimitsProcess test";
    patch_seq_scheduler_init();
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    test::child_say("SOFT " + std::to_string(lim.rlim_cur));
    test::child_say("HARD " + std::to_string(lim.rlim_max));
    test::child_say("CAPACITY " + std::to_string(tcp_stats().capacity));
    patch_seq_scheduler_shutdown();
}

TEST(TcpLimitsProcess, InitRaisesTheSoftFdLimitToTheHardOne) {
    test::ChildOptions o;
    o.nofile_soft = 256;
    o.nofile_hard = 512;
    o.env = {"SEQ_WORKERS=2"};
    test::Child child("TcpLimitsChild.SoftLimitRaised", o);
    ASSERT_TRUE(child.started());
    int st = child.wait();
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << child.output();
    EXPECT_EQ(child.field("HARD"), "512") << child.output();
    EXPECT_EQ(child.field("SOFT"), "512") << "the soft limit rises to the hard one\n"
                                          << child.output();
    // SEQ_MAX_SOCKETS unset: what the raised limit allows, less the reserve.
    EXPECT_EQ(child.field("CAPACITY"), std::to_string(512 - kFdReserve)) << child.output();
}

TEST_F(TcpLimits, MaxSocketsDefaultsFromTheFdLimit) {
    size_t want = std::min(fd_soft_limit() - kFdReserve, net::kMaxSlots);
    EXPECT_EQ(default_max_sockets(), want);
    EXPECT_EQ(tcp_stats().capacity, want) << "SEQ_MAX_SOCKETS unset";
    // An explicit value still wins, and one above the fd limit warns.
    testing::internal::CaptureStderr();
    restart_with({{"SEQ_MAX_SOCKETS", std::to_string(fd_soft_limit() + 10)}});
    EXPECT_EQ(tcp_stats().capacity, fd_soft_limit() + 10);
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("above the descriptor limit"), std::string::npos) << err;
    restart_with({{"SEQ_MAX_SOCKETS", "7"}});
    EXPECT_EQ(tcp_stats().capacity, 7u);
}

// ---- exhaustion: one warning, not one per refusal -----------------------------------

TEST_F(TcpLimits, FullSocketTableWarnsOnceForManyRefusals) {
    restart_with({{"SEQ_MAX_SOCKETS", "2"}});
    auto [listener, port] = listen_local();  // 1 of 2
    std::vector<int> fds;
    fds.push_back(raw_connect(port));
    IdFlag first = tcp_accept_abi(listener);  // 2 of 2
    ASSERT_TRUE(first.ok);
    testing::internal::CaptureStderr();
    constexpr int kRefused = 5;
    for (int i = 0; i < kRefused; ++i) {
        fds.push_back(raw_connect(port));
        EXPECT_FALSE(tcp_accept_abi(listener).ok);
    }
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(count_of(err, "socket table full"), 1u) << err;
    EXPECT_NE(err.find("SEQ_MAX_SOCKETS=2"), std::string::npos) << err;
    EXPECT_EQ(count_of(err, "\n"), 1u) << "one line\n" << err;
    EXPECT_GE(tcp_stats().table_full, static_cast<uint64_t>(kRefused));
    // The listener survives: a freed slot serves the next connection.
    EXPECT_TRUE(tcp_close_abi(first.id));
    fds.push_back(raw_connect(port));
    IdFlag again = tcp_accept_abi(listener);
    EXPECT_TRUE(again.ok);
    if (again.ok) {
        EXPECT_TRUE(tcp_close_abi(again.id));
    }
    EXPECT_TRUE(tcp_close_abi(listener));
    for (int fd : fds)
        close(fd);
}

TEST_F(TcpLimits, DescriptorExhaustionWarnsOncePausesAndKeepsTheListener) {
    auto [listener, port] = listen_local();
    int client = raw_connect(port);  // waits in the backlog
    ASSERT_GE(client, 0);
    testing::internal::CaptureStderr();  // opens its file before the fds run out
    rlimit old{};
    getrlimit(RLIMIT_NOFILE, &old);
    int probe = dup(0);
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(probe + 1);
    close(probe);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> hog;
    for (int d; (d = dup(0)) >= 0;)
        hog.push_back(d);
    std::atomic<int64_t> got{0};
    spawn_fn([&, l = listener] {
        IdFlag c = tcp_accept_abi(l);
        got = c.ok ? c.id : -1;
    });
    // Several pauses and retries while no descriptor is free.
    bool retried = wait_until([] { return tcp_stats().accept_backoffs >= 3; });
    for (int d : hog)
        close(d);
    setrlimit(RLIMIT_NOFILE, &old);
    std::string err = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(retried);
    EXPECT_EQ(count_of(err, "out of file descriptors"), 1u) << err;
    EXPECT_NE(err.find("EMFILE"), std::string::npos) << err;
    ASSERT_TRUE(wait_until([&] { return got.load() != 0; }));
    ASSERT_GT(got.load(), 0) << "the listener accepts again once descriptors are free";
    EXPECT_TRUE(tcp_write_abi(got.load(), "ok"));
    EXPECT_EQ(raw_recv(client, 2), "ok");
    EXPECT_TRUE(tcp_close_abi(got.load()));
    EXPECT_TRUE(tcp_close_abi(listener));
    close(client);
}

// ---- SEQ_TCP_READ_TIMEOUT_MS ----------------------------------------------------------

TEST_F(TcpLimits, ReadTimeoutIsOffByDefault) {
    EXPECT_EQ(tcp_stats().read_timeout_ms, 0u);
}

TEST_F(TcpLimits, ReadThatWaitsTooLongFailsAndTheStreamGoesOn) {
    restart_with({{"SEQ_TCP_READ_TIMEOUT_MS", "50"}});
    EXPECT_EQ(tcp_stats().read_timeout_ms, 50u);
    auto [listener, port] = listen_local();
    int client = raw_connect(port);
    ASSERT_GE(client, 0);
    IdFlag c = tcp_accept_abi(listener);
    ASSERT_TRUE(c.ok);
    // A silent peer: the read gives up with its failure flag.
    Read r = tcp_read_abi(c.id);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.data, "");
    EXPECT_EQ(tcp_stats().read_timeouts, 1u);
    // Two readers parked at once both time out (one timer serves both).
    std::atomic<int> failed{0};
    for (int i = 0; i < 2; ++i)
        spawn_fn([&, id = c.id] {
            if (!tcp_read_abi(id).ok) failed.fetch_add(1);
        });
    ASSERT_TRUE(wait_until([&] { return failed.load() == 2; }));
    EXPECT_EQ(tcp_stats().read_timeouts, 3u);
    // The stream is still open: what comes later is read as usual.
    ASSERT_TRUE(raw_send(client, "late"));
    r = tcp_read_abi(c.id);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.data, "late");
    // Data that is already there never waits, so never times out.
    ASSERT_TRUE(raw_send(client, "now"));
    ASSERT_TRUE(wait_until([id = c.id] { return tcp_socket_info(id).buffered == 3; }));
    r = tcp_read_abi(c.id);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.data, "now");
    EXPECT_EQ(tcp_stats().read_timeouts, 3u);
    // The host API's read reports the timeout as UV_ETIMEDOUT.
    char buf[16];
    EXPECT_EQ(tcp_read_bytes(c.id, buf, sizeof buf), UV_ETIMEDOUT);
    EXPECT_TRUE(tcp_close_abi(c.id));
    EXPECT_TRUE(tcp_close_abi(listener));
    close(client);
}

TEST_F(TcpLimits, ReadTimeoutCutsASlowLorisButNotAnActiveClient) {
    restart_with({{"SEQ_TCP_READ_TIMEOUT_MS", "100"}});
    auto [listener, port] = listen_local();
    int loris = raw_connect(port);
    int good = raw_connect(port);
    ASSERT_GE(loris, 0);
    ASSERT_GE(good, 0);
    ASSERT_TRUE(raw_send(loris, "GET / HT"));  // and never the rest
    std::atomic<int> served{0}, cut{0};
    spawn_fn([&, l = listener] {
        for (int i = 0; i < 2; ++i) {
            IdFlag c = tcp_accept_abi(l);
            if (!c.ok) return;
            spawn_fn([&, id = c.id] {
                std::string req;
                while (req.find('\n') == std::string::npos) {
                    Read r = tcp_read_abi(id);
                    if (!r.ok || r.data.empty()) {
                        cut.fetch_add(1);
                        tcp_close_abi(id);
                        return;
                    }
                    req += r.data;
                }
                tcp_write_abi(id, "served\n");
                served.fetch_add(1);
                tcp_close_abi(id);
            });
        }
    });
    ASSERT_TRUE(raw_send(good, "GET / HTTP/1.0\n"));
    EXPECT_EQ(raw_recv(good, 7), "served\n");
    ASSERT_TRUE(wait_until([&] { return cut.load() == 1; }));
    EXPECT_EQ(served.load(), 1);
    EXPECT_EQ(raw_recv(loris, 1, 5), "") << "the slow client was closed";
    EXPECT_TRUE(tcp_close_abi(listener));
    close(loris);
    close(good);
}

TEST(TcpLimitsConfig, ParsersWarnAndFallBack) {
    EXPECT_EQ(parse_tcp_read_timeout_ms(nullptr), 0u);
    EXPECT_EQ(parse_tcp_read_timeout_ms("250"), 250u);
    EXPECT_FALSE(parse_reuseport(nullptr));
    EXPECT_FALSE(parse_reuseport("0"));
    EXPECT_TRUE(parse_reuseport("1"));
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse_tcp_read_timeout_ms("soon"), 0u);
    EXPECT_FALSE(parse_reuseport("yes"));
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("SEQ_TCP_READ_TIMEOUT_MS='soon'"), std::string::npos) << err;
    EXPECT_NE(err.find("SEQ_REUSEPORT='yes'"), std::string::npos) << err;
}

}  // namespace
}  // namespace seq
