// State of the `seqc test` assertion framework (test.init, test.assert...,
// test.finish).
//
// Assertions record failures instead of aborting, so every test of a file
// runs and reports. The state is process-wide, as in seq-runtime 5.4.0, and
// guarded by one mutex: a strand may migrate between worker threads in the
// middle of a test (any blocking word in the test body parks it), so the
// state cannot live in a thread_local, and a test may spawn strands whose
// assertions must count towards it. No function here yields while holding
// the lock, so it never crosses a strand switch.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace seq {

struct TestFailure {
    std::string message;
    std::optional<std::string> expected;
    std::optional<std::string> actual;
};

// Starts a new test: remembers its name and clears the counts.
void test_reset(std::string_view name);
void test_record_pass();
void test_record_failure(std::string message, std::optional<std::string> expected = std::nullopt,
                         std::optional<std::string> actual = std::nullopt);

bool test_has_failures();
size_t test_pass_count();
size_t test_fail_count();

// Prints "<name> ... ok" or "<name> ... FAILED" to stdout and, on failure,
// the recorded failures to stderr (5.4.0's format). The state is kept.
void test_finish_report();

// The report test_finish_report() would print: the stdout line and the
// stderr block (empty when the test passed).
struct TestReport {
    std::string out;
    std::string err;
};
TestReport test_report();

}  // namespace seq
