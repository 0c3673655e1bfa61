// Environment, platform, path and randomness words: the contract of upstream
// os.rs and crypto.rs (5.4.0), with path results checked against Rust's
// std::path (the table below was produced by rustc 1.x on Linux).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/sys/os_env.hpp"
#include "core/sys/os_random.hpp"
#include "seq/runtime_system.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::pop_flag;
using test::pop_str;
using test::str;
using test::TestStack;

// A fresh directory under $TMPDIR, removed with its contents at the end.
class TmpDir {
  public:
    TmpDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/seq-os-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) std::abort();
        path_ = buf.data();
    }
    ~TmpDir() {
        std::string cmd = "rm -rf '" + path_ + "'";
        if (std::system(cmd.c_str()) != 0)
            std::fprintf(stderr, "cleanup of %s failed\n", path_.c_str());
    }
    const std::string& path() const { return path_; }
    std::string file(const std::string& name, std::string_view content = "") const {
        std::string p = path_ + "/" + name;
        FILE* f = std::fopen(p.c_str(), "wb");
        if (!f) std::abort();
        std::fwrite(content.data(), 1, content.size(), f);
        std::fclose(f);
        return p;
    }

  private:
    std::string path_;
};

// ---- environment ------------------------------------------------------------------

TEST(Getenv, ExistingVariable) {
    TestStack st;
    st.sp = patch_seq_getenv(push(st.sp, str("PATH")));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), std::getenv("PATH"));
}

TEST(Getenv, MissingVariableIsEmptyAndFalse) {
    TestStack st;
    st.sp = patch_seq_getenv(push(st.sp, str("THIS_ENV_VAR_SHOULD_NOT_EXIST_12345")));
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "");
}

TEST(Getenv, EmptyValueIsSuccess) {
    setenv("SEQ_TEST_EMPTY_VAR", "", 1);
    TestStack st;
    st.sp = patch_seq_getenv(push(st.sp, str("SEQ_TEST_EMPTY_VAR")));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "");
    unsetenv("SEQ_TEST_EMPTY_VAR");
}

TEST(Getenv, NonUtf8ValueFailsAsInRust) {
    setenv("SEQ_TEST_BAD_UTF8", "ab\xff", 1);
    TestStack st;
    st.sp = patch_seq_getenv(push(st.sp, str("SEQ_TEST_BAD_UTF8")));
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "");
    unsetenv("SEQ_TEST_BAD_UTF8");
}

TEST(Getenv, NameWithNulNeverMatchesAShorterName) {
    setenv("SEQ_TEST_NUL", "value", 1);
    TestStack st;
    st.sp = patch_seq_getenv(push(st.sp, str(std::string_view("SEQ_TEST_NUL\0X", 14))));
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "");
    unsetenv("SEQ_TEST_NUL");
}

TEST(Getenv, WrongTypeAbortsNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    {
        TestStack st;
        st.sp = push(st.sp, make_int(3));
        EXPECT_DEATH(patch_seq_getenv(st.sp), "getenv: expected String, got Int");
    }
    {
        TestStack st;
        st.sp = push(st.sp, str("x"));
        st.sp = push(st.sp, make_int(1));
        EXPECT_DEATH(patch_seq_path_join(st.sp), "path-join: expected String, got Int");
    }
}

TEST(HomeDir, FollowsHome) {
    const char* saved = std::getenv("HOME");
    std::string old = saved ? saved : "";
    setenv("HOME", "/some/where", 1);
    TestStack st;
    st.sp = patch_seq_home_dir(st.sp);
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "/some/where");
    unsetenv("HOME");
    st.sp = patch_seq_home_dir(st.sp);
    EXPECT_FALSE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "");
    if (saved) setenv("HOME", old.c_str(), 1);
}

TEST(CurrentDir, MatchesGetcwd) {
    char buf[4096];
    ASSERT_NE(getcwd(buf, sizeof buf), nullptr);
    TestStack st;
    st.sp = patch_seq_current_dir(st.sp);
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), buf);
}

