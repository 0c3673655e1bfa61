#include "io/net/tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/fatal.hpp"
#include "core/intrusive_fifo.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/sys/drain.hpp"
#include "core/sys/env_number.hpp"
#include "core/sys/fd_limit.hpp"
#include "core/text/utf8.hpp"
#include "io/in_strand.hpp"
#include "io/net/connect.hpp"
#include "io/net/dns.hpp"
#include "io/net/socket_table.hpp"
#include "io/net/transport.hpp"
#include "io/timer.hpp"
#include "io/uv_bridge.hpp"

namespace seq {

namespace net {

// ---- records ---------------------------------------------------------------------

enum class SockKind : uint8_t { Stream, Listener };

// A strand parked on a socket; lives on that strand's stack while it waits.
struct SocketWaiter {
    explicit SocketWaiter(Strand* s) : strand(s) {}
    Strand* strand;
    SocketWaiter* next = nullptr;
    bool queued = false;
    // accept hand-off: set by whoever unlinks the waiter
    bool done = false;
    int fd = -1;
};

// FIFO of parked strands (owner thread only); `queued` tells a waiter it is
// still in the list.
class WaitList {
  public:
    void push(SocketWaiter* w) {
        list_.push_back(w);
        w->queued = true;
    }
    SocketWaiter* pop_front() {
        SocketWaiter* w = list_.pop_front();
        if (w) w->queued = false;
        return w;
    }
    // Unlinks every waiter and wakes it; each re-checks its own condition.
    void wake_all() {
        while (SocketWaiter* w = pop_front()) {
            w->done = true;
            wake(w->strand);
        }
    }
    bool empty() const { return list_.empty(); }
    size_t size() const { return list_.size(); }

  private:
    IntrusiveFifo<SocketWaiter, &SocketWaiter::next, true> list_;
};

struct SocketBase {
    SocketBase(SockKind k, Worker* o) : kind(k), owner(o) {}
    virtual ~SocketBase() = default;
    SocketBase(const SocketBase&) = delete;
    SocketBase& operator=(const SocketBase&) = delete;

    const SockKind kind;
    Worker* const owner;
    // Everything below: owner thread only.
    uint32_t users = 0;              // strands inside an operation on this record
    uint32_t open_handles = 0;       // uv handles whose close callback is pending
    bool closed = false;             // tcp_close ran (or the socket never got an id)
    SocketBase* reg_prev = nullptr;  // registry of all records (module mutex)
    SocketBase* reg_next = nullptr;
};

struct StreamSocket : SocketBase {
    explicit StreamSocket(Worker* o) : SocketBase(SockKind::Stream, o) {}
    ~StreamSocket() override {
        if (raw_fd >= 0) ::close(raw_fd);
    }
    uv_tcp_t tcp;
    int raw_fd = -1;     // an accepted fd not yet bound to the owner's loop
    bool bound = false;  // `tcp` is initialised (it must be closed)
    bool reading = false;
    bool eof = false;
    int read_err = 0;
    int write_err = 0;
    std::string buf;  // bytes read from the kernel; [off, size) not yet returned
    size_t off = 0;
    WaitList readers;
    size_t writers = 0;
    // TLS after tcp_start_transport (transport.hpp); null: plain TCP. While
    // `upgrading`, reads and writes fail (as upstream's reserved slot).
    std::unique_ptr<Transport> transport;
    bool upgrading = false;
    // Accepted from a listener: counted among the connections a drain waits
    // for until tcp_close (drain.hpp).
    bool counted = false;
    // SEQ_TCP_READ_TIMEOUT_MS: one timer per stream, made on the first read
    // that waits, armed for the earliest deadline of its parked readers.
    uv_timer_t read_timer;
    bool timer_made = false;
    bool timer_armed = false;
    uint64_t timer_due = 0;  // loop time (ms) the armed timer fires at
};

struct ListenerSocket : SocketBase {
    explicit ListenerSocket(Worker* o) : SocketBase(SockKind::Listener, o) {}
    ~ListenerSocket() override {
        if (fd >= 0) ::close(fd);
    }
    int fd = -1;
    std::atomic<int64_t> id{0};  // its table id once published (read by a drain)
    uv_poll_t poll;
    uv_timer_t backoff;
    bool polling = false;
    bool backing_off = false;
    WaitList acceptors;
};

// ---- module state ------------------------------------------------------------------

constexpr size_t kDefaultReadMax = 1 << 20;
constexpr size_t kMinReadMax = 16;  // room for a whole UTF-8 character
constexpr size_t kMaxReadMax = size_t{1} << 30;
constexpr size_t kReadChunk = 64 * 1024;   // one uv read
constexpr uint64_t kAcceptBackoffMs = 50;  // pause after EMFILE and kin
constexpr int kAcceptBudget = 256;         // accepts per poll callback
// After a drain began, an accept fails after this pause: a program that
// loops on accept regardless wakes a few times a second instead of spinning.
constexpr uint64_t kDrainAcceptPauseMs = 200;
// At most one warning per kind of exhaustion in this interval; the next one
// says how many were not reported.
constexpr uint64_t kWarnIntervalNs = 10'000'000'000ull;

// A rate-limited warning (one kind of exhaustion).
struct WarnLimit {
    std::atomic<uint64_t> last_ns{0};
    std::atomic<uint64_t> suppressed{0};
};

struct PerWorker {
    std::atomic<int64_t> streams{0};  // live streams owned (read by other threads)
    std::unique_ptr<char[]> rbuf;     // the loop's read buffer (owner thread only)
    bool sigpipe_blocked = false;     // owner thread only
};

struct Module {
    // Which scheduler instance the state below belongs to. Workers (and their
    // loops) are recreated by each scheduler_init, so everything is rebuilt
    // on the first use after one (see mod()).
    std::mutex reset_mu;
    std::atomic<Scheduler*> sched{nullptr};
    std::atomic<uint64_t> start_ns{0};

    SocketTable table;
    size_t read_max = kDefaultReadMax;
    size_t high_water = kDefaultReadMax;
    uint64_t connect_timeout_ms = kDefaultConnectTimeoutMs;
    uint64_t read_timeout_ms = 0;  // 0: reads wait as long as it takes
    bool reuseport = false;
    std::string bind_addr = "0.0.0.0";
    std::unique_ptr<PerWorker[]> workers;
    size_t nworkers = 0;
    std::atomic<unsigned> rr{0};

