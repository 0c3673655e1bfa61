// The one fixture for tests that run strands, and the helpers around it.
//
// Every test gets a freshly started scheduler and ends with it shut down; the
// shutdown must be clean. A test that leaves a uv handle open on a worker's
// loop or a strand alive (parked forever, or a weave whose handle is still
// held) fails, and the failure names what was left: shutdown would otherwise
// force-close and abandon it silently, and the next test would inherit the
// damage.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/value/value.hpp"
#include "seq/runtime.h"

namespace seq::test {

// Sanitizer builds run several times slower: waits get more patience (the
// per-test ctest timeout is scaled the same way, see test/CMakeLists.txt).
#if defined(SEQ_ASAN) || defined(SEQ_TSAN)
inline constexpr double kSlow = 3.0;
#else
inline constexpr double kSlow = 1.0;
#endif

// Polls `pred` from a non-strand thread until it holds or `secs` (times
// kSlow) pass, so a bug fails the test instead of hanging it. The default
// stays below the per-test timeout, so a failed wait is reported by the test
// itself and not by the watchdog.
inline bool wait_until(const std::function<bool()>& pred, double secs = 20) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs * kSlow);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return pred();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Runs `fn` on a new strand (from a strand: on the current worker), with
// the spawn options `o` (its `user` is taken for `fn`).
inline uint64_t spawn_fn(std::function<void()> fn, SpawnOptions o = {}) {
    o.user = new std::function<void()>(std::move(fn));
    return spawn_strand(
        [](Stack sp) -> Stack {
            auto* f = static_cast<std::function<void()>*>(current_strand()->user);
            (*f)();
            delete f;
            return sp;
        },
        nullptr, o);
}

// Passes when the shutdown `r` found nothing left behind; otherwise fails
// with what it found (uv handles by worker and type, strands by id).
inline ::testing::AssertionResult clean_shutdown(const ShutdownReport& r) {
    if (r.clean()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "the scheduler's shutdown found what the test left behind:\n"
           << r.describe();
}

// The scheduler fixture over any base fixture (::testing::Test, or a test
// file's own fixture such as a temporary directory): SetUp starts the
// scheduler, TearDown waits (bounded) for the strands to finish, shuts the
// scheduler down and fails the test unless the shutdown was clean.
//
// Environment variables the scheduler reads at init (SEQ_WORKERS, ...) are
// given to the constructor or to restart_with; they stay set until TearDown,
// which restores what was there before.
template <class Base = ::testing::Test>
class WithScheduler : public Base {
  public:
    using Env = std::vector<std::pair<std::string, std::string>>;

  protected:
    explicit WithScheduler(Env env = {}) : env_(std::move(env)) {}

    void SetUp() override {
        Base::SetUp();
        set_env(env_);
        checked_ = last_shutdown_report().sequence;
        patch_seq_scheduler_init();
    }

    void TearDown() override {
        wait_until([] { return counters().active.load() == 0; }, strand_wait_s);
        EXPECT_EQ(counters().active.load(), 0u)
            << "strands still active " << strand_wait_s * kSlow << " s after the test";
        shutdown_checked();
        EXPECT_FALSE(scheduler_running());
        restore_env();
        Base::TearDown();
    }

    // Shuts the scheduler down and starts it again with `env` added.
    void restart_with(const Env& env) {
        shutdown_checked();
        set_env(env);
        patch_seq_scheduler_init();
    }

    // One worker: a word that blocked its worker thread would then stop
    // every other strand, which the test can see.
    void single_worker() {
        restart_with({{"SEQ_WORKERS", "1"}});
        ASSERT_EQ(scheduler().workers.size(), 1u);
    }

    // How long TearDown waits for the test's strands to finish (times kSlow).
    double strand_wait_s = 10;

  private:
    // Shuts down (if running) and checks every shutdown since the last check:
    // a test that shut the scheduler down itself is checked too.
    void shutdown_checked() {
        patch_seq_scheduler_shutdown();
        ShutdownReport r = last_shutdown_report();
        if (r.sequence > checked_) {
            EXPECT_TRUE(clean_shutdown(r));
        }
        checked_ = r.sequence;
    }

    void set_env(const Env& env) {
        for (const auto& [name, value] : env) {
            bool saved = false;
            for (const auto& s : saved_)
                saved = saved || s.first == name;
            if (!saved) {
                const char* old = std::getenv(name.c_str());
                saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            }
            setenv(name.c_str(), value.c_str(), 1);
        }
    }

    void restore_env() {
        for (const auto& [name, old] : saved_) {
            if (old)
                setenv(name.c_str(), old->c_str(), 1);
            else
                unsetenv(name.c_str());
        }
        saved_.clear();
    }

    Env env_;
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
    uint64_t checked_ = 0;
};

using SchedulerTest = WithScheduler<>;

}  // namespace seq::test
