// Terminal words: upstream terminal.rs (5.4.0) on real terminals (a pty
// pair) and on pipes, plus what the C++ runtime adds: a strand waiting for a
// key parks without stalling its worker or making the shared descriptor
// non-blocking, and raw mode is undone on every way out of the process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sys/signals.hpp"
#include "io/terminal.hpp"
#include "seq/runtime_system.h"
#include "test_support.hpp"

extern char** environ;

namespace seq {
namespace {

using test::spawn_fn;
using test::TestStack;
using test::wait_until;

// A pseudo-terminal pair: the test types on `master`, the words use `slave`.
struct Pty {
    int master = -1, slave = -1;
    Pty() {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) std::abort();
        const char* name = ptsname(master);
        slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
        if (slave < 0) std::abort();
    }
    ~Pty() {
        close(slave);
        close(master);
    }
    void type(std::string_view s) const {
        ASSERT_EQ(write(master, s.data(), s.size()), static_cast<ssize_t>(s.size()));
    }
    struct termios attrs() const {
        struct termios t {};
        tcgetattr(slave, &t);
        return t;
    }
};

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) std::abort();
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        close_w();
        if (r >= 0) close(r);
    }
    void close_w() {
        if (w >= 0) close(w);
        w = -1;
    }
};

// Every test leaves raw mode and points the words back at fds 0 and 1.
class Terminal : public ::testing::Test {
  protected:
    void TearDown() override { terminal_set_fds_for_test(-1, -1); }
};

int64_t call_int(seq_stack_t (*w)(seq_stack_t)) {
    TestStack st;
    st.sp = w(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    return int_of(*--st.sp);
}

void raw_word(bool on) {
    TestStack st;
    st.sp = patch_seq_terminal_raw_mode(push(st.sp, make_bool(on)));
    EXPECT_EQ(st.depth(), 0u);
}

// Runs a blocking call on a helper thread; a bug shows as a failure (the
// caller then unblocks the call) instead of a hung test.
template <typename F>
std::future<int64_t> bounded(F f) {
    return std::async(std::launch::async, f);
}

// ---- window size ---------------------------------------------------------------------------

TEST_F(Terminal, SizeOfAPtyFollowsItsWindow) {
    Pty pty;
    struct winsize ws {};
    ws.ws_col = 132;
    ws.ws_row = 43;
    ASSERT_EQ(ioctl(pty.master, TIOCSWINSZ, &ws), 0);
    terminal_set_fds_for_test(pty.slave, pty.slave);
    EXPECT_EQ(call_int(patch_seq_terminal_width), 132);
    EXPECT_EQ(call_int(patch_seq_terminal_height), 43);
    ws.ws_col = 0;  // unknown: the defaults
    ws.ws_row = 0;
    ASSERT_EQ(ioctl(pty.master, TIOCSWINSZ, &ws), 0);
    EXPECT_EQ(call_int(patch_seq_terminal_width), 80);
    EXPECT_EQ(call_int(patch_seq_terminal_height), 24);
}

TEST_F(Terminal, SizeOfAPipeIsTheDefault) {
    Pipe p;
    terminal_set_fds_for_test(p.r, p.w);
    EXPECT_EQ(call_int(patch_seq_terminal_width), 80);
    EXPECT_EQ(call_int(patch_seq_terminal_height), 24);
}

// ---- raw mode ---------------------------------------------------------------------------------

TEST_F(Terminal, RawModeSetsUpstreamsFlagsAndRestoresExactly) {
    Pty pty;
    terminal_set_fds_for_test(pty.slave, pty.slave);
    struct termios before = pty.attrs();
    ASSERT_TRUE(before.c_lflag & ICANON);
    raw_word(true);
    EXPECT_TRUE(terminal_is_raw());
    struct termios raw = pty.attrs();
    EXPECT_EQ(raw.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0u);
    EXPECT_EQ(raw.c_iflag & (IXON | ICRNL), 0u);
    EXPECT_EQ(raw.c_oflag & OPOST, 0u);
    EXPECT_EQ(raw.c_cc[VMIN], 1);
    EXPECT_EQ(raw.c_cc[VTIME], 0);
    raw_word(true);  // idempotent: the saved settings are still the cooked ones
    raw_word(false);
    EXPECT_FALSE(terminal_is_raw());
    struct termios after = pty.attrs();
    EXPECT_EQ(after.c_lflag, before.c_lflag);
    EXPECT_EQ(after.c_iflag, before.c_iflag);
    EXPECT_EQ(after.c_oflag, before.c_oflag);
    EXPECT_EQ(after.c_cc[VMIN], before.c_cc[VMIN]);
    raw_word(false);  // idempotent
    EXPECT_EQ(pty.attrs().c_lflag, before.c_lflag);
}

TEST_F(Terminal, RawModeOnAPipeIsANoOp) {
    Pipe p;
    terminal_set_fds_for_test(p.r, p.w);
    raw_word(true);
    EXPECT_FALSE(terminal_is_raw());
    raw_word(false);
}

TEST_F(Terminal, RawModeGuardsOnlySignalsLeftAtTheirDefault) {
    Pty pty;
    terminal_set_fds_for_test(pty.slave, pty.slave);
    struct sigaction sa;
    sigaction(SIGTERM, nullptr, &sa);
    ASSERT_EQ(sa.sa_handler, SIG_DFL);
    raw_word(true);
    sigaction(SIGTERM, nullptr, &sa);
    EXPECT_NE(sa.sa_handler, SIG_DFL);  // the restore-then-die guard
    raw_word(false);
    sigaction(SIGTERM, nullptr, &sa);
    EXPECT_EQ(sa.sa_handler, SIG_DFL);
}

TEST_F(Terminal, RawModeRejectsANonBool) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    EXPECT_DEATH(patch_seq_terminal_raw_mode(push(st.sp, make_int(1))),
                 "terminal_raw_mode: expected Bool, got Int");
}

