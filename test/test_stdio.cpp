// Standard input and output words: the contract of upstream io.rs (5.4.0)
// plus what the C++ runtime adds: a word that waits parks only its strand,
// concurrent writes stay whole, every kind of descriptor works, and output
// is flushed on every way out of the process.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/output.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/value/stack.hpp"
#include "io/stdio.hpp"
#include "seq/runtime.h"
#include "seq/runtime_io.h"
#include "test_support.hpp"

extern char** environ;

namespace seq {
namespace {

using test::spawn_fn;
using test::wait_until;

// ---- helpers ----------------------------------------------------------------------

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) std::abort();
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        close_r();
        close_w();
    }
    void close_r() {
        if (r >= 0) close(r);
        r = -1;
    }
    void close_w() {
        if (w >= 0) close(w);
        w = -1;
    }
    void write_all(std::string_view s) const {
        while (!s.empty()) {
            ssize_t n = ::write(w, s.data(), s.size());
            ASSERT_GT(n, 0);
            s.remove_prefix(static_cast<size_t>(n));
        }
    }
    size_t unread() const {
        int n = 0;
        ioctl(r, FIONREAD, &n);
        return static_cast<size_t>(n);
    }
};

std::string drain_fd(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return out;
    }
}

// Sends stdout into a pipe that a thread drains (start() may be delayed to
// let the pipe fill up).
class StdoutCapture {
  public:
    explicit StdoutCapture(bool start_now = true) {
        stdout_reset_for_test(pipe_.w);
        pipe_.close_w();  // the runtime holds its own duplicate
        if (start_now) start();
    }
    ~StdoutCapture() {
        if (!done_) finish();
    }
    void start() {
        reader_ = std::thread([this] { data_ = drain_fd(pipe_.r); });
    }
    // Flushes, points stdout back at fd 1 (closing the duplicate: the reader
    // sees end of stream) and returns everything captured.
    std::string finish() {
        stdout_reset_for_test(-1);
        if (!reader_.joinable()) start();
        reader_.join();
        done_ = true;
        return data_;
    }

  private:
    Pipe pipe_;
    std::thread reader_;
    std::string data_;
    bool done_ = false;
};

// Stdin fed from a pipe the test writes to.
class StdinPipe {
  public:
    StdinPipe() { stdin_reset_for_test(pipe_.r); }
    ~StdinPipe() {
        if (writer_.joinable()) writer_.join();
        pipe_.close_w();
        stdin_reset_for_test(-1);
    }
    void write(std::string_view s) { pipe_.write_all(s); }
    void close_writer() { pipe_.close_w(); }
    // Writes `s` from a thread (for data larger than the pipe), then closes.
    void write_async_and_close(std::string s) {
        writer_ = std::thread([this, s = std::move(s)] {
            pipe_.write_all(s);
            pipe_.close_w();
        });
    }
    const Pipe& pipe() const { return pipe_; }

  private:
    Pipe pipe_;
    std::thread writer_;
};

// The words, called the way compiled code calls them.
struct Line {
    std::string s;
    bool ok;
};
Line read_line_word() {
    StackValue st[4];
    Stack sp = patch_seq_read_line(st);
    EXPECT_EQ(sp, st + 2);
    EXPECT_TRUE(is_bool(sp[-1]));
    Line r{std::string(string_of(sp[-2])->view()), sp[-1] == kTrue};
    drop_value(sp[-2]);
    return r;
}
// read_line+ was removed by seqc 7.x: its tests run in test_stdio_54.
#ifdef SEQ_ABI_54
std::pair<std::string, int64_t> read_line_plus_word() {
    StackValue st[4];
    Stack sp = patch_seq_read_line_plus(st);
    EXPECT_EQ(sp, st + 2);
    EXPECT_TRUE(is_int(sp[-1]));
    std::pair<std::string, int64_t> r{std::string(string_of(sp[-2])->view()), int_of(sp[-1])};
    drop_value(sp[-2]);
    return r;
}
#endif
std::pair<std::string, int64_t> read_n_value(StackValue count) {
    StackValue st[4];
    st[0] = count;
    Stack sp = patch_seq_read_n(st + 1);
    EXPECT_EQ(sp, st + 2);
    EXPECT_TRUE(is_int(sp[-1]));
    std::pair<std::string, int64_t> r{std::string(string_of(sp[-2])->view()), int_of(sp[-1])};
    drop_value(sp[-2]);
    return r;
}
std::pair<std::string, int64_t> read_n_word(int64_t n) {
    return read_n_value(make_int(n));
}
void write_line_word(std::string_view s) {
    StackValue st[2];
    st[0] = make_string(s);
    EXPECT_EQ(patch_seq_write_line(st + 1), st);
}
void write_word(std::string_view s) {
    StackValue st[2];
    st[0] = make_string(s);
    EXPECT_EQ(patch_seq_write(st + 1), st);
}