    std::mutex reg_mu;
    SocketBase* reg_head = nullptr;

    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> backoffs{0};
    std::atomic<uint64_t> table_full{0};
    std::atomic<uint64_t> migrate_retries{0};
    std::atomic<uint64_t> read_timeouts{0};
    std::atomic<uint64_t> drain_refused{0};
    std::atomic<uint64_t> adopted{0};
    WarnLimit warn_table;
    WarnLimit warn_fds;
};

// Never destroyed: worker threads may use it while static destructors run.
Module& storage() {
    static auto* m = new Module;
    return *m;
}

void registry_add(Module& m, SocketBase* s) {
    std::lock_guard<std::mutex> lock(m.reg_mu);
    s->reg_next = m.reg_head;
    if (m.reg_head) m.reg_head->reg_prev = s;
    m.reg_head = s;
}

void registry_remove(Module& m, SocketBase* s) {
    std::lock_guard<std::mutex> lock(m.reg_mu);
    if (s->reg_prev)
        s->reg_prev->reg_next = s->reg_next;
    else
        m.reg_head = s->reg_next;
    if (s->reg_next) s->reg_next->reg_prev = s->reg_prev;
}

// Frees a record (owner thread) once nothing refers to it any more.
void maybe_free(SocketBase* s) {
    if (!s->closed || s->open_handles || s->users) return;
    Module& m = storage();
    registry_remove(m, s);
    if (s->kind == SockKind::Stream)
        m.workers[s->owner->index].streams.fetch_sub(1, std::memory_order_relaxed);
    delete s;
}

void on_handle_closed(uv_handle_t* h) {
    auto* s = static_cast<SocketBase*>(h->data);
    --s->open_handles;
    maybe_free(s);
}

void drain_stop_listeners();
void note_inherited();
void add_socket_totals(ResourceTotals& t);

// The module, rebuilt for the running scheduler if it was (re)started since
// the last use. The previous scheduler's loops are closed (its shutdown
// closed every handle), so its records are simply deleted.
__attribute__((noinline)) Module& rebuild_mod(Module& m, Scheduler& s) {
    std::lock_guard<std::mutex> lock(m.reset_mu);
    if (m.sched.load(std::memory_order_relaxed) == &s &&
        m.start_ns.load(std::memory_order_relaxed) == s.start_ns)
        return m;
    {
        std::lock_guard<std::mutex> reg(m.reg_mu);
        while (SocketBase* r = m.reg_head) {
            m.reg_head = r->reg_next;
            delete r;
        }
    }
    const char* max = std::getenv("SEQ_MAX_SOCKETS");
    size_t cap = parse_max_sockets(max, default_max_sockets());
    if (max && cap > fd_soft_limit())
        warn(
            "SEQ_MAX_SOCKETS=%zu is above the descriptor limit (RLIMIT_NOFILE %zu): sockets "
            "beyond it will fail",
            cap, fd_soft_limit());
    m.table.reset(cap);
    m.read_timeout_ms = parse_tcp_read_timeout_ms(std::getenv("SEQ_TCP_READ_TIMEOUT_MS"));
    m.reuseport = parse_reuseport(std::getenv("SEQ_REUSEPORT"));
    drain_connections_reset();
    set_drain_stop_hook(drain_stop_listeners);
    add_totals_provider(add_socket_totals);  // the dump's socket figures
    // systemd's sockets are noted (and LISTEN_* unset) at the first socket
    // use, not at the first tcp_listen: a process started before that must
    // not see variables meant for us.
    note_inherited();
    m.read_max = parse_tcp_read_max(std::getenv("SEQ_TCP_READ_MAX"));
    m.high_water = std::max(m.read_max, kReadChunk);
    m.connect_timeout_ms = parse_tcp_connect_timeout_ms(std::getenv("SEQ_TCP_CONNECT_TIMEOUT_MS"));
    m.bind_addr = "0.0.0.0";
    if (const char* a = std::getenv("SEQ_BIND_ADDR")) {
        in6_addr tmp;
        std::string v = a;
        if (v.size() > 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
        if (inet_pton(AF_INET, v.c_str(), &tmp) == 1 || inet_pton(AF_INET6, v.c_str(), &tmp) == 1)
            m.bind_addr = v;
        else
            warn("SEQ_BIND_ADDR='%s' is not an IPv4 or IPv6 address, using default 0.0.0.0", a);
    }
    m.nworkers = s.workers.size();
    m.workers.reset(new PerWorker[m.nworkers]);
    m.rr.store(0, std::memory_order_relaxed);
    m.accepted.store(0, std::memory_order_relaxed);
    m.backoffs.store(0, std::memory_order_relaxed);
    m.table_full.store(0, std::memory_order_relaxed);
    m.migrate_retries.store(0, std::memory_order_relaxed);
    m.read_timeouts.store(0, std::memory_order_relaxed);
    m.drain_refused.store(0, std::memory_order_relaxed);
    m.adopted.store(0, std::memory_order_relaxed);
    for (WarnLimit* w : {&m.warn_table, &m.warn_fds}) {
        w->last_ns.store(0, std::memory_order_relaxed);
        w->suppressed.store(0, std::memory_order_relaxed);
    }
    m.start_ns.store(s.start_ns, std::memory_order_relaxed);
    m.sched.store(&s, std::memory_order_release);
    return m;
}

// The common case inline (every socket word starts here): the module
// already belongs to the running scheduler.
inline Module& mod() {
    Module& m = storage();
    Scheduler& s = scheduler();
    if (m.sched.load(std::memory_order_acquire) == &s &&
        m.start_ns.load(std::memory_order_relaxed) == s.start_ns) [[likely]]
        return m;
    return rebuild_mod(m, s);
}

// Once per worker thread: SIGPIPE is ignored process-wide at scheduler init,
// but a host may restore it; blocked on the workers it can never kill the
// process from a write to a reset socket.
void prepare_thread(Module& m, Worker* w) {
    PerWorker& pw = m.workers[w->index];
    if (pw.sigpipe_blocked) return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    pw.sigpipe_blocked = true;
}

// The socket `id` names, with the current strand moved to its owner worker
// and pinned there; the record stays alive until the Use ends.
class Use {
  public:
    Use(Module& m, int64_t id) {
        // Every use after the first finds the strand on the owner already:
        // one table lookup, no owner_of round.
        Worker* cw = current_worker();
        if (SocketBase* s = cw ? m.table.get(id, cw) : nullptr) {
            adopt(m, s, cw);
            return;
        }
        for (;;) {
            Worker* owner = m.table.owner_of(id);
            if (!owner) return;
            run_on_owner(owner);
            // A migrating strand is not pinned until it runs, so the target
            // may hand it on to an idle worker before it runs there
            // (donation). Then it simply moves again.
            if (current_worker() != owner) {
                m.migrate_retries.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            if (SocketBase* s = m.table.get(id, owner)) {
                adopt(m, s, owner);
                return;
            }
            // The id was closed meanwhile (or closed and its slot reused
            // elsewhere): owner_of now says so.
        }
    }
    ~Use() { release(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

    SocketBase* get() const { return s_; }
    StreamSocket* stream() const {
        return s_ && s_->kind == SockKind::Stream ? static_cast<StreamSocket*>(s_) : nullptr;
    }
    ListenerSocket* listener() const {
        return s_ && s_->kind == SockKind::Listener ? static_cast<ListenerSocket*>(s_) : nullptr;
    }
    void release() {
        if (!s_) return;
        --s_->users;
        maybe_free(s_);
        s_ = nullptr;
        pin_.reset();
    }

  private:
    void adopt(Module& m, SocketBase* s, Worker* owner) {
        pin_.emplace();
        ++s->users;
        s_ = s;
        prepare_thread(m, owner);
    }

    SocketBase* s_ = nullptr;
    std::optional<LoopPin> pin_;
};

// ---- streams -------------------------------------------------------------------------

uv_stream_t* as_stream(StreamSocket* s) {
    return reinterpret_cast<uv_stream_t*>(&s->tcp);
}

// ---- transports (TLS) ----------------------------------------------------------------

// read_err values a transport stream records itself: its transport failed
// (a protocol error, a bad certificate), or the TCP stream ended without the
// session's end (a truncation, as rustls, upstream's TLS stack, reports it).
constexpr int kTransportFailed = UV_EPROTO;
constexpr int kTransportTruncated = UV_ECONNABORTED;

// Sends what the transport wants sent on its own, without parking: called
// from uv callbacks as well as strands. The bytes go out in the order they
// were produced: whatever is queued by uv_write stays ahead of them
// (uv_try_write refuses while anything is queued).
void send_transport_output(StreamSocket* s) {
    std::string wire;
    s->transport->take_output(wire);
    if (wire.empty() || !s->bound || s->write_err) return;
    uv_buf_t b = uv_buf_init(wire.data(), static_cast<unsigned>(0));
    b.len = wire.size();
    int r = uv_try_write(as_stream(s), &b, 1);
    if (r >= 0 && static_cast<size_t>(r) == wire.size()) return;
    if (r < 0 && r != UV_EAGAIN) {
        s->write_err = r;
        return;
    }
    struct Pending {
        uv_write_t req;
        std::string bytes;
        StreamSocket* s;
    };
    auto* pw = new Pending;
    pw->bytes = wire.substr(r > 0 ? static_cast<size_t>(r) : 0);
    pw->s = s;
    pw->req.data = pw;
    uv_buf_t rest = uv_buf_init(pw->bytes.data(), static_cast<unsigned>(0));
    rest.len = pw->bytes.size();
    // The record outlives the request: write callbacks run before the
    // handle's close callback, which is what frees it.
    int st = uv_write(&pw->req, as_stream(s), &rest, 1, [](uv_write_t* rq, int status) {
        auto* p = static_cast<Pending*>(rq->data);
        if (status < 0 && status != UV_ECANCELED) {
            p->s->write_err = status;
            p->s->readers.wake_all();  // a handshake waiting for an answer gives up
        }
        delete p;
    });
    if (st < 0) {
        s->write_err = st;
        delete pw;
    }
}

// Wire bytes (possibly none) into the transport; its plaintext lands in the
// read buffer, its end or failure ends reading like EOF or an error.
void feed_transport(StreamSocket* s, const char* p, size_t n) {
    Transport::Status st = s->transport->input(p, n, s->buf);
    send_transport_output(s);
    if (st == Transport::Status::Ok) return;
    if (st == Transport::Status::End)
        s->eof = true;
    else
        s->read_err = kTransportFailed;
    if (s->reading) {
        uv_read_stop(as_stream(s));
        s->reading = false;
    }
}

void on_alloc(uv_handle_t* h, size_t, uv_buf_t* out) {
    auto* s = static_cast<StreamSocket*>(h->data);
    PerWorker& pw = storage().workers[s->owner->index];
    if (!pw.rbuf) pw.rbuf.reset(new char[kReadChunk]);
    *out = uv_buf_init(pw.rbuf.get(), kReadChunk);
}

void on_read(uv_stream_t* h, ssize_t nread, const uv_buf_t* buf) {
    auto* s = static_cast<StreamSocket*>(h->data);
    if (nread > 0 && s->transport) {
        feed_transport(s, buf->base, static_cast<size_t>(nread));
        if (s->reading && s->buf.size() - s->off >= storage().high_water) {
            uv_read_stop(h);
            s->reading = false;
        }
    } else if (nread == UV_EOF && s->transport && !s->eof) {
        s->read_err = kTransportTruncated;
        uv_read_stop(h);
        s->reading = false;
    } else if (nread > 0) {
        s->buf.append(buf->base, static_cast<size_t>(nread));
        if (s->buf.size() - s->off >= storage().high_water) {
            uv_read_stop(h);  // back-pressure: the kernel buffers the rest
            s->reading = false;
        }
    } else if (nread == UV_EOF) {
        s->eof = true;
        uv_read_stop(h);
        s->reading = false;
    } else if (nread < 0) {
        s->read_err = static_cast<int>(nread);
        uv_read_stop(h);
        s->reading = false;
    } else {
        return;  // EAGAIN: nothing happened
    }
    s->readers.wake_all();
}

void start_reading(Module& m, StreamSocket* s) {
    if (s->reading || !s->bound || s->eof || s->read_err || s->closed) return;
    if (s->buf.size() - s->off >= m.high_water) return;
    int r = uv_read_start(as_stream(s), on_alloc, on_read);
    if (r < 0)
        s->read_err = r;
    else
        s->reading = true;
}

// Creates the uv handle of an accepted stream on its owner's loop (the
// current thread), the first time any strand uses it.
void ensure_bound(Module& m, StreamSocket* s) {
    if (s->bound) return;
    s->bound = true;
    uv_tcp_init(&s->owner->loop, &s->tcp);
    s->tcp.data = s;
    ++s->open_handles;
    int r = uv_tcp_open(&s->tcp, s->raw_fd);
    if (r < 0) {
        ::close(s->raw_fd);
        s->raw_fd = -1;
        s->read_err = s->write_err = r;
        return;
    }
    s->raw_fd = -1;
    // Request/response traffic must not wait for Nagle's delayed ACK.
    uv_tcp_nodelay(&s->tcp, 1);
    start_reading(m, s);
}

// Marks bytes returned; gives memory back after a large burst.
void consume(StreamSocket* s, size_t n) {
    s->off += n;
    if (s->off == s->buf.size()) {
        s->off = 0;
        if (s->buf.capacity() > kReadChunk)
            std::string().swap(s->buf);
        else
            s->buf.clear();
    } else if (s->off >= kReadChunk) {
        s->buf.erase(0, s->off);
        s->off = 0;
    }
}

void close_stream(StreamSocket* s) {
    // Best effort, never waiting: close_notify goes out if the socket buffer
    // takes it now (uv_close cancels what would have to be queued).
    if (s->transport && s->transport->established() && !s->closed) {
        s->transport->shutdown();
        send_transport_output(s);
    }
    s->closed = true;
    s->readers.wake_all();
    if (s->counted) {
        s->counted = false;
        drain_connection_closed();
    }
    if (s->timer_made) {
        s->timer_made = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&s->read_timer), on_handle_closed);
    }
    if (s->bound) {
        // Pending writes complete with UV_ECANCELED before the close callback.
        uv_close(reinterpret_cast<uv_handle_t*>(&s->tcp), on_handle_closed);
    } else if (s->raw_fd >= 0) {
        ::close(s->raw_fd);
        s->raw_fd = -1;
    }
}

// ---- limits --------------------------------------------------------------------------

uint64_t coarse_now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Running out of sockets or descriptors is an error value for the program,
// but the operator must hear of it: one line, at most every 10 s per kind,
// so a flood of refused connections cannot flood stderr too.
bool warn_due(WarnLimit& w, uint64_t* suppressed) {
    uint64_t now = coarse_now_ns();
    uint64_t last = w.last_ns.load(std::memory_order_relaxed);
    if (last != 0 && now - last < kWarnIntervalNs) {
        w.suppressed.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    if (!w.last_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
        w.suppressed.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    *suppressed = w.suppressed.exchange(0, std::memory_order_relaxed);
    return true;
}

void note_table_full(Module& m) {
    m.table_full.fetch_add(1, std::memory_order_relaxed);
    uint64_t more = 0;
    if (!warn_due(m.warn_table, &more)) return;
    warn(
        "tcp: socket table full (SEQ_MAX_SOCKETS=%zu live sockets): new sockets are refused "
        "(%llu more refusals since the last warning)",
        m.table.capacity(), static_cast<unsigned long long>(more));
}

void note_out_of_fds(Module& m, int err, const char* what) {
    uint64_t more = 0;
    if (!warn_due(m.warn_fds, &more)) return;
    warn(
        "tcp: out of file descriptors (%s, RLIMIT_NOFILE %zu): %s (%llu more since the last "
        "warning)",
        strerrorname_np(err) ? strerrorname_np(err) : "?", fd_soft_limit(), what,
        static_cast<unsigned long long>(more));
}

bool out_of_fds(int err) {
    return err == EMFILE || err == ENFILE;
}

// ---- read timeout (SEQ_TCP_READ_TIMEOUT_MS) -----------------------------------------

void on_read_timer(uv_timer_t* t) {
    auto* s = static_cast<StreamSocket*>(t->data);
    s->timer_armed = false;
    s->readers.wake_all();  // each checks its own deadline
}

// Parks the current strand as a reader of `s` until something happens.
// With a read timeout: `deadline` (loop ms, 0 = not yet set) bounds the
// whole tcp_read call; false once it has passed, without parking.
bool wait_readable(Module& m, StreamSocket* s, uint64_t& deadline) {
    if (m.read_timeout_ms) {
        uv_loop_t* loop = &s->owner->loop;
        uv_update_time(loop);  // loop time is stale after strands ran
        uint64_t now = uv_now(loop);
        if (deadline == 0)
            deadline = now + m.read_timeout_ms;
        else if (now >= deadline)
            return false;
        if (!s->timer_made) {
            uv_timer_init(loop, &s->read_timer);
            s->read_timer.data = s;
            s->timer_made = true;
            ++s->open_handles;
        }
        // One timer serves every parked reader: armed for the earliest.
        if (!s->timer_armed || s->timer_due > deadline) {
            uv_timer_start(&s->read_timer, on_read_timer, deadline - now, 0);
            s->timer_armed = true;
            s->timer_due = deadline;
        }
    }
    SocketWaiter w(current_strand());
    s->readers.push(&w);
    while (w.queued)
        park(ParkReason::TcpRead);
    return true;
}

// ---- listeners -----------------------------------------------------------------------

void on_listen_readable(uv_poll_t* h, int status, int events);

void fail_acceptors(ListenerSocket* l) {
    while (SocketWaiter* w = l->acceptors.pop_front()) {
        w->fd = -1;
        w->done = true;
        wake(w->strand);
    }
}

void stop_polling(ListenerSocket* l) {
    if (!l->polling) return;
    uv_poll_stop(&l->poll);
    l->polling = false;
}

// Watches the listening socket while some strand waits to accept; with no
// acceptor, connections wait in the kernel's backlog.
void arm(ListenerSocket* l) {
    if (l->closed || l->polling || l->backing_off || l->acceptors.empty()) return;
    if (uv_poll_start(&l->poll, UV_READABLE, on_listen_readable) < 0) {
        fail_acceptors(l);
        return;
    }
    l->polling = true;
}

void on_backoff_done(uv_timer_t* t) {
    auto* l = static_cast<ListenerSocket*>(t->data);
    l->backing_off = false;
    arm(l);
}

bool transient_accept_error(int e) {
    switch (e) {
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case EPERM:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case EOPNOTSUPP:
        case ENETUNREACH:
            return true;
        default:
            return false;
    }
}

enum : int { kAcceptNone = -1, kAcceptBroken = -2 };

// One connection from the kernel's backlog: its fd, kAcceptNone when there is
// none now (or descriptors ran out: the back-off is then started), or
// kAcceptBroken when the listening socket itself is unusable.
int accept_one(ListenerSocket* l) {
    for (;;) {
        int fd = accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) return fd;
        int e = errno;
        if (e == EAGAIN || e == EWOULDBLOCK) return kAcceptNone;
        if (transient_accept_error(e)) continue;  // that connection is gone; next
        if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
            // Out of descriptors or memory: the connection stays in the
            // backlog and the poll would report it again at once. Pause
            // instead of spinning; waiting acceptors keep waiting.
            stop_polling(l);
            l->backing_off = true;
            uv_timer_start(&l->backoff, on_backoff_done, kAcceptBackoffMs, 0);
            storage().backoffs.fetch_add(1, std::memory_order_relaxed);
            if (out_of_fds(e))
                note_out_of_fds(storage(), e, "accepting paused, connections wait in the backlog");
            return kAcceptNone;
        }
        return kAcceptBroken;
    }
}

void on_listen_readable(uv_poll_t* h, int status, int) {
    auto* l = static_cast<ListenerSocket*>(h->data);
    if (status < 0) {
        stop_polling(l);
        fail_acceptors(l);
        return;
    }
    for (int budget = kAcceptBudget; budget > 0 && !l->acceptors.empty(); --budget) {
        int fd = accept_one(l);
        if (fd == kAcceptNone) return;  // polling goes on (or the back-off runs)
        if (fd == kAcceptBroken) {
            stop_polling(l);
            fail_acceptors(l);
            return;
        }
        SocketWaiter* w = l->acceptors.pop_front();
        w->fd = fd;
        w->done = true;
        wake(w->strand);
    }
    if (l->acceptors.empty()) stop_polling(l);
}

void close_listener(ListenerSocket* l) {
    l->closed = true;
    fail_acceptors(l);
    stop_polling(l);
    uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&l->backoff), on_handle_closed);
    // The poll handle no longer watches the fd (uv_close stopped it).
    if (l->fd >= 0) ::close(l->fd);
    l->fd = -1;
}

// ---- inherited listeners (systemd socket activation) ---------------------------------
//
// systemd passes listening sockets as fds 3, 4, ... (SD_LISTEN_FDS_START)
// with LISTEN_FDS=<count> and LISTEN_PID=<our pid> (the pid check keeps a
// child from taking sockets meant for its parent). They are read once per
// process; tcp_listen on a port one of them is bound to adopts it instead
// of binding. Each is adopted at most once: closing the listener closes it.

constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

struct Inherited {
    int fd;
    int port;
    bool taken = false;
};

std::mutex& inherited_mu() {
    static auto* mu = new std::mutex;
    return *mu;
}

// Guarded by inherited_mu(); never destroyed (workers may adopt at exit).
std::vector<Inherited>& inherited() {
    static auto* v = [] {
        auto* list = new std::vector<Inherited>;
        const char* pid = std::getenv("LISTEN_PID");
        const char* nfds = std::getenv("LISTEN_FDS");
        std::optional<uint64_t> p = parse_env_u64(pid);
        std::optional<uint64_t> n = parse_env_u64(nfds);
        if (!p || !n || *p != static_cast<uint64_t>(getpid())) return list;
        // Ours now: processes we start must not think they are meant too
        // (sd_listen_fds(1) does the same).
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        for (uint64_t i = 0; i < *n && i < 4096; ++i) {
            int fd = kListenFdsStart + static_cast<int>(i);
            int type = 0, listening = 0;
            socklen_t len = sizeof type;
            if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
                continue;
            len = sizeof listening;
            if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
                continue;
            sockaddr_storage a{};
            len = sizeof a;
            if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) continue;
            if (a.ss_family != AF_INET && a.ss_family != AF_INET6) continue;
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            list->push_back({fd, address_port(reinterpret_cast<const sockaddr*>(&a))});
        }
        return list;
    }();
    return *v;
}

void note_inherited() {
    std::lock_guard<std::mutex> lock(inherited_mu());
    (void)inherited();
}

// An inherited listening socket bound to `port` (made non-blocking), or -1.
int adopt_inherited(int port) {
    if (port <= 0) return -1;  // an ephemeral port never names an inherited one
    std::lock_guard<std::mutex> lock(inherited_mu());
    for (Inherited& in : inherited()) {
        if (in.taken || in.port != port) continue;
        int flags = fcntl(in.fd, F_GETFL);
        if (flags < 0 || fcntl(in.fd, F_SETFL, flags | O_NONBLOCK) != 0) continue;
        in.taken = true;
        return in.fd;
    }
    return -1;
}

// ---- drain (core/sys/drain.hpp) -------------------------------------------------------

// The dump's socket figures (any thread): listeners are the records of that
// kind whose id is still in the table (kind and id are safe to read under the
// registry's mutex); every other TCP id in the table is a stream.
void add_socket_totals(ResourceTotals& t) {
    Module& m = storage();
    uint64_t listeners = 0;
    {
        std::lock_guard<std::mutex> lock(m.reg_mu);
        for (SocketBase* r = m.reg_head; r; r = r->reg_next)
            if (r->kind == SockKind::Listener)
                if (int64_t id = static_cast<ListenerSocket*>(r)->id.load())
                    if (m.table.owner_of(id, Protocol::Tcp)) ++listeners;
    }
    uint64_t tcp = m.table.live(Protocol::Tcp);
    t.tcp_listeners += listeners;
    t.tcp_streams += tcp > listeners ? tcp - listeners : 0;
    t.udp_sockets += m.table.live(Protocol::Udp);
}

// The drain's stop hook, on the drain's watcher thread: every listener is
// closed on its owner's loop (its parked acceptors wake with a failure) and
// its id retired, so no connection is accepted any more. tcp_listen and
// tcp_accept check drain_started() themselves, so one made meanwhile does not
// slip through.
void drain_stop_listeners() {
    if (!scheduler_running()) return;
    call_in_strand("tcp drain", [] {
        Module& m = mod();
        std::vector<int64_t> ids;
        {
            std::lock_guard<std::mutex> lock(m.reg_mu);
            for (SocketBase* r = m.reg_head; r; r = r->reg_next)
                if (r->kind == SockKind::Listener)
                    if (int64_t id = static_cast<ListenerSocket*>(r)->id.load()) ids.push_back(id);
        }
        for (int64_t id : ids) {
            Use u(m, id);
            ListenerSocket* l = u.listener();
            if (!l || l->closed) continue;
            m.table.remove(id);
            close_listener(l);
        }
        return 0;
    });
}

// The worker with the fewest live streams (ties: round robin); counts the
// new stream there at once so a burst of accepts spreads.
Worker* pick_worker(Module& m) {
    size_t n = m.nworkers;
    size_t start = m.rr.fetch_add(1, std::memory_order_relaxed) % n;
    size_t best = start;
    int64_t best_count = m.workers[start].streams.load(std::memory_order_relaxed);
    for (size_t k = 1; k < n && best_count > 0; ++k) {
        size_t i = (start + k) % n;
        int64_t c = m.workers[i].streams.load(std::memory_order_relaxed);
        if (c < best_count) best = i, best_count = c;
    }
    m.workers[best].streams.fetch_add(1, std::memory_order_relaxed);
    return scheduler().workers[best].get();
}

// ---- addresses -----------------------------------------------------------------------

socklen_t addr_len(const sockaddr_storage& a) {
    return a.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

StackValue empty_string() {
    return make_string("");
}

}  // namespace net

using namespace net;

// ---- configuration -------------------------------------------------------------------

size_t default_max_sockets() {
    return std::min(sockets_for_fd_limit(), kMaxSlots);
}

size_t parse_max_sockets(const char* v, size_t def) {
    return env_number_in_range("SEQ_MAX_SOCKETS", v, 1, kMaxSlots, def);
}

uint64_t parse_tcp_read_timeout_ms(const char* v) {
    return env_count_or_off("SEQ_TCP_READ_TIMEOUT_MS", v, "the TCP read timeout");
}

bool parse_reuseport(const char* v) {
    if (!v || !*v || std::strcmp(v, "0") == 0) return false;
    if (std::strcmp(v, "1") == 0) return true;
    warn("SEQ_REUSEPORT='%s' is not 0 or 1, using default 0", v);
    return false;
}

size_t parse_tcp_read_max(const char* v) {
    return env_number_in_range("SEQ_TCP_READ_MAX", v, kMinReadMax, kMaxReadMax, kDefaultReadMax);
}

// An accept after a drain began: no connection, a failure flag, and first a
// pause, so a loop that keeps accepting sleeps instead of spinning.
TcpResult drain_refuse(Module& m) {
    m.drain_refused.fetch_add(1, std::memory_order_relaxed);
    sleep_ms(kDrainAcceptPauseMs);
    return {};
}

// ---- the words -----------------------------------------------------------------------

TcpResult tcp_listen(std::string_view host, int64_t port) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_listen(host, port); });
    Module& m = mod();
    if (port < 0 || port > 65535) return {};
    if (drain_started()) return {};  // a draining server takes no new port
    // A socket systemd passed us for this port is used as it is: binding
    // again would fail (it is bound) or, with SO_REUSEPORT, split its traffic.
    int fd = adopt_inherited(static_cast<int>(port));
    bool adopted = fd >= 0;
    if (!adopted) {
        std::string bind_host = host.empty() ? m.bind_addr : std::string(host);
        std::vector<sockaddr_storage> addrs =
            dns_resolve_endpoints(bind_host, static_cast<int>(port));
        if (addrs.empty()) return {};
        const sockaddr_storage& a = addrs.front();
        fd = ::socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            if (out_of_fds(errno)) note_out_of_fds(m, errno, "tcp.listen failed");
            return {};
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        // SEQ_REUSEPORT=1: several processes listen on one port and the
        // kernel spreads connections across them.
        if (m.reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
            ::close(fd);
            return {};
        }
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), addr_len(a)) != 0 ||
            ::listen(fd, SOMAXCONN) != 0) {
            ::close(fd);
            return {};
        }
    }
    Worker* w = current_worker();
    prepare_thread(m, w);
    auto* l = new ListenerSocket(w);
    l->fd = fd;
    if (uv_poll_init(&w->loop, &l->poll, fd) != 0) {
        delete l;  // closes fd; the poll handle was not registered
        return {};
    }
    uv_timer_init(&w->loop, &l->backoff);
    l->poll.data = l;
    l->backoff.data = l;
    l->open_handles = 2;
    registry_add(m, l);
    int64_t id = m.table.insert(l, w);
    if (id == 0) {
        note_table_full(m);
        close_listener(l);  // freed by the close callbacks
        return {};
    }
    l->id.store(id);
    // A drain that began meanwhile may have missed this listener.
    if (drain_started()) {
        m.table.remove(id);
        close_listener(l);
        return {};
    }
    if (adopted) m.adopted.fetch_add(1, std::memory_order_relaxed);
    return {id, true};
}

