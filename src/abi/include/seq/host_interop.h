/*
 * seq-runtime: the bridge between the host API (seq/host.h) and the
 * compiler ABI (seq/runtime.h), for hosts that run compiled Seq code and
 * want one channel between a Seq strand and a host strand.
 *
 * A seq_chan_t and a Seq Channel value are the same object: converting
 * either way allocates nothing, and each side holds its own reference.
 *
 * Messages (docs/embedding.md, "Interoperation"):
 *   host -> Seq   seq_chan_send(ch, p) queues p as the Seq Int whose value is
 *                 (intptr_t)p. The Seq receiver gets an ordinary Int: it can
 *                 compare it, print it, send it back, never dereference it,
 *                 so no host message can crash Seq code.
 *   Seq -> host   a Seq Int n arrives at seq_chan_recv as (void*)(intptr_t)n:
 *                 either a host message coming back or a number chosen by
 *                 the Seq side (a protocol between the two). Any other Seq
 *                 value makes seq_chan_recv fail with SEQ_ETYPE (the value is
 *                 dropped); seq_chan_recv_value below takes it as it is.
 *
 * This header compiles as C11 and as C++.
 */
#ifndef SEQ_HOST_INTEROP_H
#define SEQ_HOST_INTEROP_H

#include "seq/host.h"
#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new host reference to the Seq Channel `chan` (borrowed: the caller keeps
 * its reference), or NULL if chan is not a Channel. Release it with
 * seq_chan_release. */
SEQ_HOST_API seq_chan_t* seq_chan_from_value(seq_value_t chan);
/* A new Seq reference to ch's channel, to push with patch_seq_push_value
 * (which takes it over); SEQ_FALSE if ch is not a channel. */
SEQ_HOST_API seq_value_t seq_chan_to_value(seq_chan_t* ch);
/* Sends any Seq value (ownership moves to the channel; on failure it is
 * dropped), as the Seq word chan.send does. Errors as seq_chan_send. */
SEQ_HOST_API int seq_chan_send_value(seq_chan_t* ch, seq_value_t v);
/* Receives any value (host messages arrive as Ints) into *out, owned by the
 * caller. Errors as seq_chan_recv, without SEQ_ETYPE. */
SEQ_HOST_API int seq_chan_recv_value(seq_chan_t* ch, seq_value_t* out);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_HOST_INTEROP_H */
