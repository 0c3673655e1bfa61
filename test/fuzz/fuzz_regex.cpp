// Fuzz target: the regex words (regex_abi.cpp, core/words/regex: the Rust to
// RE2 pattern translation, match iteration, replacement expansion, split).
// The pattern is small (at most 48 bytes) so the fuzzer explores the
// translator and the engines rather than building huge automata; the subject
// is the rest of the input (bounded by -max_len). Properties checked:
//   split's pieces interleaved with find-all's matches give the text back;
//   every match lies inside the text; replace-all by "${0}" changes nothing;
//   regex.valid? agrees with compile(); the words leave what they promise.
#include <cstdint>
#include <string>
#include <vector>

#include "core/value/list.hpp"
#include "core/words/regex.hpp"
#include "fuzz_support.hpp"
#include "seq/runtime_optional.h"

using namespace seq;
using seq::fuzz::FuzzStack;

namespace {

constexpr size_t kMaxPattern = 48;

void check_core(const RE2& re, std::string_view text) {
    std::vector<std::string_view> matches;
    regex::for_each_match(re, text, 0, [&](const regex::Spans& m) {
        SEQ_FUZZ_CHECK(m.size() == 1 && m[0].data() != nullptr);
        SEQ_FUZZ_CHECK(m[0].data() >= text.data() &&
                       m[0].data() + m[0].size() <= text.data() + text.size());
        if (!matches.empty()) {
            SEQ_FUZZ_CHECK(m[0].data() >= matches.back().data() + matches.back().size());
        }
        matches.emplace_back(m[0].data(), m[0].size());
        return true;
    });
    std::vector<std::string_view> parts = regex::split(re, text);
    SEQ_FUZZ_CHECK(parts.size() == matches.size() + 1);
    std::string rebuilt;
    for (size_t i = 0; i < parts.size(); ++i) {
        rebuilt += parts[i];
        if (i < matches.size()) rebuilt += matches[i];
    }
    SEQ_FUZZ_CHECK(rebuilt == text);
    SEQ_FUZZ_CHECK(regex::replace(re, text, "${0}", 0) == text);
    // Groups: each reported group lies inside the whole match.
    int groups = re.NumberOfCapturingGroups();
    regex::for_each_match(re, text, groups, [&](const regex::Spans& m) {
        SEQ_FUZZ_CHECK(m.size() == static_cast<size_t>(groups) + 1);
        for (const auto& g : m) {
            if (!g.data()) continue;
            SEQ_FUZZ_CHECK(g.data() >= text.data() &&
                           g.data() + g.size() <= text.data() + text.size());
        }
        std::string out;
        regex::expand_replacement(re, m, "$1${2}$$x$name", out);
        return true;
    });
}

void check_words(std::string_view pattern, std::string_view text, bool valid) {
    FuzzStack st;
    st.push_string(pattern);
    st.sp = patch_seq_regex_valid(st.sp);
    SEQ_FUZZ_CHECK(st.pop_bool() == valid);

    st.push_string(text);
    st.push_string(pattern);
    st.sp = patch_seq_regex_match(st.sp);
    bool matched = st.pop_bool();

    st.push_string(text);
    st.push_string(pattern);
    st.sp = patch_seq_regex_find(st.sp);
    bool found = st.pop_bool();
    std::string first = st.pop_string();
    SEQ_FUZZ_CHECK(found == matched);
    SEQ_FUZZ_CHECK(text.find(first) != std::string_view::npos);

    using Word = seq_stack_t (*)(seq_stack_t);
    for (Word w : {patch_seq_regex_find_all, patch_seq_regex_captures, patch_seq_regex_split}) {
        st.push_string(text);
        st.push_string(pattern);
        st.sp = w(st.sp);
        st.pop_bool();
        StackValue list = st.pop();
        SEQ_FUZZ_CHECK(is_kind(list, Kind::Variant));
        drop_value(list);
    }
    for (Word w : {patch_seq_regex_replace, patch_seq_regex_replace_all}) {
        st.push_string(text);
        st.push_string(pattern);
        st.push_string("<$0|$1>");
        st.sp = w(st.sp);
        SEQ_FUZZ_CHECK(st.pop_bool() == valid);
        st.drop();
    }
    SEQ_FUZZ_CHECK(st.depth() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    std::string pattern = in.ConsumeRandomLengthString(kMaxPattern);
    std::string text = in.ConsumeRemainingBytesAsString();
    auto compiled = regex::compile(pattern);
    if (compiled->re) check_core(*compiled->re, text);
    check_words(pattern, text, compiled->re != nullptr);
    return 0;
}