// The child's fate, and whether the pty was restored when it ended.
struct ChildEnd {
    int status;
    bool restored;
};

// Runs this binary again as a child (a fresh, single-threaded process:
// fork() of a process with live threads is unsafe, and TSan refuses it) in
// TerminalChild.Run, which puts the pty's slave in raw mode and does `mode`.
ChildEnd run_raw_child(const char* mode) {
    Pty pty;
    struct termios before = pty.attrs();
    std::string mode_var = std::string("SEQ_TEST_TERMINAL_CHILD=") + mode;
    std::string pts_var = std::string("SEQ_TEST_TERMINAL_PTS=") + ptsname(pty.master);
    std::vector<char*> env;
    for (char** e = environ; *e; ++e)
        env.push_back(*e);
    env.push_back(mode_var.data());
    env.push_back(pts_var.data());
    env.push_back(nullptr);
    std::string filter = "--gtest_filter=TerminalChild.Run";
    char self[] = "/proc/self/exe";
    char* argv[] = {self, filter.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, self, &fa, nullptr, argv, env.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return {-1, false};
    int status = 0;
    waitpid(pid, &status, 0);
    return {status, pty.attrs().c_lflag == before.c_lflag};
}

// The child side; skipped in a normal run.
TEST(TerminalChild, Run) {
    const char* mode = std::getenv("SEQ_TEST_TERMINAL_CHILD");
    const char* pts = std::getenv("SEQ_TEST_TERMINAL_PTS");
    if (!mode || !pts) GTEST_SKIP() << "runs only as the child of a raw-mode test";
    int fd = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) _exit(97);
    terminal_set_fds_for_test(fd, fd);
    terminal_set_raw(true);
    if (!terminal_is_raw()) _exit(99);
    std::string m = mode;
    if (m == "term") raise(SIGTERM);
    if (m == "hup") raise(SIGHUP);
    if (m == "exit") std::exit(5);
    if (m == "trap") {
        // Trapped after raw mode: the guard gives way to the program.
        signal_trap(SIGTERM, "test");
        raise(SIGTERM);
        bool got = wait_until([] { return signal_peek(SIGTERM); }, 20);
        std::exit(got ? 6 : 7);
    }
    if (m == "sigint") {
        scheduler_init();  // the runtime's SIGINT policy: exit 130 via exit()
        raise(SIGINT);
        std::this_thread::sleep_for(std::chrono::seconds(20));
    }
    _exit(98);
}

