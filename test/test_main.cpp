// main() of every test executable: GoogleTest plus a watchdog.
//
// ctest kills a test that outlives its TIMEOUT and shows only what it had
// printed, which for a hang is nothing useful. The watchdog fires a few
// seconds earlier: it prints the test's name and the runtime's diagnostics
// (counters, workers, and every tracked strand with what it waits on) to
// stderr and aborts, so the hang explains itself in the ctest log.
//
// Its limit, in seconds:
//   SEQ_TEST_WATCHDOG_S   if set (0 disables it, e.g. under a debugger);
//   SEQ_TEST_TIMEOUT - 5  otherwise, the ctest timeout test/CMakeLists.txt
//                         gives the test (also compiled in, for direct runs).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "core/sched/diagnostics.hpp"

#ifndef SEQ_TEST_TIMEOUT
#define SEQ_TEST_TIMEOUT 30
#endif

namespace {

constexpr double kMarginS = 5;  // fire this long before ctest's timeout

double watchdog_limit_s() {
    if (const char* v = std::getenv("SEQ_TEST_WATCHDOG_S")) return std::strtod(v, nullptr);
    double timeout = SEQ_TEST_TIMEOUT;
    if (const char* v = std::getenv("SEQ_TEST_TIMEOUT")) timeout = std::strtod(v, nullptr);
    return timeout > 2 * kMarginS ? timeout - kMarginS : timeout / 2;
}

void write_all(const std::string& s) {
    const char* p = s.data();
    size_t n = s.size();
    while (n) {
        ssize_t w = write(2, p, n);
        if (w <= 0) return;
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// A thread that sleeps until the running test's deadline; each test start
// re-arms it and each test end disarms it.
class Watchdog : public ::testing::EmptyTestEventListener {
  public:
    explicit Watchdog(double limit_s)
        : limit_(
              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s))),
          thread_([this] { run(); }) {}
    ~Watchdog() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

    void OnTestStart(const ::testing::TestInfo& t) override {
        std::lock_guard<std::mutex> lock(mu_);
        name_ = std::string(t.test_suite_name()) + "." + t.name();
        deadline_ = Clock::now() + limit_;
        armed_ = true;
        cv_.notify_all();
    }
    void OnTestEnd(const ::testing::TestInfo&) override {
        std::lock_guard<std::mutex> lock(mu_);
        armed_ = false;
        cv_.notify_all();
    }

  private:
    using Clock = std::chrono::steady_clock;

    void run() {
        std::unique_lock<std::mutex> lock(mu_);
        while (!stop_) {
            if (!armed_) {
                cv_.wait(lock);
            } else if (Clock::now() >= deadline_) {
                fire();
            } else {
                cv_.wait_until(lock, deadline_);
            }
        }
    }

    [[noreturn]] void fire() {
        char head[512];
        std::snprintf(head, sizeof head,
                      "\n*** watchdog: %s still running after %.1f s (its ctest timeout is "
                      "near); the runtime's state:\n",
                      name_.c_str(), std::chrono::duration<double>(limit_).count());
        write_all(head);
        write_all(seq::diagnostics_text());
        write_all("*** watchdog: aborting " + name_ + "\n");
        signal(SIGABRT, SIG_DFL);
        abort();
    }

    const Clock::duration limit_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool armed_ = false;
    bool stop_ = false;
    std::string name_;
    Clock::time_point deadline_;
    std::thread thread_;  // last: starts once the rest is initialised
};

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    double limit = watchdog_limit_s();
    // GoogleTest owns (and deletes) appended listeners.
    if (limit > 0) ::testing::UnitTest::GetInstance()->listeners().Append(new Watchdog(limit));
    return RUN_ALL_TESTS();
}
