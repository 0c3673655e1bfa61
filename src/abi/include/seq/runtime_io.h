/*
 * seq-runtime: standard input/output and time words. Part of the C ABI
 * declared by seq/runtime.h.
 *
 * Words that wait (a line from stdin, room in a full stdout pipe, a sleep)
 * park only the calling strand; called outside a strand they block the
 * calling thread. See docs/stdio-time.md for every word's effect and failure
 * behaviour.
 */
#ifndef SEQ_RUNTIME_IO_H
#define SEQ_RUNTIME_IO_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- standard output: one call is written as one unit, in call order ---- */

SEQ_API seq_stack_t patch_seq_write_line(seq_stack_t sp); /* ( s -- ) s then "\n" */
SEQ_API seq_stack_t patch_seq_write(seq_stack_t sp);      /* ( s -- ) s as is */

/* ---- standard input: the newline is kept, "\r\n" becomes "\n" ------------ */

SEQ_API seq_stack_t patch_seq_read_line(seq_stack_t sp); /* ( -- s Bool ) "" false at EOF */
#ifdef SEQ_ABI_54
SEQ_API seq_stack_t patch_seq_read_line_plus(seq_stack_t sp); /* ( -- s Int ) "" 0 at EOF */
#endif
/* ( n -- s Int ) exactly n bytes and 1, or what there was and 0 (end of
   input; n < 0, n > 10 MiB or not an Int give "" 0) */
SEQ_API seq_stack_t patch_seq_read_n(seq_stack_t sp);

/* ---- time ---------------------------------------------------------------- */

/* ( -- Int ) microseconds since the Unix epoch */
SEQ_API seq_stack_t patch_seq_time_now(seq_stack_t sp);
/* ( -- Int ) monotonic nanoseconds since the first call */
SEQ_API seq_stack_t patch_seq_time_nanos(seq_stack_t sp);
/* ( ms -- ) parks the strand; aborts if ms < 0 */
SEQ_API seq_stack_t patch_seq_time_sleep_ms(seq_stack_t sp);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_IO_H */
