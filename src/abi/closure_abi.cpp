// Closures (quotations with a captured environment), quotation peeks used by
// compiled code for tail calls, and `call`.
//
// A closure's function has the C signature
//     seq_stack_t fn(seq_stack_t sp, const seq_value_t* env, size_t len)
// and reads its captures with the env_get / env_push words. Which capture is
// env[0] is where the two compilers' contracts conflict (docs/abi-versions.md):
// both push env[0], env[1], ... at closure entry and type env[i] by the i-th
// capture counted from the deepest, but seq-runtime 5.4.0 stored env[0] = the
// value on top of the stack (so 5.4.0 programs see their captures reversed),
// and since 5.5.0 env[0] = the deepest capture (caller order, and the types
// agree). Each archive keeps its compiler's programs working.
//
// create_env / env_set / make_closure build a closure in three steps without
// copying: create_env allocates the ClosureObj itself (function 0 = "still
// being filled") and hands out a pointer to its env array; make_closure finds
// the object again from that pointer, seals it with the function and returns
// it as the value. A sealed closure may be shared between strands, so env_set
// refuses to write into one.
#include <cstddef>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/value/callable.hpp"
#include "seq/runtime_closures.h"

using namespace seq;

namespace {

// 5.4.0's bound on one environment (create_env only).
constexpr int32_t kMaxCaptures = 1024;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
// ClosureObj is not standard-layout (it derives from HeapObject), but it is a
// plain C-compatible struct on every supported ABI, so offsetof is exact.
constexpr size_t kEnvOffset = offsetof(ClosureObj, env);
#pragma GCC diagnostic pop

// The closure under construction whose env array create_env returned.
ClosureObj* pending_closure(StackValue* env, const char* word) {
    if (!env) fatal(word, "null environment pointer");
    auto* c = reinterpret_cast<ClosureObj*>(reinterpret_cast<char*>(env) - kEnvOffset);
    if (c->kind != Kind::Closure || c->flags != 0)
        fatal(word, "environment was not created by create_env");
    if (c->fn != 0)
        fatal(word, "environment already belongs to a closure (make_closure was called)");
    return c;
}

// The slot `index` of a closure environment, bounds-checked.
StackValue env_slot(const StackValue* env, int64_t len, int32_t index, const char* word) {
    if (!env) fatal(word, "null environment pointer");
    if (index < 0) fatal(word, "index cannot be negative: %d", index);
    if (len < 0 || index >= len)
        fatal(word, "index %d out of bounds for environment of size %lld", index,
              static_cast<long long>(len));
    return env[index];
}

// The slot `index`, which must hold a value of kind `kind`.
StackValue env_slot_of(const StackValue* env, int64_t len, int32_t index, Kind kind,
                       const char* word) {
    StackValue v = env_slot(env, len, index, word);
    if (kind_of(v) != kind)
        fatal(word, "expected %s at index %d, got %s", kind_name(kind), index,
              kind_name(kind_of(v)));
    return v;
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_push_closure(seq_stack_t sp, uintptr_t fn, int32_t capture_count) {
    if (!fn) fatal("push_closure", "null function pointer");
    if (capture_count < 0)
        fatal("push_closure", "capture_count cannot be negative: %d", capture_count);
    size_t n = static_cast<size_t>(capture_count);
    if (n > 0) {
        size_t depth = stack_depth("push_closure", sp);
        if (n > depth)
            fatal("push_closure", "cannot capture %zu values from a stack of depth %zu", n, depth);
    }
    // Allocate before popping so a failed allocation leaves the stack intact.
    ClosureObj* c = alloc_closure(fn, n);
    const StackValue* captures = sp - n;  // the deepest capture first
    for (size_t i = 0; i < n; ++i)
        c->env[i] = share_value(kAbi7 ? captures[i] : captures[n - 1 - i]);
    sp -= n;
    return push(sp, from_heap(c));
}

SEQ_API seq_value_t* patch_seq_create_env(int32_t size) {
    if (size < 0) fatal("create_env", "size cannot be negative: %d", size);
    if (size > kMaxCaptures)
        fatal("create_env", "size %d exceeds MAX_CAPTURES (%d)", size, kMaxCaptures);
    ClosureObj* c = alloc_closure(0, static_cast<size_t>(size));
    // 5.4.0 fills unset slots with Int 0.
    for (int32_t i = 0; i < size; ++i)
        c->env[i] = make_int(0);
    return c->env;
}

SEQ_API void patch_seq_env_set(seq_value_t* env, int32_t index, seq_value_t value) {
    ClosureObj* c = pending_closure(env, "env_set");
    if (index < 0) fatal("env_set", "index cannot be negative: %d", index);
    if (static_cast<size_t>(index) >= c->len)
        fatal("env_set", "index %d out of bounds for environment of size %zu", index, c->len);
    StackValue old = c->env[index];
    c->env[index] = share_value(value);
    drop_value(old);
}

SEQ_API seq_value_t patch_seq_make_closure(uintptr_t fn, seq_value_t* env) {
    if (!fn) fatal("make_closure", "null function pointer");
    ClosureObj* c = pending_closure(env, "make_closure");
    c->fn = fn;
    return from_heap(c);
}

SEQ_API seq_value_t patch_seq_env_get(const seq_value_t* env, int64_t len, int32_t index) {
    return clone_value(env_slot(env, len, index, "env_get"));
}

SEQ_API int64_t patch_seq_env_get_int(const seq_value_t* env, int64_t len, int32_t index) {
    return int_of(env_slot_of(env, len, index, Kind::Int, "env_get_int"));
}

SEQ_API int64_t patch_seq_env_get_bool(const seq_value_t* env, int64_t len, int32_t index) {
    return env_slot_of(env, len, index, Kind::Bool, "env_get_bool") == kTrue ? 1 : 0;
}

SEQ_API double patch_seq_env_get_float(const seq_value_t* env, int64_t len, int32_t index) {
    return float_of(env_slot_of(env, len, index, Kind::Float, "env_get_float"));
}

SEQ_API uintptr_t patch_seq_env_get_quotation(const seq_value_t* env, int64_t len, int32_t index) {
    return quotation_of(env_slot_of(env, len, index, Kind::Quotation, "env_get_quotation"))->impl;
}

SEQ_API seq_value_t patch_seq_env_get_string(const seq_value_t* env, int64_t len, int32_t index) {
    return clone_value(env_slot_of(env, len, index, Kind::String, "env_get_string"));
}

SEQ_API seq_stack_t patch_seq_env_push_string(seq_stack_t sp, const seq_value_t* env, int64_t len,
                                              int32_t index) {
    return push(sp, clone_value(env_slot_of(env, len, index, Kind::String, "env_push_string")));
}

SEQ_API seq_stack_t patch_seq_env_push_value(seq_stack_t sp, const seq_value_t* env, int64_t len,
                                             int32_t index) {
    return push(sp, clone_value(env_slot(env, len, index, "env_push_value")));
}

SEQ_API int64_t patch_seq_peek_is_quotation(seq_stack_t sp) {
    return is_kind(peek(sp), Kind::Quotation) ? 1 : 0;
}

SEQ_API uintptr_t patch_seq_peek_quotation_fn_ptr(seq_stack_t sp) {
    StackValue v = peek(sp);
    // 5.4.0 returns 0 here and crashes at the call site; abort with a reason.
    if (!is_kind(v, Kind::Quotation)) type_error("peek_quotation_fn_ptr", "Quotation", v);
    return quotation_of(v)->impl;
}

SEQ_API seq_stack_t patch_seq_call(seq_stack_t sp) {
    StackValue callable = pop_callable(sp, "call");
    sp = invoke_callable(sp, callable, "call");
    // Dropped only now: a closure's env must outlive the call that reads it.
    drop_value(callable);
    return sp;
}

}  // extern "C"
