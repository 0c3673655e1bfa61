/* bench_stall's foreign library: a computation in code the runtime never
 * calls (a shared library the benchmark links), as a seqc program's FFI call
 * into sqlite3 or zlib is; only handoff (core/sched/handoff) frees the
 * worker while it runs. */
#include <stdint.h>

__attribute__((visibility("default"))) uint64_t bench_foreign_spin(uint64_t iters) {
    uint64_t x = 88172645463325252ull;
    for (uint64_t i = 0; i < iters; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}
