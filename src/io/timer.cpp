#include "io/timer.hpp"

#include <uv.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "core/sched/strand.hpp"
#include "io/uv_bridge.hpp"

namespace seq {

namespace {
int64_t raw_monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

int64_t time_now_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec < 0) return 0;
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t time_elapsed_ns() {
    static std::atomic<int64_t> base{0};  // 0: not yet set
    int64_t now = raw_monotonic_ns();
    int64_t b = base.load(std::memory_order_relaxed);
    if (b != 0) return now - b;
    if (base.compare_exchange_strong(b, now, std::memory_order_relaxed)) return 0;
    return now - b;  // another thread set it first
}

void sleep_ms(uint64_t ms) {
    if (!current_strand()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        return;
    }
    if (ms == 0) {
        yield_now();
        return;
    }
    // The timer lives on this strand's stack; the strand stays pinned to its
    // worker (UvWaiter) until the handle is closed. Closing from the timer
    // callback and completing from the close callback costs one park, not two.
    // libuv's loop clock is CLOCK_MONOTONIC_COARSE truncated to whole ms,
    // so a timer can fire up to ~2 ms early by the real clock (TSan's CI run
    // caught a 3 ms sleep lasting 2.1 ms). Sleep until a deadline on
    // CLOCK_MONOTONIC, re-arming the timer for whatever is left.
    const int64_t deadline = raw_monotonic_ns() + static_cast<int64_t>(ms) * 1000000;
    for (int64_t left = static_cast<int64_t>(ms) * 1000000; left > 0;
         left = deadline - raw_monotonic_ns()) {
        UvWaiter waiter(ParkReason::Sleep);
        uv_loop_t* loop = current_loop();
        uv_timer_t timer;
        uv_timer_init(loop, &timer);
        timer.data = &waiter;
        uv_update_time(loop);
        uv_timer_start(
            &timer,
            [](uv_timer_t* t) {
                uv_close(reinterpret_cast<uv_handle_t*>(t),
                         [](uv_handle_t* h) { static_cast<UvWaiter*>(h->data)->complete(0); });
            },
            static_cast<uint64_t>((left + 999999) / 1000000), 0);
        waiter.wait();
    }
}

}  // namespace seq
