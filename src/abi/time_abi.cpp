// Time words (upstream time_ops.rs). Logic lives in io/timer.cpp.
#include "abi/abi.hpp"
#include "io/timer.hpp"
#include "seq/runtime_io.h"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_time_now(seq_stack_t sp) {
    return push(sp, make_int(time_now_us()));
}

SEQ_API seq_stack_t patch_seq_time_nanos(seq_stack_t sp) {
    return push(sp, make_int(time_elapsed_ns()));
}

SEQ_API seq_stack_t patch_seq_time_sleep_ms(seq_stack_t sp) {
    int64_t ms = pop_int(sp, "time.sleep-ms");
    if (ms < 0)
        fatal("time.sleep-ms", "duration must be non-negative, got %lld",
              static_cast<long long>(ms));
    sleep_ms(static_cast<uint64_t>(ms));
    return sp;
}

}  // extern "C"
