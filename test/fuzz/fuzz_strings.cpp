// Fuzz target: the string words (string_abi.cpp, float_abi.cpp's
// string->float) and core/text (utf8, strings) on arbitrary bytes, which
// strings from files and sockets may hold. Besides "no crash, no leak, no
// UB" it checks properties that hold for any input:
//   split by d then join with d gives the text back;
//   lossy() is valid UTF-8 and has as many characters as the input;
//   valid_prefix() agrees with is_valid();
//   trim/chomp/substring give a part of the text;
//   an Int or Float that parses prints and parses back to itself.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/text/strings.hpp"
#include "core/text/utf8.hpp"
#include "core/value/numeric_format.hpp"
#include "fuzz_support.hpp"
#include "seq/runtime_numeric.h"
#include "seq/runtime_strings.h"

using namespace seq;
using seq::fuzz::FuzzStack;

namespace {

void check_utf8(std::string_view s) {
    std::string fixed = utf8::lossy(s);
    SEQ_FUZZ_CHECK(utf8::is_valid(fixed));
    SEQ_FUZZ_CHECK(utf8::char_count(fixed) == utf8::char_count(s));
    utf8::Prefix p = utf8::valid_prefix(s);
    SEQ_FUZZ_CHECK(p.valid <= s.size());
    SEQ_FUZZ_CHECK((p.valid == s.size()) == utf8::is_valid(s));
    SEQ_FUZZ_CHECK(utf8::is_valid(s.substr(0, p.valid)));
    // Decoding forwards visits char_count() characters and ends at the end.
    size_t n = 0;
    for (const char* q = s.data(); q < s.data() + s.size(); ++n) {
        char32_t cp;
        size_t len = utf8::decode(q, s.data() + s.size(), cp);
        SEQ_FUZZ_CHECK(len >= 1 && len <= 4 && utf8::is_scalar(cp));
        q += len;
    }
    SEQ_FUZZ_CHECK(n == utf8::char_count(s));
    // Decoding backwards never steps outside the text.
    for (const char* q = s.data() + s.size(); q > s.data();) {
        char32_t cp;
        size_t len = utf8::decode_before(s.data(), q, cp);
        SEQ_FUZZ_CHECK(len >= 1 && len <= static_cast<size_t>(q - s.data()));
        q -= len;
    }
    if (utf8::is_valid(s)) {
        std::string up, low;
        utf8::append_upper(up, s);
        utf8::append_lower(low, s);
        SEQ_FUZZ_CHECK(utf8::is_valid(up) && utf8::is_valid(low));
    }
    std::string dbg, json;
    utf8::append_debug_quoted(dbg, s);
    strings::append_json_escaped(json, s);
    SEQ_FUZZ_CHECK(dbg.size() >= 2 && dbg.front() == '"' && dbg.back() == '"');
}

bool is_part_of(std::string_view part, std::string_view whole) {
    return whole.find(part) != std::string_view::npos;
}

void check_words(std::string_view text, std::string_view other, int64_t a, int64_t b) {
    FuzzStack st;
    // split + join
    st.push_string(text);
    st.push_string(other);
    st.sp = patch_seq_string_split(st.sp);
    st.push_string(other);
    st.sp = patch_seq_string_join(st.sp);
    SEQ_FUZZ_CHECK(st.pop_string() == text);

    // length, byte-length, char-at, find, contains, starts-with
    st.push_string(text);
    st.sp = patch_seq_string_length(st.sp);
    int64_t chars = st.pop_int();
    SEQ_FUZZ_CHECK(static_cast<size_t>(chars) == utf8::char_count(text));
    st.push_string(text);
    st.sp = patch_seq_string_byte_length(st.sp);
    SEQ_FUZZ_CHECK(st.pop_int() == static_cast<int64_t>(text.size()));
    st.push_string(text);
    st.push_int(a);
    st.sp = patch_seq_string_char_at(st.sp);
    int64_t cp = st.pop_int();
    SEQ_FUZZ_CHECK((a >= 0 && a < chars) ? utf8::is_scalar(cp) : cp == -1);
    st.push_string(text);
    st.push_string(other);
    st.sp = patch_seq_string_find(st.sp);
    int64_t at = st.pop_int();
    st.push_string(text);
    st.push_string(other);
    st.sp = patch_seq_string_contains(st.sp);
    SEQ_FUZZ_CHECK(st.pop_bool() == (at >= 0));
    st.push_string(text);
    st.push_string(other);
    st.sp = patch_seq_string_starts_with(st.sp);
    SEQ_FUZZ_CHECK(st.pop_bool() == text.starts_with(other));

    // substring, trim, chomp: parts of the text
    st.push_string(text);
    st.push_int(a);
    st.push_int(b);
    st.sp = patch_seq_string_substring(st.sp);
    SEQ_FUZZ_CHECK(is_part_of(st.pop_string(), text));
    st.push_string(text);
    st.sp = patch_seq_string_trim(st.sp);
    SEQ_FUZZ_CHECK(is_part_of(st.pop_string(), text));
    st.push_string(text);
    st.sp = patch_seq_string_chomp(st.sp);
    SEQ_FUZZ_CHECK(text.starts_with(st.pop_string()));

    // case mapping, JSON escaping, concat
    st.push_string(text);
    st.sp = patch_seq_string_to_upper(st.sp);
    st.sp = patch_seq_string_to_lower(st.sp);
    st.drop();
    st.push_string(text);
    st.sp = patch_seq_json_escape(st.sp);
    st.drop();
    st.push_string(text);
    st.push_string(other);
    st.sp = patch_seq_string_concat(st.sp);
    SEQ_FUZZ_CHECK(st.pop_string() == std::string(text) + std::string(other));
    st.push_int(a);
    st.sp = patch_seq_char_to_string(st.sp);
    std::string ch = st.pop_string();
    SEQ_FUZZ_CHECK(utf8::is_scalar(a) ? utf8::char_count(ch) == 1 : ch.empty());

    // string->int: what parses prints and parses back to the same Int
    st.push_string(text);
    st.sp = patch_seq_string_to_int(st.sp);
    bool int_ok = st.pop_bool();
    int64_t n = st.pop_int();
    if (int_ok) {
        st.push_int(n);
        st.sp = patch_seq_int_to_string(st.sp);
        st.sp = patch_seq_string_to_int(st.sp);
        SEQ_FUZZ_CHECK(st.pop_bool());
        SEQ_FUZZ_CHECK(st.pop_int() == n);
    }

    // string->float: the same for Floats (NaN aside), bit for bit
    st.push_string(text);
    st.sp = patch_seq_string_to_float(st.sp);
    bool float_ok = st.pop_bool();
    StackValue fv = st.pop();
    double f = float_of(fv);
    drop_value(fv);
    if (float_ok && !std::isnan(f)) {
        char buf[kF64DisplayMax];
        std::string_view shown = format_f64(f, buf);
        double back = 0;
        SEQ_FUZZ_CHECK(parse_f64(shown, back));
        SEQ_FUZZ_CHECK(std::memcmp(&back, &f, sizeof f) == 0);
    }
    SEQ_FUZZ_CHECK(st.depth() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    int64_t a = in.ConsumeIntegralInRange<int64_t>(-2, 300);
    int64_t b = in.ConsumeIntegralInRange<int64_t>(-2, 300);
    std::string other = in.ConsumeRandomLengthString(16);
    std::string text = in.ConsumeRemainingBytesAsString();
    check_utf8(text);
    check_utf8(other);
    check_words(text, other, a, b);
    return 0;
}