TcpResult tcp_accept(int64_t listener) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_accept(listener); });
    Module& m = mod();
    int fd;
    {
        Use u(m, listener);
        if (drain_started()) {
            u.release();
            return drain_refuse(m);
        }
        ListenerSocket* l = u.listener();
        if (!l || l->closed) return {};
        // Fast path: a connection already waits in the backlog and nobody
        // queued before us: take it without a poll round trip.
        fd = l->acceptors.empty() && !l->backing_off ? accept_one(l) : kAcceptNone;
        if (fd == kAcceptBroken) return {};
        if (fd == kAcceptNone) {
            SocketWaiter w(current_strand());
            l->acceptors.push(&w);
            arm(l);
            while (!w.done)
                park(ParkReason::TcpAccept);
            fd = w.fd;
        }
    }
    if (fd < 0) return {};
    // The stream's handle is created on its owner's loop when first used
    // (ensure_bound), so accepting never leaves the listener's worker.
    Worker* owner = pick_worker(m);
    auto* s = new StreamSocket(owner);
    s->raw_fd = fd;
    // Counted for a drain until tcp_close; set before the id is published
    // (the record belongs to its owner's thread from then on).
    s->counted = true;
    registry_add(m, s);
    int64_t id = m.table.insert(s, owner);
    if (id == 0) {
        note_table_full(m);
        registry_remove(m, s);
        m.workers[owner->index].streams.fetch_sub(1, std::memory_order_relaxed);
        delete s;  // closes fd
        return {};
    }
    drain_connection_opened();
    m.accepted.fetch_add(1, std::memory_order_relaxed);
    return {id, true};
}

