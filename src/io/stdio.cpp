// Standard input and output: a writer thread and a reader thread that do the
// blocking system calls, and strands that park while they wait (see
// stdio.hpp and docs/stdio-time.md for why it is built this way).
#include "io/stdio.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/fatal.hpp"
#include "core/output.hpp"
#include "core/sched/strand.hpp"
#include "core/text/utf8.hpp"

namespace seq {

namespace {

// ---- waiting: a strand parks, any other thread blocks ----------------------------

// The condition variable of stdio's state: waiters for a predicate guarded
// by a std::mutex, strands parking and other threads blocking. Every notify
// happens under that mutex and a waiter reads its `woken` flag under it too,
// so once a strand sees it was woken, the notifier's wake() call has
// returned: the strand may then return and even finish without the notifier
// touching a dead Strand. Waiters re-check their predicate (notify wakes
// them all: the lists here are a handful of strands).
class StdioCondition {
  public:
    // `reason`: what a strand parked here waits for (diagnostics).
    explicit StdioCondition(ParkReason reason) : reason_(reason) {}

    template <class Pred>
    void wait(std::unique_lock<std::mutex>& lk, Pred pred) {
        Strand* s = current_strand();
        if (!s) {
            cv_.wait(lk, pred);
            return;
        }
        while (!pred()) {
            Node n{s};
            nodes_.push_back(&n);
            // A park can return early (a permit left by an unrelated wake):
            // only our own `woken` ends the wait. The mutex is never held
            // across a park, so it is locked and unlocked on one OS thread.
            do {
                lk.unlock();
                park(reason_);
                lk.lock();
            } while (!n.woken);
        }
    }

    // Blocks the OS thread even inside a strand (no switch allowed).
    template <class Pred>
    void wait_blocking(std::unique_lock<std::mutex>& lk, Pred pred) {
        cv_.wait(lk, pred);
    }

    // Caller holds the mutex.
    void notify_all() {
        for (Node* n : nodes_) {
            n->woken = true;
            wake(n->s);
        }
        nodes_.clear();
        cv_.notify_all();
    }

