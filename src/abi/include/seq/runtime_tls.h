/*
 * seq-runtime: TLS words. Part of the C ABI declared by seq/runtime.h.
 *
 * tls_client upgrades a connected TCP stream in place: the same Socket id
 * then reads, writes and closes through TLS (tcp_read / tcp_write /
 * tcp_close). Trust comes from the system store (SSL_CERT_FILE and
 * SSL_CERT_DIR honoured); the handshake is bounded by
 * SEQ_TLS_HANDSHAKE_TIMEOUT_MS (default 10000). The handshake parks only the
 * calling strand. See docs/tls.md.
 */
#ifndef SEQ_RUNTIME_TLS_H
#define SEQ_RUNTIME_TLS_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ( Socket host -- Socket Bool ) TLS client handshake on a connected stream
 * (SNI, certificate and host name verification); ( 0 false ) on failure: a
 * failed handshake closes the socket, a bad argument leaves it untouched */
SEQ_API seq_stack_t patch_seq_tls_client(seq_stack_t sp);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_TLS_H */