TcpResult tcp_connect(std::string_view host, int64_t port) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_connect(host, port); });
    Module& m = mod();
    if (port < 1 || port > 65535) return {};
    // Names go through the DNS module (cache, single flight), as upstream 7.x.
    std::vector<sockaddr_storage> addrs = dns_resolve_endpoints(host, static_cast<int>(port));
    for (const sockaddr_storage& a : addrs) {
        Worker* w = current_worker();
        prepare_thread(m, w);
        auto* s = new StreamSocket(w);
        m.workers[w->index].streams.fetch_add(1, std::memory_order_relaxed);
        s->bound = true;
        uv_tcp_init(&w->loop, &s->tcp);
        s->tcp.data = s;
        s->open_handles = 1;
        registry_add(m, s);
        // Each attempt is bounded by SEQ_TCP_CONNECT_TIMEOUT_MS (as upstream 7.x).
        int status = connect_with_timeout(&s->tcp, reinterpret_cast<const sockaddr*>(&a),
                                          m.connect_timeout_ms);
        if (status == 0) {
            int64_t id = m.table.insert(s, w);
            if (id == 0) {
                note_table_full(m);
                close_stream(s);
                return {};
            }
            uv_tcp_nodelay(&s->tcp, 1);
            start_reading(m, s);
            return {id, true};
        }
        if (status == UV_EMFILE || status == UV_ENFILE)
            note_out_of_fds(m, -status, "tcp.connect failed");
        close_stream(s);  // freed by its close callback; try the next address
    }
    return {};
}

