// TCP sockets for strands: listen, accept, connect, read, write, close.
//
// Every operation that can wait parks only the calling strand on its worker's
// libuv loop; the worker keeps running other strands. The design (why each
// piece is shaped as it is) is in docs/tcp.md; in short:
//
//   ids        generation-tagged slots (socket_table.hpp): a stale id never
//              names a newer socket; SEQ_MAX_SOCKETS bounds live sockets.
//   affinity   a socket belongs to the worker whose loop owns its handle; a
//              strand operating on it first moves to that worker and stays
//              pinned there until the operation ends.
//   accept     the listener's loop accepts (accept4 under a uv_poll_t) and
//              gives the fd to the longest-waiting accepting strand; the new
//              socket is assigned to the worker with the fewest live streams
//              and its uv handle is created there on first use, so one
//              listener feeds every worker.
//   read       the loop keeps reading into a per-socket buffer (up to a high
//              water mark); tcp_read returns what is buffered, at most
//              SEQ_TCP_READ_MAX bytes, and parks only when nothing is.
//   write      uv_try_write first; what the kernel did not take is queued
//              with uv_write and the strand parks until it completes.
//   close      wakes every strand parked on the socket with a failure.
//
// Called from a thread that runs no strand (a host thread, a test), each
// operation runs in a helper strand while the caller blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text/utf8.hpp"
#include "core/value/value.hpp"

namespace seq {

struct TcpResult {
    int64_t value = 0;  // id or port; 0 on failure
    bool ok = false;
};

struct TcpReadResult {
    StackValue str = kFalse;  // an owned String ("" on failure)
    bool ok = false;
};

// Binds host:port (host empty: SEQ_BIND_ADDR, default 0.0.0.0) and listens;
// SO_REUSEPORT with SEQ_REUSEPORT=1. A listening socket systemd passed for
// `port` (LISTEN_FDS) is adopted instead of binding. Fails once a drain began.
TcpResult tcp_listen(std::string_view host, int64_t port);
// Waits for a connection on `listener`; returns the new stream's id. During
// a drain (core/sys/drain.hpp) parked accepts fail at once and later ones
// fail after a short pause (kDrainAcceptPauseMs in tcp.cpp).
TcpResult tcp_accept(int64_t listener);
// Connects to host:port (a numeric address or a name to resolve).
TcpResult tcp_connect(std::string_view host, int64_t port);
// What is available on stream `id` (waits only when nothing is): ok with ""
// at end of stream; failure on error, reset, close, or (with
// SEQ_TCP_READ_TIMEOUT_MS) when nothing came for that long. With `accept`
// Utf8Only (seq-runtime 5.4.0) bytes that are not UTF-8 are a failure too, and
// a character split across packets waits for its end; with Any (7.x) any
// bytes.
TcpReadResult tcp_read(int64_t id, utf8::Bytes accept);
// For C hosts: copies up to `cap` (> 0) buffered bytes of stream `id` into
// `buf`, waiting only when nothing is buffered; any bytes (no UTF-8 check),
// at most `cap` (not SEQ_TCP_READ_MAX). Returns the count, 0 at end of
// stream, a negative libuv error (reset..., UV_ETIMEDOUT after
// SEQ_TCP_READ_TIMEOUT_MS), or kTcpNotStream when `id` names
// no open stream (or it was closed while the caller waited).
inline constexpr int64_t kTcpNotStream = INT64_MIN;
int64_t tcp_read_bytes(int64_t id, void* buf, size_t cap);
// Writes all of `data` or returns false.
bool tcp_write(int64_t id, std::string_view data);
// Closes a stream or a listener; false if `id` names no open socket.
bool tcp_close(int64_t id);
// The local port of a listener or stream.
TcpResult tcp_local_port(int64_t id);

// ---- introspection (tests, diagnostics) -----------------------------------------

struct TcpSocketInfo {
    bool valid = false;
    bool listener = false;
    unsigned owner = 0;    // index of the owning worker
    size_t readers = 0;    // strands parked in tcp_read
    size_t writers = 0;    // strands parked in tcp_write
    size_t acceptors = 0;  // strands parked in tcp_accept
    size_t buffered = 0;   // bytes read from the kernel, not yet returned
};
TcpSocketInfo tcp_socket_info(int64_t id);

struct TcpStats {
    size_t live = 0;               // sockets in the table
    size_t capacity = 0;           // SEQ_MAX_SOCKETS
    size_t read_max = 0;           // SEQ_TCP_READ_MAX
    uint64_t accepted = 0;         // connections accepted
    uint64_t accept_backoffs = 0;  // times accept paused on EMFILE/ENFILE/ENOBUFS/ENOMEM
    uint64_t table_full = 0;       // operations refused because the table was full
    uint64_t migrate_retries = 0;  // moves to an owner that had to be repeated
    uint64_t read_timeout_ms = 0;  // SEQ_TCP_READ_TIMEOUT_MS (0: off)
    uint64_t read_timeouts = 0;    // reads that failed because it passed
    uint64_t drain_refused = 0;    // accepts refused (after a pause) during a drain
    uint64_t adopted = 0;          // listeners adopted from systemd (LISTEN_FDS)
    bool reuseport = false;        // SEQ_REUSEPORT
};
TcpStats tcp_stats();

namespace net {
class SocketTable;
// The table TCP shares with UDP (one id space, see socket_table.hpp), set up
// for the running scheduler; and the address SEQ_BIND_ADDR names. Both
// belong to TCP's per-scheduler state, which UDP must not reset on its own.
SocketTable& shared_socket_table();
std::string bind_address();
}  // namespace net

// Parsers for the configuration, exposed for tests (nullopt-style: null when
// unset). Invalid values warn and give the default.
// SEQ_MAX_SOCKETS; `def` is default_max_sockets() at run time: what the
// descriptor limit allows (fd_limit.hpp), at most 2^24 - 1.
size_t default_max_sockets();
size_t parse_max_sockets(const char* v, size_t def);
size_t parse_tcp_read_max(const char* v);
// SEQ_TCP_READ_TIMEOUT_MS: 0 (unset) is off.
uint64_t parse_tcp_read_timeout_ms(const char* v);
// SEQ_REUSEPORT: 1 on; unset or 0 off.
bool parse_reuseport(const char* v);

}  // namespace seq