// Runs fn in a strand and waits for it (bounded).
void in_strand(std::function<void()> fn) {
    std::atomic<bool> done{false};
    spawn_fn([&] {
        fn();
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

// Every test starts a scheduler (single_worker(): with one worker, so that a
// word that blocked its worker thread would stop everything) and ends with
// no strand active, nothing left on the loops, and stdin/stdout back on fds
// 0/1.
class Stdio : public test::SchedulerTest {
  protected:
    void TearDown() override {
        test::SchedulerTest::TearDown();
        stdin_reset_for_test(-1);
        stdout_reset_for_test(-1);
    }
};

// ---- stdout -------------------------------------------------------------------------

TEST_F(Stdio, WriteLineAndWriteProduceExactBytes) {
    StdoutCapture cap;
    in_strand([] {
        write_line_word("Hello, World!");
        write_word("no newline");
        write_word("");
        write_line_word("");
        write_line_word("Hello, 世界! 🌍");
    });
    EXPECT_EQ(cap.finish(), "Hello, World!\nno newline\nHello, 世界! 🌍\n");
}

TEST_F(Stdio, WordsWorkOutsideStrands) {
    StdoutCapture cap;
    write_line_word("from the main thread");
    stdout_flush();
    EXPECT_EQ(cap.finish(), "from the main thread\n");
}

// Lines of varying length (up to ~3 KiB) so that an implementation writing
// in pieces would tear them.
std::string numbered_line(int s, int i) {
    char head[32];
    std::snprintf(head, sizeof head, "s%d i%d ", s, i);
    std::string l = head;
    l.append(static_cast<size_t>((s * 31 + i * 17) % 3000), static_cast<char>('a' + s % 26));
    l.append(" end");
    return l;
}

// 100 strands writing lines concurrently on every worker: each line arrives
// whole, and each strand's lines arrive in the order it wrote them.
TEST_F(Stdio, ConcurrentWriteLinesStayWholeAndOrdered) {
    constexpr int kStrands = 100, kLines = 200;
    StdoutCapture cap;
    for (int s = 0; s < kStrands; ++s) {
        spawn_fn([s] {
            for (int i = 0; i < kLines; ++i) {
                write_line_word(numbered_line(s, i));
                if (i % 7 == 0) yield_now();
            }
        });
    }
    patch_seq_wait_all_strands();
    std::string out = cap.finish();
    std::vector<int> next(kStrands, 0);
    size_t n = 0;
    for (const std::string& l : split_lines(out)) {
        int s = -1, i = -1;
        ASSERT_EQ(std::sscanf(l.c_str(), "s%d i%d ", &s, &i), 2) << l.substr(0, 80);
        ASSERT_TRUE(s >= 0 && s < kStrands);
        ASSERT_EQ(i, next[static_cast<size_t>(s)]) << "strand " << s << " out of order";
        ++next[static_cast<size_t>(s)];
        ASSERT_EQ(l, numbered_line(s, i));
        ++n;
    }
    EXPECT_EQ(n, static_cast<size_t>(kStrands * kLines));
}

// stdout_write is the path of every printing word: stack.dump's output and
// write_line's keep their call order.
TEST_F(Stdio, OtherPrintingWordsShareThePath) {
    StdoutCapture cap;
    in_strand([] {
        write_line_word("before");
        StackValue st[4];
        set_stack_base(st);
        Stack sp = push(st, make_int(42));
        stack_dump(sp);
        set_stack_base(nullptr);
        write_line_word("after");
    });
    EXPECT_EQ(cap.finish(), "before\n» 42\nafter\n");
}

TEST_F(Stdio, StdoutToDevNull) {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    stdout_reset_for_test(fd);
    close(fd);
    StdoutCounters before = stdout_counters();
    for (int s = 0; s < 10; ++s)
        spawn_fn([] {
            for (int i = 0; i < 1000; ++i)
                write_line_word("discarded line");
            stdout_flush();
        });
    patch_seq_wait_all_strands();
    stdout_flush();
    StdoutCounters after = stdout_counters();
    EXPECT_EQ(after.appended - before.appended, 10u * 1000 * 15);
    EXPECT_EQ(after.written, after.appended);
}

TEST_F(Stdio, StdoutToRegularFile) {
    char path[] = "/tmp/seq_stdio_outXXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    stdout_reset_for_test(fd);
    in_strand([] {
        for (int i = 0; i < 5000; ++i)
            write_line_word("line " + std::to_string(i));
        stdout_flush();  // parks until the bytes are in the file
    });
    std::string got;
    {
        FILE* f = std::fopen(path, "r");
        ASSERT_NE(f, nullptr);
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            got.append(buf, n);
        std::fclose(f);
    }
    stdout_reset_for_test(-1);
    close(fd);
    unlink(path);
    std::string want;
    for (int i = 0; i < 5000; ++i)
        want += "line " + std::to_string(i) + "\n";
    EXPECT_EQ(got, want);
}

TEST_F(Stdio, StdoutToTty) {
    int master, slave;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
    termios t;
    tcgetattr(slave, &t);
    cfmakeraw(&t);  // no "\n" -> "\r\n" translation: compare bytes
    tcsetattr(slave, TCSANOW, &t);
    stdout_reset_for_test(slave);
    in_strand([] {
        write_line_word("to a terminal");
        stdout_flush();
    });
    std::string got;
    ASSERT_TRUE(wait_until([&] {
        char buf[256];
        pollfd p{master, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) {
            ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0) got.append(buf, static_cast<size_t>(n));
        }
        return got.size() >= 14;
    }));
    EXPECT_EQ(got, "to a terminal\n");
    stdout_reset_for_test(-1);
    close(slave);
    close(master);
}

// A strand writing to a pipe nobody reads parks (backpressure) once more than
// 1 MiB is unwritten; on one worker, 1,000 other strands still finish.
TEST_F(Stdio, FullStdoutPipeParksOnlyTheWriter) {
    single_worker();
    constexpr int kLines = 4096;  // 4 MiB: more than the pipe plus the bound
    std::string payload(1023, 'x');
    StdoutCapture cap(/*start_now=*/false);
    std::atomic<bool> writer_done{false};
    spawn_fn([&] {
        for (int i = 0; i < kLines; ++i)
            write_line_word(payload);
        writer_done = true;
    });
    std::atomic<int> others{0};
    ASSERT_TRUE(wait_until([&] {
        StdoutCounters c = stdout_counters();
        return c.appended - c.written > kStdoutHighWater;
    }));
    for (int i = 0; i < 1000; ++i)
        spawn_fn([&] { others.fetch_add(1); });
    EXPECT_TRUE(wait_until([&] { return others.load() == 1000; }))
        << "a strand waiting for stdout stalled its worker";
    EXPECT_FALSE(writer_done.load());
    cap.start();  // now drain the pipe
    ASSERT_TRUE(wait_until([&] { return writer_done.load(); }));
    std::string out = cap.finish();
    EXPECT_EQ(out.size(), static_cast<size_t>(kLines) * 1024);
    EXPECT_EQ(out.find_first_not_of("x\n"), std::string::npos);
}

TEST_F(Stdio, WriteLineRejectsNonString) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            StackValue st[2] = {make_int(1)};
            patch_seq_write_line(st + 1);
        },
        "write_line: expected String, got Int");
    EXPECT_DEATH(
        {
            StackValue st[2] = {kTrue};
            patch_seq_write(st + 1);
        },
        "write: expected String, got Bool");
}