TEST(CurrentDir, LongPathsGrowTheBuffer) {
    TmpDir tmp;
    std::string deep = tmp.path();
    for (int i = 0; i < 12; ++i) {
        deep += "/" + std::string(60, static_cast<char>('a' + i));
        ASSERT_EQ(mkdir(deep.c_str(), 0700), 0);
    }
    char old[4096];
    ASSERT_NE(getcwd(old, sizeof old), nullptr);
    ASSERT_EQ(chdir(deep.c_str()), 0);
    auto cwd = current_dir();
    ASSERT_EQ(chdir(old), 0);
    ASSERT_TRUE(cwd.has_value());
    char real[4096];
    ASSERT_NE(realpath(deep.c_str(), real), nullptr);
    EXPECT_EQ(*cwd, real);
    EXPECT_GT(cwd->size(), 700u);
}

TEST(Platform, NameAndArch) {
    TestStack st;
    st.sp = patch_seq_os_name(st.sp);
    st.sp = patch_seq_os_arch(st.sp);
    std::string arch = pop_str(st.sp);
    std::string name = pop_str(st.sp);
#if defined(__linux__)
    EXPECT_EQ(name, "linux");
#endif
#if defined(__x86_64__)
    EXPECT_EQ(arch, "x86_64");
#elif defined(__aarch64__)
    EXPECT_EQ(arch, "aarch64");
#endif
    EXPECT_FALSE(arch.empty());
}

// ---- paths: Rust's std::path semantics ---------------------------------------------------

struct PathCase {
    const char* path;
    const char* parent;  // null: None
    const char* name;    // null: None
};

// Produced by Rust: Path::new(p).parent() / .file_name().
const PathCase kPathCases[] = {
    {"", nullptr, nullptr},
    {"/", nullptr, nullptr},
    {"//", nullptr, nullptr},
    {"///a", "/", "a"},
    {"a", "", "a"},
    {".", "", nullptr},
    {"..", "", nullptr},
    {"./", "", nullptr},
    {"./a", ".", "a"},
    {"../a", "..", "a"},
    {"a/", "", "a"},
    {"a//", "", "a"},
    {"a/b", "a", "b"},
    {"a//b", "a", "b"},
    {"a/./b", "a", "b"},
    {"a/b/.", "a", "b"},
    {"a/b/..", "a/b", nullptr},
    {"a/b/./", "a", "b"},
    {"/a", "/", "a"},
    {"//a", "/", "a"},
    {"/a/", "/", "a"},
    {"/.", nullptr, nullptr},
    {"/..", "/", nullptr},
    {"./.", "", nullptr},
    {"././a", ".", "a"},
    {".a", "", ".a"},
    {"a.", "", "a."},
    {"a/.b", "a", ".b"},
    {"foo.txt/.", "", "foo.txt"},
    {"foo.txt/..", "foo.txt", nullptr},
    {"foo.txt/.//", "", "foo.txt"},
    {"/home/user/documents", "/home/user", "documents"},
    {"/home/user/", "/home", "user"},
    {"a/b/c/", "a/b", "c"},
    {". ", "", ". "},
    {"a/ ", "a", " "},
    {"\xc3\xa9t\xc3\xa9/x", "\xc3\xa9t\xc3\xa9", "x"},
};

TEST(Path, ParentAndFilenameMatchRust) {
    for (const PathCase& c : kPathCases) {
        SCOPED_TRACE(std::string("path \"") + c.path + "\"");
        TestStack st;
        st.sp = patch_seq_path_parent(push(st.sp, str(c.path)));
        bool has_parent = pop_flag(st.sp);
        std::string parent = pop_str(st.sp);
        EXPECT_EQ(has_parent, c.parent != nullptr);
        EXPECT_EQ(parent, c.parent ? c.parent : "");

        st.sp = patch_seq_path_filename(push(st.sp, str(c.path)));
        bool has_name = pop_flag(st.sp);
        std::string name = pop_str(st.sp);
        EXPECT_EQ(has_name, c.name != nullptr);
        EXPECT_EQ(name, c.name ? c.name : "");
    }
}

TEST(Path, JoinMatchesRust) {
    struct {
        const char *base, *comp, *want;
    } cases[] = {
        {"/home/user", "documents", "/home/user/documents"},
        {"/home/user/", "documents", "/home/user/documents"},
        {"/home/user", "/etc/passwd", "/etc/passwd"},
        {"/home/user", "", "/home/user/"},
        {"", "x", "x"},
        {"", "", ""},
        {"a", "b/", "a/b/"},
        {"a//", "b", "a//b"},
        {"/", "x", "/x"},
        {".", "x", "./x"},
        {"a", "./b", "a/./b"},
    };
    for (auto& c : cases) {
        TestStack st;
        st.sp = push(st.sp, str(c.base));
        st.sp = patch_seq_path_join(push(st.sp, str(c.comp)));
        EXPECT_EQ(pop_str(st.sp), c.want) << c.base << " + " << c.comp;
        EXPECT_EQ(st.depth(), 0u);
    }
}

