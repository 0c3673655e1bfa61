// Float words: arithmetic, comparison and conversions.
//
// Floats are boxed heap values, and the Seq 5.4.0 compiler calls these words
// for every float operation outside register-specialised code, so the
// arithmetic words reuse an operand's box when the caller holds its only
// reference instead of allocating a new one.
#include <cmath>
#include <cstdint>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/value/numeric_format.hpp"
#include "seq/runtime_numeric.h"

using namespace seq;

namespace {

inline FloatObj* float_obj(StackValue v) {
    return static_cast<FloatObj*>(heap_of(v));
}

inline void check_floats(Stack sp, const char* word) {
    if (!is_kind(sp[-1], Kind::Float)) type_error(word, "Float", sp[-1]);
    if (!is_kind(sp[-2], Kind::Float)) type_error(word, "Float", sp[-2]);
}

template <typename Op>
inline Stack float_arith(Stack sp, const char* word, Op op) {
    check_floats(sp, word);
    StackValue b = sp[-1];
    StackValue a = sp[-2];
    double r = op(float_obj(a)->value, float_obj(b)->value);
    StackValue out;
    if (is_unique(heap_of(a))) {
        float_obj(a)->value = r;
        out = a;
        release(heap_of(b));
    } else if (is_unique(heap_of(b))) {
        float_obj(b)->value = r;
        out = b;
        release(heap_of(a));
    } else {
        out = make_float(r);
        release(heap_of(a));
        release(heap_of(b));
    }
    sp[-2] = out;
    return sp - 1;
}

// Float comparisons answer a Bool for seqc 7.x, as seq-runtime 7.x does; for
// seqc 5.4.0, Int 1/0 as seq-runtime 5.4.0 did (its register-specialised code
// does the same for every Bool). Consumers such as `if` and test.assert
// accept either, but `.` / SON output and type-dispatching words see the
// difference.
template <typename Cmp>
inline Stack float_compare(Stack sp, const char* word, Cmp cmp) {
    check_floats(sp, word);
    StackValue b = sp[-1];
    StackValue a = sp[-2];
    bool r = cmp(float_obj(a)->value, float_obj(b)->value);
    release(heap_of(a));
    release(heap_of(b));
    sp[-2] = kAbi7 ? make_bool(r) : make_int(r ? 1 : 0);
    return sp - 1;
}

}  // namespace

extern "C" {

// ---- arithmetic ----------------------------------------------------------------

SEQ_API seq_stack_t patch_seq_f_add(seq_stack_t sp) {
    return float_arith(sp, "f.add", [](double a, double b) { return a + b; });
}

SEQ_API seq_stack_t patch_seq_f_subtract(seq_stack_t sp) {
    return float_arith(sp, "f.subtract", [](double a, double b) { return a - b; });
}

SEQ_API seq_stack_t patch_seq_f_multiply(seq_stack_t sp) {
    return float_arith(sp, "f.multiply", [](double a, double b) { return a * b; });
}

SEQ_API seq_stack_t patch_seq_f_divide(seq_stack_t sp) {
    return float_arith(sp, "f.divide", [](double a, double b) { return a / b; });
}

// ---- comparison (IEEE: every comparison with NaN is false, except <>) ----------

SEQ_API seq_stack_t patch_seq_f_eq(seq_stack_t sp) {
    return float_compare(sp, "f.=", [](double a, double b) { return a == b; });
}

SEQ_API seq_stack_t patch_seq_f_neq(seq_stack_t sp) {
    return float_compare(sp, "f.<>", [](double a, double b) { return a != b; });
}

SEQ_API seq_stack_t patch_seq_f_lt(seq_stack_t sp) {
    return float_compare(sp, "f.<", [](double a, double b) { return a < b; });
}

SEQ_API seq_stack_t patch_seq_f_gt(seq_stack_t sp) {
    return float_compare(sp, "f.>", [](double a, double b) { return a > b; });
}

SEQ_API seq_stack_t patch_seq_f_lte(seq_stack_t sp) {
    return float_compare(sp, "f.<=", [](double a, double b) { return a <= b; });
}

SEQ_API seq_stack_t patch_seq_f_gte(seq_stack_t sp) {
    return float_compare(sp, "f.>=", [](double a, double b) { return a >= b; });
}

// ---- conversions -----------------------------------------------------------------

// Rounds to nearest (ties to even) for magnitudes above 2^53.
SEQ_API seq_stack_t patch_seq_int_to_float(seq_stack_t sp) {
    int64_t i = pop_int(sp, "int->float");
    return push(sp, make_float(static_cast<double>(i)));
}

// Truncates toward zero and clamps to the 63-bit range; NaN gives 0.
// Comparing against kIntMax as a double (which rounds up to 2^62) keeps the
// conversion below in range.
SEQ_API seq_stack_t patch_seq_float_to_int(seq_stack_t sp) {
    StackValue v = pop_kind(sp, Kind::Float, "float->int");
    double f = float_obj(v)->value;
    release(heap_of(v));
    int64_t i;
    if (std::isnan(f)) {
        i = 0;
    } else if (f >= static_cast<double>(kIntMax)) {
        i = kIntMax;
    } else if (f <= static_cast<double>(kIntMin)) {
        i = kIntMin;
    } else {
        i = static_cast<int64_t>(f);
    }
    return push(sp, make_int(i));
}

// Rust's f64 Display: shortest round-trip digits, never an exponent.
SEQ_API seq_stack_t patch_seq_float_to_string(seq_stack_t sp) {
    StackValue v = pop_kind(sp, Kind::Float, "float->string");
    double f = float_obj(v)->value;
    release(heap_of(v));
    char buf[kF64DisplayMax];
    return push(sp, make_string(format_f64(f, buf)));
}

// A non-String operand is a failure like unparsable text (the word has a
// status flag), not an abort.
SEQ_API seq_stack_t patch_seq_string_to_float(seq_stack_t sp) {
    StackValue v = *--sp;
    double f = 0;
    bool ok = is_kind(v, Kind::String) && parse_f64(string_of(v)->view(), f);
    drop_value(v);
    return push_with_flag(sp, make_float(ok ? f : 0.0), ok);
}

}  // extern "C"
