#include "io/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/output.hpp"
#include "core/sys/signals.hpp"
#include "io/uv_bridge.hpp"

namespace seq {

namespace {

std::atomic<int> g_in_fd{0};
std::atomic<int> g_out_fd{1};

// Raw mode. g_mu serializes the words; the restore path (atexit, signal
// handler) only reads g_saved after seeing g_saved_fd >= 0.
std::mutex g_mu;
bool g_raw = false;
struct termios g_saved;
std::atomic<int> g_saved_fd{-1};
std::once_flag g_atexit_once;

// Async-signal-safe: tcsetattr and atomics only.
void restore_saved_termios() {
    int fd = g_saved_fd.load(std::memory_order_acquire);
    if (fd >= 0) tcsetattr(fd, TCSANOW, &g_saved);
}

void leave_raw_locked() {
    if (!g_raw) return;
    // The guard goes first: a signal arriving now finds its usual action.
    set_termination_hook(nullptr);
    int fd = g_saved_fd.exchange(-1, std::memory_order_acq_rel);
    if (fd >= 0) tcsetattr(fd, TCSANOW, &g_saved);
    g_raw = false;
}

ssize_t read_one(int fd, unsigned char* c) {
    ssize_t n;
    do {
        n = ::read(fd, c, 1);
    } while (n < 0 && errno == EINTR);
    return n;
}

// A descriptor of our own for the same terminal or pipe, opened
// non-blocking: it can wait in epoll and be read without ever blocking,
// while O_NONBLOCK stays off the description fd shares with the shell and
// other processes (libuv's uv_poll_init would set it there). -1 when `fd`
// is something else: a regular file (a reopened one would start at offset
// 0) never blocks anyway; a socket cannot be reopened.
int open_private(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) return -1;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int own;
    do {
        own = ::open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    } while (own < 0 && errno == EINTR);
    return own;
}

// Parks the current strand until `fd` (non-blocking, ours) is readable or
// has hung up.
struct PollWait {
    uv_poll_t handle;
    UvWaiter* waiter;
};

void wait_readable(int fd) {
    UvWaiter waiter(ParkReason::Stdin);
    auto* pw = new PollWait;
    pw->waiter = &waiter;
    pw->handle.data = pw;
    if (uv_poll_init(current_loop(), &pw->handle, fd) != 0) {
        // Not expected for a terminal or a pipe; wait on this thread rather
        // than spin on EAGAIN.
        delete pw;
        struct pollfd p {
            fd, POLLIN, 0
        };
        while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
        }
        return;
    }
    uv_poll_start(&pw->handle, UV_READABLE | UV_DISCONNECT, [](uv_poll_t* h, int status, int) {
        auto* p = static_cast<PollWait*>(h->data);
        uv_poll_stop(h);
        p->waiter->complete(status);
    });
    waiter.wait();
    // Still pinned here: the handle is closed on its own loop.
    uv_close(reinterpret_cast<uv_handle_t*>(&pw->handle),
             [](uv_handle_t* h) { delete static_cast<PollWait*>(h->data); });
}

}  // namespace

void terminal_set_raw(bool on) {
    std::lock_guard<std::mutex> lock(g_mu);
    if (!on) {
        leave_raw_locked();
        return;
    }
    if (g_raw) return;
    int fd = g_in_fd.load(std::memory_order_relaxed);
    if (!isatty(fd)) return;  // nothing to do for a pipe or a file
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return;
    g_saved = t;
    t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    t.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
    t.c_oflag &= ~static_cast<tcflag_t>(OPOST);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    // Published before the switch: a signal from here on restores.
    g_saved_fd.store(fd, std::memory_order_release);
    if (tcsetattr(fd, TCSANOW, &t) != 0) {
        g_saved_fd.store(-1, std::memory_order_release);
        return;
    }
    g_raw = true;
    std::call_once(g_atexit_once, [] { std::atexit(restore_saved_termios); });
    set_termination_hook(restore_saved_termios);
}

bool terminal_is_raw() {
    std::lock_guard<std::mutex> lock(g_mu);
    return g_raw;
}

int terminal_read_byte() {
    int fd = g_in_fd.load(std::memory_order_relaxed);
    unsigned char c;
    int own = current_strand() ? open_private(fd) : -1;
    if (own < 0) {
        // Not a strand (blocking is the caller's choice), or a file or
        // socket: read in place.
        return read_one(fd, &c) == 1 ? c : -1;
    }
    int result = -1;
    for (;;) {
        ssize_t n = read_one(own, &c);
        if (n == 1) {
            result = c;
            break;
        }
        if (n == 0 || errno != EAGAIN) break;  // end of input or an error
        wait_readable(own);
    }
    ::close(own);
    return result;
}

int terminal_read_byte_nonblock() {
    int fd = g_in_fd.load(std::memory_order_relaxed);
    unsigned char c;
    int own = open_private(fd);
    if (own >= 0) {
        ssize_t n = read_one(own, &c);
        ::close(own);
        return n == 1 ? c : -1;
    }
    // A regular file is always ready; anything else is asked first.
    struct pollfd p {
        fd, POLLIN, 0
    };
    int r;
    do {
        r = ::poll(&p, 1, 0);
    } while (r < 0 && errno == EINTR);
    if (r != 1) return -1;
    return read_one(fd, &c) == 1 ? c : -1;
}

namespace {

void window_size(int64_t* cols, int64_t* rows) {
    *cols = 80;
    *rows = 24;
    int fd = g_out_fd.load(std::memory_order_relaxed);
    if (!isatty(fd)) return;
    struct winsize ws {};
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return;
    if (ws.ws_col > 0) *cols = ws.ws_col;
    if (ws.ws_row > 0) *rows = ws.ws_row;
}

}  // namespace

int64_t terminal_width() {
    int64_t c, r;
    window_size(&c, &r);
    return c;
}

int64_t terminal_height() {
    int64_t c, r;
    window_size(&c, &r);
    return r;
}

void terminal_flush() {
    stdout_flush();
}

void terminal_set_fds_for_test(int in_fd, int out_fd) {
    std::lock_guard<std::mutex> lock(g_mu);
    leave_raw_locked();
    g_in_fd.store(in_fd < 0 ? 0 : in_fd);
    g_out_fd.store(out_fd < 0 ? 1 : out_fd);
}

}  // namespace seq