  private:
    struct Node {
        Strand* s;
        bool woken = false;
    };
    std::vector<Node*> nodes_;
    std::condition_variable cv_;
    const ParkReason reason_;
};

void start_thread(const char* what, void (*fn)(uint64_t, int, bool), uint64_t gen, int fd,
                  bool own) {
    try {
        std::thread(fn, gen, fd, own).detach();
    } catch (const std::system_error& e) {
        fatal(what, "cannot start a thread: %s", e.what());
    }
}

// Duplicates a caller's descriptor for the test hooks (above 2, close-on-exec).
int dup_for_test(const char* what, int fd) {
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (d < 0) fatal(what, "cannot duplicate fd %d: %s", fd, std::strerror(errno));
    return d;
}

// ---- stdout -------------------------------------------------------------------------

struct StdoutState {
    std::mutex mu;
    std::condition_variable writer_cv;  // the writer waits here for bytes
    // `written` advanced
    StdioCondition drained{ParkReason::StdoutBackpressure};
    std::string pending;    // appended, not yet taken by the writer
    std::string spare;      // the writer's last batch buffer, reused
    uint64_t appended = 0;  // bytes appended since the start
    uint64_t written = 0;   // bytes the writer finished with
    // appended - written, published for flush's lock-free fast path: a
    // thread that reads 0 after its own append knows the writer is past it.
    std::atomic<uint64_t> unwritten{0};
    int fd = STDOUT_FILENO;
    bool own_fd = false;  // a test's duplicate, closed when replaced
    bool writer_started = false;
    bool writer_idle = false;  // waiting on writer_cv
};

// Never destroyed: the writer thread and atexit handlers use it until the
// process is gone.
StdoutState& out() {
    static StdoutState* s = new StdoutState;
    return *s;
}

// Batches bigger than this are not kept for reuse.
constexpr size_t kKeepCapacity = 4 << 20;

// Writes everything or gives up on a hard error. Errors drop the bytes, as
// upstream ignores the result of write(); EAGAIN (a descriptor someone else
// left non-blocking) waits for room instead of spinning.
void write_fully(int fd, const char* p, size_t n) {
    while (n) {
        ssize_t w = ::write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= static_cast<size_t>(w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd pfd{fd, POLLOUT, 0};
            if (poll(&pfd, 1, -1) >= 0 || errno == EINTR) continue;
        }
        return;
    }
}

void writer_main(uint64_t, int, bool) {
    StdoutState& st = out();
    std::unique_lock<std::mutex> lk(st.mu);
    for (;;) {
        while (st.pending.empty()) {
            st.writer_idle = true;
            st.writer_cv.wait(lk);
        }
        st.writer_idle = false;
        // Take everything appended so far: while this batch is written,
        // appends accumulate into the next one (natural batching).
        std::string batch;
        batch.swap(st.pending);
        st.pending.swap(st.spare);
        int fd = st.fd;
        lk.unlock();
        write_fully(fd, batch.data(), batch.size());
        lk.lock();
        st.written += batch.size();
        st.unwritten.store(st.appended - st.written, std::memory_order_release);
        batch.clear();
        if (batch.capacity() <= kKeepCapacity) st.spare.swap(batch);
        st.drained.notify_all();
    }
}

void flush_at_exit() {
    stdout_flush_sync();
}

// Appends the pieces as one unit; returns the end offset of the append.
void append(std::string_view a, std::string_view b) {
    StdoutState& st = out();
    std::unique_lock<std::mutex> lk(st.mu);
    if (!st.writer_started) {
        st.writer_started = true;
        // Output reaches the descriptor even when the program returns from
        // main or calls exit() without going through scheduler_run.
        std::atexit(flush_at_exit);
        start_thread("stdout", writer_main, 0, -1, false);
    }
    st.pending.append(a);
    st.pending.append(b);
    st.appended += a.size() + b.size();
    st.unwritten.store(st.appended - st.written, std::memory_order_relaxed);
    if (st.writer_idle) {
        st.writer_idle = false;  // one wake-up per batch, not per append
        st.writer_cv.notify_one();
    }
    uint64_t end = st.appended;
    // Backpressure: a writer faster than stdout's consumer waits here (a
    // strand parks; its worker keeps running others).
    // (`written` may already be past `end`: compare without subtracting.)
    if (st.written + kStdoutHighWater < end)
        st.drained.wait(lk, [&] { return st.written + kStdoutHighWater >= end; });
}

// ---- stdin --------------------------------------------------------------------------

struct StdinState {
    std::mutex mu;
    std::condition_variable reader_cv;  // the reader waits here for a request
    // new data / end of input / a consumer finished / reset
    StdioCondition changed{ParkReason::Stdin};
    std::string buf;  // unread input is buf[pos..]
    size_t pos = 0;
    size_t scanned = 0;     // bytes from pos known to hold no '\n'
    bool eof = false;       // a read returned end of input (or failed), not yet reported
    bool want = false;      // the head consumer waits for more input
    size_t want_bytes = 0;  // ... until this many bytes are unread
    uint64_t events = 0;    // bumped whenever the head consumer should look again
    uint64_t next_ticket = 0, serving = 0;  // consumers are served in arrival order
    int fd = STDIN_FILENO;
    bool own_fd = false;
    uint64_t gen = 0;  // bumped by stdin_reset_for_test
    bool reader_started = false;
};

StdinState& in() {
    static StdinState* s = new StdinState;
    return *s;
}

constexpr size_t kReadChunk = 64 * 1024;

// One read: > 0 bytes, 0 at end of input, -1 on an error (reported as end of
// input, as upstream does).
ssize_t read_some(int fd, char* p, size_t n) {
    for (;;) {
        ssize_t r = ::read(fd, p, n);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd pfd{fd, POLLIN, 0};
            if (poll(&pfd, 1, -1) >= 0 || errno == EINTR) continue;
        }
        return -1;
    }
}

// One reader thread per descriptor generation. It reads only when the head
// consumer asks, and keeps reading without waking it until what it asked for
// is there (a 10 MiB read_n from a pipe is many 64 KiB reads).
void reader_main(uint64_t gen, int fd, bool own) {
    StdinState& st = in();
    std::unique_ptr<char[]> chunk(new char[kReadChunk]);
    std::unique_lock<std::mutex> lk(st.mu);
    for (;;) {
        st.reader_cv.wait(lk, [&] { return st.gen != gen || st.want; });
        if (st.gen != gen) break;
        lk.unlock();
        ssize_t n = read_some(fd, chunk.get(), kReadChunk);
        lk.lock();
        if (st.gen != gen) break;  // reset while we read: the bytes belong to no one
        if (n > 0) {
            st.buf.append(chunk.get(), static_cast<size_t>(n));
            if (st.buf.size() - st.pos < st.want_bytes) continue;
        } else {
            st.eof = true;
        }
        st.want = false;
        ++st.events;
        st.changed.notify_all();
    }
    lk.unlock();
    if (own) close(fd);
}

void ensure_reader(StdinState& st) {
    if (st.reader_started) return;
    st.reader_started = true;
    start_thread("stdin", reader_main, st.gen, st.fd, st.own_fd);
}

// Takes k unread bytes.
std::string take(StdinState& st, size_t k) {
    std::string s(st.buf, st.pos, k);
    st.pos += k;
    st.scanned = 0;
    if (st.pos == st.buf.size()) {
        if (st.buf.capacity() > (1u << 20))
            std::string().swap(st.buf);  // after a big read_n, give the memory back
        else
            st.buf.clear();
        st.pos = 0;
    } else if (st.pos >= kReadChunk && st.pos * 2 >= st.buf.size()) {
        st.buf.erase(0, st.pos);  // amortised: at most as many bytes as were consumed
        st.pos = 0;
    }
    return s;
}

// Runs one consumer call: waits for its turn, then calls step() until it
// yields a result, asking the reader for more input in between.
template <class R, class Step>
R serve(Step step) {
    StdinState& st = in();
    std::unique_lock<std::mutex> lk(st.mu);
    uint64_t ticket = st.next_ticket++;
    st.changed.wait(lk, [&] { return st.serving == ticket; });
    std::optional<R> r;
    while (!(r = step(st))) {
        st.want = true;
        ensure_reader(st);
        st.reader_cv.notify_one();
        uint64_t seen = st.events;
        st.changed.wait(lk, [&] { return st.events != seen; });
    }
    ++st.serving;
    st.changed.notify_all();  // the next consumer in line
    return std::move(*r);
}

}  // namespace

