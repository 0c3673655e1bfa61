// Integer arithmetic, comparison, boolean and bitwise words.
//
// The Seq compilers inline most of these words; the runtime versions
// serve code paths that do not inline (i.divide, i.modulo, int-bits) and C
// hosts. Results must agree bit for bit with the inline code, which decodes
// both operands with an arithmetic shift, operates on 64-bit values with
// wrapping arithmetic, and re-tags the result (dropping bit 63). Unsigned
// arithmetic gives us that wrapping without signed-overflow UB, and
// make_int() performs the same re-tagging.
//
// All of these words leave no heap values behind, so a binary word rewrites
// the lower operand's slot in place and drops the top slot.
#include <cstdint>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/value/int_bits.hpp"
#include "seq/runtime_numeric.h"

using namespace seq;

namespace {

constexpr int64_t wrap_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
constexpr int64_t wrap_sub(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
constexpr int64_t wrap_mul(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// Both operands must be Ints; `op` maps (a, b) to the result's tagged value.
template <typename Op>
inline Stack int_binary(Stack sp, const char* word, Op op) {
    StackValue b = sp[-1];
    StackValue a = sp[-2];
    if (!is_int(b)) type_error(word, "Int", b);
    if (!is_int(a)) type_error(word, "Int", a);
    sp[-2] = op(int_of(a), int_of(b));
    return sp - 1;
}

template <typename Op>
inline Stack int_unary(Stack sp, const char* word, Op op) {
    StackValue a = sp[-1];
    if (!is_int(a)) type_error(word, "Int", a);
    sp[-1] = op(int_of(a));
    return sp;
}

// i.divide and i.modulo carry a status flag, so per the failure policy a
// non-Int operand reports failure (0 false) instead of aborting. `op` is only
// called with b != 0.
template <typename Op>
inline Stack int_division(Stack sp, Op op) {
    StackValue b = sp[-1];
    StackValue a = sp[-2];
    bool ok = is_int(a) && is_int(b) && int_of(b) != 0;
    if (!is_int(a) || !is_int(b)) {
        drop_value(a);
        drop_value(b);
    }
    sp[-2] = make_int(ok ? op(int_of(a), int_of(b)) : 0);
    sp[-1] = make_bool(ok);
    return sp;
}

// The Int model of the compiler this archive serves (core/value/int_bits.hpp).
constexpr IntWidth kIntWidth = kAbi7 ? IntWidth::Bits63 : IntWidth::Bits64;

// and/or/not are typed Bool by the compiler, whose inline code yields a Bool
// from any truthy operands; seq-runtime 5.4.0's runtime words instead take
// Ints and yield Int 0/1 (Forth style). Both contracts are honoured: two Ints
// give an Int, anything involving a Bool gives a Bool.
inline bool truthy(StackValue v, const char* word) {
    if (is_int(v)) return int_of(v) != 0;
    if (is_bool(v)) return v == kTrue;
    type_error(word, "Bool or Int", v);
}

template <typename Op>
inline Stack logic_binary(Stack sp, const char* word, Op op) {
    StackValue b = sp[-1];
    StackValue a = sp[-2];
    bool r = op(truthy(a, word), truthy(b, word));
    sp[-2] = is_int(a) && is_int(b) ? make_int(r ? 1 : 0) : make_bool(r);
    return sp - 1;
}

}  // namespace

extern "C" {

// ---- arithmetic ------------------------------------------------------------------

SEQ_API seq_stack_t patch_seq_add(seq_stack_t sp) {
    return int_binary(sp, "i.add", [](int64_t a, int64_t b) { return make_int(wrap_add(a, b)); });
}

SEQ_API seq_stack_t patch_seq_subtract(seq_stack_t sp) {
    return int_binary(sp, "i.subtract",
                      [](int64_t a, int64_t b) { return make_int(wrap_sub(a, b)); });
}

SEQ_API seq_stack_t patch_seq_multiply(seq_stack_t sp) {
    return int_binary(sp, "i.multiply",
                      [](int64_t a, int64_t b) { return make_int(wrap_mul(a, b)); });
}

// Truncating division. 63-bit operands cannot reach INT64_MIN / -1, but the
// guard keeps the operation total should a wider value ever arrive.
SEQ_API seq_stack_t patch_seq_divide(seq_stack_t sp) {
    return int_division(sp, [](int64_t a, int64_t b) { return b == -1 ? wrap_sub(0, a) : a / b; });
}

// Remainder with the sign of the dividend (C++ and Rust agree).
SEQ_API seq_stack_t patch_seq_modulo(seq_stack_t sp) {
    return int_division(sp, [](int64_t a, int64_t b) { return b == -1 ? 0 : a % b; });
}

// ---- comparison ---------------------------------------------------------------------

SEQ_API seq_stack_t patch_seq_eq(seq_stack_t sp) {
    return int_binary(sp, "i.=", [](int64_t a, int64_t b) { return make_bool(a == b); });
}

SEQ_API seq_stack_t patch_seq_neq(seq_stack_t sp) {
    return int_binary(sp, "i.<>", [](int64_t a, int64_t b) { return make_bool(a != b); });
}

SEQ_API seq_stack_t patch_seq_lt(seq_stack_t sp) {
    return int_binary(sp, "i.<", [](int64_t a, int64_t b) { return make_bool(a < b); });
}

SEQ_API seq_stack_t patch_seq_gt(seq_stack_t sp) {
    return int_binary(sp, "i.>", [](int64_t a, int64_t b) { return make_bool(a > b); });
}

SEQ_API seq_stack_t patch_seq_lte(seq_stack_t sp) {
    return int_binary(sp, "i.<=", [](int64_t a, int64_t b) { return make_bool(a <= b); });
}

SEQ_API seq_stack_t patch_seq_gte(seq_stack_t sp) {
    return int_binary(sp, "i.>=", [](int64_t a, int64_t b) { return make_bool(a >= b); });
}

// ---- boolean -------------------------------------------------------------------------

SEQ_API seq_stack_t patch_seq_and(seq_stack_t sp) {
    return logic_binary(sp, "and", [](bool a, bool b) { return a && b; });
}

SEQ_API seq_stack_t patch_seq_or(seq_stack_t sp) {
    return logic_binary(sp, "or", [](bool a, bool b) { return a || b; });
}

SEQ_API seq_stack_t patch_seq_not(seq_stack_t sp) {
    StackValue a = sp[-1];
    bool r = !truthy(a, "not");
    sp[-1] = is_int(a) ? make_int(r ? 1 : 0) : make_bool(r);
    return sp;
}

// ---- bitwise -------------------------------------------------------------------------

SEQ_API seq_stack_t patch_seq_band(seq_stack_t sp) {
    return int_binary(sp, "band", [](int64_t a, int64_t b) { return make_int(a & b); });
}

SEQ_API seq_stack_t patch_seq_bor(seq_stack_t sp) {
    return int_binary(sp, "bor", [](int64_t a, int64_t b) { return make_int(a | b); });
}

SEQ_API seq_stack_t patch_seq_bxor(seq_stack_t sp) {
    return int_binary(sp, "bxor", [](int64_t a, int64_t b) { return make_int(a ^ b); });
}

SEQ_API seq_stack_t patch_seq_bnot(seq_stack_t sp) {
    return int_unary(sp, "bnot", [](int64_t a) { return make_int(~a); });
}

// Shifts, bit counts and int-bits follow the width model of the compiler this
// archive serves (core/value/int_bits.hpp): 64-bit for seqc 5.4.0, 63-bit for
// seqc 7.x.
SEQ_API seq_stack_t patch_seq_shl(seq_stack_t sp) {
    return int_binary(sp, "shl",
                      [](int64_t v, int64_t n) { return make_int(int_shl(v, n, kIntWidth)); });
}

SEQ_API seq_stack_t patch_seq_shr(seq_stack_t sp) {
    return int_binary(sp, "shr",
                      [](int64_t v, int64_t n) { return make_int(int_shr(v, n, kIntWidth)); });
}

SEQ_API seq_stack_t patch_seq_popcount(seq_stack_t sp) {
    return int_unary(sp, "popcount",
                     [](int64_t a) { return make_int(int_popcount(a, kIntWidth)); });
}

SEQ_API seq_stack_t patch_seq_clz(seq_stack_t sp) {
    return int_unary(sp, "clz", [](int64_t a) { return make_int(int_clz(a, kIntWidth)); });
}

SEQ_API seq_stack_t patch_seq_ctz(seq_stack_t sp) {
    return int_unary(sp, "ctz", [](int64_t a) { return make_int(int_ctz(a, kIntWidth)); });
}

SEQ_API seq_stack_t patch_seq_int_bits(seq_stack_t sp) {
    return push(sp, make_int(int_bit_width(kIntWidth)));
}

}  // extern "C"