// ---- stdin: read_line -------------------------------------------------------------------

TEST_F(Stdio, ReadLineKeepsNewlineNormalisesCrlfAndReportsEof) {
    StdinPipe in;
    in.write("a\r\nb\n\nx\ry\r\nlast");
    in.close_writer();
    in_strand([] {
        Line l = read_line_word();
        EXPECT_EQ(l.s, "a\n");
        EXPECT_TRUE(l.ok);
        EXPECT_EQ(read_line_word().s, "b\n");
        EXPECT_EQ(read_line_word().s, "\n");
        EXPECT_EQ(read_line_word().s, "x\ry\n");  // only a final CRLF changes
        l = read_line_word();                     // no trailing newline
        EXPECT_EQ(l.s, "last");
        EXPECT_TRUE(l.ok);
        l = read_line_word();
        EXPECT_EQ(l.s, "");
        EXPECT_FALSE(l.ok);
        l = read_line_word();  // still at end
        EXPECT_EQ(l.s, "");
        EXPECT_FALSE(l.ok);
    });
}

#ifdef SEQ_ABI_54
TEST_F(Stdio, ReadLinePlusStatus) {
    StdinPipe in;
    in.write("one\r\ntwo");
    in.close_writer();
    in_strand([] {
        EXPECT_EQ(read_line_plus_word(), std::make_pair(std::string("one\n"), int64_t{1}));
        EXPECT_EQ(read_line_plus_word(), std::make_pair(std::string("two"), int64_t{1}));
        EXPECT_EQ(read_line_plus_word(), std::make_pair(std::string(""), int64_t{0}));
    });
}
#endif