TEST(Path, ParentOfAFileInATempDirIsTheDir) {
    TmpDir tmp;
    std::string f = tmp.file("test.txt", "x");
    TestStack st;
    st.sp = patch_seq_path_parent(push(st.sp, str(f)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), tmp.path());
    st.sp = patch_seq_path_filename(push(st.sp, str(f)));
    EXPECT_TRUE(pop_flag(st.sp));
    EXPECT_EQ(pop_str(st.sp), "test.txt");
}

TEST(Path, Predicates) {
    TmpDir tmp;
    std::string f = tmp.file("f.txt", "content");
    std::string d = tmp.path() + "/sub";
    ASSERT_EQ(mkdir(d.c_str(), 0700), 0);
    std::string link = tmp.path() + "/link";
    ASSERT_EQ(symlink(f.c_str(), link.c_str()), 0);
    std::string dangling = tmp.path() + "/dangling";
    ASSERT_EQ(symlink((tmp.path() + "/nowhere").c_str(), dangling.c_str()), 0);
    std::string missing = tmp.path() + "/missing";
    std::string with_nul = f + std::string("\0", 1);

    struct {
        std::string path;
        bool exists, is_file, is_dir;
    } cases[] = {
        {f, true, true, false},
        {d, true, false, true},
        {link, true, true, false},        // links are followed, as Rust's metadata
        {dangling, false, false, false},  // ... so a dangling one does not exist
        {missing, false, false, false},
        {"/dev/null", true, false, false},  // neither a file nor a directory
        {with_nul, false, false, false},    // never the shorter path C would see
        {"", false, false, false},
    };
    for (auto& c : cases) {
        SCOPED_TRACE(c.path);
        TestStack st;
        st.sp = patch_seq_path_exists(push(st.sp, str(c.path)));
        EXPECT_EQ(pop_flag(st.sp), c.exists);
        st.sp = patch_seq_path_is_file(push(st.sp, str(c.path)));
        EXPECT_EQ(pop_flag(st.sp), c.is_file);
        st.sp = patch_seq_path_is_dir(push(st.sp, str(c.path)));
        EXPECT_EQ(pop_flag(st.sp), c.is_dir);
        EXPECT_EQ(st.depth(), 0u);
    }
}

// ---- randomness ---------------------------------------------------------------------------

bool is_lower_hex(const std::string& s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

TEST(RandomBytes, HexOfTheRequestedLength) {
    for (int64_t n : {0, 1, 16, 63, 64, 65, 255, 256, 257, 1024}) {
        TestStack st;
        st.sp = patch_seq_random_bytes(push(st.sp, make_int(n)));
        std::string s = pop_str(st.sp);
        EXPECT_EQ(s.size(), static_cast<size_t>(2 * n));
        EXPECT_TRUE(is_lower_hex(s)) << s;
    }
}

TEST(RandomBytes, TwoDrawsDiffer) {
    TestStack st;
    st.sp = patch_seq_random_bytes(push(st.sp, make_int(16)));
    st.sp = patch_seq_random_bytes(push(st.sp, make_int(16)));
    EXPECT_NE(pop_str(st.sp), pop_str(st.sp));
}

TEST(RandomBytes, InvalidCountsAbort) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    EXPECT_DEATH(patch_seq_random_bytes(push(st.sp, make_int(1025))),
                 "random-bytes: byte count too large \\(max 1024\\), got 1025");
    EXPECT_DEATH(patch_seq_random_bytes(push(st.sp, make_int(-1))),
                 "random-bytes: byte count must be non-negative, got -1");
    EXPECT_DEATH(patch_seq_random_bytes(push(st.sp, kTrue)), "random-bytes: expected Int");
}

