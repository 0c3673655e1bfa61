// Pushing literal values and peeking at the top of the stack.
#include <cstring>
#include <string>

#include "abi/abi.hpp"
#include "core/value/literal.hpp"
#include "core/value/symbol.hpp"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_push_int(seq_stack_t sp, int64_t value) {
    return push(sp, make_int(value));
}

SEQ_API seq_stack_t patch_seq_push_bool(seq_stack_t sp, bool value) {
    return push(sp, make_bool(value));
}

SEQ_API seq_stack_t patch_seq_push_float(seq_stack_t sp, double value) {
    return push(sp, make_float(value));
}

SEQ_API seq_stack_t patch_seq_push_string(seq_stack_t sp, const char* s) {
    if (!s) fatal("push_string", "null string pointer");
    return push(sp, make_string(s));
}

// seqc 7.x's string literal: `len` bytes at `ptr`, NULs and any other bytes
// included. Literals in the program image become one immortal object each
// (core/value/literal.hpp); other buffers are copied, as upstream does.
SEQ_API seq_stack_t patch_seq_push_string_bytes(seq_stack_t sp, const char* ptr, int64_t len) {
    if (len < 0) fatal("push_string_bytes", "negative length %lld", (long long)len);
    if (!ptr && len) fatal("push_string_bytes", "null pointer with non-zero length");
    return push(sp, literal_string(ptr, static_cast<size_t>(len)));
}

SEQ_API seq_stack_t patch_seq_push_symbol(seq_stack_t sp, const char* s) {
    if (!s) fatal("push_symbol", "null string pointer");
    return push(sp, make_string(s, Kind::Symbol));
}

SEQ_API seq_stack_t patch_seq_push_interned_symbol(seq_stack_t sp, const seq_interned_symbol* sym) {
    if (!sym || !sym->ptr) fatal("push_interned_symbol", "null symbol data");
    if (sym->len < 0) fatal("push_interned_symbol", "negative length %lld", (long long)sym->len);
    return push(sp, intern_static_symbol(sym, {sym->ptr, static_cast<size_t>(sym->len)}));
}

SEQ_API seq_stack_t patch_seq_push_seqstring(seq_stack_t sp, const seq_string_parts* s) {
    if (!s || (!s->ptr && s->len)) fatal("push_seqstring", "null string data");
    return push(sp, make_string({s->ptr, s->len}));
}

SEQ_API seq_stack_t patch_seq_push_value(seq_stack_t sp, seq_value_t value) {
    return push(sp, value);
}

SEQ_API seq_stack_t patch_seq_push_quotation(seq_stack_t sp, uintptr_t wrapper, uintptr_t impl) {
    if (!wrapper || !impl) fatal("push_quotation", "null function pointer");
    return push(sp, make_quotation(wrapper, impl));
}

SEQ_API seq_stack_t patch_seq_int_to_string(seq_stack_t sp) {
    int64_t n = pop_int(sp, "int_to_string");
    return push(sp, make_string(std::to_string(n)));
}

SEQ_API int64_t patch_seq_peek_int_value(seq_stack_t sp) {
    StackValue v = peek(sp);
    if (!is_int(v)) type_error("peek_int_value", "Int", v);
    return int_of(v);
}

SEQ_API bool patch_seq_peek_bool_value(seq_stack_t sp) {
    StackValue v = peek(sp);
    if (!is_bool(v)) type_error("peek_bool_value", "Bool", v);
    return v == kTrue;
}

}  // extern "C"
