#include "core/value/numeric_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>

namespace seq {

std::string_view format_f64(double d, char (&buf)[kF64DisplayMax]) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";

    // The shortest round-trip digits come from to_chars in scientific form;
    // Rust lays the same digits out positionally, padding with zeros.
    // (to_chars' own fixed form would print the exact binary value instead:
    // 1e23 as 99999999999999991611392.)
    char sci[32];
    auto res = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
    const char* p = sci;
    char* out = buf;
    if (*p == '-') *out++ = *p++;
    char digits[24];
    size_t n = 0;
    for (; *p != 'e'; ++p)
        if (*p != '.') digits[n++] = *p;
    int exp = 0;
    std::from_chars(p + (p[1] == '+' ? 2 : 1), res.ptr, exp);

    if (exp >= static_cast<int>(n) - 1) {
        std::memcpy(out, digits, n);
        out += n;
        size_t zeros = static_cast<size_t>(exp) - (n - 1);
        std::memset(out, '0', zeros);
        out += zeros;
    } else if (exp >= 0) {
        size_t whole = static_cast<size_t>(exp) + 1;
        std::memcpy(out, digits, whole);
        out += whole;
        *out++ = '.';
        std::memcpy(out, digits + whole, n - whole);
        out += n - whole;
    } else {
        *out++ = '0';
        *out++ = '.';
        size_t zeros = static_cast<size_t>(-exp) - 1;
        std::memset(out, '0', zeros);
        out += zeros;
        std::memcpy(out, digits, n);
        out += n;
    }
    return {buf, static_cast<size_t>(out - buf)};
}

namespace {

bool equals_ignore_case(std::string_view s, std::string_view lower) {
    if (s.size() != lower.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

size_t count_digits(std::string_view s, size_t i) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9')
        ++j;
    return j - i;
}

}  // namespace

bool parse_f64(std::string_view s, double& out) {
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (equals_ignore_case(s, "inf") || equals_ignore_case(s, "infinity")) {
        out = negative ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
        return true;
    }
    if (equals_ignore_case(s, "nan")) {
        double nan = std::numeric_limits<double>::quiet_NaN();
        out = negative ? -nan : nan;
        return true;
    }

    // Validate the grammar first: from_chars alone stops at the end of the
    // longest valid prefix instead of rejecting trailing text, and accepts
    // spellings Rust does not ("nan(123)").
    size_t int_digits = count_digits(s, 0);
    size_t i = int_digits;
    size_t frac_digits = 0;
    if (i < s.size() && s[i] == '.') {
        frac_digits = count_digits(s, i + 1);
        i += 1 + frac_digits;
    }
    if (int_digits + frac_digits == 0) return false;
    size_t mantissa_end = i;
    int64_t exponent = 0;  // saturated: only its sign and rough size matter
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            exp_negative = s[i] == '-';
            ++i;
        }
        size_t exp_digits = count_digits(s, i);
        if (exp_digits == 0) return false;
        for (size_t k = i; k < i + exp_digits; ++k)
            if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[k] - '0');
        if (exp_negative) exponent = -exponent;
        i += exp_digits;
    }
    if (i != s.size()) return false;

    double value = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::general);
    if (res.ec == std::errc::result_out_of_range) {
        // from_chars reports both overflow and underflow this way; tell them
        // apart by the decimal position of the first significant digit.
        std::string_view mantissa = s.substr(0, mantissa_end);
        size_t first = mantissa.find_first_not_of("0.");
        int64_t magnitude = exponent;  // > 0 means the value is at least 1
        if (first == std::string_view::npos) {
            magnitude = std::numeric_limits<int64_t>::min();
        } else if (first < int_digits) {
            magnitude += static_cast<int64_t>(int_digits - first);
        } else {
            magnitude -= static_cast<int64_t>(first - int_digits - 1);
        }
        value = magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    } else if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
        return false;  // not reached for text that passed the grammar above
    }
    out = negative ? -value : value;
    return true;
}

}  // namespace seq
