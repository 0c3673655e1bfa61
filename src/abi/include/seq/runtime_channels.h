/*
 * seq-runtime: channels (CSP between strands) and weaves (generators).
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

/* ---- weaves (generators) ------------------------------------------------------ */

/* ( Quotation|Closure -- Weave ) a weave, not started until the first resume.
 * The callable runs as ( ..rest WeaveCtx a -- ..rest' ) where a is the
 * first resume value. */
SEQ_API seq_stack_t patch_seq_weave(seq_stack_t sp);
/* ( Weave a -- Weave b Bool ) hands a to the weave and waits: ( b true ) for
 * each yield, ( 0 false ) once the weave has finished or was cancelled (or if
 * Weave is not a weave handle). */
SEQ_API seq_stack_t patch_seq_resume(seq_stack_t sp);
/* ( Ctx a -- Ctx b ) inside a weave: hands a to the resumer, waits for the
 * next resume value b. Aborts if Ctx is not this weave's context. */
SEQ_API seq_stack_t patch_seq_yield(seq_stack_t sp);
/* ( Weave -- ) ends the weave (a suspended one is unwound) and drops the
 * handle. Aborts if Weave is not a weave handle. */
SEQ_API seq_stack_t patch_seq_weave_cancel(seq_stack_t sp);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_CHANNELS_H */
