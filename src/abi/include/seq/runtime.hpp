// seq-runtime: a header-only C++17 layer over the host API (seq/host.h).
//
//   seq::runtime rt;                         // starts the workers; the destructor
//                                            // waits for every strand, then stops
//   seq::channel<std::string> ch;            // typed, movable messages
//   seq::go([&] { ch.send("hi"); });         // any callable becomes a strand
//   std::optional<std::string> m = ch.recv();
//
// Errors are exceptions: std::system_error whose code() is in
// seq::error_category() (value = the SEQ_E* code, message = seq_strerror).
// Where failure is routine for a server (a peer resetting its connection)
// the socket calls also have std::error_code overloads that never throw. A
// closed channel is not an error: send returns false, recv std::nullopt.
//
// A strand must not end with an exception: one escaping the callable given
// to seq::go is caught at the strand's edge (it never unwinds through the
// fiber switch), reported on stderr as "seq: strand N: uncaught exception:
// <what()>", and the process aborts, as std::thread calls std::terminate.
// Continuing would leave whoever waits on that strand (a channel peer, a
// client) waiting forever with no sign why.
//
// This header includes only seq/host.h; it does not need the compiler ABI.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "seq/host.h"

namespace seq {

// ---- errors ---------------------------------------------------------------------

namespace detail {
class category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "seq"; }
    std::string message(int code) const override { return seq_strerror(code); }
};
}  // namespace detail

inline const std::error_category& error_category() noexcept {
    static const detail::category_impl c;
    return c;
}

inline std::error_code make_error_code(int code) noexcept {
    return {code, error_category()};
}

namespace detail {

[[noreturn]] inline void throw_error(int code, const char* what) {
    throw std::system_error(make_error_code(code), what);
}

inline int check(int code, const char* what) {
    if (code < 0) throw_error(code, what);
    return code;
}

[[noreturn]] inline void uncaught(const char* what) noexcept {
    std::fflush(stdout);
    std::fprintf(stderr, "seq: strand %llu: uncaught exception: %s\n",
                 static_cast<unsigned long long>(seq_strand_id()),
                 what ? what : "(not a std::exception)");
    std::fflush(stderr);
    std::abort();
}

// The strand's function: runs the heap closure, then frees it, still on the
// strand. noexcept so that even a throwing destructor cannot unwind further.
template <class Fn>
void run_closure(void* p) noexcept {
    std::unique_ptr<Fn> fn(static_cast<Fn*>(p));
    try {
        (*fn)();
    } catch (const std::exception& e) {
        uncaught(e.what());
    } catch (...) {
        uncaught(nullptr);
    }
}

}  // namespace detail

// ---- runtime -----------------------------------------------------------------------

// seq_options with its size set; zero fields mean defaults (seq/host.h).
struct options : seq_options {
    options() noexcept : seq_options SEQ_OPTIONS_INIT {}
};

// Owns a started runtime. The destructor waits until every strand has ended,
// then stops the workers (seq_runtime_stop), so strands may use anything
// declared before the runtime object. Construct it on a host thread.
class runtime {
  public:
    runtime() { detail::check(seq_runtime_start(nullptr), "seq::runtime"); }
    explicit runtime(const seq_options& o) { detail::check(seq_runtime_start(&o), "seq::runtime"); }
    ~runtime() { seq_runtime_stop(); }
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // Blocks until no strand is active (the runtime keeps running).
    void wait_all() { detail::check(seq_wait_all(), "seq::runtime::wait_all"); }
    static seq_stats_t stats() noexcept {
        seq_stats_t st;
        seq_stats(&st);
        return st;
    }
};

// Runs f(args...) as a new strand; returns its id. The callable and the
// arguments are moved (or copied) into one heap block that the strand frees
// when it ends. Callable from strands and host threads.
template <class F, class... Args>
uint64_t go(F&& f, Args&&... args) {
    auto call = [f = std::forward<F>(f),
                 tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
        std::apply(f, std::move(tup));
    };
    using Fn = decltype(call);
    auto* p = new Fn(std::move(call));
    uint64_t id = 0;
    int rc = seq_go(&detail::run_closure<Fn>, p, &id);
    if (rc < 0) {
        delete p;
        detail::throw_error(rc, "seq::go");
    }
    return id;
}

