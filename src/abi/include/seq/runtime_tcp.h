/*
 * seq-runtime: network words (TCP, UDP, DNS). Part of the C ABI declared by
 * seq/runtime.h.
 *
 * Every word that can wait (accept, connect, read, write) parks only the
 * calling strand on its worker's libuv loop. Socket ids are Ints that are
 * never 0 and never reused while a stale id could name a newer socket.
 * Failures give a false flag and a neutral value (0 or ""), never a crash.
 * Called from a thread that is not running a strand, a word runs in a
 * helper strand while the caller blocks. See docs/tcp.md.
 *
 * TCP and UDP share one id space: an id of one protocol is not a live
 * socket for the other's words. See docs/net.md for UDP and DNS.
 *
 * Environment: SEQ_BIND_ADDR (address tcp_listen and udp_bind bind, default
 * 0.0.0.0), SEQ_MAX_SOCKETS (live sockets per protocol, default 10000),
 * SEQ_TCP_READ_MAX (bytes per tcp_read, default 1048576),
 * SEQ_TCP_CONNECT_TIMEOUT_MS (per connect attempt, default 10000),
 * SEQ_DNS_WORKERS (concurrent lookups, default 8).
 */
#ifndef SEQ_RUNTIME_TCP_H
#define SEQ_RUNTIME_TCP_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ( port -- listener Bool ) binds SEQ_BIND_ADDR:port (port 0: ephemeral) */
SEQ_API seq_stack_t patch_seq_tcp_listen(seq_stack_t sp);
/* ( host port -- listener Bool ) binds host:port (IPv4/IPv6 literal or name) */
SEQ_API seq_stack_t patch_seq_tcp_listen_on(seq_stack_t sp);
/* ( listener -- stream Bool ) waits for a connection; many strands may wait */
SEQ_API seq_stack_t patch_seq_tcp_accept(seq_stack_t sp);
/* ( host port -- stream Bool ) connects (host: literal or name, resolved
 * through the DNS cache); each address tried for SEQ_TCP_CONNECT_TIMEOUT_MS */
SEQ_API seq_stack_t patch_seq_tcp_connect(seq_stack_t sp);
/* ( stream -- s Bool ) what is available (waits only when nothing is),
 * at most SEQ_TCP_READ_MAX bytes; ( "" true ) at end of stream;
 * ( "" false ) on error, reset, close or invalid UTF-8 */
SEQ_API seq_stack_t patch_seq_tcp_read(seq_stack_t sp);
/* ( s stream -- Bool ) writes all of s, or false */
SEQ_API seq_stack_t patch_seq_tcp_write(seq_stack_t sp);
/* ( id -- Bool ) closes a stream or listener; wakes strands parked on it */
SEQ_API seq_stack_t patch_seq_tcp_close(seq_stack_t sp);
/* ( id -- port Bool ) the local port of a listener or stream */
SEQ_API seq_stack_t patch_seq_tcp_local_port(seq_stack_t sp);
/* ( x -- x ) fd->socket and socket->fd: a Socket is an Int; no change */
SEQ_API seq_stack_t patch_seq_socket_cast(seq_stack_t sp);

/* ---- UDP (payloads are bytes, returned unchanged) ---- */

/* ( port -- socket bound-port Bool ) binds SEQ_BIND_ADDR:port (0: ephemeral) */
SEQ_API seq_stack_t patch_seq_udp_bind(seq_stack_t sp);
/* ( bytes host port socket -- Bool ) one datagram to host:port (literal or name) */
SEQ_API seq_stack_t patch_seq_udp_send_to(seq_stack_t sp);
/* ( socket -- bytes host port Bool ) waits for the next datagram;
 * ( "" "" 0 false ) on error or when the socket is closed meanwhile */
SEQ_API seq_stack_t patch_seq_udp_receive_from(seq_stack_t sp);
/* ( socket -- Bool ) closes; wakes receivers with the failure flag */
SEQ_API seq_stack_t patch_seq_udp_close(seq_stack_t sp);

/* ---- DNS ---- */

/* ( host -- List Bool ) the host's addresses as Strings (cached 60 s);
 * ( empty-list false ) when it cannot be resolved */
SEQ_API seq_stack_t patch_seq_dns_resolve(seq_stack_t sp);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_TCP_H */