TcpReadResult tcp_read(int64_t id, utf8::Bytes accept) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_read(id, accept); });
    Module& m = mod();
    Use u(m, id);
    StreamSocket* s = u.stream();
    if (!s) return {empty_string(), false};
    ensure_bound(m, s);
    uint64_t deadline = 0;  // SEQ_TCP_READ_TIMEOUT_MS, from the first wait
    for (;;) {
        if (s->closed || s->upgrading) return {empty_string(), false};
        size_t avail = s->buf.size() - s->off;
        if (avail) {
            size_t n = std::min(avail, m.read_max);
            const char* p = s->buf.data() + s->off;
            utf8::Prefix scan{n, false};
            if (accept == utf8::Bytes::Utf8Only) scan = utf8::valid_prefix({p, n});
            size_t take = 0;
            if (scan.valid == n) {
                take = n;
            } else if (scan.incomplete && scan.valid > 0) {
                take = scan.valid;  // the split character stays for the next read
            } else if (scan.incomplete && !s->eof && !s->read_err) {
                take = 0;  // only part of one character so far: wait for the rest
            } else {
                consume(s, n);  // as upstream: the invalid read is discarded
                start_reading(m, s);
                return {empty_string(), false};
            }
            if (take) {
                StringObj* str = alloc_string(take);
                std::memcpy(str->inline_bytes, p, take);
                consume(s, take);
                start_reading(m, s);
                return {from_heap(str), true};
            }
        } else if (s->eof) {
            return {empty_string(), true};
        } else if (s->read_err) {
            return {empty_string(), false};
        }
        start_reading(m, s);
        if (s->read_err && !s->reading) continue;
        if (!wait_readable(m, s, deadline)) {
            m.read_timeouts.fetch_add(1, std::memory_order_relaxed);
            return {empty_string(), false};  // SEQ_TCP_READ_TIMEOUT_MS passed
        }
    }
}

