// Time: wall clock, a monotonic clock, and sleeping that parks the strand on
// a libuv timer of its worker's loop (the worker keeps running other strands).
#pragma once

#include <cstdint>

namespace seq {

// Microseconds since the Unix epoch (wall clock; 0 if the clock is before it).
int64_t time_now_us();
// Monotonic nanoseconds since the first call in this process (as upstream:
// the first call returns 0; values are consistent across threads).
int64_t time_elapsed_ns();
// Sleeps `ms` milliseconds (>= 0). In a strand: parks on a uv timer; 0 yields.
// Elsewhere: blocks the calling OS thread.
void sleep_ms(uint64_t ms);

}  // namespace seq
