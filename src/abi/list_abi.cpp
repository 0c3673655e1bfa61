// Lists: variants tagged `List` (every word accepts any variant and keeps its
// tag), with indexed access and higher-order words that call a quotation or
// closure on the caller's stack.
#include <algorithm>

#include "abi/abi.hpp"
#include "core/value/callable.hpp"
#include "core/value/list.hpp"
#include "seq/runtime_data.h"

using namespace seq;

namespace {

VariantObj* pop_list(Stack& sp, const char* word) {
    StackValue v = *--sp;
    if (!is_kind(v, Kind::Variant)) type_error(word, "Variant (list)", v);
    return variant_of(v);
}

// Element `i` for a callable that consumes it: moved out of a uniquely owned
// list (nobody else can see it, and the callable may free it), else a copy.
StackValue take_element(VariantObj* v, uint32_t i, bool unique) {
    StackValue elem = v->fields[i];
    if (!unique) return clone_value(elem);
    v->fields[i] = kFalse;
    return elem;
}

// ( V -- T Bool ): list.first and list.last (7.x), `list.get`'s shape: the
// element and true, or ( 0 false ) for an empty list or a non-variant.
Stack list_endpoint(Stack sp, bool last) {
    StackValue list = *--sp;
    if (!is_kind(list, Kind::Variant) || variant_of(list)->len == 0) {
        drop_value(list);
        return push_with_flag(sp, make_int(0), false);
    }
    VariantObj* v = variant_of(list);
    return push_with_flag(sp, variant_take_field(v, last ? v->len - 1 : 0), true);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_list_make(seq_stack_t sp) {
    // Lists are usually built by pushing: start with room for a few.
    return push(sp, from_heap(new_list(4)));
}

SEQ_API seq_stack_t patch_seq_list_push(seq_stack_t sp) {
    StackValue value = *--sp;
    StackValue list = sp[-1];
    if (!is_kind(list, Kind::Variant)) type_error("list.push", "Variant (list)", list);
    // Written back in place: the variant may have moved.
    sp[-1] = from_heap(variant_push(variant_of(list), value, "list.push"));
    return sp;
}

SEQ_API seq_stack_t patch_seq_list_get(seq_stack_t sp) {
    StackValue index = *--sp;
    StackValue list = *--sp;
    if (!is_int(index) || !is_kind(list, Kind::Variant)) {
        drop_value(index);
        drop_value(list);
        return push_with_flag(sp, make_int(0), false);
    }
    int64_t i = int_of(index);
    VariantObj* v = variant_of(list);
    if (i < 0 || static_cast<uint64_t>(i) >= v->len) {
        release(v);
        return push_with_flag(sp, make_int(0), false);
    }
    return push_with_flag(sp, variant_take_field(v, static_cast<size_t>(i)), true);
}

SEQ_API seq_stack_t patch_seq_list_first(seq_stack_t sp) {
    return list_endpoint(sp, false);
}

SEQ_API seq_stack_t patch_seq_list_last(seq_stack_t sp) {
    return list_endpoint(sp, true);
}

SEQ_API seq_stack_t patch_seq_list_set(seq_stack_t sp) {
    StackValue value = *--sp;
    StackValue index = *--sp;
    StackValue list = *--sp;
    if (!is_int(index) || !is_kind(list, Kind::Variant)) {
        // The list (or whatever stood in its place) goes back unchanged.
        drop_value(value);
        drop_value(index);
        return push_with_flag(sp, list, false);
    }
    int64_t i = int_of(index);
    VariantObj* v = variant_of(list);
    if (i < 0 || static_cast<uint64_t>(i) >= v->len) {
        drop_value(value);
        return push_with_flag(sp, list, false);
    }
    v = variant_make_unique(v, v->len);
    const auto slot = static_cast<size_t>(i);
    drop_value(v->fields[slot]);
    v->fields[slot] = share_value(value);
    return push_with_flag(sp, from_heap(v), true);
}

SEQ_API seq_stack_t patch_seq_list_length(seq_stack_t sp) {
    VariantObj* v = pop_list(sp, "list.length");
    int64_t n = v->len;
    release(v);
    return push(sp, make_int(n));
}

SEQ_API seq_stack_t patch_seq_list_empty(seq_stack_t sp) {
    VariantObj* v = pop_list(sp, "list.empty?");
    bool empty = v->len == 0;
    release(v);
    return push(sp, make_bool(empty));
}

SEQ_API seq_stack_t patch_seq_list_reverse(seq_stack_t sp) {
    VariantObj* v = pop_list(sp, "list.reverse");
    if (is_unique(v)) {
        std::reverse(v->fields, v->fields + v->len);
        return push(sp, from_heap(v));
    }
    VariantObj* r = variant_copy_prefix(v, 0, v->len);
    for (uint32_t i = 0; i < v->len; ++i)
        r->fields[i] = clone_value(v->fields[v->len - 1 - i]);
    r->len = v->len;
    release(v);
    return push(sp, from_heap(r));
}

// The higher-order words pop their inputs, then run the callable once per
// element on the caller's stack at the popped position, so it sees exactly
// the values seq-runtime 5.4.0 gives it and nothing it could disturb.

SEQ_API seq_stack_t patch_seq_list_map(seq_stack_t sp) {
    static constexpr const char* kWord = "list.map";
    StackValue fn = pop_callable(sp, kWord);
    VariantObj* v = pop_list(sp, kWord);
    const uint32_t n = v->len;
    if (is_unique(v)) {
        // Nobody else can observe the list, so each result replaces its element.
        for (uint32_t i = 0; i < n; ++i) {
            StackValue elem = take_element(v, i, true);
            v->fields[i] = share_value(call_for_result(sp, push(sp, elem), fn, kWord));
        }
        drop_value(fn);
        return push(sp, from_heap(v));
    }
    VariantObj* out = variant_copy_prefix(v, 0, n);
    for (uint32_t i = 0; i < n; ++i) {
        StackValue r = call_for_result(sp, push(sp, clone_value(v->fields[i])), fn, kWord);
        out->fields[out->len++] = share_value(r);
    }
    release(v);
    drop_value(fn);
    return push(sp, from_heap(out));
}

SEQ_API seq_stack_t patch_seq_list_filter(seq_stack_t sp) {
    static constexpr const char* kWord = "list.filter";
    StackValue fn = pop_callable(sp, kWord);
    VariantObj* v = pop_list(sp, kWord);
    const uint32_t n = v->len;
    auto keep = [&](StackValue elem) {
        StackValue r = call_for_result(sp, push(sp, clone_value(elem)), fn, kWord);
        if (!is_bool(r)) type_error(kWord, "Bool from the quotation", r);
        return r == kTrue;
    };
    if (is_unique(v)) {
        // Compact in place: kept elements slide down, the others are dropped.
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; ++i) {
            StackValue elem = v->fields[i];
            if (keep(elem)) {
                v->fields[i] = kFalse;
                v->fields[kept++] = elem;
            } else {
                v->fields[i] = kFalse;
                drop_value(elem);
            }
        }
        v->len = kept;
        drop_value(fn);
        return push(sp, from_heap(v));
    }
    VariantObj* out = variant_copy_prefix(v, 0, 0);
    for (uint32_t i = 0; i < n; ++i) {
        StackValue elem = v->fields[i];
        if (keep(elem)) out = variant_append_unique(out, clone_value(elem));
    }
    release(v);
    drop_value(fn);
    return push(sp, from_heap(out));
}

SEQ_API seq_stack_t patch_seq_list_fold(seq_stack_t sp) {
    static constexpr const char* kWord = "list.fold";
    StackValue fn = pop_callable(sp, kWord);
    StackValue acc = *--sp;
    VariantObj* v = pop_list(sp, kWord);
    const bool unique = is_unique(v);
    for (uint32_t i = 0; i < v->len; ++i) {
        Stack top = push(push(sp, acc), take_element(v, i, unique));
        acc = call_for_result(sp, top, fn, kWord);
    }
    release(v);
    drop_value(fn);
    return push(sp, acc);
}

SEQ_API seq_stack_t patch_seq_list_each(seq_stack_t sp) {
    static constexpr const char* kWord = "list.each";
    StackValue fn = pop_callable(sp, kWord);
    VariantObj* v = pop_list(sp, kWord);
    const bool unique = is_unique(v);
    for (uint32_t i = 0; i < v->len; ++i)
        call_for_effect(sp, push(sp, take_element(v, i, unique)), fn, kWord);
    release(v);
    drop_value(fn);
    return sp;
}

}  // extern "C"
