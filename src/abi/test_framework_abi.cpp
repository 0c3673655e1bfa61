// The `seqc test` framework words. Assertions record into the process-wide
// test state (core/words/test_framework.hpp) instead of aborting.
#include <string>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/words/test_framework.hpp"
#include "seq/runtime_closures.h"

using namespace seq;

namespace {

// seqc 5.4.0 and 7.x word their failures and report them differently
// (core/words/test_framework.hpp); this archive serves one of them.
constexpr TestDialect kDialect = kAbi7 ? TestDialect::Seq7 : TestDialect::Seq54;

// Pops a String and returns a copy of its bytes (the value is dropped).
std::string pop_string_copy(Stack& sp, const char* word, const char* expected) {
    StackValue v = *--sp;
    if (!is_kind(v, Kind::String)) type_error(word, expected, v);
    std::string s(string_of(v)->view());
    drop_value(v);
    return s;
}

// test.assert / test.assert-not: an Int (non-zero is true) or a Bool.
Stack check_truthy(Stack sp, const char* word, bool want_true) {
    StackValue v = *--sp;
    if (!is_int(v) && !is_bool(v)) type_error(word, "Int or Bool", v);
    bool b = is_bool(v);
    test_check_truthy(want_true, b, b ? (v == kTrue) : int_of(v), kDialect);
    return sp;
}

// The two operands of assert-eq and assert-eq-str: 5.4.0 pops `actual` from
// the top ( expected actual -- ), 7.x pops `expected` ( actual expected -- ).
struct Operands {
    StackValue expected, actual;
};
Operands pop_operands(Stack& sp) {
    StackValue top = sp[-1], below = sp[-2];
    sp -= 2;
    return kAbi7 ? Operands{top, below} : Operands{below, top};
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_test_init(seq_stack_t sp) {
    test_reset(pop_string_copy(sp, "test.init", "String (test name)"));
    return sp;
}

// 7.x: the runner reasserts the word's name after the test body ran, in case
// the body called test.init with another; counts and failures are kept.
SEQ_API seq_stack_t patch_seq_test_set_name(seq_stack_t sp) {
    test_set_name(pop_string_copy(sp, "test.set-name", "String (test name)"));
    return sp;
}

// 7.x codegen calls this before every test.assert* with its 1-based line.
SEQ_API void patch_seq_test_set_line(int64_t line) {
    test_set_line(line);
}

SEQ_API seq_stack_t patch_seq_test_finish(seq_stack_t sp) {
    test_finish_report(kDialect);
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_has_failures(seq_stack_t sp) {
    return push(sp, make_bool(test_has_failures()));
}

SEQ_API seq_stack_t patch_seq_test_assert(seq_stack_t sp) {
    return check_truthy(sp, "test.assert", true);
}

SEQ_API seq_stack_t patch_seq_test_assert_not(seq_stack_t sp) {
    return check_truthy(sp, "test.assert-not", false);
}

SEQ_API seq_stack_t patch_seq_test_assert_eq(seq_stack_t sp) {
    Stack at = sp;
    Operands o = pop_operands(at);
    if (!is_int(o.expected) || !is_int(o.actual))
        fatal("test.assert-eq", "expected two Ints on stack, got %s and %s",
              kind_name(kind_of(o.expected)), kind_name(kind_of(o.actual)));
    test_check_eq_int(int_of(o.expected), int_of(o.actual));
    return at;
}

SEQ_API seq_stack_t patch_seq_test_assert_eq_str(seq_stack_t sp) {
    Stack at = sp;
    Operands o = pop_operands(at);
    if (!is_kind(o.expected, Kind::String) || !is_kind(o.actual, Kind::String))
        fatal("test.assert-eq-str", "expected two Strings on stack, got %s and %s",
              kind_name(kind_of(o.expected)), kind_name(kind_of(o.actual)));
    test_check_eq_str(string_of(o.expected)->view(), string_of(o.actual)->view(), kDialect);
    drop_value(o.actual);
    drop_value(o.expected);
    return at;
}

SEQ_API seq_stack_t patch_seq_test_fail(seq_stack_t sp) {
    test_record_failure(pop_string_copy(sp, "test.fail", "String (message)"));
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_pass_count(seq_stack_t sp) {
    return push(sp, make_int(static_cast<int64_t>(test_pass_count())));
}

SEQ_API seq_stack_t patch_seq_test_fail_count(seq_stack_t sp) {
    return push(sp, make_int(static_cast<int64_t>(test_fail_count())));
}

}  // extern "C"