// The headline test: on one worker, a strand blocked in read_line on
// an empty pipe does not stop 1,000 other strands from finishing.
TEST_F(Stdio, BlockedReadLineDoesNotStopOtherStrands) {
    single_worker();
    StdinPipe in;
    std::atomic<bool> entered{false}, done{false};
    Line got{"", false};
    spawn_fn([&] {
        entered = true;
        got = read_line_word();
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return entered.load(); }));
    std::atomic<int> others{0};
    for (int i = 0; i < 1000; ++i)
        spawn_fn([&] { others.fetch_add(1); });
    EXPECT_TRUE(wait_until([&] { return others.load() == 1000; }))
        << "read_line blocked the worker thread";
    EXPECT_FALSE(done.load());
    in.write("hello\r\n");
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_EQ(got.s, "hello\n");
    EXPECT_TRUE(got.ok);
}

TEST_F(Stdio, ReadLineLongerThanAReadChunk) {
    StdinPipe in;
    std::string big(300 * 1024 + 17, 'q');
    in.write_async_and_close(big + "\nsecond\n");
    in_strand([&] {
        Line l = read_line_word();
        EXPECT_TRUE(l.ok);
        EXPECT_EQ(l.s.size(), big.size() + 1);
        EXPECT_EQ(l.s, big + "\n");
        EXPECT_EQ(read_line_word().s, "second\n");
        EXPECT_FALSE(read_line_word().ok);
    });
}

// A multi-byte character split across two reads is reassembled: the second
// half is written only once the reader has taken the first.
TEST_F(Stdio, ReadLineUtf8SplitAcrossReads) {
    StdinPipe in;
    const std::string line = "h\xC3\xA9llo \xF0\x9F\x8C\x8D\n";  // "héllo 🌍"
    Line got{"", false};
    std::atomic<bool> done{false};
    spawn_fn([&] {
        got = read_line_word();
        done = true;
    });
    in.write(line.substr(0, 2));  // "h" and the first byte of é
    ASSERT_TRUE(wait_until([&] { return in.pipe().unread() == 0; }));
    in.write(line.substr(2, 7));  // up to the middle of the emoji
    ASSERT_TRUE(wait_until([&] { return in.pipe().unread() == 0; }));
    EXPECT_FALSE(done.load());
    in.write(line.substr(9));
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_EQ(got.s, line);
    EXPECT_TRUE(got.ok);
}