int64_t tcp_read_bytes(int64_t id, void* buf, size_t cap) {
    if (!current_strand())
        return call_in_strand("tcp", [&] { return tcp_read_bytes(id, buf, cap); });
    Module& m = mod();
    Use u(m, id);
    StreamSocket* s = u.stream();
    if (!s) return kTcpNotStream;
    ensure_bound(m, s);
    // tcp_read's loop without its String and UTF-8 rules: a host's buffer
    // takes any bytes, and `cap` bounds the copy instead of SEQ_TCP_READ_MAX.
    uint64_t deadline = 0;
    for (;;) {
        if (s->closed || s->upgrading) return kTcpNotStream;
        if (size_t avail = s->buf.size() - s->off) {
            size_t n = std::min(avail, cap);
            std::memcpy(buf, s->buf.data() + s->off, n);
            consume(s, n);
            start_reading(m, s);
            return static_cast<int64_t>(n);
        }
        if (s->eof) return 0;
        if (s->read_err) return s->read_err;
        start_reading(m, s);
        if (s->read_err && !s->reading) continue;
        if (!wait_readable(m, s, deadline)) {
            m.read_timeouts.fetch_add(1, std::memory_order_relaxed);
            return UV_ETIMEDOUT;
        }
    }
}

bool tcp_write(int64_t id, std::string_view data) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_write(id, data); });
    Module& m = mod();
    Use u(m, id);
    StreamSocket* s = u.stream();
    if (!s) return false;
    ensure_bound(m, s);
    if (s->closed || s->write_err || s->upgrading) return false;
    if (data.empty()) return true;
    // Through the transport: its wire bytes are written like plaintext
    // would be (encode and the write below never park in between, so
    // records of concurrent writers never interleave).
    std::string wire;
    if (s->transport) {
        if (!s->transport->encode(data, wire)) {
            s->write_err = kTransportFailed;
            return false;
        }
        data = wire;
    }
    uv_buf_t b = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(0));
    b.len = data.size();
    // Most writes fit the socket buffer: done without a callback or a park.
    int r = uv_try_write(as_stream(s), &b, 1);
    if (r >= 0 && static_cast<size_t>(r) == data.size()) return true;
    if (r < 0 && r != UV_EAGAIN) {
        s->write_err = r;
        return false;
    }
    size_t done = r > 0 ? static_cast<size_t>(r) : 0;
    b.base += done;
    b.len -= done;
    uv_write_t req;
    UvWaiter w(ParkReason::TcpWrite);
    req.data = &w;
    int st = uv_write(&req, as_stream(s), &b, 1, [](uv_write_t* rq, int status) {
        static_cast<UvWaiter*>(rq->data)->complete(status);
    });
    if (st == 0) {
        ++s->writers;
        st = w.wait();
        --s->writers;
    }
    if (st < 0) {
        if (st != UV_ECANCELED) s->write_err = st;
        return false;
    }
    return true;
}

