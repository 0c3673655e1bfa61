// TLS client sessions on TCP streams (OpenSSL's libssl), for tls.client.
//
// tls_client upgrades a connected stream in place: the id stays the same and
// tcp_read / tcp_write / tcp_close go through the session from then on
// (io/net/transport.hpp is the hook into tcp.cpp). OpenSSL works on memory
// BIOs only: the stream's loop feeds it the ciphertext it reads and sends
// what it produces, so neither the handshake nor a read ever blocks a
// worker; the calling strand parks like any TCP word. See docs/tls.md.
#pragma once

#include <cstdint>
#include <string_view>

namespace seq {

// Upgrades stream `id` to TLS for `host` (a DNS name, or an IPv4/IPv6
// literal, checked against the certificate's IP addresses): SNI, the
// system trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured), hostname
// verification, a handshake deadline (SEQ_TLS_HANDSHAKE_TIMEOUT_MS). True
// once the handshake completed. False: `host` empty or `id` not a live plain
// stream (both untouched), or the handshake failed (the id is then closed).
bool tls_client(int64_t id, std::string_view host);

struct TlsStats {
    uint64_t established = 0;           // handshakes completed
    uint64_t verify_failures = 0;       // certificate or hostname not accepted
    uint64_t failures = 0;              // other TLS errors (non-TLS peer, alerts, setup)
    uint64_t peer_closed = 0;           // peer closed or reset during the handshake
    uint64_t timeouts = 0;              // no handshake within the deadline
    uint64_t handshake_timeout_ms = 0;  // the deadline in force (SEQ_TLS_HANDSHAKE_TIMEOUT_MS)
};
// Counters since the scheduler was (re)started.
TlsStats tls_stats();

// SEQ_TLS_HANDSHAKE_TIMEOUT_MS: null gives the default (10000); invalid or 0
// warns and gives the default.
uint64_t parse_tls_handshake_timeout(const char* v);

}  // namespace seq
