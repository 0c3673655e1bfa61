#include "core/assert.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace seq {

void assertion_failed(const char* expr, const char* file, int line, const char* message) {
    // Straight to the descriptor, without flushing stdout first: assertions
    // sit in the scheduler, and one may fail while this thread holds the
    // stdout buffer's lock (stdio wakes strands under it), where waiting for
    // the writer would hang instead of reporting.
    char buf[1024];
    int n = std::snprintf(buf, sizeof buf, "seq: assertion failed: %s (%s:%d)%s%s\n", expr, file,
                          line, *message ? ": " : "", message);
    if (n > 0) {
        size_t len = static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1;
        ssize_t w = ::write(STDERR_FILENO, buf, len);
        (void)w;
    }
    std::abort();
}

}  // namespace seq
