/*
 * seq-runtime: string, symbol, encoding and SON words (part of the C ABI;
 * included by seq/runtime.h). Characters are Unicode scalar values and
 * indexes count characters, not bytes. See docs/abi-strings.md for every
 * word's edge cases and failure behaviour. A type mismatch aborts with a
 * message naming the word, except where a word ends in a Bool status.
 */
#ifndef SEQ_RUNTIME_STRINGS_H
#define SEQ_RUNTIME_STRINGS_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- strings ------------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_string_concat(seq_stack_t sp);      /* ( String String -- String ) */
SEQ_API seq_stack_t patch_seq_string_length(seq_stack_t sp);      /* ( String -- Int ) characters */
SEQ_API seq_stack_t patch_seq_string_byte_length(seq_stack_t sp); /* ( String -- Int ) bytes */
SEQ_API seq_stack_t patch_seq_string_char_at(seq_stack_t sp);   /* ( String Int -- Int ) cp or -1 */
SEQ_API seq_stack_t patch_seq_string_substring(seq_stack_t sp); /* ( String Int Int -- String ) */
SEQ_API seq_stack_t patch_seq_string_find(seq_stack_t sp);      /* ( String String -- Int ) or -1 */
SEQ_API seq_stack_t patch_seq_string_split(seq_stack_t sp);     /* ( String delim -- List ) */
SEQ_API seq_stack_t patch_seq_string_join(seq_stack_t sp);      /* ( List sep -- String ) */
SEQ_API seq_stack_t patch_seq_string_contains(seq_stack_t sp);  /* ( String sub -- Bool ) */
SEQ_API seq_stack_t patch_seq_string_starts_with(seq_stack_t sp); /* ( String prefix -- Bool ) */
SEQ_API seq_stack_t patch_seq_string_equal(seq_stack_t sp);       /* ( String String -- Bool ) */
SEQ_API seq_stack_t patch_seq_string_empty(seq_stack_t sp);       /* ( String -- Bool ) */
SEQ_API seq_stack_t patch_seq_string_trim(seq_stack_t sp);        /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_string_chomp(seq_stack_t sp);       /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_string_to_upper(seq_stack_t sp);    /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_string_to_lower(seq_stack_t sp);    /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_string_to_int(seq_stack_t sp);      /* ( String -- Int Bool ) */
SEQ_API seq_stack_t patch_seq_char_to_string(seq_stack_t sp);     /* ( Int -- String ) */
SEQ_API seq_stack_t patch_seq_json_escape(seq_stack_t sp);        /* ( String -- String ) */

/* ---- symbols --------------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_symbol_to_string(seq_stack_t sp); /* ( Symbol -- String ) */
SEQ_API seq_stack_t patch_seq_string_to_symbol(seq_stack_t sp); /* ( String -- Symbol ) */
SEQ_API seq_stack_t patch_seq_symbol_equal(seq_stack_t sp);     /* ( Symbol Symbol -- Bool ) */
/* ( Symbol -- Bool ) compares with the NUL-terminated name (pattern matching). */
SEQ_API seq_stack_t patch_seq_symbol_eq_cstr(seq_stack_t sp, const char* name);

/* ---- C strings (FFI) --------------------------------------------------------- */

/* ( String -- String ) peeks: returns a malloc'd NUL-terminated copy the caller
 * frees with free(); `out` is unused. */
SEQ_API char* patch_seq_string_to_cstring(seq_stack_t sp, char* out);
/* ( -- String ) copies a NUL-terminated string (invalid UTF-8 becomes U+FFFD;
 * NULL pushes ""). The caller keeps ownership of `cstr`. */
SEQ_API seq_stack_t patch_seq_cstring_to_string(seq_stack_t sp, const char* cstr);

/* ---- SON ------------------------------------------------------------------ */

SEQ_API seq_stack_t patch_seq_son_dump(seq_stack_t sp);        /* ( Value -- String ) */
SEQ_API seq_stack_t patch_seq_son_dump_pretty(seq_stack_t sp); /* ( Value -- String ) indented */

/* ---- encodings -------------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_base64_encode(seq_stack_t sp);    /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_base64_decode(seq_stack_t sp);    /* ( String -- String Bool ) */
SEQ_API seq_stack_t patch_seq_base64url_encode(seq_stack_t sp); /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_base64url_decode(seq_stack_t sp); /* ( String -- String Bool ) */
SEQ_API seq_stack_t patch_seq_hex_encode(seq_stack_t sp);       /* ( String -- String ) */
SEQ_API seq_stack_t patch_seq_hex_decode(seq_stack_t sp);       /* ( String -- String Bool ) */

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_STRINGS_H */
