// State of the `seqc test` assertion framework (test.init, test.assert...,
// test.finish).
//
// Assertions record failures instead of aborting, so every test of a file
// runs and reports. The state is process-wide, as upstream, and guarded by
// one mutex: a strand may migrate between worker threads in the middle of a
// test (any blocking word in the test body parks it), so the state cannot
// live in a thread_local, and a test may spawn strands whose assertions must
// count towards it. No function here yields while holding the lock, so it
// never crosses a strand switch.
//
// Two report formats, chosen by the caller (src/abi, per compiler):
//   seqc 5.4.0: "<name> ... FAILED" on stdout, then every failure on stderr
//               as "    <message>" / "      expected: E" / "      actual: A".
//   seqc 7.x:   everything on stdout, each failure indented under the verdict
//               ("  at line N: expected E, got A"; assert-eq-str as a block
//               with escaped values, byte counts and the first differing
//               byte), at most 5 failures and a "+N more failure(s)" footer.
//               The runner (`seqc test`) attaches only indented lines to a
//               verdict, so no detail line may start unindented.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seq {

enum class TestDialect : uint8_t {
    Seq54,  // seqc 5.4.0
    Seq7,   // seqc 7.x
};

enum class FailureKind : uint8_t {
    Other,     // expected/actual (if any) are already formatted
    StringEq,  // expected/actual are the raw strings; the report escapes them
};

struct TestFailure {
    std::optional<uint32_t> line;  // the assertion's source line, when announced
    std::string message;
    std::optional<std::string> expected;
    std::optional<std::string> actual;
    FailureKind kind = FailureKind::Other;
};

// At most this many failures of one test are printed in the 7.x format.
inline constexpr size_t kMaxPrintedFailures = 5;

// Starts a new test: remembers its name and clears the counts and the line.
void test_reset(std::string_view name);
// Renames the current test and touches nothing else (7.x test.set-name).
void test_set_name(std::string_view name);
// Announces the source line of the next assertion (7.x codegen). Lines are
// 1-based; 0, negative or beyond 32 bits clear it. The next recorded pass or
// failure consumes it.
void test_set_line(int64_t line);

void test_record_pass();
void test_record_failure(std::string message, std::optional<std::string> expected = std::nullopt,
                         std::optional<std::string> actual = std::nullopt);
// An assert-eq-str failure: keeps the raw strings for the 7.x diff block.
void test_record_string_eq_failure(std::string expected, std::string actual);

// The assertions themselves, each recording a pass or a failure worded as the
// dialect's runtime words it. test.assert (want_true) and test.assert-not
// take an Int (non-zero is true) or a Bool (`value` 0 or 1).
void test_check_truthy(bool want_true, bool is_bool, int64_t value, TestDialect d);
void test_check_eq_int(int64_t expected, int64_t actual);
void test_check_eq_str(std::string_view expected, std::string_view actual, TestDialect d);

bool test_has_failures();
size_t test_pass_count();
size_t test_fail_count();

// The 7.x rendering of one failure: one or more lines, each indented and
// ending in '\n'.
std::string format_failure_detail(const TestFailure& f);
// `s` with \\, \", \n, \r, \t as their source escapes, other control bytes
// (below 0x20, and 0x7F) as \xNN; every other byte as it is.
std::string escape_for_display(std::string_view s);

// The report test.finish prints: the stdout part and the stderr part (the
// latter empty in the 7.x format and when the test passed).
struct TestReport {
    std::string out;
    std::string err;
};
TestReport test_report(TestDialect d);

// Prints test_report(d); the state is kept.
void test_finish_report(TestDialect d);

}  // namespace seq
