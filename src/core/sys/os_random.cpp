#include "core/sys/os_random.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/fatal.hpp"

namespace seq {

namespace {

// Kernel bytes, straight into `out`.
void kernel_random(unsigned char* out, size_t n) {
    while (n) {
        ssize_t r = getrandom(out, n, 0);
        if (r > 0) {
            out += r;
            n -= static_cast<size_t>(r);
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == ENOSYS) break;  // a kernel older than 3.17
        fatal("random", "getrandom failed: %s", std::strerror(errno));
    }
    if (!n) return;
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) fatal("random", "no source of randomness: %s", std::strerror(errno));
    while (n) {
        ssize_t r = ::read(fd, out, n);
        if (r > 0) {
            out += r;
            n -= static_cast<size_t>(r);
        } else if (!(r < 0 && errno == EINTR)) {
            fatal("random", "reading /dev/urandom failed");
        }
    }
    ::close(fd);
}

constexpr size_t kPoolBytes = 256;
// Requests this large bypass the pool (one syscall either way).
constexpr size_t kDirectBytes = 64;

// Bumped in a forked child: every thread's pool from before is stale.
std::atomic<uint64_t> g_fork_generation{1};
std::once_flag g_atfork_once;

struct Pool {
    uint64_t generation;  // zero-initialised: stale, refilled on first use
    size_t avail;         // unread bytes at the end of buf
    unsigned char buf[kPoolBytes];
};
thread_local Pool t_pool;

}  // namespace

void random_fill(void* out, size_t n) {
    auto* dst = static_cast<unsigned char*>(out);
    if (n >= kDirectBytes) {
        kernel_random(dst, n);
        return;
    }
    std::call_once(g_atfork_once, [] {
        pthread_atfork(nullptr, nullptr,
                       [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });
    });
    Pool& p = t_pool;
    uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
    if (p.generation != gen) {
        p.avail = 0;
        p.generation = gen;
    }
    while (n) {
        if (p.avail == 0) {
            kernel_random(p.buf, kPoolBytes);
            p.avail = kPoolBytes;
        }
        size_t take = n < p.avail ? n : p.avail;
        unsigned char* src = p.buf + (kPoolBytes - p.avail);
        std::memcpy(dst, src, take);
        // Served bytes do not stay behind in memory.
        explicit_bzero(src, take);
        p.avail -= take;
        dst += take;
        n -= take;
    }
}

int64_t random_range(int64_t min, int64_t max) {
    if (min >= max) return min;
    // In unsigned arithmetic the width never overflows.
    uint64_t range = static_cast<uint64_t>(max) - static_cast<uint64_t>(min);
    uint64_t limit = UINT64_MAX - (UINT64_MAX % range);
    for (;;) {
        uint64_t v;
        random_fill(&v, sizeof v);
        if (v < limit) return static_cast<int64_t>(static_cast<uint64_t>(min) + v % range);
    }
}

std::string random_hex(size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out(2 * n, '\0');
    unsigned char chunk[256];
    for (size_t done = 0; done < n;) {
        size_t take = n - done < sizeof chunk ? n - done : sizeof chunk;
        random_fill(chunk, take);
        for (size_t i = 0; i < take; ++i) {
            out[2 * (done + i)] = digits[chunk[i] >> 4];
            out[2 * (done + i) + 1] = digits[chunk[i] & 15];
        }
        done += take;
    }
    explicit_bzero(chunk, sizeof chunk);
    return out;
}

std::string uuid4() {
    unsigned char b[16];
    random_fill(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += digits[b[i] >> 4];
        out += digits[b[i] & 15];
    }
    return out;
}

}  // namespace seq
