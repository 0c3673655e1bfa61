#include "core/value/stack.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>

#include "core/fatal.hpp"
#include "core/output.hpp"
#include "core/value/context.hpp"
#include "core/value/son.hpp"

namespace seq {

// ---- ValueStack ------------------------------------------------------------------

namespace {
// The handle compiled code sees is the ValueStack at the start (its layout is
// the ABI); how its storage is released follows it, out of sight.
struct ValueStackBox {
    ValueStack pub;
    void (*release)(StackValue*);  // null: malloc'd storage
};
static_assert(std::is_standard_layout_v<ValueStackBox>);

ValueStackBox* box_of(ValueStack* s) {
    return reinterpret_cast<ValueStackBox*>(s);
}
}  // namespace

ValueStack* value_stack_new(size_t capacity) {
    auto* b = new ValueStackBox{};
    b->pub.base = static_cast<StackValue*>(std::malloc(capacity * sizeof(StackValue)));
    if (!b->pub.base) throw std::bad_alloc();
    b->pub.sp = 0;
    b->pub.capacity = capacity;
    return &b->pub;
}

ValueStack* value_stack_on(StackValue* base, size_t capacity, void (*release)(StackValue*)) {
    auto* b = new ValueStackBox{{base, 0, capacity}, release};
    return &b->pub;
}

void value_stack_free(ValueStack* s) {
    if (!s) return;
    for (size_t i = 0; i < s->sp; ++i)
        drop_value(s->base[i]);
    ValueStackBox* b = box_of(s);
    if (b->release)
        b->release(s->base);
    else
        std::free(s->base);
    delete b;
}

void value_stack_grow(ValueStack* s, size_t min_capacity) {
    size_t cap = s->capacity * 2;
    if (cap < min_capacity) cap = min_capacity;
    ValueStackBox* b = box_of(s);
    StackValue* base;
    if (b->release) {
        base = static_cast<StackValue*>(std::malloc(cap * sizeof(StackValue)));
        if (base) {
            std::memcpy(base, s->base, s->capacity * sizeof(StackValue));
            b->release(s->base);
            b->release = nullptr;
        }
    } else {
        base = static_cast<StackValue*>(std::realloc(s->base, cap * sizeof(StackValue)));
    }
    if (!base) fatal("seq_stack_grow", "cannot grow value stack to %zu slots", cap);
    s->base = base;
    s->capacity = cap;
}

// ---- owned buffers ------------------------------------------------------------------
//
// Layout: [capacity][slot 0][slot 1]...  Ownership is explicit: only code that
// allocated a buffer here hands it to a strand as owned (see scheduler).

StackValue* owned_stack_alloc(size_t capacity) {
    auto* raw = static_cast<uint64_t*>(std::malloc((capacity + 1) * sizeof(StackValue)));
    if (!raw) throw std::bad_alloc();
    raw[0] = capacity;
    return raw + 1;
}

size_t owned_stack_capacity(const StackValue* base) {
    return base[-1];
}

void owned_stack_free(StackValue* base, Stack sp) {
    if (sp >= base && sp <= base + owned_stack_capacity(base)) {
        for (Stack p = base; p < sp; ++p)
            drop_value(*p);
    }
    std::free(base - 1);
}

// ---- base and depth -------------------------------------------------------------------

void set_stack_base(Stack base) {
    current_context()->stack_base = base;
}
Stack stack_base() {
    return current_context()->stack_base;
}

size_t stack_depth(const char* word, Stack sp) {
    Stack base = stack_base();
    if (!base) fatal(word, "stack base not set (patch_seq_set_stack_base was never called)");
    if (sp < base) fatal(word, "stack pointer is below the stack base (stack underflow)");
    return static_cast<size_t>(sp - base);
}

Stack clone_stack_with_base(Stack sp, Stack* new_base) {
    size_t depth = stack_depth("clone_stack", sp);
    size_t cap = depth > kDefaultStackSlots ? depth : kDefaultStackSlots;
    StackValue* base = owned_stack_alloc(cap);
    Stack src = sp - depth;
    for (size_t i = 0; i < depth; ++i)
        base[i] = share_value(clone_value(src[i]));
    *new_base = base;
    return base + depth;
}

Stack clone_stack_into(Stack sp, StackValue* dst, size_t capacity) {
    size_t depth = stack_depth("clone_stack", sp);
    if (depth > capacity) return nullptr;
    Stack src = sp - depth;
    for (size_t i = 0; i < depth; ++i)
        dst[i] = share_value(clone_value(src[i]));
    return dst + depth;
}

// ---- typed pops --------------------------------------------------------------------

StackValue pop_kind(Stack& sp, Kind kind, const char* word) {
    StackValue v = *--sp;
    if (kind_of(v) != kind) type_error(word, kind_name(kind), v);
    return v;
}

int64_t pop_int(Stack& sp, const char* word) {
    StackValue v = *--sp;
    if (!is_int(v)) type_error(word, "Int", v);
    return int_of(v);
}

bool pop_bool(Stack& sp, const char* word) {
    StackValue v = *--sp;
    if (!is_bool(v)) type_error(word, "Bool", v);
    return v == kTrue;
}

// ---- shuffling ----------------------------------------------------------------------

Stack op_dup(Stack sp) {
    return push(sp, clone_value(sp[-1]));
}

Stack op_drop(Stack sp) {
    drop_value(sp[-1]);
    return sp - 1;
}

Stack op_swap(Stack sp) {
    StackValue b = sp[-1];
    sp[-1] = sp[-2];
    sp[-2] = b;
    return sp;
}

Stack op_over(Stack sp) {
    return push(sp, clone_value(sp[-2]));
}

Stack op_rot(Stack sp) {  // ( a b c -- b c a )
    StackValue a = sp[-3];
    sp[-3] = sp[-2];
    sp[-2] = sp[-1];
    sp[-1] = a;
    return sp;
}

Stack op_nip(Stack sp) {  // ( a b -- b )
    drop_value(sp[-2]);
    sp[-2] = sp[-1];
    return sp - 1;
}

Stack op_tuck(Stack sp) {  // ( a b -- b a b )
    StackValue a = sp[-2];
    StackValue b = sp[-1];
    sp[-2] = b;
    sp[-1] = a;
    return push(sp, clone_value(b));
}

Stack op_2dup(Stack sp) {
    StackValue a = clone_value(sp[-2]);
    StackValue b = clone_value(sp[-1]);
    sp = push(sp, a);
    return push(sp, b);
}

namespace {
// Pops the non-negative depth index used by pick and roll and checks that
// n + 1 values lie below it.
size_t pop_depth_index(Stack& sp, const char* word) {
    int64_t n = pop_int(sp, word);
    if (n < 0) fatal(word, "index cannot be negative (got %lld)", static_cast<long long>(n));
    size_t depth = stack_depth(word, sp);
    if (static_cast<uint64_t>(n) >= depth)
        fatal(word, "index %lld exceeds stack depth %zu (need at least %lld values)",
              static_cast<long long>(n), depth, static_cast<long long>(n) + 1);
    return static_cast<size_t>(n);
}
}  // namespace

Stack op_pick(Stack sp) {  // ( ... xn ... x0 n -- ... xn ... x0 xn )
    size_t n = pop_depth_index(sp, "pick");
    return push(sp, clone_value(sp[-1 - static_cast<ptrdiff_t>(n)]));
}

Stack op_roll(Stack sp) {  // ( xn ... x0 n -- ... x0 xn )
    size_t n = pop_depth_index(sp, "roll");
    if (n == 0) return sp;
    Stack src = sp - 1 - n;
    StackValue saved = *src;
    std::memmove(src, src + 1, n * sizeof(StackValue));
    sp[-1] = saved;
    return sp;
}

Stack stack_dump(Stack sp) {
    Stack base = stack_base();
    if (!base) {
        std::fputs("[stack.dump: base not set]\n", stderr);
        return sp;
    }
    std::string line = "»";
    for (Stack p = base; p < sp; ++p) {
        line.push_back(' ');
        son_append(line, *p);
    }
    line.push_back('\n');
    stdout_write(line);
    stdout_flush();
    for (Stack p = base; p < sp; ++p)
        drop_value(*p);
    return base;
}

}  // namespace seq
