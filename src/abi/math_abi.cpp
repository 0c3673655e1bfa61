// seqc 7.x numeric words: i.pow, the 21 float math words (f.sqrt ... f.tau)
// and the big-endian byte encoders (upstream arith.rs, float_ops.rs,
// bytes_ops.rs).
//
// The float math words call libm, so they exist only in the 7.x archive
// (core/words/math.hpp says why); seqc 5.4.0 never declares them.
#include <cmath>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/words/math.hpp"
#include "seq/runtime_numeric.h"

using namespace seq;

namespace {

inline FloatObj* float_obj(StackValue v) {
    return static_cast<FloatObj*>(heap_of(v));
}

// Pops a Float's value, or aborts naming `word`.
double pop_float(Stack& sp, const char* word) {
    StackValue v = *--sp;
    if (!is_kind(v, Kind::Float)) type_error(word, "Float", v);
    double d = float_obj(v)->value;
    release(heap_of(v));
    return d;
}

// ( Float -- Float ), reusing the operand's box when nobody else holds it.
template <typename Op>
inline Stack float_unary(Stack sp, const char* word, Op op) {
    StackValue v = sp[-1];
    if (!is_kind(v, Kind::Float)) type_error(word, "Float", v);
    FloatObj* f = float_obj(v);
    double r = op(f->value);
    if (is_unique(f)) {
        f->value = r;
    } else {
        release(f);
        sp[-1] = make_float(r);
    }
    return sp;
}

// ( Float Float -- Float ): `op(a, b)` with b on top.
template <typename Op>
inline Stack float_binary(Stack sp, const char* word, Op op) {
    if (!is_kind(sp[-1], Kind::Float)) type_error(word, "Float", sp[-1]);
    if (!is_kind(sp[-2], Kind::Float)) type_error(word, "Float", sp[-2]);
    double b = pop_float(sp, word);
    double a = pop_float(sp, word);
    return push(sp, make_float(op(a, b)));
}

}  // namespace

extern "C" {

// i.pow carries a status flag, so a non-Int operand is a failure ( 0 false ),
// as for i.divide (upstream aborts).
SEQ_API seq_stack_t patch_seq_pow(seq_stack_t sp) {
    StackValue exp = *--sp;
    StackValue base = *--sp;
    std::optional<int64_t> r;
    if (is_int(base) && is_int(exp)) {
        r = math::checked_pow(int_of(base), int_of(exp));
    } else {
        drop_value(base);
        drop_value(exp);
    }
    return push_with_flag(sp, make_int(r.value_or(0)), r.has_value());
}

SEQ_API seq_stack_t patch_seq_int_to_bytes_i32_be(seq_stack_t sp) {
    int64_t n = pop_int(sp, "int.to-bytes-i32-be");
    auto b = math::i32_be_bytes(n);
    return push(sp, make_string({b.data(), b.size()}));
}

SEQ_API seq_stack_t patch_seq_float_to_bytes_f32_be(seq_stack_t sp) {
    auto b = math::f32_be_bytes(pop_float(sp, "float.to-bytes-f32-be"));
    return push(sp, make_string({b.data(), b.size()}));
}

#if SEQ_ABI_VERSION >= 70

// std:: functions are libm's (glibc), the same routines Rust's f64 methods
// reach, so results agree with upstream bit for bit.
#define SEQ_F_UNARY(name, word, expr)                                          \
    SEQ_API seq_stack_t patch_seq_f_##name(seq_stack_t sp) {                   \
        return float_unary(sp, word, [](double x) -> double { return expr; }); \
    }

SEQ_F_UNARY(sqrt, "f.sqrt", std::sqrt(x))
SEQ_F_UNARY(cbrt, "f.cbrt", math::cube_root(x))
SEQ_F_UNARY(exp, "f.exp", std::exp(x))
SEQ_F_UNARY(ln, "f.ln", std::log(x))
SEQ_F_UNARY(log10, "f.log10", std::log10(x))
SEQ_F_UNARY(log2, "f.log2", std::log2(x))
SEQ_F_UNARY(sin, "f.sin", std::sin(x))
SEQ_F_UNARY(cos, "f.cos", std::cos(x))
SEQ_F_UNARY(tan, "f.tan", std::tan(x))
SEQ_F_UNARY(asin, "f.asin", std::asin(x))
SEQ_F_UNARY(acos, "f.acos", std::acos(x))
SEQ_F_UNARY(atan, "f.atan", std::atan(x))
SEQ_F_UNARY(floor, "f.floor", std::floor(x))
SEQ_F_UNARY(ceil, "f.ceil", std::ceil(x))
SEQ_F_UNARY(round, "f.round", math::round_ties_even(x))
SEQ_F_UNARY(trunc, "f.trunc", std::trunc(x))

#undef SEQ_F_UNARY

// ( base exp -- base^exp )
SEQ_API seq_stack_t patch_seq_f_pow(seq_stack_t sp) {
    return float_binary(sp, "f.pow", [](double a, double b) { return std::pow(a, b); });
}

// ( y x -- atan2(y, x) ): the C argument order.
SEQ_API seq_stack_t patch_seq_f_atan2(seq_stack_t sp) {
    return float_binary(sp, "f.atan2", [](double y, double x) { return std::atan2(y, x); });
}

SEQ_API seq_stack_t patch_seq_f_pi(seq_stack_t sp) {
    return push(sp, make_float(math::kPi));
}

SEQ_API seq_stack_t patch_seq_f_e(seq_stack_t sp) {
    return push(sp, make_float(math::kE));
}

SEQ_API seq_stack_t patch_seq_f_tau(seq_stack_t sp) {
    return push(sp, make_float(math::kTau));
}

#endif  // SEQ_ABI_VERSION >= 70

}  // extern "C"