bool tcp_close(int64_t id) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_close(id); });
    Module& m = mod();
    Use u(m, id);
    SocketBase* b = u.get();
    if (!b || b->closed) return false;
    m.table.remove(id);
    if (b->kind == SockKind::Stream)
        close_stream(static_cast<StreamSocket*>(b));
    else
        close_listener(static_cast<ListenerSocket*>(b));
    return true;
}

// The hook for transports (transport.hpp): the handshake is driven by the
// stream's own reads (on_read feeds the transport, which answers through
// send_transport_output); this strand only waits for the outcome.
TransportOutcome net::tcp_start_transport(int64_t id, const std::function<TransportStart()>& make) {
    if (!current_strand())
        return call_in_strand("tcp", [&] { return tcp_start_transport(id, make); });
    Module& m = mod();
    Use u(m, id);
    StreamSocket* s = u.stream();
    if (!s || s->closed || s->transport || s->upgrading) return TransportOutcome::NotAStream;
    ensure_bound(m, s);
    s->upgrading = true;
    struct Upgrading {
        StreamSocket* s;
        ~Upgrading() { s->upgrading = false; }
    } upgrading{s};
    TransportStart start = make();  // may park (loading the trust store)
    if (s->closed) return TransportOutcome::Closed;
    auto fail = [&](TransportOutcome why) {
        m.table.remove(id);
        close_stream(s);
        return why;
    };
    if (!start.transport) return fail(TransportOutcome::Failed);
    s->transport = std::move(start.transport);
    // Bytes that arrived before the upgrade and nobody read are the start of
    // the peer's side of the session.
    std::string early = s->buf.substr(s->off);
    s->buf.clear();
    s->off = 0;
    feed_transport(s, early.data(), early.size());  // also sends the first message

    struct Deadline {
        uv_timer_t timer;
        StreamSocket* s;
        bool expired = false;
    } dl;
    dl.s = s;
    uv_timer_init(&s->owner->loop, &dl.timer);
    dl.timer.data = &dl;
    uv_update_time(&s->owner->loop);
    uv_timer_start(
        &dl.timer,
        [](uv_timer_t* t) {
            auto* d = static_cast<Deadline*>(t->data);
            d->expired = true;
            d->s->readers.wake_all();
        },
        start.timeout_ms, 0);
    TransportOutcome out;
    for (;;) {
        if (s->transport->established()) {
            out = TransportOutcome::Established;
            break;
        }
        if (s->closed) {
            out = TransportOutcome::Closed;
            break;
        }
        // A read error is the transport's failure when it said so, else the
        // peer's doing.
        if (s->read_err == kTransportFailed) {
            out = TransportOutcome::Failed;
            break;
        }
        if (s->eof || s->read_err || s->write_err) {
            out = TransportOutcome::PeerClosed;
            break;
        }
        if (dl.expired) {
            out = TransportOutcome::TimedOut;
            break;
        }
        start_reading(m, s);
        if (s->read_err && !s->reading) continue;
        SocketWaiter w(current_strand());
        s->readers.push(&w);
        while (w.queued)
            park(ParkReason::TlsHandshake);
    }
    // The timer lives on this stack: wait for its close callback.
    UvWaiter closed(ParkReason::TlsHandshake);
    dl.timer.data = &closed;
    uv_close(reinterpret_cast<uv_handle_t*>(&dl.timer),
             [](uv_handle_t* h) { static_cast<UvWaiter*>(h->data)->complete(0); });
    closed.wait();
    if (out == TransportOutcome::Established || out == TransportOutcome::Closed) return out;
    if (s->closed) return TransportOutcome::Closed;  // closed while the timer closed
    return fail(out);
}

