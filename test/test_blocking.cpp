// io/blocking: run_blocking runs work on libuv's threadpool while a strand
// parks, inline for any other caller, and hands back what the work returned.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/sched/strand.hpp"
#include "io/blocking.hpp"
#include "seq/runtime.h"

namespace seq {
namespace {

// Runs `fn` on a strand and waits for it (kept here rather than shared, so
// this file depends on nothing but the scheduler's own interface).
void on_strand(std::function<void()> fn) {
    patch_seq_scheduler_init();
    SpawnOptions o;
    o.user = &fn;
    spawn_strand(
        [](Stack sp) -> Stack {
            (*static_cast<std::function<void()>*>(current_strand()->user))();
            return sp;
        },
        nullptr, o);
    patch_seq_wait_all_strands();
    patch_seq_scheduler_shutdown();
}

TEST(RunBlocking, InlineOutsideAStrand) {
    const auto me = std::this_thread::get_id();
    auto where = [] { return std::this_thread::get_id(); };
    EXPECT_EQ(run_blocking(where), me);
    bool ran = false;
    auto job = [&] { ran = true; };
    run_blocking(job);
    EXPECT_TRUE(ran);
}

TEST(RunBlocking, OffTheWorkerOnAStrand) {
    std::thread::id strand_thread, job_thread, after;
    std::string text;
    std::unique_ptr<int> moved;
    int sum = 0;
    on_strand([&] {
        strand_thread = std::this_thread::get_id();
        job_thread = run_blocking([] { return std::this_thread::get_id(); });
        text = run_blocking([] { return std::string(1000, 'x'); });
        moved = run_blocking([] { return std::make_unique<int>(42); });  // move-only
        auto add = [&] { sum += 5; };
        run_blocking(add);  // void, and by reference
        run_blocking([](void* p) { *static_cast<int*>(p) += 1; }, &sum);
        after = std::this_thread::get_id();
    });
    EXPECT_NE(job_thread, strand_thread);
    EXPECT_NE(job_thread, std::thread::id());
    EXPECT_EQ(after, strand_thread);  // the waiter pins the strand to its worker
    EXPECT_EQ(text, std::string(1000, 'x'));
    ASSERT_TRUE(moved);
    EXPECT_EQ(*moved, 42);
    EXPECT_EQ(sum, 6);
}

// While one strand waits for its job, other strands run: this job only
// finishes early once another strand has run, which a job run inline on the
// worker (with its child queued behind it there) would wait out in vain.
TEST(RunBlocking, OtherStrandsRunMeanwhile) {
    std::atomic<bool> other_ran{false};
    bool seen = false;
    on_strand([&] {
        SpawnOptions o;
        o.user = &other_ran;
        spawn_strand(
            [](Stack sp) -> Stack {
                static_cast<std::atomic<bool>*>(current_strand()->user)->store(true);
                return sp;
            },
            nullptr, o);
        seen = run_blocking([&] {
            for (int i = 0; i < 10000 && !other_ran.load(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return other_ran.load();
        });
    });
    EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace seq
