#include "core/sys/fd_limit.hpp"

#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

namespace seq {

namespace {

std::atomic<bool> g_raised{false};

// /proc/sys/fs/nr_open: setrlimit refuses anything above it, including
// RLIM_INFINITY, so an unlimited hard limit raises the soft one to this.
rlim_t nr_open() {
    rlim_t n = 1024 * 1024;  // the kernel's default
    if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
        unsigned long long v = 0;
        if (std::fscanf(f, "%llu", &v) == 1 && v > 0) n = static_cast<rlim_t>(v);
        std::fclose(f);
    }
    return n;
}

}  // namespace

void raise_fd_limit() {
    if (g_raised.exchange(true)) return;
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    rlim_t want = lim.rlim_max;
    if (want == RLIM_INFINITY) want = nr_open();
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur >= want) return;
    lim.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &lim);
}

size_t fd_soft_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > SIZE_MAX) return SIZE_MAX;
    return static_cast<size_t>(lim.rlim_cur);
}

size_t sockets_for_fd_limit() {
    size_t fds = fd_soft_limit();
    constexpr size_t kMin = 16;
    if (fds <= kFdReserve + kMin) return kMin;
    return fds - kFdReserve;
}

}  // namespace seq
