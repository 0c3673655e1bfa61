// A transport: a byte transformation a connected TCP stream can be given in
// place (TLS, io/net/tls.cpp), so that tcp_read / tcp_write / tcp_close keep
// working on the same id and go through it.
//
// tcp.cpp drives it and never blocks in it: wire bytes read by the stream's
// loop are handed to input(), which appends whatever plaintext they complete
// to the stream's read buffer; tcp_write hands plaintext to encode() and
// writes the wire bytes it gives as usual. A transport never does I/O
// itself: what it wants sent on its own (handshake messages, alerts, replies)
// it leaves for take_output(), which tcp.cpp calls after every input().
//
// All calls happen on the stream owner's thread, inside one uv callback or
// one non-parking stretch of a strand (no call spans a park).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace seq::net {

class Transport {
  public:
    virtual ~Transport() = default;

    enum class Status {
        Ok,      // more may follow
        End,     // the peer ended the session cleanly (TLS close_notify)
        Failed,  // protocol error: the session is unusable
    };
    // Wire bytes from the peer (n == 0: just make progress, e.g. send the
    // first handshake message). Decoded plaintext is appended to `plain`.
    virtual Status input(const char* p, size_t n, std::string& plain) = 0;
    // Moves the wire bytes the transport wants sent to the end of `wire`.
    virtual void take_output(std::string& wire) = 0;
    // Encodes `plain` for the peer, appending the wire bytes (after anything
    // take_output would have given) to `wire`; false if the session cannot.
    virtual bool encode(std::string_view plain, std::string& wire) = 0;
    // The handshake completed: plaintext may flow.
    virtual bool established() const = 0;
    // The stream is being closed: queue the session's end (close_notify)
    // for take_output.
    virtual void shutdown() = 0;
};

// How tcp_start_transport ended.
enum class TransportOutcome {
    Established,  // the id now reads and writes through the transport
    NotAStream,   // not a live plain stream (or already upgrading): untouched
    Failed,       // the transport gave up (e.g. a bad certificate): closed
    PeerClosed,   // the peer closed or reset the connection first: closed
    TimedOut,     // no handshake within the deadline: closed
    Closed,       // another strand closed the id meanwhile
};

// What a transport factory gives tcp_start_transport; a null transport
// means it could not be set up (the stream is closed as after a failure).
struct TransportStart {
    std::unique_ptr<Transport> transport;
    uint64_t timeout_ms = 10000;  // for the whole handshake
};

// Puts a transport between stream `id` and its users, in place: `make` runs
// (in a strand, on the stream's worker, possibly parking) once the id is
// known to name a live plain stream; then the strand waits, parked, until
// the transport is established, fails, the peer closes or the deadline
// passes. On any outcome but Established and NotAStream the id is closed and
// dead (as upstream frees it). Bytes that arrived before and were not read
// are handed to the transport first. Implemented in tcp.cpp.
TransportOutcome tcp_start_transport(int64_t id, const std::function<TransportStart()>& make);

}  // namespace seq::net
