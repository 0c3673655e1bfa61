// The host API (seq/host.h, seq/host_interop.h): argument checks and
// translation only; the logic is in io/host and io/net/host_tcp.
#include <cstddef>
#include <new>
#include <string_view>

#include "abi/abi.hpp"
#include "io/host.hpp"
#include "io/net/host_tcp.hpp"
#include "seq/host.h"
#include "seq/host_interop.h"

using namespace seq;

static_assert(SEQ_OK == host::kOk && SEQ_EINVAL == host::kEInval &&
              SEQ_ENOTRUNNING == host::kENotRunning && SEQ_ERUNNING == host::kERunning &&
              SEQ_EINSTRAND == host::kEInStrand && SEQ_ENOTSTRAND == host::kENotStrand &&
              SEQ_ECLOSED == host::kEClosed && SEQ_EBADHANDLE == host::kEBadHandle &&
              SEQ_ETYPE == host::kEType && SEQ_ENOMEM == host::kENoMem &&
              SEQ_ENOTFOUND == host::kENotFound && SEQ_ECONNREFUSED == host::kEConnRefused &&
              SEQ_EADDR == host::kEAddr && SEQ_ECONNRESET == host::kEConnReset &&
              SEQ_EIO == host::kEIo && SEQ_ELIMIT == host::kELimit);

#define SEQ_STR2(x) #x
#define SEQ_STR(x) SEQ_STR2(x)
static_assert(
    std::string_view(SEQ_VERSION_STRING) ==
    SEQ_STR(SEQ_VERSION_MAJOR) "." SEQ_STR(SEQ_VERSION_MINOR) "." SEQ_STR(SEQ_VERSION_PATCH));

namespace {

// The first version's seq_options ends with yield_slice_us.
constexpr size_t kOptionsV1 = offsetof(seq_options, yield_slice_us) + sizeof(uint64_t);

Channel* chan(seq_chan_t* h) {
    return host::channel_from_handle(h);
}

}  // namespace

extern "C" {

SEQ_HOST_API const char* seq_strerror(int err) {
    return host::error_name(err);
}

SEQ_HOST_API const char* seq_version(void) {
    return SEQ_VERSION_STRING;
}

// ---- runtime ----------------------------------------------------------------------

SEQ_HOST_API int seq_runtime_start(const seq_options* opts) {
    host::StartOptions o;
    if (opts) {
        if (opts->size < kOptionsV1) return SEQ_EINVAL;
        // A newer header's struct: fine while its new fields ask for nothing.
        const auto* bytes = reinterpret_cast<const unsigned char*>(opts);
        for (size_t i = sizeof(seq_options); i < opts->size; ++i)
            if (bytes[i]) return SEQ_EINVAL;
        o.workers = opts->workers;
        o.stack_size = opts->stack_size;
        o.pool_capacity = opts->pool_capacity;
        o.yield_slice_us = opts->yield_slice_us;
    }
    return host::runtime_start(o);
}

SEQ_HOST_API int seq_runtime_stop(void) {
    return host::runtime_stop();
}

SEQ_HOST_API int seq_go(void (*fn)(void*), void* arg, uint64_t* id_out) {
    return host::go(fn, arg, id_out);
}

SEQ_HOST_API void seq_yield(void) {
    host::yield();
}

SEQ_HOST_API int seq_sleep_ms(uint64_t ms) {
    return host::sleep(ms);
}

SEQ_HOST_API uint64_t seq_strand_id(void) {
    return host::strand_id();
}

SEQ_HOST_API int seq_blocking_begin(void) {
    return host::blocking_begin();
}

SEQ_HOST_API int seq_blocking_end(void) {
    return host::blocking_end();
}

SEQ_HOST_API int seq_wait_all(void) {
    return host::wait_all();
}

SEQ_HOST_API void seq_stats(seq_stats_t* out) {
    if (!out) return;
    host::Stats st = host::stats();
    out->active = st.active;
    out->spawned = st.spawned;
    out->completed = st.completed;
    out->peak = st.peak;
    out->workers = st.workers;
}

// ---- channels ---------------------------------------------------------------------

SEQ_HOST_API seq_chan_t* seq_chan_new(size_t capacity) {
    try {
        StackValue v = channel_new(capacity == 0 ? kUnbounded : capacity);
        return reinterpret_cast<seq_chan_t*>(heap_of(v));
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

SEQ_HOST_API int seq_chan_send(seq_chan_t* ch, void* msg) {
    Channel* c = chan(ch);
    if (!c) return SEQ_EBADHANDLE;
    return host::chan_send(c, msg);
}

SEQ_HOST_API int seq_chan_recv(seq_chan_t* ch, void** msg) {
    if (!msg) return SEQ_EINVAL;
    Channel* c = chan(ch);
    if (!c) {
        *msg = nullptr;
        return SEQ_EBADHANDLE;
    }
    return host::chan_recv(c, msg);
}

SEQ_HOST_API int seq_chan_close(seq_chan_t* ch) {
    Channel* c = chan(ch);
    if (!c) return SEQ_EBADHANDLE;
    host::chan_close(c);
    return SEQ_OK;
}

SEQ_HOST_API seq_chan_t* seq_chan_retain(seq_chan_t* ch) {
    Channel* c = chan(ch);
    if (!c) return nullptr;
    retain(c);
    return ch;
}

SEQ_HOST_API void seq_chan_release(seq_chan_t* ch) {
    if (Channel* c = chan(ch)) release(c);
}

SEQ_HOST_API seq_chan_t* seq_chan_from_value(seq_value_t v) {
    if (!is_kind(v, Kind::Channel)) return nullptr;
    retain(heap_of(v));
    return reinterpret_cast<seq_chan_t*>(heap_of(v));
}

SEQ_HOST_API seq_value_t seq_chan_to_value(seq_chan_t* ch) {
    Channel* c = chan(ch);
    if (!c) return SEQ_FALSE;
    retain(c);
    return from_heap(c);
}

SEQ_HOST_API int seq_chan_send_value(seq_chan_t* ch, seq_value_t v) {
    Channel* c = chan(ch);
    if (!c) {
        drop_value(v);
        return SEQ_EBADHANDLE;
    }
    return host::chan_send_value(c, v);
}

SEQ_HOST_API int seq_chan_recv_value(seq_chan_t* ch, seq_value_t* out) {
    if (!out) return SEQ_EINVAL;
    Channel* c = chan(ch);
    if (!c) return SEQ_EBADHANDLE;
    return host::chan_recv_value(c, out);
}

// ---- TCP ----------------------------------------------------------------------------

SEQ_HOST_API int seq_tcp_listen(const char* host, int port, seq_sock_t* out) {
    return host::tcp_listen(host, port, out);
}

SEQ_HOST_API int seq_tcp_accept(seq_sock_t listener, seq_sock_t* out) {
    return host::tcp_accept(listener, out);
}

SEQ_HOST_API int seq_tcp_connect(const char* host, int port, seq_sock_t* out) {
    return host::tcp_connect(host, port, out);
}

SEQ_HOST_API int64_t seq_tcp_read(seq_sock_t s, void* buf, size_t cap) {
    return host::tcp_read(s, buf, cap);
}

SEQ_HOST_API int seq_tcp_write(seq_sock_t s, const void* buf, size_t len) {
    return host::tcp_write(s, buf, len);
}

SEQ_HOST_API int seq_tcp_close(seq_sock_t s) {
    return host::tcp_close(s);
}

SEQ_HOST_API int seq_tcp_local_port(seq_sock_t s) {
    return host::tcp_local_port(s);
}

}  // extern "C"
