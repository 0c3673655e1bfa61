/*
 * seq-runtime: numeric words (integer arithmetic, comparison, bitwise and
 * boolean words, floats). Part of the C ABI declared by seq/runtime.h.
 *
 * Integers are 63-bit: results are computed with wrapping 64-bit arithmetic
 * and re-tagged, which drops bit 63 (as seq-runtime 5.4.0 and the inline code
 * the Seq compiler emits for the same words). See docs/abi-numeric.md for
 * every word's effect and failure behaviour.
 */
#ifndef SEQ_RUNTIME_NUMERIC_H
#define SEQ_RUNTIME_NUMERIC_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- integer arithmetic ------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_add(seq_stack_t sp);      /* ( a b -- a+b ) wrapping */
SEQ_API seq_stack_t patch_seq_subtract(seq_stack_t sp); /* ( a b -- a-b ) wrapping */
SEQ_API seq_stack_t patch_seq_multiply(seq_stack_t sp); /* ( a b -- a*b ) wrapping */
SEQ_API seq_stack_t patch_seq_divide(seq_stack_t sp);   /* ( a b -- a/b Bool ) 0 false if b = 0 */
SEQ_API seq_stack_t patch_seq_modulo(seq_stack_t sp);   /* ( a b -- a%b Bool ) 0 false if b = 0 */

/* ---- integer comparison ( Int Int -- Bool ) ------------------------------ */

SEQ_API seq_stack_t patch_seq_eq(seq_stack_t sp);  /* ( a b -- a=b ) */
SEQ_API seq_stack_t patch_seq_neq(seq_stack_t sp); /* ( a b -- a<>b ) */
SEQ_API seq_stack_t patch_seq_lt(seq_stack_t sp);  /* ( a b -- a<b ) */
SEQ_API seq_stack_t patch_seq_gt(seq_stack_t sp);  /* ( a b -- a>b ) */
SEQ_API seq_stack_t patch_seq_lte(seq_stack_t sp); /* ( a b -- a<=b ) */
SEQ_API seq_stack_t patch_seq_gte(seq_stack_t sp); /* ( a b -- a>=b ) */

/* ---- boolean words: Bool operands give a Bool, Int operands an Int 0/1 --- */

SEQ_API seq_stack_t patch_seq_and(seq_stack_t sp); /* ( a b -- a&&b ) */
SEQ_API seq_stack_t patch_seq_or(seq_stack_t sp);  /* ( a b -- a||b ) */
SEQ_API seq_stack_t patch_seq_not(seq_stack_t sp); /* ( a -- !a ) */

/* ---- bitwise ------------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_band(seq_stack_t sp); /* ( a b -- a&b ) */
SEQ_API seq_stack_t patch_seq_bor(seq_stack_t sp);  /* ( a b -- a|b ) */
SEQ_API seq_stack_t patch_seq_bxor(seq_stack_t sp); /* ( a b -- a^b ) */
SEQ_API seq_stack_t patch_seq_bnot(seq_stack_t sp); /* ( a -- ~a ) */
/* Shifts: a count outside 0..63 gives 0; shr is logical (zero-filling). */
SEQ_API seq_stack_t patch_seq_shl(seq_stack_t sp);      /* ( v n -- v<<n ) */
SEQ_API seq_stack_t patch_seq_shr(seq_stack_t sp);      /* ( v n -- v>>>n ) */
SEQ_API seq_stack_t patch_seq_popcount(seq_stack_t sp); /* ( n -- ones in the 64-bit n ) */
SEQ_API seq_stack_t patch_seq_clz(seq_stack_t sp);      /* ( n -- leading zeros, 64 for 0 ) */
SEQ_API seq_stack_t patch_seq_ctz(seq_stack_t sp);      /* ( n -- trailing zeros, 64 for 0 ) */
SEQ_API seq_stack_t patch_seq_int_bits(seq_stack_t sp); /* ( -- 64 ) */

/* ---- floats (IEEE 754: x/0 is +-inf, NaN propagates) ----------------------- */

