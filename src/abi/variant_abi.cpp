// Variants: construction from a tag and fields, field access, append/init.
#include <utility>

#include "abi/abi.hpp"
#include "core/value/list.hpp"
#include "seq/runtime_data.h"

using namespace seq;

namespace {

VariantObj* pop_variant(Stack& sp, const char* word) {
    return variant_of(pop_kind(sp, Kind::Variant, word));
}

// ( field1 .. fieldN Symbol -- Variant ): field1 is the deepest.
template <size_t N>
Stack make_variant_n(Stack sp) {
    static constexpr const char* kWords[] = {
        "variant.make-0",  "variant.make-1",  "variant.make-2", "variant.make-3", "variant.make-4",
        "variant.make-5",  "variant.make-6",  "variant.make-7", "variant.make-8", "variant.make-9",
        "variant.make-10", "variant.make-11", "variant.make-12"};
    static_assert(N < std::size(kWords));
    StackValue tag = *--sp;
    if (!is_kind(tag, Kind::Symbol)) type_error(kWords[N], "Symbol (tag)", tag);
    sp -= N;
    // make_variant takes the tag and the fields; the slots now lie above sp.
    return push(sp, make_variant(string_of(tag), sp, N));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_make_variant_0(seq_stack_t sp) {
    return make_variant_n<0>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_1(seq_stack_t sp) {
    return make_variant_n<1>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_2(seq_stack_t sp) {
    return make_variant_n<2>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_3(seq_stack_t sp) {
    return make_variant_n<3>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_4(seq_stack_t sp) {
    return make_variant_n<4>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_5(seq_stack_t sp) {
    return make_variant_n<5>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_6(seq_stack_t sp) {
    return make_variant_n<6>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_7(seq_stack_t sp) {
    return make_variant_n<7>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_8(seq_stack_t sp) {
    return make_variant_n<8>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_9(seq_stack_t sp) {
    return make_variant_n<9>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_10(seq_stack_t sp) {
    return make_variant_n<10>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_11(seq_stack_t sp) {
    return make_variant_n<11>(sp);
}
SEQ_API seq_stack_t patch_seq_make_variant_12(seq_stack_t sp) {
    return make_variant_n<12>(sp);
}

SEQ_API seq_stack_t patch_seq_variant_tag(seq_stack_t sp) {
    VariantObj* v = pop_variant(sp, "variant.tag");
    StringObj* tag = v->tag;
    StackValue sym;
    if (tag->kind == Kind::Symbol) {
        retain(tag);
        sym = from_heap(tag);
    } else {
        // A tag built by host code as a String still reads back as a Symbol.
        sym = make_string(tag->view(), Kind::Symbol);
    }
    release(v);
    return push(sp, sym);
}

SEQ_API seq_stack_t patch_seq_variant_field_count(seq_stack_t sp) {
    VariantObj* v = pop_variant(sp, "variant.field-count");
    int64_t n = v->len;
    release(v);
    return push(sp, make_int(n));
}

SEQ_API seq_stack_t patch_seq_variant_field_at(seq_stack_t sp) {
    static constexpr const char* kWord = "variant.field-at";
    StackValue index = *--sp;
    if (!is_int(index)) type_error(kWord, "Int (index)", index);
    int64_t i = int_of(index);
    if (i < 0) fatal(kWord, "index cannot be negative: %lld", static_cast<long long>(i));
    VariantObj* v = pop_variant(sp, kWord);
    if (static_cast<uint64_t>(i) >= v->len)
        fatal(kWord, "index %lld out of bounds (variant has %u fields)", static_cast<long long>(i),
              v->len);
    return push(sp, variant_take_field(v, static_cast<size_t>(i)));
}

SEQ_API seq_stack_t patch_seq_variant_append(seq_stack_t sp) {
    StackValue value = *--sp;
    StackValue v = sp[-1];
    if (!is_kind(v, Kind::Variant)) type_error("variant.append", "Variant", v);
    sp[-1] = from_heap(variant_push(variant_of(v), value, "variant.append"));
    return sp;
}

SEQ_API seq_stack_t patch_seq_variant_first(seq_stack_t sp) {
    VariantObj* v = pop_variant(sp, "variant.first");
    if (v->len == 0) fatal("variant.first", "variant has no fields");
    return push(sp, variant_take_field(v, 0));
}

SEQ_API seq_stack_t patch_seq_variant_last(seq_stack_t sp) {
    VariantObj* v = pop_variant(sp, "variant.last");
    if (v->len == 0) fatal("variant.last", "variant has no fields");
    return push(sp, variant_take_field(v, v->len - 1));
}

SEQ_API seq_stack_t patch_seq_variant_init(seq_stack_t sp) {
    VariantObj* v = pop_variant(sp, "variant.init");
    if (v->len == 0) fatal("variant.init", "variant has no fields");
    if (is_unique(v)) {
        drop_value(v->fields[--v->len]);
        return push(sp, from_heap(v));
    }
    VariantObj* init = variant_copy_prefix(v, v->len - 1, v->len - 1);
    release(v);
    return push(sp, from_heap(init));
}

SEQ_API seq_stack_t patch_seq_unpack_variant(seq_stack_t sp, int64_t field_count) {
    static constexpr const char* kWord = "unpack-variant";
    VariantObj* v = pop_variant(sp, kWord);
    if (field_count < 0 || static_cast<uint64_t>(field_count) > v->len)
        fatal(kWord, "requested %lld fields but variant only has %u",
              static_cast<long long>(field_count), v->len);
    const auto n = static_cast<uint32_t>(field_count);
    if (is_unique(v)) {
        // Move the fields out; drop the ones not asked for with the shell.
        for (uint32_t i = 0; i < n; ++i) {
            *sp++ = v->fields[i];
            v->fields[i] = kFalse;
        }
    } else {
        for (uint32_t i = 0; i < n; ++i)
            *sp++ = clone_value(v->fields[i]);
    }
    release(v);
    return sp;
}

}  // extern "C"
