// Graceful drain (SEQ_DRAIN_MS, core/sys/drain.hpp) seen from outside: each
// test starts this binary again as a server (DrainChild.Server), talks to it
// over loopback sockets, sends it signals and checks how it ends.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "core/sched/scheduler.hpp"
#include "core/sys/drain.hpp"
#include "core/sys/process.hpp"
#include "core/sys/signals.hpp"
#include "io/net/tcp.hpp"
#include "io/timer.hpp"
#include "serve_support.hpp"

namespace seq {
namespace {

using namespace servetest;
using test::Child;
using test::child_say;
using test::ChildOptions;

constexpr size_t kBody = 1 << 20;  // large enough to be in flight for a while

// ---- the child: a server as a compiled program runs one ---------------------------------
//
// DRAIN_TEST_MODE:
//   respond  each connection reads one line, answers "BEGIN\n", waits until the
//            drain started and the accept loop saw two failures, then sends
//            kBody bytes and "END\n" and closes: a response in flight across
//            the SIGTERM;
//   hold     answers "BEGIN\n", then waits for the peer forever;
//   trap     as hold, but the program traps SIGTERM itself and exits 7 when
//            it sees it.
// The accept loop never ends on its own: it must not keep the process alive.

std::atomic<int> g_failures{0};

void serve_connection(int64_t id, const std::string& mode) {
    std::string req;
    while (req.find('\n') == std::string::npos) {
        Read r = tcp_read_abi(id);
        if (!r.ok || r.data.empty()) {
            nettest::tcp_close_abi(id);
            return;
        }
        req += r.data;
    }
    tcp_write_abi(id, "BEGIN\n");
    if (mode == "respond") {
        for (int i = 0; i < 20000 && !(drain_started() && g_failures.load() >= 2); ++i)
            sleep_ms(5);
        std::string chunk(64 * 1024, 'x');
        for (size_t sent = 0; sent < kBody; sent += chunk.size())
            if (!tcp_write_abi(id, chunk)) break;
        tcp_write_abi(id, "END\n");
    } else {
        for (;;) {
            Read r = tcp_read_abi(id);
            if (!r.ok || r.data.empty()) break;
        }
    }
    nettest::tcp_close_abi(id);
}

TEST(DrainChild, Server) {
    if (!test::in_child()) GTEST_SKIP() << "runs only as the child of a Drain test";
    const char* m = std::getenv("DRAIN_TEST_MODE");
    std::string mode = m ? m : "respond";
    patch_seq_scheduler_init();
    if (mode == "trap") {
        signal_trap(SIGTERM, "signal.trap");
        test::spawn_fn([] {
            while (!signal_take(SIGTERM))
                sleep_ms(5);
            child_say("TRAPPED drain_started=" + std::to_string(drain_started()));
            exit_process(7);
        });
    }
    auto [listener, port] = listen_local();
    test::spawn_fn([l = listener, mode] {
        for (;;) {
            IdFlag c = nettest::tcp_accept_abi(l);
            if (!c.ok) {
                int n = g_failures.fetch_add(1) + 1;
                child_say("ACCEPT_FAILED " + std::to_string(n) +
                          " refused=" + std::to_string(tcp_stats().drain_refused));
                continue;  // regardless: a careless program loops on
            }
            test::spawn_fn([id = c.id, mode] { serve_connection(id, mode); });
        }
    });
    child_say("PORT " + std::to_string(port));
    wait_all_strands();  // as a compiled main: the accept loop never ends
    ADD_FAILURE() << "the drain should have ended the process";
}

// ---- the parent --------------------------------------------------------------------------

struct Server {
    explicit Server(const std::string& mode, const std::string& drain_ms)
        : child("DrainChild.Server",
                ChildOptions{{"DRAIN_TEST_MODE=" + mode, "SEQ_DRAIN_MS=" + drain_ms, "SEQ_REPORT=1",
                              "SEQ_WORKERS=2"}}) {
        if (child.read_until_has("\n", 20) && child.read_until_has("PORT ")) {
            child.read_until([](const std::string& o) {
                size_t at = o.find("PORT ");
                return at != std::string::npos && o.find('\n', at) != std::string::npos;
            });
            port = std::atoi(child.field("PORT").c_str());
        }
    }
    // A client whose request the server has begun to answer.
    int client_in_flight() {
        int fd = raw_connect(port);
        EXPECT_GE(fd, 0);
        EXPECT_TRUE(raw_send(fd, "GET /\n"));
        EXPECT_EQ(raw_recv(fd, 6), "BEGIN\n");
        return fd;
    }
    Child child;
    int port = 0;
};

int exit_code(int st) {
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1000 - (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

// "refused=N" on the line of the `n`th accept failure, or -1.
int refused_at(const std::string& out, int n) {
    std::string key = "ACCEPT_FAILED " + std::to_string(n) + " refused=";
    size_t at = out.find(key);
    return at == std::string::npos ? -1 : std::atoi(out.c_str() + at + key.size());
}

TEST(Drain, InFlightResponseCompletesAfterSigtermAndTheExitIsClean) {
    Server s("respond", "20000");
    ASSERT_GT(s.port, 0) << s.child.output();
    int fd = s.client_in_flight();
    s.child.signal(SIGTERM);
    std::string body = raw_recv(fd, kBody + 4, 30);
    EXPECT_EQ(body.size(), kBody + 4) << "the response in flight was not cut";
    EXPECT_EQ(body.substr(body.size() >= 4 ? body.size() - 4 : 0), "END\n");
    EXPECT_EQ(raw_recv(fd, 1, 10), "") << "then the server closed the connection";
    close(fd);
    int st = s.child.wait();
    const std::string& out = s.child.output();
    EXPECT_EQ(exit_code(st), 0) << out;
    EXPECT_NE(out.find("=== SEQ REPORT ==="), std::string::npos) << "the report is printed\n"
                                                                 << out;
    // The parked accept failed, and so did the next one, after a pause (each
    // failure after the first went through the drain's refusal).
    EXPECT_NE(out.find("ACCEPT_FAILED 2"), std::string::npos) << out;
    EXPECT_GE(refused_at(out, 2), 1) << out;
    EXPECT_EQ(out.find("cutting"), std::string::npos) << out;
}

TEST(Drain, IdleServerExitsAtOnceWithTheReport) {
    Server s("respond", "60000");
    ASSERT_GT(s.port, 0) << s.child.output();
    s.child.signal(SIGTERM);
    // Well before SEQ_DRAIN_MS: nothing was open, and the strand parked in
    // tcp.accept does not hold the process.
    int st = s.child.wait(20);
    EXPECT_EQ(exit_code(st), 0) << s.child.output();
    EXPECT_NE(s.child.output().find("=== SEQ REPORT ==="), std::string::npos) << s.child.output();
}

TEST(Drain, DeadlineCutsWhatIsStillOpenAndExitsOne) {
    Server s("hold", "400");
    ASSERT_GT(s.port, 0) << s.child.output();
    int fd = s.client_in_flight();
    s.child.signal(SIGTERM);
    ASSERT_TRUE(s.child.read_until_has("ACCEPT_FAILED 1")) << s.child.output();
    // No new connection is accepted once the drain began: the listener is gone.
    EXPECT_TRUE(nettest::eventually([&] {
        int c = raw_connect(s.port);
        if (c >= 0) close(c);
        return c < 0;
    })) << "the listening socket is closed";
    int st = s.child.wait();
    const std::string& out = s.child.output();
    EXPECT_EQ(exit_code(st), 1) << out;
    EXPECT_NE(out.find("cutting 1 open connection"), std::string::npos) << out;
    EXPECT_NE(out.find("=== SEQ REPORT ==="), std::string::npos) << out;
    EXPECT_EQ(raw_recv(fd, 1, 10), "") << "the held connection ended with the process";
    close(fd);
}

TEST(Drain, SecondSigtermExitsAtOnce) {
    Server s("hold", "600000");
    ASSERT_GT(s.port, 0) << s.child.output();
    int fd = s.client_in_flight();
    s.child.signal(SIGTERM);
    ASSERT_TRUE(s.child.read_until_has("ACCEPT_FAILED 1")) << s.child.output();
    s.child.signal(SIGTERM);
    int st = s.child.wait(20);  // far less than the 600 s drain
    EXPECT_EQ(exit_code(st), 1) << s.child.output();
    EXPECT_NE(s.child.output().find("second SIGTERM"), std::string::npos) << s.child.output();
    close(fd);
}

TEST(Drain, SigintDuringADrainExitsAtOnce) {
    Server s("hold", "600000");
    ASSERT_GT(s.port, 0) << s.child.output();
    int fd = s.client_in_flight();
    s.child.signal(SIGTERM);
    ASSERT_TRUE(s.child.read_until_has("ACCEPT_FAILED 1")) << s.child.output();
    s.child.signal(SIGINT);
    int st = s.child.wait(20);
    EXPECT_EQ(exit_code(st), 130) << s.child.output();
    close(fd);
}

TEST(Drain, AProgramThatTrapsSigtermKeepsItsHandler) {
    Server s("trap", "600000");
    ASSERT_GT(s.port, 0) << s.child.output();
    int fd = s.client_in_flight();
    s.child.signal(SIGTERM);
    int st = s.child.wait(20);
    const std::string& out = s.child.output();
    EXPECT_EQ(exit_code(st), 7) << "the program's own handling decided\n" << out;
    EXPECT_NE(out.find("TRAPPED drain_started=0"), std::string::npos) << out;
    EXPECT_EQ(out.find("ACCEPT_FAILED"), std::string::npos) << "no drain\n" << out;
    close(fd);
}

TEST(Drain, WithoutSeqDrainMsSigtermKeepsItsDefaultAction) {
    Child child("DrainChild.Server", ChildOptions{{"DRAIN_TEST_MODE=hold", "SEQ_DRAIN_MS="}});
    ASSERT_TRUE(child.read_until_has("PORT ")) << child.output();
    child.signal(SIGTERM);
    int st = child.wait(20);
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << st << "\n" << child.output();
}

TEST(DrainConfig, ParserWarnsAndTurnsTheDrainOff) {
    EXPECT_EQ(parse_drain_ms(nullptr), 0u);
    EXPECT_EQ(parse_drain_ms(""), 0u);
    EXPECT_EQ(parse_drain_ms("30000"), 30000u);
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse_drain_ms("30s"), 0u);
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("SEQ_DRAIN_MS='30s'"), std::string::npos) << err;
}

}  // namespace
}  // namespace seq