TEST(RandomBytes, EveryByteValueAppears) {
    // 256 KiB of output: each of the 256 values is expected ~1024 times; a
    // generator stuck on a subset (or returning zeros) misses most of them.
    std::vector<unsigned char> buf(256 * 1024);
    for (size_t i = 0; i < buf.size(); i += 100)
        random_fill(buf.data() + i, std::min<size_t>(100, buf.size() - i));
    std::vector<int> seen(256);
    for (unsigned char b : buf)
        ++seen[b];
    for (int v = 0; v < 256; ++v) {
        EXPECT_GT(seen[v], 700) << "byte " << v;
        EXPECT_LT(seen[v], 1400) << "byte " << v;
    }
}

TEST(Uuid4, FormatVersionAndVariant) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        TestStack st;
        st.sp = patch_seq_uuid4(st.sp);
        std::string u = pop_str(st.sp);
        ASSERT_EQ(u.size(), 36u);
        for (size_t pos : {8u, 13u, 18u, 23u})
            EXPECT_EQ(u[pos], '-') << u;
        std::string hex =
            u.substr(0, 8) + u.substr(9, 4) + u.substr(14, 4) + u.substr(19, 4) + u.substr(24);
        EXPECT_TRUE(is_lower_hex(hex)) << u;
        EXPECT_EQ(u[14], '4') << u;
        EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
        seen.insert(u);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomInt, EmptyRangeGivesMin) {
    TestStack st;
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{5, 5}, {7, 3}, {kIntMax, kIntMin}}) {
        st.sp = push(st.sp, make_int(lo));
        st.sp = patch_seq_random_int(push(st.sp, make_int(hi)));
        EXPECT_EQ(int_of(*--st.sp), lo);
    }
}

TEST(RandomInt, StaysInRangeAndCoversIt) {
    TestStack st;
    std::vector<int> counts(10);
    for (int i = 0; i < 100000; ++i) {
        st.sp = push(st.sp, make_int(-3));
        st.sp = patch_seq_random_int(push(st.sp, make_int(7)));
        int64_t v = int_of(*--st.sp);
        ASSERT_GE(v, -3);
        ASSERT_LT(v, 7);
        ++counts[static_cast<size_t>(v + 3)];
    }
    // 10000 expected per value; 5 standard deviations is ~470.
    for (int c : counts) {
        EXPECT_GT(c, 9000);
        EXPECT_LT(c, 11000);
    }
}

TEST(RandomInt, SingleValueRangeAndFullRange) {
    TestStack st;
    st.sp = push(st.sp, make_int(41));
    st.sp = patch_seq_random_int(push(st.sp, make_int(42)));
    EXPECT_EQ(int_of(*--st.sp), 41);
    bool negative = false, positive = false;
    for (int i = 0; i < 200; ++i) {
        int64_t v = random_range(kIntMin, kIntMax);
        EXPECT_GE(v, kIntMin);
        EXPECT_LT(v, kIntMax);
        (v < 0 ? negative : positive) = true;
    }
    EXPECT_TRUE(negative && positive);
    // The widest range an i64 allows (upstream's unsigned arithmetic).
    for (int i = 0; i < 100; ++i) {
        int64_t v = random_range(INT64_MIN, INT64_MAX);
        EXPECT_LT(v, INT64_MAX);
    }
}

TEST(RandomInt, WrongTypeAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = push(st.sp, str("a"));
    st.sp = push(st.sp, make_int(1));
    EXPECT_DEATH(patch_seq_random_int(st.sp), "random-int: expected Int, got String");
}

TEST(Random, ThreadsDrawIndependently) {
    constexpr int kThreads = 4, kPer = 2000;
    std::vector<std::vector<std::string>> out(kThreads);
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; i < kPer; ++i)
                out[t].push_back(uuid4());
        });
    for (auto& t : ts)
        t.join();
    std::set<std::string> all;
    for (auto& v : out)
        all.insert(v.begin(), v.end());
    EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPer));
}

TEST(Random, ForkedChildDoesNotRepeatTheParent) {
    // The parent's buffer holds unread bytes at fork; the child must not
    // serve the same ones (it would repeat the parent's next numbers).
    std::string warm = random_hex(1);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::string h = random_hex(16);
        ssize_t w = write(fds[1], h.data(), h.size());
        _exit(w == static_cast<ssize_t>(h.size()) ? 0 : 1);
    }
    close(fds[1]);
    std::string parent = random_hex(16);
    char buf[64] = {};
    ssize_t n = read(fds[0], buf, sizeof buf);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(n, 32);
    EXPECT_NE(std::string(buf, 32), parent);
}

}  // namespace
}  // namespace seq