TEST_F(Terminal, KilledByADefaultSignalRestoresTheTerminal) {
    ChildEnd e = run_raw_child("term");
    ASSERT_TRUE(WIFSIGNALED(e.status)) << "status " << e.status;
    EXPECT_EQ(WTERMSIG(e.status), SIGTERM);  // still dies of the signal
    EXPECT_TRUE(e.restored);
    e = run_raw_child("hup");
    ASSERT_TRUE(WIFSIGNALED(e.status)) << "status " << e.status;
    EXPECT_EQ(WTERMSIG(e.status), SIGHUP);
    EXPECT_TRUE(e.restored);
}

TEST_F(Terminal, ExitRestoresTheTerminal) {
    ChildEnd e = run_raw_child("exit");
    ASSERT_TRUE(WIFEXITED(e.status)) << "status " << e.status;
    EXPECT_EQ(WEXITSTATUS(e.status), 5);
    EXPECT_TRUE(e.restored);
}

TEST_F(Terminal, ATrappedSignalStaysTheProgramsInRawMode) {
    ChildEnd e = run_raw_child("trap");
    ASSERT_TRUE(WIFEXITED(e.status)) << "status " << e.status;
    EXPECT_EQ(WEXITSTATUS(e.status), 6);
    EXPECT_TRUE(e.restored);
}

TEST_F(Terminal, SigintExitOfTheRuntimeRestoresTheTerminal) {
    ChildEnd e = run_raw_child("sigint");
    ASSERT_TRUE(WIFEXITED(e.status)) << "status " << e.status;
    EXPECT_EQ(WEXITSTATUS(e.status), 130);
    EXPECT_TRUE(e.restored);
}

// ---- reading ------------------------------------------------------------------------------------

TEST_F(Terminal, ReadCharFromAPipeThenEndOfInput) {
    Pipe p;
    terminal_set_fds_for_test(p.r, -1);
    ASSERT_EQ(write(p.w, "a\xff", 2), 2);
    EXPECT_EQ(call_int(patch_seq_terminal_read_char), 'a');
    EXPECT_EQ(call_int(patch_seq_terminal_read_char), 0xff);
    p.close_w();
    EXPECT_EQ(call_int(patch_seq_terminal_read_char), -1);
    EXPECT_EQ(call_int(patch_seq_terminal_read_char_nonblock), -1);
}

TEST_F(Terminal, NonblockingReadNeverWaits) {
    Pipe p;
    terminal_set_fds_for_test(p.r, -1);
    auto f = bounded([] { return call_int(patch_seq_terminal_read_char_nonblock); });
    bool returned = f.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    EXPECT_TRUE(returned) << "terminal.read-char? waited for input";
    if (!returned) {
        ASSERT_EQ(write(p.w, "!", 1), 1);  // release it
    }
    EXPECT_EQ(f.get(), returned ? -1 : '!');
    ASSERT_EQ(write(p.w, "z", 1), 1);
    EXPECT_EQ(call_int(patch_seq_terminal_read_char_nonblock), 'z');
    // The shared description never became non-blocking.
    EXPECT_EQ(fcntl(p.r, F_GETFL) & O_NONBLOCK, 0);
}

TEST_F(Terminal, ReadCharFromARegularFile) {
    char path[] = "/tmp/seq-term-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "xy", 2), 2);
    ASSERT_EQ(lseek(fd, 1, SEEK_SET), 1);  // reads continue from the offset
    terminal_set_fds_for_test(fd, -1);
    EXPECT_EQ(call_int(patch_seq_terminal_read_char_nonblock), 'y');
    EXPECT_EQ(call_int(patch_seq_terminal_read_char), -1);
    terminal_set_fds_for_test(-1, -1);
    close(fd);
    unlink(path);
}

