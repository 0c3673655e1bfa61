// UDP sockets for strands: bind, send-to, receive-from, close (Seq 7.x's
// net.udp.* words).
//
// Built like the TCP module (docs/net.md has the why of each piece):
//
//   ids        the socket table TCP uses (generation-tagged, shared id space:
//              a UDP id is never a live TCP socket and the reverse);
//              SEQ_MAX_SOCKETS bounds live UDP sockets (apart from TCP's).
//   affinity   a socket's uv_udp_t belongs to the loop of the worker that
//              bound it; every operation first moves the strand there and
//              pins it until the operation ends.
//   receive    the loop reads only while some strand waits in receive-from:
//              each datagram goes to the longest-waiting receiver (FIFO);
//              with nobody waiting, datagrams queue in the kernel.
//   send       resolves the host (literals directly, names through the DNS
//              module), tries each address in turn; uv_udp_try_send first,
//              uv_udp_send (the strand parks) when the kernel is full.
//   close      the id dies at once; parked receivers get the failure flag,
//              pending sends are cancelled (false).
//
// Payloads are bytes: whatever arrives is returned unchanged (no UTF-8 rule,
// as upstream 7.x). Called from a thread that runs no strand, a word runs in
// a helper strand while the caller blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/value/value.hpp"

namespace seq {

struct UdpBindResult {
    int64_t id = 0;
    int64_t port = 0;  // the port actually bound (the kernel's choice for 0)
    bool ok = false;
};

struct UdpDatagram {
    StackValue bytes = kFalse;  // an owned String on success, else kFalse
    std::string host;           // the sender's address, numeric
    int64_t port = 0;
    bool ok = false;
};

// Binds SEQ_BIND_ADDR (default 0.0.0.0):port; port 0 lets the kernel choose.
UdpBindResult udp_bind(int64_t port);
// Sends `bytes` as one datagram to host:port from socket `id`.
bool udp_send_to(int64_t id, std::string_view host, int64_t port, std::string_view bytes);
// The next datagram for socket `id` (parks until one arrives).
UdpDatagram udp_receive_from(int64_t id);
// Closes socket `id`; false if it names no open UDP socket.
bool udp_close(int64_t id);

// ---- introspection (tests, diagnostics) -----------------------------------------

struct UdpSocketInfo {
    bool valid = false;
    unsigned owner = 0;    // index of the owning worker
    size_t receivers = 0;  // strands parked in receive-from
    size_t senders = 0;    // strands parked in send-to
    int64_t port = 0;      // the local port
};
UdpSocketInfo udp_socket_info(int64_t id);

struct UdpStats {
    size_t live = 0;               // UDP sockets in the table
    size_t capacity = 0;           // SEQ_MAX_SOCKETS
    uint64_t received = 0;         // datagrams handed to receivers
    uint64_t sent = 0;             // datagrams sent
    uint64_t table_full = 0;       // binds refused because the table was full
    uint64_t migrate_retries = 0;  // moves to an owner that had to be repeated
};
UdpStats udp_stats();

}  // namespace seq
