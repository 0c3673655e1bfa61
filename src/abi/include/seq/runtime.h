/*
 * seq-runtime: the C ABI of the Seq language runtime.
 *
 * Compiled Seq programs, Seq network servers and C/C++ hosts call these
 * functions. Names and signatures are those the Seq compilers declare:
 * libseq_runtime.a speaks the seqc 7.7.3 contract, libseq_runtime-5.4.a the
 * seqc 5.4.0 one (docs/abi-versions.md). A host linking the 5.4 archive
 * defines SEQ_ABI_VERSION=54 to see the words 7.x removed.
 *
 * Values: a seq_value_t is 8 bytes, tagged:
 *   odd          63-bit signed integer, (v << 1) | 1
 *   0 / 2        false / true
 *   other even   pointer to a reference-counted heap value
 * A seq_stack_t points at the next free slot of a value stack: push stores at
 * *sp and returns sp + 1. Stack effects are written ( before -- after ), top
 * of stack on the right. See docs/abi.md for every word's effect and
 * failure behaviour.
 *
 * This header compiles as C11 and as C++.
 */
#ifndef SEQ_RUNTIME_H
#define SEQ_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SEQ_API __declspec(dllexport)
#else
#define SEQ_API __attribute__((visibility("default")))
#endif

/* The words seqc 7.x removed (read_line_plus, file_for_each_line_plus) are
   declared, and exported, only for the 5.4 contract. */
#if defined(SEQ_ABI_VERSION) && SEQ_ABI_VERSION < 70
#define SEQ_ABI_54 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t seq_value_t;
typedef seq_value_t* seq_stack_t;
/* A strand's entry point: takes its initial stack, returns its final one. */
typedef seq_stack_t (*seq_entry_fn)(seq_stack_t);

#define SEQ_FALSE ((seq_value_t)0)
#define SEQ_TRUE ((seq_value_t)2)
#define SEQ_INT(i) ((seq_value_t)(((uint64_t)(int64_t)(i) << 1) | 1u))
#define SEQ_INT_VALUE(v) ((int64_t)(v) >> 1)
#define SEQ_IS_INT(v) (((v)&1u) != 0)

/* ---- value stacks (compiled seq_main) ---------------------------------- */

/* Layout shared with seq-runtime 5.4.0's TaggedStack. */
typedef struct seq_value_stack {
    seq_value_t* base;
    size_t sp; /* index of the next free slot */
    size_t capacity;
} seq_value_stack;

SEQ_API seq_value_stack* seq_stack_new_default(void); /* 4096 slots */
SEQ_API seq_value_stack* seq_stack_new(size_t capacity);
SEQ_API void seq_stack_free(seq_value_stack* st); /* drops values below sp */
SEQ_API seq_value_t* seq_stack_base(seq_value_stack* st);
SEQ_API size_t seq_stack_sp(seq_value_stack* st);
SEQ_API void seq_stack_set_sp(seq_value_stack* st, size_t sp);
SEQ_API void seq_stack_grow(seq_value_stack* st, size_t min_capacity);
SEQ_API size_t seq_stack_capacity(seq_value_stack* st);

/* Records the current strand's stack base (needed by spawn, pick, roll). */
SEQ_API void patch_seq_set_stack_base(seq_stack_t base);
/* Deep copy of the current stack into a new buffer; returns its sp. */
SEQ_API seq_stack_t clone_stack(seq_stack_t sp);
/* ( ... -- ) prints "» v1 v2 ..." in SON, drops all, returns the base. */
SEQ_API seq_stack_t patch_seq_stack_dump(seq_stack_t sp);
/* *dst = a new reference to *src. */
SEQ_API void patch_seq_clone_value(const seq_value_t* src, seq_value_t* dst);

/* ---- stack words ------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_drop_op(seq_stack_t sp);   /* ( a -- ) */
SEQ_API seq_stack_t patch_seq_dup(seq_stack_t sp);       /* ( a -- a a ) */
SEQ_API seq_stack_t patch_seq_swap(seq_stack_t sp);      /* ( a b -- b a ) */
SEQ_API seq_stack_t patch_seq_over(seq_stack_t sp);      /* ( a b -- a b a ) */
SEQ_API seq_stack_t patch_seq_rot(seq_stack_t sp);       /* ( a b c -- b c a ) */
SEQ_API seq_stack_t patch_seq_nip(seq_stack_t sp);       /* ( a b -- b ) */
SEQ_API seq_stack_t patch_seq_tuck(seq_stack_t sp);      /* ( a b -- b a b ) */
SEQ_API seq_stack_t patch_seq_2dup(seq_stack_t sp);      /* ( a b -- a b a b ) */
SEQ_API seq_stack_t patch_seq_pick_op(seq_stack_t sp);   /* ( xn..x0 n -- xn..x0 xn ) */
SEQ_API seq_stack_t patch_seq_roll(seq_stack_t sp);      /* ( xn..x0 n -- ..x0 xn ) */
SEQ_API seq_stack_t patch_seq_pop_stack(seq_stack_t sp); /* ( a -- ) */

/* ---- pushing values ------------------------------------------------------ */