// As Rust's read_line: an invalid line is consumed and reported as a failure;
// the next line still reads.
TEST_F(Stdio, ReadLineInvalidUtf8) {
    StdinPipe in;
    in.write("\xFF\xFEzz\nok\n");
    in.close_writer();
    in_strand([] {
        Line l = read_line_word();
        EXPECT_EQ(l.s, "");
        EXPECT_FALSE(l.ok);
        l = read_line_word();
        EXPECT_EQ(l.s, "ok\n");
        EXPECT_TRUE(l.ok);
    });
}

TEST_F(Stdio, StdinFromRegularFile) {
    char path[] = "/tmp/seq_stdio_inXXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::string content;
    for (int i = 0; i < 3000; ++i)
        content += "row " + std::to_string(i) + (i % 2 ? "\r\n" : "\n");
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    lseek(fd, 0, SEEK_SET);
    stdin_reset_for_test(fd);
    close(fd);
    unlink(path);
    in_strand([] {
        for (int i = 0; i < 3000; ++i) {
            Line l = read_line_word();
            ASSERT_TRUE(l.ok);
            ASSERT_EQ(l.s, "row " + std::to_string(i) + "\n");
        }
        EXPECT_FALSE(read_line_word().ok);
    });
}

TEST_F(Stdio, StdinFromDevNull) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    stdin_reset_for_test(fd);
    close(fd);
    in_strand([] {
        Line l = read_line_word();
        EXPECT_FALSE(l.ok);
        EXPECT_EQ(read_n_word(5), std::make_pair(std::string(""), int64_t{0}));
    });
}

TEST_F(Stdio, StdinFromTty) {
    int master, slave;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
    stdin_reset_for_test(slave);
    Line got{"", false};
    std::atomic<bool> done{false};
    spawn_fn([&] {
        got = read_line_word();
        done = true;
    });
    ASSERT_EQ(::write(master, "typed\n", 6), 6);
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_EQ(got.s, "typed\n");
    stdin_reset_for_test(-1);
    close(slave);
    close(master);
}

TEST_F(Stdio, ReadLineOutsideStrands) {
    StdinPipe in;
    in.write("main thread\n");
    Line l = read_line_word();
    EXPECT_EQ(l.s, "main thread\n");
    EXPECT_TRUE(l.ok);
}

// Concurrent readers: each line goes to exactly one of them, whole.
TEST_F(Stdio, ConcurrentReadersShareLines) {
    constexpr int kReaders = 10, kLines = 2000;
    StdinPipe in;
    std::string all;
    for (int i = 0; i < kLines; ++i)
        all += "line-" + std::to_string(i) + "\n";
    in.write_async_and_close(all);
    std::mutex mu;
    std::vector<int> seen(kLines, 0);
    std::atomic<int> eofs{0};
    for (int r = 0; r < kReaders; ++r)
        spawn_fn([&] {
            for (;;) {
                Line l = read_line_word();
                if (!l.ok) break;
                int i = -1;
                ASSERT_EQ(std::sscanf(l.s.c_str(), "line-%d\n", &i), 1);
                ASSERT_EQ(l.s, "line-" + std::to_string(i) + "\n");
                std::lock_guard<std::mutex> g(mu);
                ++seen[static_cast<size_t>(i)];
            }
            eofs.fetch_add(1);
        });
    patch_seq_wait_all_strands();
    EXPECT_EQ(eofs.load(), kReaders);
    for (int i = 0; i < kLines; ++i)
        ASSERT_EQ(seen[static_cast<size_t>(i)], 1) << i;
}

// ---- stdin: read_n --------------------------------------------------------------------

TEST_F(Stdio, ReadNExactPartialAndEof) {
    StdinPipe in;
    in.write("hello world");
    in.close_writer();
    in_strand([] {
        EXPECT_EQ(read_n_word(5), std::make_pair(std::string("hello"), int64_t{1}));
        EXPECT_EQ(read_n_word(0), std::make_pair(std::string(""), int64_t{1}));
        EXPECT_EQ(read_n_word(100), std::make_pair(std::string(" world"), int64_t{0}));
        EXPECT_EQ(read_n_word(1), std::make_pair(std::string(""), int64_t{0}));
    });
}

