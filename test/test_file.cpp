// File and directory words: the contract of upstream file.rs (5.4.0), plus
// what the C++ runtime adds: a strand whose file operation waits (a FIFO
// without a peer, a large file) parks instead of stalling its worker, and
// for-each-line handles chunk boundaries, CRLF and errors as Rust does.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "abi/abi_version.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/value/callable.hpp"
#include "io/fs.hpp"
#include "line_collector.hpp"
#include "seq/runtime_system.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::spawn_fn;
using test::wait_until;

using test::pop_flag;
using test::pop_str;
using test::str;
using test::TestStack;

// ---- helpers -------------------------------------------------------------------------

// Polls `pred` until it holds or `secs` pass: a bug fails instead of hanging.
std::string read_file(const std::string& p) {
    std::string out;
    FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) return "<missing>";
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    std::fclose(f);
    return out;
}

class TmpDir {
  public:
    TmpDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/seq-file-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) std::abort();
        path_ = buf.data();
    }
    ~TmpDir() {
        std::string cmd = "chmod -R u+rwx '" + path_ + "' 2>/dev/null; rm -rf '" + path_ + "'";
        if (std::system(cmd.c_str()) != 0)
            std::fprintf(stderr, "cleanup of %s failed\n", path_.c_str());
    }
    std::string path(const std::string& name = "") const {
        return name.empty() ? path_ : path_ + "/" + name;
    }
    std::string file(const std::string& name, std::string_view content) const {
        std::string p = path(name);
        FILE* f = std::fopen(p.c_str(), "wb");
        if (!f) std::abort();
        std::fwrite(content.data(), 1, content.size(), f);
        std::fclose(f);
        return p;
    }

  private:
    std::string path_;
};

// Each test gets a fresh directory.
class FileWords : public ::testing::Test {
  protected:
    TmpDir tmp;
};

// ---- file.slurp ----------------------------------------------------------------------

TEST_F(FileWords, SlurpReadsTheWholeFile) {
    std::string p = tmp.file("a.txt", "Hello, file!\n");
    TestStack st;
    st.sp = patch_seq_file_slurp(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "Hello, file!\n");
    EXPECT_EQ(st.depth(), 0u);
}