SEQ_API seq_stack_t patch_seq_push_int(seq_stack_t sp, int64_t value);
SEQ_API seq_stack_t patch_seq_push_bool(seq_stack_t sp, bool value);
SEQ_API seq_stack_t patch_seq_push_float(seq_stack_t sp, double value);
/* Copies a NUL-terminated UTF-8 string. */
SEQ_API seq_stack_t patch_seq_push_string(seq_stack_t sp, const char* s);
/* seqc 7.x string literals: `len` bytes at `ptr`, NULs allowed (ptr may be
 * NULL when len is 0). Bytes in a read-only segment of the main program are
 * used in place (one immortal String per literal); any other buffer is
 * copied, so the caller may reuse it at once. */
SEQ_API seq_stack_t patch_seq_push_string_bytes(seq_stack_t sp, const char* ptr, int64_t len);
SEQ_API seq_stack_t patch_seq_push_symbol(seq_stack_t sp, const char* s);

/* Static symbol data emitted by the compiler: { ptr, len, capacity = 0, global = 1 }. */
typedef struct seq_interned_symbol {
    const char* ptr;
    int64_t len;
    int64_t capacity;
    int8_t global;
} seq_interned_symbol;
SEQ_API seq_stack_t patch_seq_push_interned_symbol(seq_stack_t sp, const seq_interned_symbol* sym);

/* A string given as { ptr, len, capacity, global }; the bytes are copied. */
typedef struct seq_string_parts {
    const char* ptr;
    size_t len;
    size_t capacity;
    bool global;
} seq_string_parts;
SEQ_API seq_stack_t patch_seq_push_seqstring(seq_stack_t sp, const seq_string_parts* s);

/* ( -- v ) pushes a raw tagged value, taking ownership of its reference. */
SEQ_API seq_stack_t patch_seq_push_value(seq_stack_t sp, seq_value_t value);
/* wrapper: C entry seq_stack_t(*)(seq_stack_t); impl: tailcc entry. */
SEQ_API seq_stack_t patch_seq_push_quotation(seq_stack_t sp, uintptr_t wrapper, uintptr_t impl);
/* ( Int -- String ) */
SEQ_API seq_stack_t patch_seq_int_to_string(seq_stack_t sp);

/* Peeks without popping. */
SEQ_API int64_t patch_seq_peek_int_value(seq_stack_t sp);
SEQ_API bool patch_seq_peek_bool_value(seq_stack_t sp);

/* ---- scheduler ------------------------------------------------------------ */

/* Reads SEQ_* configuration and starts the workers; idempotent. */
SEQ_API void patch_seq_scheduler_init(void);
/* Blocks the calling (non-worker) thread until no strand is active; returns NULL. */
SEQ_API seq_stack_t patch_seq_scheduler_run(void);
/* Stops workers, closes their loops, frees pooled stacks; init may follow. */
SEQ_API void patch_seq_scheduler_shutdown(void);
/* Spawns entry(initial_stack) as a strand; returns its id (> 0). */
SEQ_API int64_t patch_seq_strand_spawn(seq_entry_fn entry, seq_stack_t initial_stack);
/* As above; the child's stack base is stack_base (a buffer from clone_stack is
 * then owned, and freed, by the strand). */
SEQ_API int64_t patch_seq_strand_spawn_with_base(seq_entry_fn entry, seq_stack_t initial_stack,
                                                 seq_stack_t stack_base);
SEQ_API void patch_seq_spawn_strand(seq_entry_fn entry);
/* ( Quotation|Closure -- id ) spawns it on a copy of the remaining stack. */
SEQ_API seq_stack_t patch_seq_spawn(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_yield_strand(seq_stack_t sp);
/* Called before tail calls: yields per SEQ_YIELD_INTERVAL / SEQ_YIELD_SLICE_US. */
SEQ_API void patch_seq_maybe_yield(void);
SEQ_API void patch_seq_wait_all_strands(void);

/* ---- process ----------------------------------------------------------------- */

SEQ_API void patch_seq_args_init(int argc, char** argv);
SEQ_API seq_stack_t patch_seq_arg_count(seq_stack_t sp); /* ( -- n ) */
SEQ_API seq_stack_t patch_seq_arg_at(seq_stack_t sp);    /* ( i -- s ) "" out of range */
SEQ_API void patch_seq_set_exit_code(int64_t code);
SEQ_API int64_t patch_seq_get_exit_code(void);
SEQ_API seq_stack_t patch_seq_exit(seq_stack_t sp);    /* ( code -- ) never returns */
SEQ_API seq_stack_t patch_seq_exit_op(seq_stack_t sp); /* ( code -- ) never returns */
/* At-exit report to stderr when SEQ_REPORT is set (1, words, json, json:PATH). */
SEQ_API void patch_seq_report(void);
SEQ_API void patch_seq_report_init(const uint64_t* counters, const char* const* names,
                                   int64_t count);

#ifdef __cplusplus
}
#endif

/* Word families, one header each (they include this one for the types). */
#include "seq/runtime_channels.h"
#include "seq/runtime_closures.h"
#include "seq/runtime_data.h"
#include "seq/runtime_io.h"
#include "seq/runtime_numeric.h"
#include "seq/runtime_optional.h"
#include "seq/runtime_strings.h"
#include "seq/runtime_system.h"
#include "seq/runtime_tcp.h"
#include "seq/runtime_tls.h"

#endif /* SEQ_RUNTIME_H */
