// Beyond one process: SEQ_REUSEPORT=1 (several processes, one port, the
// kernel balancing) and systemd socket activation (LISTEN_FDS / LISTEN_PID:
// tcp.listen adopts an inherited listening socket). Children are this binary
// again (ReuseChild.Serve); sockets are on 127.0.0.1, first bound to port 0.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "io/net/tcp.hpp"
#include "serve_support.hpp"

namespace seq {
namespace {

using namespace servetest;
using test::Child;
using test::child_say;
using test::ChildOptions;

// ---- the child: listens on REUSE_PORT, answers every connection with its pid ---------

TEST(ReuseChild, Serve) {
    if (!test::in_child()) GTEST_SKIP() << "runs only as the child of a ReusePort test";
    const char* lp = std::getenv("LISTEN_PID");
    int port = std::atoi(std::getenv("REUSE_PORT") ? std::getenv("REUSE_PORT") : "0");
    patch_seq_scheduler_init();
    IdFlag l = nettest::tcp_listen_on_abi("127.0.0.1", port);
    IdFlag p = l.ok ? nettest::tcp_local_port_abi(l.id) : IdFlag{};
    child_say("ADOPTED " + std::to_string(tcp_stats().adopted));
    // systemd's variables are consumed: a process we start must not take them.
    child_say(std::string("ENV_LISTEN_PID ") + (std::getenv("LISTEN_PID") ? "set" : "unset") +
              (lp ? " (was set)" : ""));
    child_say(std::string("LISTEN ") + (l.ok ? "ok" : "failed"));
    child_say("PORT " + std::to_string(p.id));
    if (!l.ok) {
        patch_seq_scheduler_shutdown();
        return;
    }
    test::spawn_fn([id = l.id] {
        for (;;) {
            IdFlag c = nettest::tcp_accept_abi(id);
            if (!c.ok) return;  // the drain began
            tcp_write_abi(c.id, "PID " + std::to_string(getpid()) + "\n");
            nettest::tcp_close_abi(c.id);
        }
    });
    wait_all_strands();  // ends with the drain (SIGTERM)
}

// ---- helpers --------------------------------------------------------------------------

bool ready(Child& c) {
    return c.read_until([](const std::string& o) {
        size_t at = o.find("PORT ");
        return at != std::string::npos && o.find('\n', at) != std::string::npos;
    });
}

// The pid line the server at `port` sends a new connection ("" if none).
std::string ask(int port) {
    int fd = raw_connect(port);
    if (fd < 0) return "";
    std::string got;
    while (got.find('\n') == std::string::npos) {
        std::string more = raw_recv(fd, 64, 10);
        if (more.empty()) break;
        got += more;
    }
    close(fd);
    return got.substr(0, got.find('\n'));
}

int exit_code(int st) {
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// ---- SO_REUSEPORT ---------------------------------------------------------------------

class ReusePort : public test::SchedulerTest {};

TEST_F(ReusePort, OffByDefaultASecondListenerOnAPortFails) {
    EXPECT_FALSE(tcp_stats().reuseport);
    auto [a, port] = listen_local();
    EXPECT_FALSE(nettest::tcp_listen_on_abi("127.0.0.1", port).ok);
    EXPECT_TRUE(nettest::tcp_close_abi(a));
}

TEST_F(ReusePort, OnTwoListenersShareAPort) {
    restart_with({{"SEQ_REUSEPORT", "1"}});
    EXPECT_TRUE(tcp_stats().reuseport);
    auto [a, port] = listen_local();
    IdFlag b = nettest::tcp_listen_on_abi("127.0.0.1", port);
    EXPECT_TRUE(b.ok);
    EXPECT_TRUE(nettest::tcp_close_abi(a));
    if (b.ok) {
        EXPECT_TRUE(nettest::tcp_close_abi(b.id));
    }
}

TEST(ReusePortProcess, TwoProcessesServeOnePort) {
    std::vector<std::string> env = {"SEQ_REUSEPORT=1", "SEQ_DRAIN_MS=10000", "SEQ_WORKERS=1"};
    Child a("ReuseChild.Serve", ChildOptions{env});
    ASSERT_TRUE(ready(a)) << a.output();
    ASSERT_EQ(a.field("LISTEN"), "ok") << a.output();
    int port = std::atoi(a.field("PORT").c_str());
    ASSERT_GT(port, 0);
    std::vector<std::string> env_b = env;
    env_b.push_back("REUSE_PORT=" + std::to_string(port));
    Child b("ReuseChild.Serve", ChildOptions{env_b});
    ASSERT_TRUE(ready(b)) << b.output();
    ASSERT_EQ(b.field("LISTEN"), "ok") << "the second process binds the same port\n" << b.output();
    // Without SO_REUSEPORT a third process cannot join them.
    Child c("ReuseChild.Serve", ChildOptions{{"REUSE_PORT=" + std::to_string(port)}});
    ASSERT_TRUE(ready(c)) << c.output();
    EXPECT_EQ(c.field("LISTEN"), "failed") << c.output();
    EXPECT_EQ(exit_code(c.wait()), 0);
    // The kernel spreads connections by their address hash: with distinct
    // source ports both processes answer long before 500 connections.
    std::set<std::string> pids;
    std::string pa = "PID " + std::to_string(a.pid()), pb = "PID " + std::to_string(b.pid());
    for (int i = 0; i < 500 && pids.size() < 2; ++i) {
        std::string who = ask(port);
        ASSERT_TRUE(who == pa || who == pb) << "'" << who << "'";
        pids.insert(who);
    }
    EXPECT_EQ(pids.size(), 2u) << "both processes served the port";
    a.signal(SIGTERM);
    b.signal(SIGTERM);
    EXPECT_EQ(exit_code(a.wait()), 0) << a.output();
    EXPECT_EQ(exit_code(b.wait()), 0) << b.output();
}

// ---- systemd socket activation ----------------------------------------------------------

TEST(SocketActivation, InheritedListeningSocketIsAdopted) {
    auto [fd, port] = raw_listen();
    ASSERT_GE(fd, 0);
    ChildOptions o;
    o.env = {"LISTEN_FDS=1", "REUSE_PORT=" + std::to_string(port), "SEQ_DRAIN_MS=10000"};
    o.fd3 = fd;
    o.listen_pid = true;  // exactly as systemd: fd 3, LISTEN_PID = the child
    Child child("ReuseChild.Serve", o);
    close(fd);  // the child's now, as it would be systemd's
    ASSERT_TRUE(ready(child)) << child.output();
    EXPECT_EQ(child.field("LISTEN"), "ok") << child.output();
    EXPECT_EQ(child.field("ADOPTED"), "1") << child.output();
    EXPECT_EQ(child.field("ENV_LISTEN_PID"), "unset (was set)") << child.output();
    EXPECT_EQ(child.field("PORT"), std::to_string(port));
    EXPECT_EQ(ask(port), "PID " + std::to_string(child.pid()));
    child.signal(SIGTERM);
    EXPECT_EQ(exit_code(child.wait()), 0) << child.output();
}

TEST(SocketActivation, SocketsMeantForAnotherPidAreLeftAlone) {
    auto [fd, port] = raw_listen();
    ASSERT_GE(fd, 0);
    ChildOptions o;
    // LISTEN_PID names some other process (our parent, say): not ours to take.
    o.env = {"LISTEN_FDS=1", "LISTEN_PID=" + std::to_string(getpid()),
             "REUSE_PORT=" + std::to_string(port)};
    o.fd3 = fd;
    Child child("ReuseChild.Serve", o);
    close(fd);
    ASSERT_TRUE(ready(child)) << child.output();
    EXPECT_EQ(child.field("ADOPTED"), "0") << child.output();
    // The port is taken by the socket it did not adopt: binding fails.
    EXPECT_EQ(child.field("LISTEN"), "failed") << child.output();
    EXPECT_EQ(exit_code(child.wait()), 0) << child.output();
}

}  // namespace
}  // namespace seq
