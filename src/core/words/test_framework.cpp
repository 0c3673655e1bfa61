#include "core/words/test_framework.hpp"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "core/output.hpp"

namespace seq {

namespace {

struct TestState {
    std::mutex mu;
    std::optional<std::string> current_test;  // none before the first test.init
    std::optional<uint32_t> current_line;
    size_t passes = 0;
    std::vector<TestFailure> failures;
};

// Never destroyed: a strand still running at exit may assert after static
// destructors have begun.
TestState& state() {
    static TestState* s = new TestState;
    return *s;
}

void push_failure(TestFailure f) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    f.line = s.current_line;
    // The line belongs to one assertion: a later one that was not announced
    // must not inherit it.
    s.current_line.reset();
    s.failures.push_back(std::move(f));
}

// 5.4.0 reports an assert-not operand with Rust's Debug form of its Value.
std::string debug_form(bool is_bool, int64_t value) {
    if (is_bool) return value ? "Bool(true)" : "Bool(false)";
    return "Int(" + std::to_string(value) + ")";
}

std::string quoted(std::string_view s) {
    std::string q;
    q.reserve(s.size() + 2);
    q.push_back('"');
    q.append(s);
    q.push_back('"');
    return q;
}

void append_line_prefix(std::string& out, const std::optional<uint32_t>& line) {
    out += "  ";
    if (line) {
        out += "at line ";
        out += std::to_string(*line);
        out += ": ";
    }
}

}  // namespace

void test_reset(std::string_view name) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    s.current_test.emplace(name);
    s.current_line.reset();
    s.passes = 0;
    s.failures.clear();
}

void test_set_name(std::string_view name) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    s.current_test.emplace(name);
}

void test_set_line(int64_t line) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    if (line > 0 && line <= int64_t{UINT32_MAX})
        s.current_line = static_cast<uint32_t>(line);
    else
        s.current_line.reset();
}

void test_record_pass() {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    ++s.passes;
    s.current_line.reset();
}

void test_record_failure(std::string message, std::optional<std::string> expected,
                         std::optional<std::string> actual) {
    push_failure({std::nullopt, std::move(message), std::move(expected), std::move(actual),
                  FailureKind::Other});
}

void test_record_string_eq_failure(std::string expected, std::string actual) {
    push_failure({std::nullopt, "assertion failed: strings not equal", std::move(expected),
                  std::move(actual), FailureKind::StringEq});
}

void test_check_truthy(bool want_true, bool is_bool, int64_t value, TestDialect d) {
    if ((value != 0) == want_true) {
        test_record_pass();
        return;
    }
    if (d == TestDialect::Seq7) {
        std::string shown = is_bool ? (value ? "true" : "false") : std::to_string(value);
        test_record_failure("assertion failed", want_true ? "true" : "false", std::move(shown));
    } else if (want_true) {
        // 5.4.0 shows "0" for a false Bool too.
        test_record_failure("assertion failed: expected truthy value", "non-zero", "0");
    } else {
        test_record_failure("assertion failed: expected falsy value", "0",
                            debug_form(is_bool, value));
    }
}

void test_check_eq_int(int64_t expected, int64_t actual) {
    if (expected == actual)
        test_record_pass();
    else
        test_record_failure("assertion failed: values not equal", std::to_string(expected),
                            std::to_string(actual));
}

void test_check_eq_str(std::string_view expected, std::string_view actual, TestDialect d) {
    if (expected == actual)
        test_record_pass();
    else if (d == TestDialect::Seq7)
        test_record_string_eq_failure(std::string(expected), std::string(actual));
    else
        test_record_failure("assertion failed: strings not equal", quoted(expected),
                            quoted(actual));
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

std::string escape_for_display(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto b = static_cast<unsigned char>(c);
        switch (b) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (b < 0x20 || b == 0x7F) {
                    out += "\\x";
                    out += kHex[b >> 4];
                    out += kHex[b & 15];
                } else {
                    // Printable ASCII and every byte of a multi-byte
                    // sequence as it is, so UTF-8 text stays legible.
                    out += c;
                }
        }
    }
    return out;
}

std::string format_failure_detail(const TestFailure& f) {
    std::string out;
    append_line_prefix(out, f.line);
    if (f.kind == FailureKind::StringEq && f.expected && f.actual) {
        const std::string& e = *f.expected;
        const std::string& a = *f.actual;
        out += f.message + "\n";
        out += "    expected (" + std::to_string(e.size()) + " bytes): \"" + escape_for_display(e) +
               "\"\n";
        out += "    actual   (" + std::to_string(a.size()) + " bytes): \"" + escape_for_display(a) +
               "\"\n";
        if (e != a) {
            size_t n = std::min(e.size(), a.size());
            size_t common = std::mismatch(e.begin(), e.begin() + n, a.begin()).first - e.begin();
            out += "    first differ at byte " + std::to_string(common) + "\n";
        }
    } else if (f.expected && f.actual) {
        out += "expected " + *f.expected + ", got " + *f.actual + "\n";
    } else {
        out += f.message + "\n";
    }
    return out;
}

TestReport test_report(TestDialect d) {
    TestState& s = state();
    std::lock_guard lock(s.mu);
    TestReport r;
    r.out = s.current_test ? *s.current_test : "unknown";
    if (s.failures.empty()) {
        r.out += " ... ok\n";
        return r;
    }
    r.out += " ... FAILED\n";
    if (d == TestDialect::Seq7) {
        size_t shown = std::min(s.failures.size(), kMaxPrintedFailures);
        for (size_t i = 0; i < shown; ++i)
            r.out += format_failure_detail(s.failures[i]);
        if (size_t more = s.failures.size() - shown)
            r.out += "  +" + std::to_string(more) + " more failure" + (more == 1 ? "" : "s") + "\n";
        return r;
    }
    for (const TestFailure& f : s.failures) {
        r.err += "    " + f.message + "\n";
        if (f.expected) r.err += "      expected: " + *f.expected + "\n";
        if (f.actual) r.err += "      actual: " + *f.actual + "\n";
    }
    return r;
}

void test_finish_report(TestDialect d) {
    TestReport r = test_report(d);
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
