// tcp.connect's bounded wait: uv_tcp_connect raced against a uv timer.
//
// The kernel gives up on a peer that never answers its SYNs only after one
// to two minutes; upstream 7.x bounds each attempt with
// SEQ_TCP_CONNECT_TIMEOUT_MS (default 10 s), and so do we. libuv cannot
// cancel a connect request except by closing its handle, so on a timeout
// the request stays pending and the caller closes the handle (which it does
// anyway for a failed attempt); the request's memory is this module's and
// is freed when libuv finally reports it cancelled.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstdint>

namespace seq {

inline constexpr uint64_t kDefaultConnectTimeoutMs = 10'000;

// Connects `h` (a handle of the current strand's loop) to `addr`, parking the
// strand until the connection is made, fails, or `timeout_ms` passed.
// Returns 0, a libuv error, or UV_ETIMEDOUT; on any failure the caller must
// close `h`.
int connect_with_timeout(uv_tcp_t* h, const sockaddr* addr, uint64_t timeout_ms);

// Connect attempts that timed out since the process started (tests,
// diagnostics).
uint64_t connect_timeouts();

// SEQ_TCP_CONNECT_TIMEOUT_MS: unset or 0 gives the default (as upstream: no
// timeout would bring back minutes-long hangs); not a number: a warning and
// the default.
uint64_t parse_tcp_connect_timeout_ms(const char* v);

}  // namespace seq