// read_n waits for all n bytes (several reads) before returning.
TEST_F(Stdio, ReadNWaitsForAllBytes) {
    StdinPipe in;
    std::pair<std::string, int64_t> got;
    std::atomic<bool> done{false};
    spawn_fn([&] {
        got = read_n_word(10);
        done = true;
    });
    in.write("01234");
    ASSERT_TRUE(wait_until([&] { return in.pipe().unread() == 0; }));
    EXPECT_FALSE(done.load());
    in.write("56789tail");
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_EQ(got, std::make_pair(std::string("0123456789"), int64_t{1}));
    in.close_writer();
    in_strand([] { EXPECT_EQ(read_n_word(10), std::make_pair(std::string("tail"), int64_t{0})); });
}

TEST_F(Stdio, ReadNLimits) {
    StdinPipe in;
    in.write("abc");
    in.close_writer();
    in_strand([] {
        EXPECT_EQ(read_n_word(-1), std::make_pair(std::string(""), int64_t{0}));
        EXPECT_EQ(read_n_word(INT64_MIN >> 1), std::make_pair(std::string(""), int64_t{0}));
        EXPECT_EQ(read_n_word(kReadNMax + 1), std::make_pair(std::string(""), int64_t{0}));
        // As upstream, a count that is not an Int is a status too (the value
        // is dropped: ASan would see a leak).
        EXPECT_EQ(read_n_value(make_string("not an int")),
                  std::make_pair(std::string(""), int64_t{0}));
        EXPECT_EQ(read_n_value(kTrue), std::make_pair(std::string(""), int64_t{0}));
        // Rejected counts consumed nothing.
        EXPECT_EQ(read_n_word(3), std::make_pair(std::string("abc"), int64_t{1}));
    });
}

TEST_F(Stdio, ReadNAtTheLimit) {
    StdinPipe in;
    std::string big(static_cast<size_t>(kReadNMax), 'z');
    big[12345] = 'y';
    in.write_async_and_close(big + "rest");
    in_strand([&] {
        auto r = read_n_word(kReadNMax);
        EXPECT_EQ(r.second, 1);
        EXPECT_TRUE(r.first == big);
        EXPECT_EQ(read_n_word(10), std::make_pair(std::string("rest"), int64_t{0}));
    });
}

// Invalid UTF-8 (here: a character cut by the count) becomes U+FFFD, as
// upstream's from_utf8_lossy.
TEST_F(Stdio, ReadNLossyUtf8) {
    StdinPipe in;
    in.write("\xC3\xA9\xE2\x82x\xFF");
    in.close_writer();
    in_strand([] {
        EXPECT_EQ(read_n_word(1), std::make_pair(std::string("\xEF\xBF\xBD"), int64_t{1}));
        EXPECT_EQ(read_n_word(1), std::make_pair(std::string("\xEF\xBF\xBD"), int64_t{1}));
        // a truncated 3-byte sequence is one replacement, then 'x', then 0xFF
        EXPECT_EQ(read_n_word(4),
                  std::make_pair(std::string("\xEF\xBF\xBDx\xEF\xBF\xBD"), int64_t{1}));
    });
}

// Buffered input is never lost between calls of different words.
TEST_F(Stdio, MixedReadsKeepBufferedInput) {
    StdinPipe in;
    in.write("abc\ndef\nghi");
    in.close_writer();
    in_strand([] {
        EXPECT_EQ(read_n_word(2), std::make_pair(std::string("ab"), int64_t{1}));
        EXPECT_EQ(read_line_word().s, "c\n");
        EXPECT_EQ(read_n_word(2), std::make_pair(std::string("de"), int64_t{1}));
#ifdef SEQ_ABI_54
        EXPECT_EQ(read_line_plus_word(), std::make_pair(std::string("f\n"), int64_t{1}));
#else
        EXPECT_EQ(read_line_word().s, "f\n");
#endif
        EXPECT_EQ(read_line_word().s, "ghi");
        EXPECT_FALSE(read_line_word().ok);
    });
}