SEQ_API seq_stack_t patch_seq_f_add(seq_stack_t sp);      /* ( Float Float -- Float ) */
SEQ_API seq_stack_t patch_seq_f_subtract(seq_stack_t sp); /* ( Float Float -- Float ) */
SEQ_API seq_stack_t patch_seq_f_multiply(seq_stack_t sp); /* ( Float Float -- Float ) */
SEQ_API seq_stack_t patch_seq_f_divide(seq_stack_t sp);   /* ( Float Float -- Float ) */

/* Float comparisons push Int 1 or 0 (as seq-runtime 5.4.0), IEEE semantics. */
SEQ_API seq_stack_t patch_seq_f_eq(seq_stack_t sp);  /* ( Float Float -- Int ) */
SEQ_API seq_stack_t patch_seq_f_neq(seq_stack_t sp); /* ( Float Float -- Int ) */
SEQ_API seq_stack_t patch_seq_f_lt(seq_stack_t sp);  /* ( Float Float -- Int ) */
SEQ_API seq_stack_t patch_seq_f_gt(seq_stack_t sp);  /* ( Float Float -- Int ) */
SEQ_API seq_stack_t patch_seq_f_lte(seq_stack_t sp); /* ( Float Float -- Int ) */
SEQ_API seq_stack_t patch_seq_f_gte(seq_stack_t sp); /* ( Float Float -- Int ) */

/* float->int truncates toward zero, clamps to the 63-bit range, NaN gives 0. */
SEQ_API seq_stack_t patch_seq_int_to_float(seq_stack_t sp);    /* ( Int -- Float ) */
SEQ_API seq_stack_t patch_seq_float_to_int(seq_stack_t sp);    /* ( Float -- Int ) */
SEQ_API seq_stack_t patch_seq_float_to_string(seq_stack_t sp); /* ( Float -- String ) */
SEQ_API seq_stack_t patch_seq_string_to_float(seq_stack_t sp); /* ( String -- Float Bool ) */

/* ---- seqc 7.x: integer power, float math, big-endian bytes ------------------ */

/* ( base exp -- base^exp Bool ): 0 false if exp < 0, exp > 2^32-1 or the
 * result leaves the 63-bit range; 0^0 = 1. */
SEQ_API seq_stack_t patch_seq_pow(seq_stack_t sp);

/* Float math on the C library's libm (IEEE 754: NaN and infinities propagate,
 * no status flag). Only in the 7.x archive, whose compiler links with -lm.
 * ( Float -- Float ) unless noted. */
#ifndef SEQ_ABI_54
SEQ_API seq_stack_t patch_seq_f_sqrt(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_cbrt(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_pow(seq_stack_t sp); /* ( base exp -- Float ) */
SEQ_API seq_stack_t patch_seq_f_exp(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_ln(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_log10(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_log2(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_sin(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_cos(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_tan(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_asin(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_acos(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_atan(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_atan2(seq_stack_t sp); /* ( y x -- Float ) */
SEQ_API seq_stack_t patch_seq_f_floor(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_ceil(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_round(seq_stack_t sp); /* halves to even */
SEQ_API seq_stack_t patch_seq_f_trunc(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_f_pi(seq_stack_t sp);  /* ( -- Float ) */
SEQ_API seq_stack_t patch_seq_f_e(seq_stack_t sp);   /* ( -- Float ) */
SEQ_API seq_stack_t patch_seq_f_tau(seq_stack_t sp); /* ( -- Float ) */

#endif /* !SEQ_ABI_54 */

/* ( Int -- String ) the low 32 bits, big-endian (4 bytes). */
SEQ_API seq_stack_t patch_seq_int_to_bytes_i32_be(seq_stack_t sp);
/* ( Float -- String ) rounded to binary32, big-endian (4 bytes). */
SEQ_API seq_stack_t patch_seq_float_to_bytes_f32_be(seq_stack_t sp);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_NUMERIC_H */