TEST_F(FileWords, SlurpUtf8AndEmpty) {
    std::string u = tmp.file("u.txt", "Hello, \xe4\xb8\x96\xe7\x95\x8c! \xf0\x9f\x8c\x8d");
    std::string e = tmp.file("e.txt", "");
    TestStack st;
    st.sp = patch_seq_file_slurp(push(st.sp, str(u)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "Hello, \xe4\xb8\x96\xe7\x95\x8c! \xf0\x9f\x8c\x8d");
    st.sp = patch_seq_file_slurp(push(st.sp, str(e)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "");
}

TEST_F(FileWords, SlurpFailuresAreEmptyAndFalse) {
    std::string nul = tmp.file("n.txt", "x") + std::string("\0", 1);
    for (const std::string& p :
         {std::string("/nonexistent/path/to/file.txt"), tmp.path(), nul, std::string()}) {
        SCOPED_TRACE(p);
        TestStack st;
        st.sp = patch_seq_file_slurp(push(st.sp, str(p)));
        EXPECT_FALSE(pop_flag(st.sp));
        EXPECT_EQ(pop_str(st.sp), "");
    }
}

// Bytes that are not UTF-8 are where the contracts differ: 7.x reads them
// (fs::read; this binary), 5.4.0 fails (read_to_string; test_file_54), for
// small files read inline and large ones read on the threadpool alike.
TEST_F(FileWords, SlurpOfNonUtf8BytesFollowsTheCompilersContract) {
    std::string big(300 * 1024, 'x');
    big[1000] = '\xff';
    for (const std::string& body : {std::string("ok\n\xff\xfe\n"), big}) {
        std::string p = tmp.file("bad.txt", body);
        TestStack st;
        st.sp = patch_seq_file_slurp(push(st.sp, str(p)));
        EXPECT_EQ(pop_flag(st.sp), kAbi7);
        EXPECT_TRUE(pop_str(st.sp) == (kAbi7 ? body : std::string()));
    }
}

TEST_F(FileWords, SlurpLargeFileAndFilesWithoutASize) {
    std::string big(5 * 1024 * 1024 + 17, '\0');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>('a' + i % 26);
    std::string p = tmp.file("big.txt", big);
    TestStack st;
    st.sp = patch_seq_file_slurp(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_TRUE(pop_str(st.sp) == big);
    // /proc files report size 0 but have content: read to end of file.
    st.sp = patch_seq_file_slurp(push(st.sp, str("/proc/self/status")));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_NE(pop_str(st.sp).find("Name:"), std::string::npos);
}

TEST_F(FileWords, SlurpWrongTypeAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = push(st.sp, make_int(1));
    EXPECT_DEATH(patch_seq_file_slurp(st.sp), "file-slurp: expected String, got Int");
}

// ---- file.spit / file.append ----------------------------------------------------------------

TEST_F(FileWords, SpitCreatesAndOverwrites) {
    std::string p = tmp.path("s.txt");
    TestStack st;
    st.sp = push(st.sp, str("hello world"));
    st.sp = patch_seq_file_spit(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(read_file(p), "hello world");
    st.sp = push(st.sp, str("new"));
    st.sp = patch_seq_file_spit(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(read_file(p), "new");
    struct stat sb;
    ASSERT_EQ(stat(p.c_str(), &sb), 0);
    mode_t um = umask(0);
    umask(um);
    EXPECT_EQ(sb.st_mode & 0777, 0666 & ~um);  // Rust's File::create mode
    EXPECT_EQ(st.depth(), 0u);
}

TEST_F(FileWords, SpitFailures) {
    std::string ro = tmp.path("ro");
    ASSERT_EQ(mkdir(ro.c_str(), 0500), 0);
    for (const std::string& p : {std::string("/nonexistent/dir/file.txt"), tmp.path(), ro + "/x",
                                 tmp.path("n.txt") + std::string("\0", 1)}) {
        SCOPED_TRACE(p);
        if (p == ro + "/x" && geteuid() == 0) continue;  // root writes anywhere
        TestStack st;
        st.sp = push(st.sp, str("content"));
        st.sp = patch_seq_file_spit(push(st.sp, str(p)));
        EXPECT_FALSE(pop_flag(st.sp));
        st.sp = push(st.sp, str("content"));
        st.sp = patch_seq_file_append(push(st.sp, str(p)));
        EXPECT_FALSE(pop_flag(st.sp));
    }
    // The NUL-truncated name was not created.
    EXPECT_EQ(access(tmp.path("n.txt").c_str(), F_OK), -1);
}

TEST_F(FileWords, AppendAddsOrCreates) {
    std::string p = tmp.file("a.txt", "hello");
    TestStack st;
    st.sp = push(st.sp, str(" world"));
    st.sp = patch_seq_file_append(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(read_file(p), "hello world");
    std::string n = tmp.path("new.txt");
    st.sp = push(st.sp, str("content"));
    st.sp = patch_seq_file_append(push(st.sp, str(n)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(read_file(n), "content");
}

TEST_F(FileWords, SpitWrongTypeAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = push(st.sp, make_int(1));
    st.sp = push(st.sp, str("/tmp/x"));
    EXPECT_DEATH(patch_seq_file_spit(st.sp), "file.spit: expected String, got Int");
}

// ---- exists / delete / size --------------------------------------------------------------

TEST_F(FileWords, ExistsDeleteSize) {
    std::string p = tmp.file("f.txt", "hello world");
    TestStack st;
    st.sp = patch_seq_file_exists(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    st.sp = patch_seq_file_size(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(int_of(*--st.sp), 11);
    st.sp = patch_seq_file_delete(push(st.sp, str(p)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(access(p.c_str(), F_OK), -1);
    st.sp = patch_seq_file_exists(push(st.sp, str(p)));
    EXPECT_FALSE(pop_flag(st.sp));
    st.sp = patch_seq_file_delete(push(st.sp, str(p)));
    EXPECT_FALSE(pop_flag(st.sp));
    st.sp = patch_seq_file_size(push(st.sp, str(p)));
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(*--st.sp, make_int(0));
    // A directory exists (as upstream's Path::exists) but is not unlinked.
    st.sp = patch_seq_file_exists(push(st.sp, str(tmp.path())));
    EXPECT_TRUE(pop_flag(st.sp));
    st.sp = patch_seq_file_delete(push(st.sp, str(tmp.path())));
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(st.depth(), 0u);
}

// ---- directories ----------------------------------------------------------------------------

TEST_F(FileWords, DirExistsMakeDelete) {
    std::string f = tmp.file("file", "x");
    TestStack st;
    st.sp = patch_seq_dir_exists(push(st.sp, str(tmp.path())));
    EXPECT_TRUE(pop_flag(st.sp));
    st.sp = patch_seq_dir_exists(push(st.sp, str(f)));
    EXPECT_FALSE(pop_flag(st.sp));
    st.sp = patch_seq_dir_exists(push(st.sp, str("/nonexistent/directory")));
    EXPECT_FALSE(pop_flag(st.sp));

    std::string nested = tmp.path("a/b/c");
    st.sp = patch_seq_dir_make(push(st.sp, str(nested)));
    EXPECT_TRUE(pop_flag(st.sp));
    st.sp = patch_seq_dir_exists(push(st.sp, str(nested)));
    EXPECT_TRUE(pop_flag(st.sp));
    // Existing directory, trailing slash, "." components: success.
    for (std::string p : {nested, nested + "/", tmp.path("a/./b//"), std::string()}) {
        st.sp = patch_seq_dir_make(push(st.sp, str(p)));
        EXPECT_TRUE(pop_flag(st.sp)) << p;
    }
    // A file in the way, or below a file: failure.
    for (std::string p : {f, f + "/sub", tmp.path("n") + std::string("\0", 1)}) {
        st.sp = patch_seq_dir_make(push(st.sp, str(p)));
        EXPECT_FALSE(pop_flag(st.sp)) << p;
    }

    st.sp = patch_seq_dir_delete(push(st.sp, str(tmp.path("a"))));
    EXPECT_FALSE(pop_flag(st.sp));  // not empty
    st.sp = patch_seq_dir_delete(push(st.sp, str(nested)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(access(nested.c_str(), F_OK), -1);
    st.sp = patch_seq_dir_delete(push(st.sp, str(nested)));
    EXPECT_FALSE(pop_flag(st.sp));
    st.sp = patch_seq_dir_delete(push(st.sp, str(f)));
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(st.depth(), 0u);
}

std::vector<std::string> list_names(StackValue list) {
    std::vector<std::string> out;
    EXPECT_TRUE(is_kind(list, Kind::Variant));
    VariantObj* v = variant_of(list);
    EXPECT_EQ(string_of(from_heap(v->tag))->view(), "List");
    for (uint32_t i = 0; i < v->len; ++i)
        out.emplace_back(string_of(v->fields[i])->view());
    return out;
}

TEST_F(FileWords, DirListIsSortedAndSkipsDotsAndNonUtf8) {
    tmp.file("b.txt", "b");
    tmp.file("a.txt", "a");
    tmp.file("\xff\xfe.bin", "x");
    ASSERT_EQ(mkdir(tmp.path("sub").c_str(), 0700), 0);
    TestStack st;
    st.sp = patch_seq_dir_list(push(st.sp, str(tmp.path())));
    EXPECT_TRUE(pop_flag(st.sp));
    StackValue list = *--st.sp;
    EXPECT_EQ(list_names(list), (std::vector<std::string>{"a.txt", "b.txt", "sub"}));
    drop_value(list);

    st.sp = patch_seq_dir_list(push(st.sp, str(tmp.path("sub"))));
    EXPECT_TRUE(pop_flag(st.sp));
    list = *--st.sp;
    EXPECT_TRUE(list_names(list).empty());
    drop_value(list);

    for (std::string p : {std::string("/nonexistent/dir"), tmp.path("a.txt")}) {
        st.sp = patch_seq_dir_list(push(st.sp, str(p)));
        EXPECT_FALSE(pop_flag(st.sp));
        list = *--st.sp;
        EXPECT_TRUE(list_names(list).empty());  // an empty List, not another value
        drop_value(list);
    }
}

// file.for-each-line+ was removed by seqc 7.x: these run in the 5.4 build
// of this file (test_file_54).
#ifdef SEQ_ABI_54
// ---- file.for-each-line+ ---------------------------------------------------------------------

using test::collect_line;
using test::collect_with_prefix;
using test::collector;
using test::g_lines;
using test::g_lines_mu;

struct LinesOutcome {
    std::vector<std::string> lines;
    std::string message;
    bool ok;
};

LinesOutcome for_each_line(const std::string& path, StackValue quot = 0) {
    g_lines.clear();
    TestStack st;
    st.sp = push(st.sp, str(path));
    st.sp = patch_seq_file_for_each_line_plus(push(st.sp, quot ? quot : collector()));
    LinesOutcome out;
    out.ok = pop_flag(st.sp);
    out.message = pop_str(st.sp);
    EXPECT_EQ(st.depth(), 0u);
    out.lines = g_lines;
    return out;
}

using Lines = std::vector<std::string>;

TEST_F(FileWords, ForEachLineNormalisesEndingsAsRustLines) {
    auto r = for_each_line(tmp.file("l.txt", "a\r\nb\rc\n\r\nlast\r"));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.message, "");
    // Rust strips "\n" or "\r\n" only; a lone '\r' stays.
    EXPECT_EQ(r.lines, (Lines{"a\n", "b\rc\n", "\n", "last\r\n"}));

    r = for_each_line(tmp.file("m.txt", "one\ntwo\n"));
    EXPECT_EQ(r.lines, (Lines{"one\n", "two\n"}));
    r = for_each_line(tmp.file("n.txt", "no newline"));
    EXPECT_EQ(r.lines, (Lines{"no newline\n"}));
}

TEST_F(FileWords, ForEachLineEmptyFileCallsNothing) {
    auto r = for_each_line(tmp.file("e.txt", ""));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.message, "");
    EXPECT_TRUE(r.lines.empty());
}

TEST_F(FileWords, ForEachLineErrorsCarryRustsMessage) {
    auto r = for_each_line(tmp.path("missing.txt"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "No such file or directory (os error 2)");
    EXPECT_TRUE(r.lines.empty());

    r = for_each_line(tmp.path());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "Is a directory (os error 21)");

    r = for_each_line(tmp.path("x") + std::string("\0", 1));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "file name contained an unexpected NUL byte");

    // Lines before the bad one are delivered; then the error stops the loop.
    r = for_each_line(tmp.file("bad.txt", "ok\n\xff\xfe\nafter\n"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "stream did not contain valid UTF-8");
    EXPECT_EQ(r.lines, (Lines{"ok\n"}));
}

TEST_F(FileWords, ForEachLineAcrossChunkBoundaries) {
    // Lines that straddle the 64 KiB read chunks, a "\r\n" split between two
    // chunks, a line several chunks long, and a multi-byte character split.
    std::string content;
    Lines want;
    auto add = [&](const std::string& body, const char* ending) {
        content += body + ending;
        want.push_back(body + "\n");
    };
    add(std::string(65535 - 1, 'x'), "\r\n");  // '\r' ends the first chunk
    add(std::string(200000, 'y'), "\n");
    std::string wide;
    for (int i = 0; i < 40000; ++i)
        wide += "\xc3\xa9";
    add(wide, "\n");
    for (int i = 0; i < 1000; ++i)
        add("line " + std::to_string(i), "\n");
    add("tail", "");
    auto r = for_each_line(tmp.file("c.txt", content));
    EXPECT_TRUE(r.ok) << r.message;
    ASSERT_EQ(r.lines.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_TRUE(r.lines[i] == want[i]) << "line " << i;
}

TEST_F(FileWords, ForEachLineWithAClosure) {
    StackValue env = str(">");
    StackValue c = make_closure(reinterpret_cast<uintptr_t>(&collect_with_prefix), &env, 1);
    auto r = for_each_line(tmp.file("l.txt", "a\nb\n"), c);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.lines, (Lines{">a\n", ">b\n"}));
}

TEST_F(FileWords, ForEachLineWrongTypesAbort) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    {
        TestStack st;
        st.sp = push(st.sp, str("/etc/hostname"));
        st.sp = push(st.sp, make_int(1));
        EXPECT_DEATH(patch_seq_file_for_each_line_plus(st.sp),
                     "file-for-each-line\\+: expected Quotation or Closure, got Int");
    }
    {
        TestStack st;
        st.sp = push(st.sp, make_int(1));
        st.sp = push(st.sp, collector());
        EXPECT_DEATH(patch_seq_file_for_each_line_plus(st.sp),
                     "file-for-each-line\\+: expected String path, got Int");
    }
}

#endif  // SEQ_ABI_54

// ---- from strands: waiting parks the strand, not the worker -------------------------------------

// Opens the write end of `fifo` once a reader has it open (bounded).
int open_fifo_writer(const std::string& fifo) {
    int fd = -1;
    wait_until([&] {
        fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return fd >= 0;
    });
    if (fd >= 0) fcntl(fd, F_SETFL, 0);
    return fd;
}

// Reads `fd` (non-blocking) until end of stream, waiting at most a minute.
std::string drain_bounded(int fd) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < end) {
        struct pollfd p {
            fd, POLLIN, 0
        };
        if (poll(&p, 1, 100) <= 0) continue;
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) out.append(buf, static_cast<size_t>(n));
        if (n == 0) return out;
    }
    return out + "<timeout>";
}

// One worker: if a file word blocked it, no other strand could run.
class FileStrands : public test::WithScheduler<FileWords> {
  protected:
    FileStrands() : WithScheduler({{"SEQ_WORKERS", "1"}}) {}
};

// Runs a word on a fresh value stack inside the strand (as compiled code does).
struct StrandStack {
    StrandStack() : st(value_stack_new(64)), sp(st->base) { set_stack_base(st->base); }
    ~StrandStack() {
        for (Stack p = st->base; p < sp; ++p)
            drop_value(*p);
        st->sp = 0;
        value_stack_free(st);
    }
    ValueStack* st;
    Stack sp;
};

TEST_F(FileStrands, SlurpOfAFifoWaitsWithoutStallingTheWorker) {
    std::string fifo = tmp.path("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::atomic<bool> reader_done{false}, other_ran{false};
    std::string got;
    bool got_ok = false;
    spawn_fn([&] {
        StrandStack s;
        // open() blocks until a writer appears: on the threadpool, not here.
        s.sp = patch_seq_file_slurp(push(s.sp, str(fifo)));
        got_ok = pop_flag(s.sp);
        got = pop_str(s.sp);
        reader_done = true;
    });
    spawn_fn([&] { other_ran = true; });
    // EXPECT, not ASSERT: the writer below must still release the reader.
    EXPECT_TRUE(wait_until([&] { return other_ran.load(); }, 20))
        << "a strand waiting in file.slurp stalled the only worker";
    EXPECT_FALSE(reader_done.load());
    int fd = open_fifo_writer(fifo);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "through a fifo", 14), 14);
    close(fd);
    ASSERT_TRUE(wait_until([&] { return reader_done.load(); }));
    EXPECT_TRUE(got_ok);
    EXPECT_EQ(got, "through a fifo");
}

TEST_F(FileStrands, SpitToAFifoWaitsWithoutStallingTheWorker) {
    std::string fifo = tmp.path("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::atomic<bool> writer_done{false}, other_ran{false};
    bool ok = false;
    spawn_fn([&] {
        StrandStack s;
        s.sp = push(s.sp, str("to the reader"));
        s.sp = patch_seq_file_spit(push(s.sp, str(fifo)));
        ok = pop_flag(s.sp);
        writer_done = true;
    });
    spawn_fn([&] { other_ran = true; });
    EXPECT_TRUE(wait_until([&] { return other_ran.load(); }, 20))
        << "a strand waiting in file.spit stalled the only worker";
    EXPECT_FALSE(writer_done.load());
    int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::string data = drain_bounded(fd);
    close(fd);
    ASSERT_TRUE(wait_until([&] { return writer_done.load(); }));
    EXPECT_TRUE(ok);
    EXPECT_EQ(data, "to the reader");
}

#ifdef SEQ_ABI_54
TEST_F(FileStrands, ForEachLineOnAFifoRunsLinesAsTheyArrive) {
    std::string fifo = tmp.path("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    g_lines.clear();
    std::atomic<bool> done{false};
    std::atomic<int> ticks{0};
    bool ok = false;
    spawn_fn([&] {
        StrandStack s;
        s.sp = push(s.sp, str(fifo));
        s.sp = patch_seq_file_for_each_line_plus(push(s.sp, collector()));
        ok = pop_flag(s.sp);
        EXPECT_EQ(pop_str(s.sp), "");
        done = true;
    });
    int fd = open_fifo_writer(fifo);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "first\n", 6), 6);
    ASSERT_TRUE(wait_until([&] {
        std::lock_guard<std::mutex> lock(g_lines_mu);
        return g_lines.size() == 1;
    }));
    // The reader now waits for more input; the worker still runs others.
    spawn_fn([&] { ticks = 1; });
    EXPECT_TRUE(wait_until([&] { return ticks.load() == 1; }, 20))
        << "a strand waiting for the next line stalled the only worker";
    EXPECT_FALSE(done.load());
    ASSERT_EQ(write(fd, "second\nthird", 12), 12);
    close(fd);
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_TRUE(ok);
    EXPECT_EQ(g_lines, (Lines{"first\n", "second\n", "third\n"}));
}
#endif

TEST_F(FileStrands, ManyStrandsWriteAndReadTheirOwnFiles) {
#if defined(SEQ_TSAN)
    constexpr int kStrands = 50;
#else
    constexpr int kStrands = 300;
#endif
    std::atomic<int> good{0};
    for (int i = 0; i < kStrands; ++i) {
        spawn_fn([&, i] {
            StrandStack s;
            std::string p = tmp.path("f" + std::to_string(i));
            std::string body = "strand " + std::to_string(i) + "\n";
            s.sp = push(s.sp, str(body));
            s.sp = patch_seq_file_spit(push(s.sp, str(p)));
            bool w = pop_flag(s.sp);
            s.sp = push(s.sp, str("more\n"));
            s.sp = patch_seq_file_append(push(s.sp, str(p)));
            bool a = pop_flag(s.sp);
            s.sp = patch_seq_file_slurp(push(s.sp, str(p)));
            bool r = pop_flag(s.sp);
            std::string content = pop_str(s.sp);
            s.sp = patch_seq_file_delete(push(s.sp, str(p)));
            bool d = pop_flag(s.sp);
            if (w && a && r && d && content == body + "more\n") ++good;
        });
    }
    wait_all_strands();
    EXPECT_EQ(good.load(), kStrands);
    auto names = dir_names(tmp.path());
    ASSERT_TRUE(names.has_value());
    EXPECT_TRUE(names->empty());
}

// Runs fn in a strand and waits for it (bounded).
void run_in_strand(std::function<void()> fn) {
    std::atomic<bool> done{false};
    spawn_fn([&] {
        fn();
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
}

std::string patterned(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i)
        s[i] = (i % 61 == 60) ? '\n' : static_cast<char>('a' + i % 26);
    return s;
}

TEST_F(FileStrands, LargeFilesGoThroughTheThreadpool) {
    // Sizes on both sides of the inline limit (64 KiB).
    for (size_t n : {size_t{65536}, size_t{65537}, size_t{3} << 20}) {
        SCOPED_TRACE(n);
        std::string body = patterned(n);
        std::string p = tmp.path("big");
        bool spit = false, slurp = false, appended = false, deleted = false;
        std::string back;
#ifdef SEQ_ABI_54
        size_t lines = 0;
#endif
        run_in_strand([&] {
            StrandStack s;
            s.sp = push(s.sp, str(body));
            s.sp = patch_seq_file_spit(push(s.sp, str(p)));
            spit = pop_flag(s.sp);
            s.sp = push(s.sp, str(body));
            s.sp = patch_seq_file_append(push(s.sp, str(p)));
            appended = pop_flag(s.sp);
            s.sp = patch_seq_file_slurp(push(s.sp, str(p)));
            slurp = pop_flag(s.sp);
            back = pop_str(s.sp);
#ifdef SEQ_ABI_54
            g_lines.clear();
            s.sp = push(s.sp, str(p));
            s.sp = patch_seq_file_for_each_line_plus(push(s.sp, collector()));
            EXPECT_TRUE(pop_flag(s.sp));
            EXPECT_EQ(pop_str(s.sp), "");
            lines = g_lines.size();
#endif
            s.sp = patch_seq_file_delete(push(s.sp, str(p)));
            deleted = pop_flag(s.sp);
        });
        EXPECT_TRUE(spit && appended && slurp && deleted);
        EXPECT_TRUE(back == body + body);
#ifdef SEQ_ABI_54
        size_t want_lines = 0;
        for (char c : body + body)
            want_lines += c == '\n';
        if ((body + body).back() != '\n') ++want_lines;
        EXPECT_EQ(lines, want_lines);
#endif
        EXPECT_EQ(access(p.c_str(), F_OK), -1);
    }
}

// Drops a file's pages from the page cache; false if the kernel kept any.
bool evict(const std::string& p) {
    int fd = open(p.c_str(), O_RDONLY);
    if (fd < 0) return false;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    struct stat st;
    fstat(fd, &st);
    size_t len = static_cast<size_t>(st.st_size);
    void* m = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return false;
    std::vector<unsigned char> vec((len + 4095) / 4096);
    bool cold = mincore(m, len, vec.data()) == 0;
    for (unsigned char v : vec)
        cold = cold && !(v & 1);
    munmap(m, len);
    return cold;
}

TEST_F(FileStrands, UncachedSmallFilesFallBackToTheThreadpool) {
    // Not in the page cache: the inline read (RWF_NOWAIT) gives way to the
    // threadpool, which must continue from where it stopped.
    std::string body = patterned(48 * 1024);
    std::string p = tmp.file("cold.txt", body);
    if (!evict(p)) GTEST_SKIP() << "the kernel kept the pages cached";
    std::string back;
    bool ok = false;
    run_in_strand([&] {
        StrandStack s;
        s.sp = patch_seq_file_slurp(push(s.sp, str(p)));
        ok = pop_flag(s.sp);
        back = pop_str(s.sp);
    });
    EXPECT_TRUE(ok);
    EXPECT_TRUE(back == body);

#ifdef SEQ_ABI_54
    std::string lines_file = tmp.file("cold-lines.txt", patterned(300 * 1024));
    if (!evict(lines_file)) GTEST_SKIP() << "the kernel kept the pages cached";
    size_t n = 0;
    run_in_strand([&] {
        StrandStack s;
        g_lines.clear();
        s.sp = push(s.sp, str(lines_file));
        s.sp = patch_seq_file_for_each_line_plus(push(s.sp, collector()));
        EXPECT_TRUE(pop_flag(s.sp));
        EXPECT_EQ(pop_str(s.sp), "");
        std::string joined;
        for (auto& l : g_lines)
            joined += l;
        EXPECT_TRUE(joined == patterned(300 * 1024) + "\n");
        n = g_lines.size();
    });
    EXPECT_EQ(n, 300 * 1024 / 61 + 1);
#endif
}

TEST_F(FileStrands, LargeDirectoryIsListedOnTheThreadpool) {
    std::string d = tmp.path("many");
    ASSERT_EQ(mkdir(d.c_str(), 0700), 0);
    std::vector<std::string> want;
    for (int i = 0; i < 3000; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "entry-with-a-longer-name-%05d", i);
        want.push_back(name);
        int fd = open((d + "/" + name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        close(fd);
    }
    struct stat st;
    ASSERT_EQ(stat(d.c_str(), &st), 0);
    EXPECT_GT(st.st_size, 64 * 1024);  // beyond the inline limit
    std::vector<std::string> names;
    run_in_strand([&] {
        StrandStack s;
        s.sp = patch_seq_dir_list(push(s.sp, str(d)));
        EXPECT_TRUE(pop_flag(s.sp));
        StackValue l = *--s.sp;
        names = list_names(l);
        drop_value(l);
    });
    EXPECT_EQ(names, want);
}

TEST_F(FileStrands, DirMakeOfADeepPathFitsAStrandStack) {
    // 1000 missing levels: a stack frame per level (as Rust's recursion)
    // would overflow a 128 KiB strand stack.
    std::string deep = tmp.path("d");
    for (int i = 0; i < 1000; ++i)
        deep += "/d";
    std::atomic<bool> done{false};
    bool ok = false;
    spawn_fn([&] {
        StrandStack s;
        s.sp = patch_seq_dir_make(push(s.sp, str(deep)));
        ok = pop_flag(s.sp);
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_TRUE(ok);
    EXPECT_EQ(path_kind(deep), PathKind::Dir);
}

TEST_F(FileStrands, DirListFromAStrand) {
    tmp.file("z", "");
    tmp.file("y", "");
    std::atomic<bool> done{false};
    std::vector<std::string> names;
    spawn_fn([&] {
        StrandStack s;
        s.sp = patch_seq_dir_list(push(s.sp, str(tmp.path())));
        EXPECT_TRUE(pop_flag(s.sp));
        StackValue l = *--s.sp;
        names = list_names(l);
        drop_value(l);
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_EQ(names, (std::vector<std::string>{"y", "z"}));
}

}  // namespace
}  // namespace seq
