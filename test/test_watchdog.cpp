// The watchdog and the stall warning (core/sched/watchdog): a child process
// runs a strand that spins without ever switching out (plain C++ code: the
// preemption signal only stops compiled code, so nothing makes it yield; the
// tests below see exactly that), and the parent reads what the runtime says
// about it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "child_process.hpp"
#include "core/sched/config.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "io/timer.hpp"
#include "seq/runtime.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::Child;
using test::child_say;
using test::ChildOptions;

// The file whose creation ends the child's spin (WATCHDOG_TEST_STOP).
bool stop_file_exists() {
    const char* path = std::getenv("WATCHDOG_TEST_STOP");
    return path && access(path, F_OK) == 0;
}

// The child: one strand spins (no switch) until the stop file appears while
// another, on the other worker, says TICK every 20 ms; then both end and the
// child exits normally.
TEST(WatchdogChild, Spin) {
    if (!test::in_child()) GTEST_SKIP() << "runs only as the child of a Watchdog test";
    patch_seq_scheduler_init();
    ASSERT_EQ(scheduler().workers.size(), 2u);
    static std::atomic<bool> stopped{false};
    uint64_t spinner = test::spawn_fn([] {
        child_say("SPINNING " + std::to_string(current_strand()->id));
        while (!stop_file_exists()) {
        }
        stopped = true;
        child_say("STOPPED");
    });
    (void)spinner;
    // Spawned from outside right after the spinner: the other worker
    // (round robin), which stays free to run it.
    test::spawn_fn([] {
        for (int n = 0; !stopped.load(); ++n) {
            child_say("TICK " + std::to_string(n));
            sleep_ms(20);
        }
    });
    patch_seq_wait_all_strands();
    patch_seq_scheduler_shutdown();
    child_say("CHILD DONE");
}

// ---- the parent --------------------------------------------------------------------------

size_t count_of(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1))
        ++n;
    return n;
}

// The spinning strand's id, from the child's SPINNING line ("" before it).
std::string spinner_id(const std::string& out) {
    size_t at = out.find("SPINNING ");
    if (at == std::string::npos) return "";
    size_t end = out.find('\n', at);
    if (end == std::string::npos) return "";
    return out.substr(at + 9, end - at - 9);
}

// The highest TICK the child has said so far (-1: none).
int last_tick(const std::string& out) {
    size_t at = out.rfind("TICK ");
    if (at == std::string::npos) return -1;
    size_t end = out.find('\n', at);
    if (end == std::string::npos) return -1;
    return std::atoi(out.substr(at + 5, end - at - 5).c_str());
}

class StopFile {
  public:
    StopFile()
        : path_("/tmp/seq_watchdog_test_" + std::to_string(getpid()) + "_" +
                std::to_string(++counter_)) {
        unlink(path_.c_str());
    }
    ~StopFile() { unlink(path_.c_str()); }
    std::string env() const { return "WATCHDOG_TEST_STOP=" + path_; }
    void create() const {
        int fd = open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0) close(fd);
    }

  private:
    static inline int counter_ = 0;
    std::string path_;
};

ChildOptions child_env(const StopFile& stop, std::vector<std::string> more) {
    ChildOptions o;
    o.env = {stop.env(), "SEQ_WORKERS=2"};
    // The two switches off unless the test turns them on (empty is off).
    for (const char* name : {"SEQ_STALL_WARN_MS=", "SEQ_WATCHDOG_SECS="}) {
        bool set = false;
        for (const std::string& m : more)
            set = set || m.rfind(name, 0) == 0;
        if (!set) o.env.push_back(name);
    }
    for (std::string& m : more)
        o.env.push_back(std::move(m));
    return o;
}

