#include "core/value/list.hpp"

#include "core/fatal.hpp"
#include "core/value/callable.hpp"
#include "core/value/symbol.hpp"

namespace seq {

StackValue list_symbol() {
    // Interned once: list.make runs in loops and must not allocate its tag.
    static const char kKey = 0;
    static const StackValue sym = intern_static_symbol(&kKey, "List");
    return sym;
}

VariantObj* new_list(size_t cap) {
    return variant_of(make_variant(string_of(list_symbol()), nullptr, 0, cap));
}

VariantObj* variant_copy_prefix(const VariantObj* v, size_t len, size_t cap) {
    retain(v->tag);
    VariantObj* copy = variant_of(make_variant(v->tag, nullptr, 0, cap));
    // The source's fields were shared when it was built, so clones suffice.
    for (size_t i = 0; i < len; ++i)
        copy->fields[i] = clone_value(v->fields[i]);
    copy->len = static_cast<uint32_t>(len);
    return copy;
}

VariantObj* variant_make_unique(VariantObj* v, size_t cap) {
    if (is_unique(v)) return v;
    VariantObj* copy = variant_copy_prefix(v, v->len, cap < v->len ? v->len : cap);
    release(v);
    return copy;
}

VariantObj* variant_push(VariantObj* v, StackValue field, const char* word) {
    if (v->len >= kMaxVariantFields) {
        drop_value(field);
        fatal(word, "variant has too many fields (%u)", v->len);
    }
    if (!is_unique(v)) {
        // The copy is unique, so the appends that usually follow stay in place.
        VariantObj* copy = variant_copy_prefix(v, v->len, size_t{v->len} + 1);
        release(v);
        v = copy;
    }
    return variant_append_unique(v, field);
}

StackValue variant_take_field(VariantObj* v, size_t i) {
    if (is_unique(v)) {
        StackValue field = v->fields[i];
        v->fields[i] = kFalse;  // the slot no longer owns it
        release(v);
        return field;
    }
    StackValue field = clone_value(v->fields[i]);
    release(v);
    return field;
}

StackValue call_for_result(Stack base, Stack top, StackValue callable, const char* word) {
    Stack sp = invoke_callable(top, callable, word);
    if (sp <= base) fatal(word, "quotation consumed its inputs without producing a result");
    StackValue result = *--sp;
    while (sp > base)
        drop_value(*--sp);
    return result;
}

void call_for_effect(Stack base, Stack top, StackValue callable, const char* word) {
    Stack sp = invoke_callable(top, callable, word);
    if (sp < base) fatal(word, "quotation consumed more values than it was given");
    while (sp > base)
        drop_value(*--sp);
}

}  // namespace seq