// ---- UTF-8 helpers (the lossy rule is Rust's: maximal subparts) -----------------------

TEST(Utf8, LossyMatchesRust) {
    auto l = [](std::string_view s) { return utf8_lossy(s.data(), s.size()); };
    EXPECT_EQ(l("plain"), "plain");
    EXPECT_EQ(l("\xF0\x9F\x8C\x8D"), "\xF0\x9F\x8C\x8D");
    // Rust: String::from_utf8_lossy(b"Hello \xF0\x90\x80World") == "Hello �World"
    EXPECT_EQ(l("Hello \xF0\x90\x80World"), "Hello \xEF\xBF\xBDWorld");
    EXPECT_EQ(l("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong: 2
    EXPECT_EQ(l("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate: 3
    // above U+10FFFF: F4 alone is the maximal subpart, then 3 stray continuations
    EXPECT_EQ(l("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_TRUE(utf8_valid("h\xC3\xA9", 3));
    EXPECT_FALSE(utf8_valid("\xC3", 1));
    EXPECT_FALSE(utf8_valid("\xED\xA0\x80", 3));
}

// ---- flushed on every way out (a child process: this binary, re-executed) -------------

constexpr const char* kChildEnv = "SEQ_STDIO_TEST_CHILD";

Stack child_writer(Stack sp) {
    for (int i = 0; i < 2000; ++i)
        write_line_word("child line " + std::to_string(i));
    const char* mode = std::getenv(kChildEnv);
    if (std::strcmp(mode, "exit") == 0) {
        StackValue st[2] = {make_int(3)};
        patch_seq_exit(st + 1);  // ( 3 -- ) never returns
    }
    return sp;
}

// In the child: behave like a compiled program and leave through the path
// named by the environment.
int run_child_if_requested() {
    const char* mode = std::getenv(kChildEnv);
    if (!mode) return 0;
    if (std::strcmp(mode, "atexit") == 0) {
        // No scheduler, no flush: returning from main / exit() must flush.
        for (int i = 0; i < 2000; ++i)
            write_line_word("child line " + std::to_string(i));
        std::exit(4);
    }
    patch_seq_scheduler_init();
    patch_seq_strand_spawn(child_writer, nullptr);
    patch_seq_scheduler_run();  // mode "run": flushes after the strands are done
    std::_Exit(static_cast<int>(patch_seq_get_exit_code()));  // no atexit handlers
}
const int g_child = run_child_if_requested();

// Spawns this test binary in child mode with stdout on a pipe; returns its
// output and exit status.
std::pair<std::string, int> run_child(const char* mode) {
    Pipe p;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p.w, 1);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, kChildEnv, std::strlen(kChildEnv)) != 0) env_store.emplace_back(*e);
    env_store.push_back(std::string(kChildEnv) + "=" + mode);
    std::vector<char*> envp;
    for (auto& s : env_store)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    char exe[] = "/proc/self/exe";
    char* argv[] = {exe, nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return {"spawn failed", -1};
    p.close_w();
    std::string out = drain_fd(p.r);
    int status = 0;
    waitpid(pid, &status, 0);
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

std::string expected_child_output() {
    std::string s;
    for (int i = 0; i < 2000; ++i)
        s += "child line " + std::to_string(i) + "\n";
    return s;
}

TEST(StdioExit, FlushedAfterSchedulerRun) {
    ASSERT_EQ(g_child, 0);
    auto [out, code] = run_child("run");
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out, expected_child_output());
}

TEST(StdioExit, FlushedThroughPatchSeqExit) {
    auto [out, code] = run_child("exit");
    EXPECT_EQ(code, 3);
    EXPECT_EQ(out, expected_child_output());
}

TEST(StdioExit, FlushedAtExitWithoutScheduler) {
    auto [out, code] = run_child("atexit");
    EXPECT_EQ(code, 4);
    EXPECT_EQ(out, expected_child_output());
}

}  // namespace
}  // namespace seq