TcpResult tcp_local_port(int64_t id) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_local_port(id); });
    Module& m = mod();
    Use u(m, id);
    SocketBase* b = u.get();
    if (!b || b->closed) return {};
    int fd = -1;
    if (ListenerSocket* l = u.listener()) {
        fd = l->fd;
    } else {
        StreamSocket* s = u.stream();
        if (s->raw_fd >= 0) {
            fd = s->raw_fd;
        } else {
            uv_os_fd_t ufd;
            if (uv_fileno(reinterpret_cast<uv_handle_t*>(&s->tcp), &ufd) == 0) fd = ufd;
        }
    }
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (fd < 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
    return {address_port(reinterpret_cast<const sockaddr*>(&a)), true};
}

TcpSocketInfo tcp_socket_info(int64_t id) {
    if (!current_strand()) return call_in_strand("tcp", [&] { return tcp_socket_info(id); });
    Module& m = mod();
    Use u(m, id);
    TcpSocketInfo info;
    SocketBase* b = u.get();
    if (!b || b->closed) return info;
    info.valid = true;
    info.owner = b->owner->index;
    if (ListenerSocket* l = u.listener()) {
        info.listener = true;
        info.acceptors = l->acceptors.size();
    } else {
        StreamSocket* s = u.stream();
        ensure_bound(m, s);  // counts as a first use: reading starts
        info.readers = s->readers.size();
        info.writers = s->writers;
        info.buffered = s->buf.size() - s->off;
    }
    return info;
}

namespace net {

SocketTable& shared_socket_table() {
    return mod().table;
}

std::string bind_address() {
    return mod().bind_addr;
}

}  // namespace net

TcpStats tcp_stats() {
    Module& m = mod();
    TcpStats st;
    st.live = m.table.live();
    st.capacity = m.table.capacity();
    st.read_max = m.read_max;
    st.accepted = m.accepted.load(std::memory_order_relaxed);
    st.accept_backoffs = m.backoffs.load(std::memory_order_relaxed);
    st.table_full = m.table_full.load(std::memory_order_relaxed);
    st.migrate_retries = m.migrate_retries.load(std::memory_order_relaxed);
    st.read_timeout_ms = m.read_timeout_ms;
    st.read_timeouts = m.read_timeouts.load(std::memory_order_relaxed);
    st.drain_refused = m.drain_refused.load(std::memory_order_relaxed);
    st.adopted = m.adopted.load(std::memory_order_relaxed);
    st.reuseport = m.reuseport;
    return st;
}

}  // namespace seq
