/*
 * seq-runtime: variants, lists and maps (see docs/abi-data.md).
 *
 * Lists are variants tagged `List`; the list words accept any variant and
 * keep its tag. Higher-order words call the quotation or closure on top of
 * the stack once per element, on the caller's stack. Maps enumerate their
 * entries in a fixed order: Int keys ascending, then false, true, then
 * String keys by bytes.
 */
#ifndef SEQ_RUNTIME_DATA_H
#define SEQ_RUNTIME_DATA_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- variants ------------------------------------------------------------ */

SEQ_API seq_stack_t patch_seq_make_variant_0(seq_stack_t sp);  /* ( Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_1(seq_stack_t sp);  /* ( f1 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_2(seq_stack_t sp);  /* ( f1 f2 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_3(seq_stack_t sp);  /* ( f1..f3 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_4(seq_stack_t sp);  /* ( f1..f4 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_5(seq_stack_t sp);  /* ( f1..f5 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_6(seq_stack_t sp);  /* ( f1..f6 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_7(seq_stack_t sp);  /* ( f1..f7 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_8(seq_stack_t sp);  /* ( f1..f8 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_9(seq_stack_t sp);  /* ( f1..f9 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_10(seq_stack_t sp); /* ( f1..f10 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_11(seq_stack_t sp); /* ( f1..f11 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_make_variant_12(seq_stack_t sp); /* ( f1..f12 Symbol -- Variant ) */
SEQ_API seq_stack_t patch_seq_variant_tag(seq_stack_t sp);     /* ( Variant -- Symbol ) */
SEQ_API seq_stack_t patch_seq_variant_field_count(seq_stack_t sp); /* ( Variant -- Int ) */
SEQ_API seq_stack_t patch_seq_variant_field_at(seq_stack_t sp);    /* ( Variant Int -- v ) */
SEQ_API seq_stack_t patch_seq_variant_append(seq_stack_t sp);      /* ( Variant v -- Variant' ) */
SEQ_API seq_stack_t patch_seq_variant_first(seq_stack_t sp);       /* ( Variant -- v ) */
SEQ_API seq_stack_t patch_seq_variant_last(seq_stack_t sp);        /* ( Variant -- v ) */
SEQ_API seq_stack_t patch_seq_variant_init(seq_stack_t sp);        /* ( Variant -- Variant' ) */
/* ( Variant -- f0 .. f(n-1) ) pushes the first field_count fields (match). */
SEQ_API seq_stack_t patch_seq_unpack_variant(seq_stack_t sp, int64_t field_count);

/* ---- lists ------------------------------------------------------------------ */

SEQ_API seq_stack_t patch_seq_list_make(seq_stack_t sp);   /* ( -- List ) */
SEQ_API seq_stack_t patch_seq_list_push(seq_stack_t sp);   /* ( List v -- List' ) */
SEQ_API seq_stack_t patch_seq_list_get(seq_stack_t sp);    /* ( List Int -- v Bool ) */
SEQ_API seq_stack_t patch_seq_list_first(seq_stack_t sp);  /* ( List -- v Bool ) 0 false if empty */
SEQ_API seq_stack_t patch_seq_list_last(seq_stack_t sp);   /* ( List -- v Bool ) 0 false if empty */
SEQ_API seq_stack_t patch_seq_list_set(seq_stack_t sp);    /* ( List Int v -- List' Bool ) */
SEQ_API seq_stack_t patch_seq_list_length(seq_stack_t sp); /* ( List -- Int ) */
SEQ_API seq_stack_t patch_seq_list_empty(seq_stack_t sp);  /* ( List -- Bool ) */
SEQ_API seq_stack_t patch_seq_list_reverse(seq_stack_t sp); /* ( List -- List' ) */
SEQ_API seq_stack_t patch_seq_list_map(seq_stack_t sp);     /* ( List [x -- y] -- List' ) */
SEQ_API seq_stack_t patch_seq_list_filter(seq_stack_t sp);  /* ( List [x -- Bool] -- List' ) */
SEQ_API seq_stack_t patch_seq_list_fold(seq_stack_t sp); /* ( List acc [acc x -- acc'] -- acc' ) */
SEQ_API seq_stack_t patch_seq_list_each(seq_stack_t sp); /* ( List [x --] -- ) */

/* ---- maps ---------------------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_make_map(seq_stack_t sp);   /* ( -- Map ) */
SEQ_API seq_stack_t patch_seq_map_get(seq_stack_t sp);    /* ( Map key -- v Bool ) */
SEQ_API seq_stack_t patch_seq_map_set(seq_stack_t sp);    /* ( Map key v -- Map' ) */
SEQ_API seq_stack_t patch_seq_map_has(seq_stack_t sp);    /* ( Map key -- Bool ) */
SEQ_API seq_stack_t patch_seq_map_remove(seq_stack_t sp); /* ( Map key -- Map' ) */
SEQ_API seq_stack_t patch_seq_map_size(seq_stack_t sp);   /* ( Map -- Int ) */
SEQ_API seq_stack_t patch_seq_map_empty(seq_stack_t sp);  /* ( Map -- Bool ) */
SEQ_API seq_stack_t patch_seq_map_keys(seq_stack_t sp);   /* ( Map -- List ) */
SEQ_API seq_stack_t patch_seq_map_values(seq_stack_t sp); /* ( Map -- List ) */
SEQ_API seq_stack_t patch_seq_map_each(seq_stack_t sp);   /* ( Map [k v --] -- ) */
SEQ_API seq_stack_t patch_seq_map_fold(seq_stack_t sp); /* ( Map acc [acc k v -- acc'] -- acc' ) */

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_DATA_H */
