// The host API's sockets (seq/host.h): the TCP module of the Seq words
// (io/net/tcp) with libuv-style results. Where a word only reports "failed",
// the cause is established afterwards, on the failure path only (does the
// name resolve? is the id still an open socket? is the table full?), so a
// successful call costs what the word costs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seq::host {

// Results are host::Err codes (io/host.hpp); the socket ids are the words'.
int tcp_listen(const char* host, int port, int64_t* out);
int tcp_accept(int64_t listener, int64_t* out);
int tcp_connect(const char* host, int port, int64_t* out);
int64_t tcp_read(int64_t s, void* buf, size_t cap);
int tcp_write(int64_t s, const void* buf, size_t len);
int tcp_close(int64_t s);
int tcp_local_port(int64_t s);

}  // namespace seq::host
