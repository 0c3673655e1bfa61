// Helpers shared by the unit tests.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/value/context.hpp"
#include "core/value/stack.hpp"
#include "core/value/value.hpp"
#include "scheduler_fixture.hpp"
#include "seq/runtime.h"

extern char** environ;

namespace seq::test {

// A value stack whose base is registered with the current context, as
// compiled seq_main does; drops what is left on it at the end of the test.
class TestStack {
  public:
    TestStack() : st_(value_stack_new(kDefaultStackSlots)) {
        set_stack_base(st_->base);
        sp = st_->base;
    }
    ~TestStack() {
        for (Stack p = st_->base; p < sp; ++p)
            drop_value(*p);
        st_->sp = 0;
        value_stack_free(st_);
        set_stack_base(nullptr);
    }
    Stack base() const { return st_->base; }
    size_t depth() const { return static_cast<size_t>(sp - st_->base); }
    StackValue top() const { return sp[-1]; }
    Stack sp;

  private:
    ValueStack* st_;
};

// Runs a word on the Floats `args` (pushed left to right, the last on top)
// and returns the one Float it leaves, checking that it leaves exactly that.
inline double float_word(Stack (*word)(Stack), std::initializer_list<double> args) {
    TestStack st;
    for (double a : args)
        st.sp = patch_seq_push_float(st.sp, a);
    st.sp = word(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    EXPECT_TRUE(is_kind(st.top(), Kind::Float));
    return float_of(st.top());
}

inline uint32_t refcount(StackValue v) {
    return heap_of(v)->rc.load();
}

// A String value for a test (heap, rc = 1).
inline StackValue str(std::string_view s) {
    return make_string(s);
}

// Pops a String (expecting one) and returns its bytes.
inline std::string pop_str(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_kind(v, Kind::String));
    std::string s(string_of(v)->view());
    drop_value(v);
    return s;
}

// Pops a Bool (expecting one).
inline bool pop_flag(Stack& sp) {
    StackValue v = *--sp;
    EXPECT_TRUE(is_bool(v)) << "expected a Bool";
    return v == kTrue;
}

// ---- subprocess tests ----------------------------------------------------------------
// A test that must watch a process fail (a leak check firing, the watchdog
// aborting) runs this binary again on one *Child.* test. ctest never runs
// those on their own (TEST_FILTER in test/CMakeLists.txt), and a direct run
// of the binary skips them: they run only with SEQ_TEST_CHILD set.

inline bool in_child() {
    return std::getenv("SEQ_TEST_CHILD") != nullptr;
}

struct ChildRun {
    int status = -1;     // as from waitpid; -1 if it could not be started
    std::string output;  // stdout and stderr, interleaved
    bool timed_out = false;
};

// Runs this binary with --gtest_filter=`filter` and `env` ("NAME=value",
// replacing any inherited NAME) plus SEQ_TEST_CHILD=1; kills it after `secs`
// (times kSlow).
inline ChildRun run_child_test(const std::string& filter, std::vector<std::string> env = {},
                               double secs = 20) {
    env.push_back("SEQ_TEST_CHILD=1");
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e) {
        bool replaced = false;
        for (const std::string& v : env)
            replaced = replaced || std::strncmp(*e, v.c_str(), v.find('=') + 1) == 0;
        if (!replaced) envp.push_back(*e);
    }
    for (std::string& v : env)
        envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string filter_arg = "--gtest_filter=" + filter;
    char self[] = "/proc/self/exe";
    char* argv[] = {self, filter_arg.data(), nullptr};

    ChildRun run;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return run;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, self, &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return run;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs * kSlow);
    for (;;) {
        if (std::chrono::steady_clock::now() > deadline) {
            run.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        pollfd pf{p[0], POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0) continue;
        char buf[4096];
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n <= 0) break;
        run.output.append(buf, static_cast<size_t>(n));
    }
    close(p[0]);
    waitpid(pid, &run.status, 0);
    return run;
}

}  // namespace seq::test
