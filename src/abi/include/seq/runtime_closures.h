/*
 * seq-runtime: closures, calling quotations, combinators and the test
 * framework. See docs/abi-closures.md for behaviour and failure modes.
 */
#ifndef SEQ_RUNTIME_CLOSURES_H
#define SEQ_RUNTIME_CLOSURES_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A closure's code: env[0] was the top of the stack when it was captured. */
typedef seq_stack_t (*seq_closure_fn)(seq_stack_t sp, const seq_value_t* env, size_t len);

/* ---- closures ------------------------------------------------------------ */

/* ( v_n .. v_1 -- closure ) captures the top n values, env[0] = v_1 (top). */
SEQ_API seq_stack_t patch_seq_push_closure(seq_stack_t sp, uintptr_t fn, int32_t capture_count);
/* Returns a new environment of `size` slots (Int 0) for env_set, then make_closure. */
SEQ_API seq_value_t* patch_seq_create_env(int32_t size);
/* Stores `value` (ownership moves) at env[index] of an environment not yet sealed. */
SEQ_API void patch_seq_env_set(seq_value_t* env, int32_t index, seq_value_t value);
/* Seals a create_env environment into a closure value (takes the environment). */
SEQ_API seq_value_t patch_seq_make_closure(uintptr_t fn, seq_value_t* env);
/* A new reference to env[index]. */
SEQ_API seq_value_t patch_seq_env_get(const seq_value_t* env, int64_t len, int32_t index);
/* The Int at env[index]. */
SEQ_API int64_t patch_seq_env_get_int(const seq_value_t* env, int64_t len, int32_t index);
/* The Bool at env[index] as 1 or 0. */
SEQ_API int64_t patch_seq_env_get_bool(const seq_value_t* env, int64_t len, int32_t index);
/* The Float at env[index]. */
SEQ_API double patch_seq_env_get_float(const seq_value_t* env, int64_t len, int32_t index);
/* The tailcc entry (impl) of the Quotation at env[index]. */
SEQ_API uintptr_t patch_seq_env_get_quotation(const seq_value_t* env, int64_t len, int32_t index);
/* A new reference to the String at env[index] (the value is the object's address). */
SEQ_API seq_value_t patch_seq_env_get_string(const seq_value_t* env, int64_t len, int32_t index);
/* ( -- s ) pushes the String at env[index]. */
SEQ_API seq_stack_t patch_seq_env_push_string(seq_stack_t sp, const seq_value_t* env, int64_t len,
                                              int32_t index);
/* ( -- v ) pushes env[index], whatever its kind. */
SEQ_API seq_stack_t patch_seq_env_push_value(seq_stack_t sp, const seq_value_t* env, int64_t len,
                                             int32_t index);

/* ---- quotations and combinators -------------------------------------------- */

/* ( q -- q ) 1 if the top is a Quotation (not a Closure), else 0. */
SEQ_API int64_t patch_seq_peek_is_quotation(seq_stack_t sp);
/* ( q -- q ) the tailcc entry (impl) of the Quotation on top. */
SEQ_API uintptr_t patch_seq_peek_quotation_fn_ptr(seq_stack_t sp);
/* ( ..a q -- ..b ) runs a Quotation or Closure. */
SEQ_API seq_stack_t patch_seq_call(seq_stack_t sp);
/* ( ..a x q -- ..b x ) runs q below x. */
SEQ_API seq_stack_t patch_seq_dip(seq_stack_t sp);
/* ( ..a x q -- ..b x ) runs q on x, then restores x. */
SEQ_API seq_stack_t patch_seq_keep(seq_stack_t sp);
/* ( ..a x q1 q2 -- ..c ) runs q1 on x, then q2 on x. */
SEQ_API seq_stack_t patch_seq_bi(seq_stack_t sp);
/* ( ..a Bool [then] [else] -- ..b ) runs then if true, else otherwise (7.x). */
SEQ_API seq_stack_t patch_seq_if(seq_stack_t sp);
/* ( v [p1] [b1] .. [pN] [bN] N -- r ) runs the body of the first true predicate. */
SEQ_API seq_stack_t patch_seq_cond(seq_stack_t sp);

/* ---- test framework (seqc test) -------------------------------------------- */

/* ( name -- ) starts a test: resets the pass and failure counts. */
SEQ_API seq_stack_t patch_seq_test_init(seq_stack_t sp);
/* ( name -- ) renames the current test, keeping its counts (seqc 7.x). */
SEQ_API seq_stack_t patch_seq_test_set_name(seq_stack_t sp);
/* The source line (1-based; 0 clears) of the next assertion (seqc 7.x). */
SEQ_API void patch_seq_test_set_line(int64_t line);
/* ( Int|Bool -- ) records a pass if true / non-zero, else a failure. */
SEQ_API seq_stack_t patch_seq_test_assert(seq_stack_t sp);
/* ( Int|Bool -- ) records a pass if false / zero, else a failure. */
SEQ_API seq_stack_t patch_seq_test_assert_not(seq_stack_t sp);
/* Ints: records a pass if equal, else a failure. Operand order per compiler:
 * ( actual expected -- ) in the 7.x archive, ( expected actual -- ) in 5.4. */
SEQ_API seq_stack_t patch_seq_test_assert_eq(seq_stack_t sp);
/* Strings (byte-exact), operands as test_assert_eq. */
SEQ_API seq_stack_t patch_seq_test_assert_eq_str(seq_stack_t sp);
/* ( message -- ) records a failure. */
SEQ_API seq_stack_t patch_seq_test_fail(seq_stack_t sp);
/* ( -- Int ) passes recorded since test_init. */
SEQ_API seq_stack_t patch_seq_test_pass_count(seq_stack_t sp);
/* ( -- Int ) failures recorded since test_init. */
SEQ_API seq_stack_t patch_seq_test_fail_count(seq_stack_t sp);
/* ( -- ) prints "<name> ... ok" or "<name> ... FAILED" and the failures
 * (7.x: on stdout, at most 5; 5.4: on stderr). */
SEQ_API seq_stack_t patch_seq_test_finish(seq_stack_t sp);
/* ( -- Bool ) true if the current test recorded a failure. */
SEQ_API seq_stack_t patch_seq_test_has_failures(seq_stack_t sp);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_CLOSURES_H */
