#include "core/words/test_framework.hpp"

#include <mutex>
#include <utility>
#include <vector>

#include "core/output.hpp"

namespace seq {

namespace {

struct TestState {
    std::mutex mu;
    std::optional<std::string> current_test;  // none before the first test.init
    size_t passes = 0;
    std::vector<TestFailure> failures;
};

// Never destroyed: a strand still running at exit may assert after static
// destructors have begun.
TestState& state() {
    static TestState* s = new TestState;
    return *s;
}

}  // namespace

void test_reset(std::string_view name) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    s.current_test.emplace(name);
    s.passes = 0;
    s.failures.clear();
}

void test_record_pass() {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    ++s.passes;
}

void test_record_failure(std::string message, std::optional<std::string> expected,
                         std::optional<std::string> actual) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    s.failures.push_back({std::move(message), std::move(expected), std::move(actual)});
}

bool test_has_failures() {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    return !s.failures.empty();
}

size_t test_pass_count() {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    return s.passes;
}

size_t test_fail_count() {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    return s.failures.size();
}

TestReport test_report() {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    TestReport r;
    r.out = s.current_test ? *s.current_test : "unknown";
    if (s.failures.empty()) {
        r.out += " ... ok\n";
        return r;
    }
    r.out += " ... FAILED\n";
    for (const TestFailure& f : s.failures) {
        r.err += "    " + f.message + "\n";
        if (f.expected) r.err += "      expected: " + *f.expected + "\n";
        if (f.actual) r.err += "      actual: " + *f.actual + "\n";
    }
    return r;
}

void test_finish_report() {
    TestReport r = test_report();
    stdout_write(r.out);
    if (!r.err.empty()) {
        // 5.4.0's stdout is line-buffered, so its verdict line reaches the
        // descriptor before the details; keep that order when both streams
        // share one (2>&1).
        stdout_flush();
        stderr_write(r.err);
    }
}

}  // namespace seq
