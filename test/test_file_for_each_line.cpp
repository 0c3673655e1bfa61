// file.for-each-line, seqc 7.x: ( path quot -- Bool ), the walk of 5.4.0's
// file-for-each-line+ without its message: lines as Rust's BufRead::lines()
// gives them with "\n" put back, false when the file cannot be opened or a
// line is not UTF-8.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "core/value/stack.hpp"
#include "line_collector.hpp"
#include "seq/runtime_system.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::pop_flag;
using test::spawn_fn;
using test::str;
using test::TestStack;
using test::wait_until;
using Lines = std::vector<std::string>;

using test::collect_line;
using test::collect_with_prefix;
using test::collector;
using test::g_lines;
using test::g_lines_mu;

class ForEachLine : public ::testing::Test {
  protected:
    ForEachLine() {
        std::string tmpl = "/tmp/seq-lines-XXXXXX";
        if (!mkdtemp(tmpl.data())) std::abort();
        dir_ = tmpl;
        g_lines.clear();
    }
    ~ForEachLine() override {
        std::string cmd = "rm -rf '" + dir_ + "'";
        if (std::system(cmd.c_str()) != 0)
            std::fprintf(stderr, "cleanup of %s failed\n", dir_.c_str());
    }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    std::string file(const std::string& name, std::string_view content) const {
        std::string p = path(name);
        FILE* f = std::fopen(p.c_str(), "wb");
        if (!f) std::abort();
        std::fwrite(content.data(), 1, content.size(), f);
        std::fclose(f);
        return p;
    }
    // Runs the word; checks that only the flag is left.
    bool run(const std::string& p, StackValue quot = 0) {
        TestStack st;
        st.sp = push(st.sp, str(p));
        st.sp = push(st.sp, quot ? quot : collector());
        st.sp = patch_seq_file_for_each_line(st.sp);
        EXPECT_EQ(st.depth(), 1u);
        return pop_flag(st.sp);
    }
    std::string dir_;
};

TEST_F(ForEachLine, LinesWithTheirEndingsNormalised) {
    EXPECT_TRUE(run(file("l.txt", "a\r\nb\rc\n\r\nlast\r")));
    // "\n" and "\r\n" end a line and become "\n"; a lone '\r' stays.
    EXPECT_EQ(g_lines, (Lines{"a\n", "b\rc\n", "\n", "last\r\n"}));
    g_lines.clear();
    EXPECT_TRUE(run(file("n.txt", "no newline")));
    EXPECT_EQ(g_lines, (Lines{"no newline\n"}));
}

TEST_F(ForEachLine, EmptyFileSucceedsWithoutCalls) {
    EXPECT_TRUE(run(file("e.txt", "")));
    EXPECT_TRUE(g_lines.empty());
}

TEST_F(ForEachLine, FailuresAreFalse) {
    EXPECT_FALSE(run(path("missing.txt")));
    EXPECT_FALSE(run(dir_));  // a directory
    EXPECT_FALSE(run(path("x") + std::string("\0", 1)));
    EXPECT_TRUE(g_lines.empty());
    // Lines before one that is not UTF-8 were delivered.
    EXPECT_FALSE(run(file("bad.txt", "ok\n\xff\xfe\nafter\n")));
    EXPECT_EQ(g_lines, (Lines{"ok\n"}));
}

TEST_F(ForEachLine, WithAClosure) {
    StackValue env = str(">");
    StackValue c = make_closure(reinterpret_cast<uintptr_t>(&collect_with_prefix), &env, 1);
    EXPECT_TRUE(run(file("l.txt", "a\nb\n"), c));
    EXPECT_EQ(g_lines, (Lines{">a\n", ">b\n"}));
}

TEST_F(ForEachLine, WrongTypesAbortNamingTheWord) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    {
        TestStack st;
        st.sp = push(st.sp, str("/etc/hostname"));
        st.sp = push(st.sp, make_int(1));
        EXPECT_DEATH(patch_seq_file_for_each_line(st.sp),
                     "file.for-each-line: expected Quotation or Closure, got Int");
    }
    {
        TestStack st;
        st.sp = push(st.sp, make_int(1));
        st.sp = push(st.sp, collector());
        EXPECT_DEATH(patch_seq_file_for_each_line(st.sp),
                     "file.for-each-line: expected String path, got Int");
    }
}

// From a strand, as compiled code calls it: the walk yields between lines, so
// another strand on the one worker runs before a long file is done.
class ForEachLineStrands : public test::WithScheduler<ForEachLine> {
  protected:
    ForEachLineStrands() : WithScheduler({{"SEQ_WORKERS", "1"}}) {}
};

std::atomic<int> g_other_ran_at{-1};

Stack note_line(Stack sp) {  // ( String -- ) counts lines
    drop_value(*--sp);
    std::lock_guard<std::mutex> lock(g_lines_mu);
    g_lines.emplace_back();
    return sp;
}

TEST_F(ForEachLineStrands, YieldsBetweenLines) {
    std::string content;
    for (int i = 0; i < 200; ++i)
        content += "line\n";
    std::string p = file("many.txt", content);
    std::atomic<bool> done{false};
    bool ok = false;
    spawn_fn([&] {
        ValueStack* vs = value_stack_new(64);
        set_stack_base(vs->base);
        Stack sp = push(vs->base, str(p));
        auto a = reinterpret_cast<uintptr_t>(&note_line);
        sp = push(sp, make_quotation(a, a));
        // Spawned here, so it is queued behind this strand on the one worker.
        spawn_fn([] {
            std::lock_guard<std::mutex> lock(g_lines_mu);
            g_other_ran_at = static_cast<int>(g_lines.size());
        });
        sp = patch_seq_file_for_each_line(sp);
        ok = pop_flag(sp);
        vs->sp = 0;
        value_stack_free(vs);
        done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done.load(); }));
    EXPECT_TRUE(ok);
    EXPECT_EQ(g_lines.size(), 200u);
    EXPECT_GE(g_other_ran_at.load(), 0);
    EXPECT_LT(g_other_ran_at.load(), 200) << "the other strand only ran after the whole file";
}

}  // namespace
}  // namespace seq