TEST(Watchdog, ExitActionEndsTheProcessNamingTheStuckStrand) {
    StopFile stop;  // never created: only the watchdog ends this child
    Child child("WatchdogChild.Spin",
                child_env(stop, {"SEQ_WATCHDOG_SECS=1", "SEQ_WATCHDOG_INTERVAL=1",
                                 "SEQ_WATCHDOG_ACTION=exit"}));
    ASSERT_TRUE(child.started());
    int st = child.wait(30);
    const std::string& out = child.output();
    ASSERT_NE(st, -1) << "the watchdog did not end the child:\n" << out;
    ASSERT_TRUE(WIFEXITED(st)) << out;
    EXPECT_EQ(WEXITSTATUS(st), 1) << out;
    std::string id = spinner_id(out);
    ASSERT_FALSE(id.empty()) << out;
    size_t line = out.find("seq: watchdog: strand " + id + " has run on worker ");
    ASSERT_NE(line, std::string::npos) << out;
    EXPECT_NE(out.find(" without switching out (SEQ_WATCHDOG_SECS=1)\n", line), std::string::npos)
        << out;
    // Then the dump, showing it running, then the exit.
    size_t dump = out.find("=== seq runtime diagnostics ===", line);
    ASSERT_NE(dump, std::string::npos) << out;
    EXPECT_NE(out.find("  strand " + id + ": running on worker ", dump), std::string::npos) << out;
    EXPECT_NE(out.find("seq: watchdog: exiting with code 1 (SEQ_WATCHDOG_ACTION=exit)\n", dump),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("STOPPED"), std::string::npos) << out;
    EXPECT_EQ(out.find("CHILD DONE"), std::string::npos) << out;
}

TEST(Watchdog, WarnActionPrintsTheDumpOnceAndKeepsRunning) {
    StopFile stop;
    Child child("WatchdogChild.Spin",
                child_env(stop, {"SEQ_WATCHDOG_SECS=1", "SEQ_WATCHDOG_INTERVAL=1",
                                 "SEQ_WATCHDOG_ACTION=warn"}));
    ASSERT_TRUE(child.started());
    std::string id;
    EXPECT_TRUE(child.read_until([&](const std::string& out) {
        id = spinner_id(out);
        size_t line = id.empty() ? std::string::npos
                                 : out.find("seq: watchdog: strand " + id + " has run on worker ");
        return line != std::string::npos &&
               out.find("===============================\n", line) != std::string::npos;
    })) << child.output();
    // The program goes on: the other worker still ticks, and the spinner
    // stops when told to.
    int ticks = last_tick(child.output());
    EXPECT_TRUE(child.read_until([&](const std::string& out) {
        return last_tick(out) >= ticks + 3;
    })) << child.output();
    stop.create();
    int st = child.wait(30);
    const std::string& out = child.output();
    ASSERT_TRUE(WIFEXITED(st)) << out;
    EXPECT_EQ(WEXITSTATUS(st), 0) << out;
    EXPECT_NE(out.find("STOPPED"), std::string::npos) << out;
    EXPECT_NE(out.find("CHILD DONE"), std::string::npos) << out;
    // One dump for one stuck strand, however many checks saw it.
    EXPECT_EQ(count_of(out, "=== seq runtime diagnostics ==="), 1u) << out;
    EXPECT_EQ(out.find("exiting"), std::string::npos) << out;
}

TEST(Watchdog, OffByDefault) {
    StopFile stop;
    Child child("WatchdogChild.Spin", child_env(stop, {}));
    ASSERT_TRUE(child.started());
    // Long enough for a watchdog (or a stall warning) that were on to speak:
    // 50 ticks of 20 ms is a second of spinning.
    EXPECT_TRUE(child.read_until([](const std::string& out) { return last_tick(out) >= 50; }))
        << child.output();
    stop.create();
    int st = child.wait(30);
    const std::string& out = child.output();
    ASSERT_TRUE(WIFEXITED(st)) << out;
    EXPECT_EQ(WEXITSTATUS(st), 0) << out;
    EXPECT_EQ(out.find("seq: watchdog"), std::string::npos) << out;
    EXPECT_EQ(out.find("seq: stall"), std::string::npos) << out;
}

TEST(StallWarning, OneLineNamesTheWorkerAndTheStrand) {
    StopFile stop;
    Child child("WatchdogChild.Spin", child_env(stop, {"SEQ_STALL_WARN_MS=100"}));
    ASSERT_TRUE(child.started());
    std::string id;
    EXPECT_TRUE(child.read_until([&](const std::string& out) {
        id = spinner_id(out);
        return !id.empty() && out.find("seq: stall: worker ") != std::string::npos;
    })) << child.output();
    // The stall goes on for many more sampling periods (25 ms each here):
    // still one line.
    int ticks = last_tick(child.output());
    EXPECT_TRUE(child.read_until([&](const std::string& out) {
        return last_tick(out) >= ticks + 25;
    })) << child.output();
    stop.create();
    int st = child.wait(30);
    const std::string& out = child.output();
    ASSERT_TRUE(WIFEXITED(st)) << out;
    EXPECT_EQ(WEXITSTATUS(st), 0) << out;
    EXPECT_EQ(count_of(out, "seq: stall: "), 1u) << out;
    size_t line = out.find("seq: stall: worker ");
    ASSERT_NE(line, std::string::npos) << out;
    std::string text = out.substr(line, out.find('\n', line) - line);
    EXPECT_NE(text.find(" has run strand " + id + " for "), std::string::npos) << text;
    EXPECT_NE(text.find(" ms without returning to its loop (SEQ_STALL_WARN_MS=100)"),
              std::string::npos)
        << text;
    // No watchdog was asked for.
    EXPECT_EQ(out.find("seq: watchdog"), std::string::npos) << out;
}

