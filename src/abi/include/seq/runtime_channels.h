/*
 * seq-runtime: channels (CSP between strands).
 * See docs/channels.md for behaviour, failure modes and differences from
 * seq-runtime 5.4.0.
 *
 * Every word here may be called from a strand or from a plain OS thread (a
 * C host, a test): a strand parks, a thread blocks on a condition variable.
 */
#ifndef SEQ_RUNTIME_CHANNELS_H
#define SEQ_RUNTIME_CHANNELS_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- channels -------------------------------------------------------------- */

/* ( -- Chan ) a new unbounded MPMC channel: send never waits. */
SEQ_API seq_stack_t patch_seq_make_channel(seq_stack_t sp);
/* ( n -- Chan ) a bounded channel: at most n values queue, then send waits
 * for room (n = 0: each send waits for a receiver). Aborts if n < 0. */
SEQ_API seq_stack_t patch_seq_make_channel_bounded(seq_stack_t sp);
/* ( Chan -- ) closes it: parked receivers get ( 0 false ), later sends
 * false, receives drain what is queued first. Closing twice is harmless. */
SEQ_API seq_stack_t patch_seq_close_channel(seq_stack_t sp);
/* ( v Chan -- Bool ) false if the channel is closed or Chan is not a channel. */
SEQ_API seq_stack_t patch_seq_chan_send(seq_stack_t sp);
/* ( Chan -- v Bool ) waits for a value; ( 0 false ) once closed and drained,
 * or if Chan is not a channel. */
SEQ_API seq_stack_t patch_seq_chan_receive(seq_stack_t sp);

/* Diagnostics of one channel (borrowed reference). */
typedef struct seq_channel_stats_t {
    uint64_t sent;     /* values accepted */
    uint64_t received; /* values taken */
    uint64_t queued;   /* values waiting now */
    uint64_t capacity; /* UINT64_MAX when unbounded */
    bool closed;
} seq_channel_stats_t;
/* Fills *out; returns false (leaving *out alone) if chan is not a channel. */
SEQ_API bool seq_channel_stats(seq_value_t chan, seq_channel_stats_t* out);
/* Messages sent and received over all channels since the process started. */
SEQ_API void seq_channel_totals(uint64_t* sent, uint64_t* received);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_CHANNELS_H */