// ---- core/output.hpp -------------------------------------------------------------------

void stdout_write(std::string_view bytes) {
    if (!bytes.empty()) append(bytes, {});
}

void stdout_write_line(std::string_view line) {
    append(line, "\n");
}

void stdout_flush() {
    StdoutState& st = out();
    if (st.unwritten.load(std::memory_order_acquire) == 0) return;
    std::unique_lock<std::mutex> lk(st.mu);
    uint64_t target = st.appended;
    st.drained.wait(lk, [&] { return st.written >= target; });
}

void stdout_flush_sync() {
    StdoutState& st = out();
    if (st.unwritten.load(std::memory_order_acquire) == 0) return;
    std::unique_lock<std::mutex> lk(st.mu);
    uint64_t target = st.appended;
    st.drained.wait_blocking(lk, [&] { return st.written >= target; });
}

void stderr_write(std::string_view bytes) {
    stdout_flush();
    write_fully(STDERR_FILENO, bytes.data(), bytes.size());
}

StdoutCounters stdout_counters() {
    StdoutState& st = out();
    std::lock_guard<std::mutex> lk(st.mu);
    return {st.appended, st.written};
}

void stdout_reset_for_test(int fd) {
    int nfd = fd >= 0 ? dup_for_test("stdout_reset_for_test", fd) : STDOUT_FILENO;
    StdoutState& st = out();
    std::unique_lock<std::mutex> lk(st.mu);
    // Nothing unwritten means the writer holds no batch for the old fd.
    st.drained.wait_blocking(lk, [&] { return st.written == st.appended; });
    int old = st.fd;
    bool old_owned = st.own_fd;
    st.fd = nfd;
    st.own_fd = fd >= 0;
    lk.unlock();
    if (old_owned) close(old);
}

