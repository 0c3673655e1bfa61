#include "io/net/connect.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "core/fatal.hpp"
#include "core/sched/strand.hpp"
#include "io/uv_bridge.hpp"

namespace seq {

namespace {

std::atomic<uint64_t> g_timeouts{0};

// Heap-allocated because it may outlive the strand's wait: after a timeout
// the strand returns while the connect request is still pending. Freed when
// both the request's callback and the timer's close callback ran (`refs`).
// Everything happens on the one loop thread (the strand is pinned there).
struct ConnectOp {
    uv_connect_t req;
    uv_timer_t timer;
    Strand* strand = nullptr;
    int status = 0;
    int refs = 2;
    bool done = false;       // the request's callback ran
    bool timed_out = false;  // the timer fired first
    bool abandoned = false;  // the strand left: nobody to wake
};

void unref(ConnectOp* op) {
    if (--op->refs == 0) delete op;
}

void on_connect(uv_connect_t* req, int status) {
    auto* op = static_cast<ConnectOp*>(req->data);
    op->status = status;
    op->done = true;
    if (!op->abandoned) wake(op->strand);
    unref(op);
}

void on_timeout(uv_timer_t* t) {
    auto* op = static_cast<ConnectOp*>(t->data);
    op->timed_out = true;
    wake(op->strand);
}

void on_timer_closed(uv_handle_t* h) {
    unref(static_cast<ConnectOp*>(h->data));
}

}  // namespace

int connect_with_timeout(uv_tcp_t* h, const sockaddr* addr, uint64_t timeout_ms) {
    LoopPin pin;  // the callbacks and the timer belong to this loop
    auto* op = new ConnectOp;
    op->strand = current_strand();
    op->req.data = op;
    int r = uv_tcp_connect(&op->req, h, addr, on_connect);
    if (r < 0) {
        delete op;
        return r;
    }
    uv_timer_init(current_loop(), &op->timer);
    op->timer.data = op;
    uv_timer_start(&op->timer, on_timeout, timeout_ms, 0);
    while (!op->done && !op->timed_out)
        park(ParkReason::TcpConnect);
    // A connection that completed in the same loop turn as the timer counts.
    bool done = op->done;
    int status = op->status;
    if (!done) {
        op->abandoned = true;
        g_timeouts.fetch_add(1, std::memory_order_relaxed);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&op->timer), on_timer_closed);
    return done ? status : UV_ETIMEDOUT;
}

uint64_t connect_timeouts() {
    return g_timeouts.load(std::memory_order_relaxed);
}

uint64_t parse_tcp_connect_timeout_ms(const char* v) {
    if (!v || !*v) return kDefaultConnectTimeoutMs;
    errno = 0;
    char* end = nullptr;
    unsigned long long n = *v >= '0' && *v <= '9' ? std::strtoull(v, &end, 10) : 0;
    if (!end || *end != '\0' || errno != 0) {
        warn("SEQ_TCP_CONNECT_TIMEOUT_MS='%s' is not a number, using default %llu", v,
             static_cast<unsigned long long>(kDefaultConnectTimeoutMs));
        return kDefaultConnectTimeoutMs;
    }
    return n == 0 ? kDefaultConnectTimeoutMs : n;
}

}  // namespace seq