TEST(Sigquit, PrintsTheDumpAndTheProgramGoesOn) {
#if !defined(SEQ_DIAGNOSTICS)
    GTEST_SKIP() << "SIGQUIT's dump is compiled out";
#else
    StopFile stop;
    Child child("WatchdogChild.Spin", child_env(stop, {}));
    ASSERT_TRUE(child.started());
    std::string id;
    EXPECT_TRUE(child.read_until([&](const std::string& out) {
        id = spinner_id(out);
        return !id.empty() && last_tick(out) >= 3;
    })) << child.output();
    child.signal(SIGQUIT);
    EXPECT_TRUE(child.read_until([&](const std::string& out) {
        size_t dump = out.find("=== seq runtime diagnostics ===");
        return dump != std::string::npos &&
               out.find("===============================\n", dump) != std::string::npos;
    })) << child.output();
    std::string out = child.output();
    size_t dump = out.find("=== seq runtime diagnostics ===");
    ASSERT_NE(dump, std::string::npos) << out;
    std::string text = out.substr(dump);
    // The spinner holds its worker (which cannot answer the census); the
    // ticker's worker answers.
    EXPECT_NE(text.find("  strand " + id + ": running on worker "), std::string::npos) << text;
    EXPECT_NE(text.find("busy, running strand " + id + ", "), std::string::npos) << text;
    EXPECT_NE(text.find("  busy: census unavailable, strand " + id + " running"), std::string::npos)
        << text;
    EXPECT_NE(text.find("  queues: "), std::string::npos) << text;
    // And the program goes on.
    int ticks = last_tick(out);
    EXPECT_TRUE(child.read_until([&](const std::string& o) { return last_tick(o) >= ticks + 3; }))
        << child.output();
    stop.create();
    int st = child.wait(30);
    ASSERT_TRUE(WIFEXITED(st)) << child.output();
    EXPECT_EQ(WEXITSTATUS(st), 0) << child.output();
    EXPECT_NE(child.output().find("CHILD DONE"), std::string::npos) << child.output();
#endif
}

// ---- the settings ------------------------------------------------------------------------

TEST(WatchdogConfig, ParsesAsUpstreamAndWarnsOnNonsense) {
    EXPECT_EQ(parse_watchdog_secs(std::nullopt), 0u);
    EXPECT_EQ(parse_watchdog_secs("30"), 30u);
    EXPECT_EQ(parse_watchdog_interval(std::nullopt), 5u);
    EXPECT_EQ(parse_watchdog_interval("2"), 2u);
    EXPECT_EQ(parse_watchdog_action(std::nullopt), WatchdogAction::Warn);
    EXPECT_EQ(parse_watchdog_action("exit"), WatchdogAction::Exit);
    EXPECT_EQ(parse_watchdog_action("EXIT"), WatchdogAction::Exit);  // upstream lowercases
    EXPECT_EQ(parse_stall_warn_ms(std::nullopt), 0u);
    EXPECT_EQ(parse_stall_warn_ms("250"), 250u);
    EXPECT_EQ(parse_dump_strands(std::nullopt), 100u);
    EXPECT_EQ(parse_dump_strands("0"), 0u);
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse_watchdog_interval("0"), 5u);
    EXPECT_EQ(parse_watchdog_action("reboot"), WatchdogAction::Warn);
    EXPECT_EQ(parse_stall_warn_ms("soon"), 0u);
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("SEQ_WATCHDOG_INTERVAL"), std::string::npos) << err;
    EXPECT_NE(err.find("SEQ_WATCHDOG_ACTION='reboot' is not one of warn|exit"), std::string::npos)
        << err;
    EXPECT_NE(err.find("SEQ_STALL_WARN_MS"), std::string::npos) << err;
}

}  // namespace
}  // namespace seq
