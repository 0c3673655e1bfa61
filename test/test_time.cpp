// Time words: the contract of upstream time_ops.rs (5.4.0), plus sleeping
// that parks only the strand on a uv timer of its worker.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "io/timer.hpp"
#include "seq/runtime.h"
#include "seq/runtime_io.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::spawn_fn;
using test::wait_until;

int64_t pop_int_word(seq_stack_t (*word)(seq_stack_t)) {
    StackValue st[2];
    Stack sp = word(st);
    EXPECT_EQ(sp, st + 1);
    EXPECT_TRUE(is_int(sp[-1]));
    return int_of(sp[-1]);
}

void sleep_word(int64_t ms) {
    StackValue st[2] = {make_int(ms)};
    EXPECT_EQ(patch_seq_time_sleep_ms(st + 1), st);
}

// single_worker(): a sleep that blocked its worker thread would stop every
// other strand, so the tests below could see it.
using Time = test::SchedulerTest;

TEST_F(Time, NowIsMicrosecondsSinceEpoch) {
    int64_t us = pop_int_word(patch_seq_time_now);
    EXPECT_GT(us, 1577836800000000);  // after 2020-01-01, as upstream's test
    auto sys = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    EXPECT_LT(std::llabs(sys - us), 60 * 1000000LL);  // same clock, same unit
}

TEST_F(Time, NanosIsMonotonicAcrossThreads) {
    int64_t t1 = pop_int_word(patch_seq_time_nanos);
    EXPECT_GE(t1, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    int64_t t2 = 0;
    std::thread([&] { t2 = pop_int_word(patch_seq_time_nanos); }).join();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    int64_t t3 = pop_int_word(patch_seq_time_nanos);
    EXPECT_GT(t2, t1);
    EXPECT_GT(t3, t2);
    // Counted from the first call, as upstream (values start near zero).
    EXPECT_LT(t3, int64_t{1} << 50);
}

TEST_F(Time, SleepOutsideStrandsBlocksTheThread) {
    int64_t t1 = time_elapsed_ns();
    sleep_word(2);
    EXPECT_GE(time_elapsed_ns() - t1, 2000000);  // at least what was asked
}

TEST_F(Time, SleepInStrandLastsAtLeastTheDuration) {
    std::atomic<int64_t> elapsed{-1};
    spawn_fn([&] {
        // Busy the worker first, so its loop's cached time is stale.
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
        while (std::chrono::steady_clock::now() < until) {
        }
        int64_t t = time_elapsed_ns();
        sleep_word(3);
        elapsed = time_elapsed_ns() - t;
    });
    patch_seq_wait_all_strands();
    EXPECT_GE(elapsed.load(), 3000000);
}

// Strands sleeping 90, 60 and 30 ms wake in order of their deadlines
// (ordering only; no timing assertion). They start their sleeps together
// (a barrier on the one worker) and 30 ms apart: with 10 ms steps and no
// barrier, ASan runs on a loaded machine started the strands far enough
// apart to see them wake as {20, 10, 30}.
TEST_F(Time, SleepersWakeInDeadlineOrder) {
    single_worker();
    std::mutex mu;
    std::vector<int> order;
    std::atomic<int> ready{0};
    for (int ms : {90, 60, 30})
        spawn_fn([&, ms] {
            ready.fetch_add(1);
            while (ready.load() < 3)
                yield_now();
            sleep_word(ms);
            std::lock_guard<std::mutex> g(mu);
            order.push_back(ms);
        });
    patch_seq_wait_all_strands();
    EXPECT_EQ(order, (std::vector<int>{30, 60, 90}));
}

// A sleeping strand parks: on one worker, a strand it spawns just before
// sleeping runs first.
TEST_F(Time, SleepParksOnlyTheStrand) {
    single_worker();
    std::mutex mu;
    std::vector<std::string> order;
    spawn_fn([&] {
        spawn_fn([&] {
            std::lock_guard<std::mutex> g(mu);
            order.push_back("other");
        });
        sleep_word(50);
        std::lock_guard<std::mutex> g(mu);
        order.push_back("sleeper");
    });
    patch_seq_wait_all_strands();
    EXPECT_EQ(order, (std::vector<std::string>{"other", "sleeper"}));
}

// Many concurrent sleepers on every worker all wake (each timer is closed
// before its strand goes on: ASan would see a use after return otherwise).
TEST_F(Time, ManyConcurrentSleepers) {
    std::atomic<int> woke{0};
    for (int i = 0; i < 1000; ++i)
        spawn_fn([&, i] {
            sleep_word(i % 5);  // includes 0: a yield
            woke.fetch_add(1);
        });
    ASSERT_TRUE(wait_until([&] { return woke.load() == 1000; }));
}

TEST_F(Time, NegativeSleepIsAClearError) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(sleep_word(-1), "time.sleep-ms: duration must be non-negative, got -1");
    EXPECT_DEATH(
        {
            StackValue st[2] = {kTrue};
            patch_seq_time_sleep_ms(st + 1);
        },
        "time.sleep-ms: expected Int, got Bool");
}

}  // namespace
}  // namespace seq
