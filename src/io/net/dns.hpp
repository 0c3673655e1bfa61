// Host name resolution for strands: net.dns.resolve, and the resolver that
// tcp.connect and udp.send-to use.
//
// As upstream 7.x (crates/runtime/src/dns.rs), on libuv:
//
//   lookup       uv_getaddrinfo (libuv's thread pool runs getaddrinfo, so
//                /etc/hosts, nsswitch and the system resolver apply); the
//                calling strand parks, its worker runs other strands.
//   bounded      at most SEQ_DNS_WORKERS lookups run at once (default 8,
//                1..64); more wait in a FIFO queue and start as others end.
//   cache        successful answers are kept 60 s (at most 256 names);
//                failures are not cached.
//   single-flight  concurrent lookups of one name share one getaddrinfo:
//                the first starts it, the others wait for its answer.
//   literals     an IPv4 or IPv6 literal is its own answer (no lookup).
//
// Answers are address strings in getaddrinfo's order (IPv4 and IPv6 as the
// system returns them), duplicates removed. A name is the exact string
// (names differing in case are different cache entries, as upstream).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seq {

// The addresses of `host`, or empty when it cannot be resolved (empty name,
// NUL byte, no such host, resolver error). Parks the calling strand; from a
// thread without a strand it runs in a helper strand.
std::vector<std::string> dns_resolve(std::string_view host);

// Socket addresses for `host`:`port` (connect, send-to): an IPv4 or IPv6
// literal (an IPv6 one also in brackets, "[::1]") directly, anything else through
// dns_resolve. In resolver order; empty when `host` cannot be resolved.
std::vector<sockaddr_storage> dns_resolve_endpoints(std::string_view host, int port);

// The numeric text of an AF_INET or AF_INET6 address ("127.0.0.1", "::1");
// with `unmap`, an IPv4-mapped IPv6 address gives its IPv4 form (a peer
// seen through a dual-stack socket).
std::string address_string(const sockaddr* a, bool unmap = false);
// The port of an AF_INET or AF_INET6 address, else 0.
int address_port(const sockaddr* a);

// ---- introspection and test hooks ---------------------------------------------------

struct DnsStats {
    uint64_t lookups = 0;     // getaddrinfo calls started
    uint64_t cache_hits = 0;  // answers served from the cache
    uint64_t joined = 0;      // lookups that waited for another strand's query
    size_t running = 0;       // getaddrinfo calls in flight now
    size_t max_running = 0;   // the most ever in flight at once
    size_t queued = 0;        // queries waiting for a free worker slot
    size_t waiting = 0;       // strands waiting for an answer
    size_t cached = 0;        // names in the cache
    size_t workers = 0;       // SEQ_DNS_WORKERS in effect
};
DnsStats dns_stats();

// Tests: forget every cached answer; set how long answers are kept (0:
// they expire at once); while held, queries queue instead of starting
// (releasing starts them), so a test can line up concurrent lookups.
void dns_clear_cache();
void dns_set_cache_ttl(std::chrono::milliseconds ttl);
void dns_hold_queries(bool hold);

// SEQ_DNS_WORKERS: unset or 0 gives the default (8, as upstream); above 64,
// 64; not a number: a warning and the default.
size_t parse_dns_workers(const char* v);

}  // namespace seq