namespace this_strand {
// The current strand's id; 0 on a host thread.
inline uint64_t id() noexcept {
    return seq_strand_id();
}
// Lets other strands run (a host thread yields its time slice).
inline void yield() noexcept {
    seq_yield();
}
// Parks the strand (a host thread sleeps) for at least d, rounded up to ms.
template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d) {
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
    detail::check(seq_sleep_ms(ms > 0 ? static_cast<uint64_t>(ms) : 0), "seq::sleep_for");
}

// A blocking section for the scope (seq_blocking_begin/seq_blocking_end):
//   { seq::this_strand::blocking_section b; rc = PQexec(conn, sql); }
// Off a strand it does nothing.
class blocking_section {
  public:
    blocking_section() noexcept : open_(seq_blocking_begin() == SEQ_OK) {}
    ~blocking_section() {
        if (open_) seq_blocking_end();
    }
    blocking_section(const blocking_section&) = delete;
    blocking_section& operator=(const blocking_section&) = delete;

  private:
    bool open_;
};
}  // namespace this_strand

// ---- channels -------------------------------------------------------------------------

// A channel of T (FIFO, many senders and receivers on any strands or
// threads). Each message is boxed as a heap T; the box moves through the
// channel, so T needs only to be move-constructible. capacity 0: unbounded;
// n: send waits while n messages are queued.
//
// The object owns the channel: share it by reference (or a shared_ptr) and
// keep it alive while others use it. Its destructor closes the channel,
// frees every message still queued and drops the channel; callers still
// waiting in send or recv at that moment return false / std::nullopt.
//
// For talking to Seq code use the C API (seq/host_interop.h): a Seq strand
// sends Ints, which a channel<T> would mistake for boxes.
template <class T>
class channel {
    static_assert(std::is_move_constructible_v<T>, "channel<T> needs a movable T");

