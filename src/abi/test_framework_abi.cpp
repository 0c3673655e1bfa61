// The `seqc test` framework words. Assertions record into the process-wide
// test state (core/test_framework.hpp) instead of aborting.
#include <string>

#include "abi/abi.hpp"
#include "core/words/test_framework.hpp"
#include "seq/runtime_closures.h"

using namespace seq;

namespace {

// Pops a String and returns a copy of its bytes (the value is dropped).
std::string pop_string_copy(Stack& sp, const char* word, const char* expected) {
    StackValue v = *--sp;
    if (!is_kind(v, Kind::String)) type_error(word, expected, v);
    std::string s(string_of(v)->view());
    drop_value(v);
    return s;
}

// Truthiness of an assertion operand: Int (non-zero) or Bool.
bool truthy(StackValue v, const char* word) {
    if (is_int(v)) return int_of(v) != 0;
    if (is_bool(v)) return v == kTrue;
    type_error(word, "Int or Bool", v);
}

// 5.4.0 reports the offending operand with Rust's Debug format of its Value.
std::string debug_form(StackValue v) {
    if (is_bool(v)) return v == kTrue ? "Bool(true)" : "Bool(false)";
    return "Int(" + std::to_string(int_of(v)) + ")";
}

std::string quoted(std::string_view s) {
    std::string q;
    q.reserve(s.size() + 2);
    q.push_back('"');
    q.append(s);
    q.push_back('"');
    return q;
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_test_init(seq_stack_t sp) {
    test_reset(pop_string_copy(sp, "test.init", "String (test name)"));
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_finish(seq_stack_t sp) {
    test_finish_report();
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_has_failures(seq_stack_t sp) {
    return push(sp, make_bool(test_has_failures()));
}

SEQ_API seq_stack_t patch_seq_test_assert(seq_stack_t sp) {
    if (truthy(*--sp, "test.assert")) {
        test_record_pass();
    } else {
        // 5.4.0 reports "0" for false as well.
        test_record_failure("assertion failed: expected truthy value", "non-zero", "0");
    }
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_assert_not(seq_stack_t sp) {
    StackValue v = *--sp;
    if (!truthy(v, "test.assert-not")) {
        test_record_pass();
    } else {
        test_record_failure("assertion failed: expected falsy value", "0", debug_form(v));
    }
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_assert_eq(seq_stack_t sp) {
    StackValue actual = sp[-1];
    StackValue expected = sp[-2];
    if (!is_int(expected) || !is_int(actual))
        fatal("test.assert-eq", "expected two Ints on stack, got %s and %s",
              kind_name(kind_of(expected)), kind_name(kind_of(actual)));
    sp -= 2;
    if (expected == actual) {
        test_record_pass();
    } else {
        test_record_failure("assertion failed: values not equal", std::to_string(int_of(expected)),
                            std::to_string(int_of(actual)));
    }
    return sp;
}

SEQ_API seq_stack_t patch_seq_test_assert_eq_str(seq_stack_t sp) {
    StackValue actual = sp[-1];
    StackValue expected = sp[-2];
    if (!is_kind(expected, Kind::String) || !is_kind(actual, Kind::String))
        fatal("test.assert-eq-str", "expected two Strings on stack, got %s and %s",
              kind_name(kind_of(expected)), kind_name(kind_of(actual)));
    sp -= 2;
    std::string_view e = string_of(expected)->view();
    std::string_view a = string_of(actual)->view();
    if (e == a) {
        test_record_pass();
    } else {
        test_record_failure("assertion failed: strings not equal", quoted(e), quoted(a));
    }
    drop_value(actual);
    drop_value(expected);
    return sp;
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
