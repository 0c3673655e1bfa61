// Why a strand is parked (like Go's waitReason): every park() names one, the
// strand keeps it until it is woken, and diagnostics_text() shows it
// ("strand 7: parked on tcp read for 2.0 s").
#pragma once

#include <cstdint>

namespace seq {

enum class ParkReason : uint8_t {
    None = 0,            // not parked
    ChannelSend,         // a full bounded channel (or a rendezvous) has no receiver
    ChannelReceive,      // an empty channel
    WeaveResume,         // a resumer (or canceller) waiting for the weave to answer
    WeaveYield,          // a suspended weave waiting to be resumed
    TcpAccept,           // no connection in the backlog yet
    TcpRead,             // no bytes buffered yet
    TcpWrite,            // the socket buffer is full: uv_write in flight
    TcpConnect,          // uv_tcp_connect in flight
    UdpReceive,          // no datagram has arrived yet
    UdpSend,             // the socket buffer is full: uv_udp_send in flight
    TlsHandshake,        // a TLS handshake waiting for the peer's records (or its timer)
    DnsLookup,           // uv_getaddrinfo on the thread pool (or a shared lookup)
    Sleep,               // a uv timer
    Stdin,               // waiting for input (or for its turn to read)
    StdoutBackpressure,  // more than the high-water mark of stdout is unwritten
    ThreadPool,          // blocking work offloaded to libuv's thread pool
    Http,                // an HTTP request on the client's engine thread
    Other,               // unspecified (park() without a reason)
};

// "channel receive", "tcp read", ...; "none" for None.
const char* park_reason_name(ParkReason r);

}  // namespace seq
