/* A foreign library for the handoff tests (core/sched/handoff): code the
 * runtime never calls, as sqlite3_step is to a seqc program's FFI call. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Computes (spinning, no system call) until *flag is non-zero or max_ms
 * pass. Returns 1 when the flag came, 0 on time-out. */
__attribute__((visibility("default"))) int foreign_block_until(const int* flag, int max_ms) {
    uint64_t deadline = now_ms() + (uint64_t)max_ms;
    for (;;) {
        for (int i = 0; i < 100000; ++i) {
            if (__atomic_load_n(flag, __ATOMIC_ACQUIRE)) return 1;
            __asm__ volatile("pause");
        }
        if (now_ms() >= deadline) return 0;
    }
}

/* Blocks in poll(2) (inside libc, as a database client library waits on
 * its socket) until fd is readable or max_ms pass. Returns 1 when it became
 * readable, 0 on time-out. Signals (EINTR) are waited through. */
__attribute__((visibility("default"))) int foreign_poll_until(int fd, int max_ms) {
    uint64_t deadline = now_ms() + (uint64_t)max_ms;
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline) return 0;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(deadline - now));
        if (r > 0) return 1;
        if (r < 0 && errno != EINTR) return 0;
    }
}