  public:
    explicit channel(size_t capacity = 0) : h_(seq_chan_new(capacity)) {
        if (!h_) throw std::bad_alloc();
    }
    ~channel() { reset(); }
    channel(channel&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    channel& operator=(channel&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;

    // Queues v (waiting for room on a full bounded channel). false when the
    // channel is closed: v is then destroyed.
    bool send(T v) {
        auto box = std::make_unique<T>(std::move(v));
        int rc = seq_chan_send(h_, box.get());
        if (rc == SEQ_OK) {
            box.release();  // the receiver owns it now
            return true;
        }
        if (rc == SEQ_ECLOSED) return false;
        detail::throw_error(rc, "seq::channel::send");
    }

    // The next message, waiting for one; std::nullopt once the channel is
    // closed and drained.
    std::optional<T> recv() {
        void* m = nullptr;
        int rc = seq_chan_recv(h_, &m);
        if (rc == SEQ_OK) {
            std::unique_ptr<T> box(static_cast<T*>(m));
            return std::optional<T>(std::move(*box));
        }
        if (rc == SEQ_ECLOSED) return std::nullopt;
        detail::throw_error(rc, "seq::channel::recv");
    }

    // Receivers drain what is queued, then get std::nullopt; sends fail.
    void close() { detail::check(seq_chan_close(h_), "seq::channel::close"); }

    seq_chan_t* native_handle() const noexcept { return h_; }

  private:
    void reset() noexcept {
        if (!h_) return;
        seq_chan_close(h_);
        // Closed, so recv no longer waits: it hands out what is left.
        for (;;) {
            void* m = nullptr;
            int rc = seq_chan_recv(h_, &m);
            if (rc == SEQ_OK)
                delete static_cast<T*>(m);
            else if (rc != SEQ_ETYPE)
                break;
        }
        seq_chan_release(h_);
        h_ = nullptr;
    }

    seq_chan_t* h_;
};

// ---- TCP ---------------------------------------------------------------------------------

// A connected stream, closed by the destructor. Usable from any strand or
// host thread (see seq/host.h).
class tcp_socket {
  public:
    tcp_socket() noexcept = default;
    explicit tcp_socket(seq_sock_t id) noexcept : id_(id) {}
    ~tcp_socket() { close(); }
    tcp_socket(tcp_socket&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
    tcp_socket& operator=(tcp_socket&& o) noexcept {
        if (this != &o) {
            close();
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    tcp_socket(const tcp_socket&) = delete;
    tcp_socket& operator=(const tcp_socket&) = delete;

    static tcp_socket connect(const std::string& host, int port) {
        seq_sock_t s = 0;
        detail::check(seq_tcp_connect(host.c_str(), port, &s), "seq::tcp_socket::connect");
        return tcp_socket(s);
    }

    // Bytes read into buf (waiting until some arrive), 0 at end of stream.
    size_t read(void* buf, size_t cap) {
        int64_t n = seq_tcp_read(id_, buf, cap);
        if (n < 0) detail::throw_error(static_cast<int>(n), "seq::tcp_socket::read");
        return static_cast<size_t>(n);
    }
    size_t read(void* buf, size_t cap, std::error_code& ec) noexcept {
        int64_t n = seq_tcp_read(id_, buf, cap);
        ec = n < 0 ? make_error_code(static_cast<int>(n)) : std::error_code();
        return n < 0 ? 0 : static_cast<size_t>(n);
    }
    // Writes all of it.
    void write(std::string_view data) {
        detail::check(seq_tcp_write(id_, data.data(), data.size()), "seq::tcp_socket::write");
    }
    void write(std::string_view data, std::error_code& ec) noexcept {
        int rc = seq_tcp_write(id_, data.data(), data.size());
        ec = rc < 0 ? make_error_code(rc) : std::error_code();
    }

    int local_port() const {
        return detail::check(seq_tcp_local_port(id_), "seq::tcp_socket::local_port");
    }
    // Closes now (idempotent); strands waiting on the socket fail.
    void close() noexcept {
        if (id_) seq_tcp_close(std::exchange(id_, 0));
    }
    // Gives up ownership: the id is no longer closed by this object.
    seq_sock_t release() noexcept { return std::exchange(id_, 0); }
    seq_sock_t native_handle() const noexcept { return id_; }
    explicit operator bool() const noexcept { return id_ != 0; }

  private:
    seq_sock_t id_ = 0;
};

// A listening socket, closed by the destructor (strands waiting in accept
// then fail with SEQ_EBADHANDLE).
class tcp_listener {
  public:
    tcp_listener() noexcept = default;
    // host "" : SEQ_BIND_ADDR (0.0.0.0); port 0: the kernel picks (port()).
    tcp_listener(const std::string& host, int port) {
        detail::check(seq_tcp_listen(host.empty() ? nullptr : host.c_str(), port, &id_),
                      "seq::tcp_listener");
    }
    ~tcp_listener() { close(); }
    tcp_listener(tcp_listener&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
    tcp_listener& operator=(tcp_listener&& o) noexcept {
        if (this != &o) {
            close();
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    tcp_listener(const tcp_listener&) = delete;
    tcp_listener& operator=(const tcp_listener&) = delete;

    // Waits for the next connection. Many strands may accept at once.
    tcp_socket accept() {
        seq_sock_t s = 0;
        detail::check(seq_tcp_accept(id_, &s), "seq::tcp_listener::accept");
        return tcp_socket(s);
    }
    tcp_socket accept(std::error_code& ec) noexcept {
        seq_sock_t s = 0;
        int rc = seq_tcp_accept(id_, &s);
        ec = rc < 0 ? make_error_code(rc) : std::error_code();
        return tcp_socket(rc < 0 ? 0 : s);
    }
    int port() const { return detail::check(seq_tcp_local_port(id_), "seq::tcp_listener::port"); }
    void close() noexcept {
        if (id_) seq_tcp_close(std::exchange(id_, 0));
    }
    seq_sock_t native_handle() const noexcept { return id_; }
    explicit operator bool() const noexcept { return id_ != 0; }

  private:
    seq_sock_t id_ = 0;
};

}  // namespace seq