TEST_F(Terminal, CookedModeDeliversALineRawModeEachKey) {
    Pty pty;
    terminal_set_fds_for_test(pty.slave, pty.slave);
    pty.type("hi");
    // Cooked: nothing is readable before the line ends.
    EXPECT_EQ(call_int(patch_seq_terminal_read_char_nonblock), -1);
    pty.type("\n");
    auto f = bounded([] { return call_int(patch_seq_terminal_read_char); });
    ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_EQ(f.get(), 'h');
    EXPECT_EQ(call_int(patch_seq_terminal_read_char), 'i');
    EXPECT_EQ(call_int(patch_seq_terminal_read_char), '\n');

    raw_word(true);
    pty.type("q\x03\r");  // no Enter needed; Ctrl-C is a byte; CR is not mapped
    int64_t got[3] = {-2, -2, -2};
    for (int64_t& g : got) {
        auto r = bounded([] { return call_int(patch_seq_terminal_read_char); });
        if (r.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
            pty.type("...");  // release it; the values below then fail
        }
        g = r.get();
    }
    EXPECT_EQ(got[0], 'q');
    EXPECT_EQ(got[1], 3);
    EXPECT_EQ(got[2], '\r');
    EXPECT_EQ(call_int(patch_seq_terminal_read_char_nonblock), -1);
    raw_word(false);
}

// ---- reading from strands
// ------------------------------------------------------------------------

// One worker: a read that blocked it would stop every other strand.
class TerminalStrands : public test::WithScheduler<Terminal> {
  protected:
    TerminalStrands() : WithScheduler({{"SEQ_WORKERS", "1"}}) {}
};

int64_t read_char_in_strand() {
    TestStack st;
    st.sp = patch_seq_terminal_read_char(st.sp);
    return int_of(*--st.sp);
}

TEST_F(TerminalStrands, WaitingForAKeyParksOnlyTheStrand) {
    Pipe p;
    terminal_set_fds_for_test(p.r, -1);
    std::atomic<int64_t> got{-2};
    std::atomic<bool> other_ran{false};
    spawn_fn([&] { got = read_char_in_strand(); });
    spawn_fn([&] { other_ran = true; });
    EXPECT_TRUE(wait_until([&] { return other_ran.load(); }, 20))
        << "a strand waiting in terminal.read-char stalled the only worker";
    EXPECT_EQ(got.load(), -2);
    EXPECT_EQ(fcntl(p.r, F_GETFL) & O_NONBLOCK, 0);  // the shared description is untouched
    ASSERT_EQ(write(p.w, "k", 1), 1);
    EXPECT_TRUE(wait_until([&] { return got.load() != -2; }));
    EXPECT_EQ(got.load(), 'k');
}

TEST_F(TerminalStrands, TwoWaitingStrandsOnOneLoopEachGetAByte) {
    Pty pty;
    terminal_set_fds_for_test(pty.slave, pty.slave);
    raw_word(true);
    std::atomic<int64_t> a{-2}, b{-2};
    std::atomic<int> started{0};
    spawn_fn([&] {
        ++started;
        a = read_char_in_strand();
    });
    spawn_fn([&] {
        ++started;
        b = read_char_in_strand();
    });
    ASSERT_TRUE(wait_until([&] { return started.load() == 2; }));
    pty.type("1");
    pty.type("2");
    bool both = wait_until([&] { return a.load() != -2 && b.load() != -2; }, 20);
    if (!both) pty.type("xx");  // release them
    EXPECT_TRUE(both);
    EXPECT_EQ((std::set<int64_t>{a.load(), b.load()}), (std::set<int64_t>{'1', '2'}));
    raw_word(false);
}

TEST_F(TerminalStrands, EndOfInputWakesAWaitingStrand) {
    Pipe p;
    terminal_set_fds_for_test(p.r, -1);
    std::atomic<int64_t> got{-2};
    spawn_fn([&] { got = read_char_in_strand(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it park (not required)
    p.close_w();
    EXPECT_TRUE(wait_until([&] { return got.load() != -2; }));
    EXPECT_EQ(got.load(), -1);
}

TEST_F(TerminalStrands, FlushFromAStrand) {
    std::atomic<bool> done{false};
    spawn_fn([&] {
        TestStack st;
        st.sp = patch_seq_terminal_flush(st.sp);
        EXPECT_EQ(st.depth(), 0u);
        done = true;
    });
    EXPECT_TRUE(wait_until([&] { return done.load(); }));
}

}  // namespace
}  // namespace seq