// ---- stdin -----------------------------------------------------------------------------

// Reading first writes out what the program printed before (a prompt, the
// previous response of a request/response protocol): upstream's writes were
// synchronous, so its output always preceded a following read.
LineResult stdin_read_line() {
    stdout_flush();
    LineResult r = serve<LineResult>([](StdinState& st) -> std::optional<LineResult> {
        size_t avail = st.buf.size() - st.pos;
        const char* from = st.buf.data() + st.pos + st.scanned;
        if (const void* nl = std::memchr(from, '\n', avail - st.scanned)) {
            size_t k = static_cast<size_t>(static_cast<const char*>(nl) - (st.buf.data() + st.pos));
            return LineResult{take(st, k + 1), true};
        }
        st.scanned = avail;  // a long line is scanned once, not once per chunk
        if (st.eof) {
            st.eof = false;
            if (avail == 0) return LineResult{};
            return LineResult{take(st, avail), true};  // a last line without '\n'
        }
        st.want_bytes = avail + 1;
        return std::nullopt;
    });
    if (!r.ok) return r;
    std::string& s = r.line;
    if (s.size() >= 2 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\r') {
        s.pop_back();
        s.back() = '\n';
    }
    if (!utf8::is_valid(s)) return LineResult{};
    return r;
}

ReadNResult stdin_read_n(size_t n) {
    stdout_flush();
    ReadNResult r = serve<ReadNResult>([n](StdinState& st) -> std::optional<ReadNResult> {
        size_t avail = st.buf.size() - st.pos;
        if (avail >= n) return ReadNResult{take(st, n), true};
        if (st.eof) {
            st.eof = false;
            return ReadNResult{take(st, avail), false};
        }
        st.want_bytes = n;
        return std::nullopt;
    });
    if (!utf8::is_valid(r.data)) r.data = utf8::lossy(r.data);
    return r;
}

void stdin_reset_for_test(int fd) {
    int nfd = fd >= 0 ? dup_for_test("stdin_reset_for_test", fd) : STDIN_FILENO;
    StdinState& st = in();
    std::unique_lock<std::mutex> lk(st.mu);
    // A reader thread of the old generation exits (closing its descriptor)
    // when it next looks; if none was started, the descriptor is ours to close.
    int old = st.fd;
    bool close_old = st.own_fd && !st.reader_started;
    ++st.gen;
    st.fd = nfd;
    st.own_fd = fd >= 0;
    st.reader_started = false;
    st.buf.clear();
    st.pos = st.scanned = 0;
    st.eof = st.want = false;
    st.want_bytes = 0;
    ++st.events;
    st.reader_cv.notify_all();
    st.changed.notify_all();
    lk.unlock();
    if (close_old) close(old);
}

// ---- UTF-8 -----------------------------------------------------------------------------

// Kept for the (pointer, length) callers (the stdio tests); the checks are
// core/text/utf8's.
bool utf8_valid(const char* s, size_t n) {
    return utf8::is_valid({s, n});
}

std::string utf8_lossy(const char* s, size_t n) {
    return utf8::lossy({s, n});
}

}  // namespace seq
