// regex.* words (seq-runtime 5.4.0 regex.rs). Patterns have the syntax and
// meaning of Rust's `regex` crate (translated to RE2, see core/regex.hpp);
// an invalid pattern is an answer (false), never an abort. A type mismatch
// aborts naming the word, as upstream panics.
#include <cstdint>
#include <string>
#include <vector>

#include "abi/abi.hpp"
#include "core/value/list.hpp"
#include "core/words/regex.hpp"
#include "seq/runtime_optional.h"

using namespace seq;

namespace {

// A list of fresh global strings (no share_value() needed).
StackValue string_list(const std::vector<std::string_view>& parts, const char* word) {
    if (parts.size() > UINT32_MAX) fatal(word, "too many results (%zu)", parts.size());
    VariantObj* v = new_list(parts.size());
    for (std::string_view p : parts)
        v->fields[v->len++] = make_string(p);
    return from_heap(v);
}

// ( String pattern -- ... ): pops both, runs f(text, compiled), releases.
template <typename F>
Stack text_and_pattern(Stack sp, const char* word, F f) {
    StackValue pattern = pop_kind(sp, Kind::String, word);
    StackValue text = pop_kind(sp, Kind::String, word);
    auto compiled = regex::compile(string_of(pattern)->view());
    sp = f(sp, string_of(text)->view(), *compiled);
    drop_value(pattern);
    drop_value(text);
    return sp;
}

Stack replace_word(Stack sp, const char* word, size_t limit) {
    StackValue rep = pop_kind(sp, Kind::String, word);
    StackValue pattern = pop_kind(sp, Kind::String, word);
    StackValue text = pop_kind(sp, Kind::String, word);
    auto compiled = regex::compile(string_of(pattern)->view());
    bool ok = compiled->re != nullptr;
    // On an invalid pattern the text comes back unchanged.
    StackValue result = ok ? make_string(regex::replace(*compiled->re, string_of(text)->view(),
                                                        string_of(rep)->view(), limit))
                           : make_string(string_of(text)->view());
    drop_value(rep);
    drop_value(pattern);
    drop_value(text);
    return push_with_flag(sp, result, ok);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_regex_match(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.match?", [](Stack s, std::string_view text, const regex::Compiled& c) {
            bool m = c.re && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *c.re);
            return push(s, make_bool(m));
        });
}

SEQ_API seq_stack_t patch_seq_regex_find(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.find", [](Stack s, std::string_view text, const regex::Compiled& c) {
            std::string_view found;
            bool ok = false;
            if (c.re) {
                regex::for_each_match(*c.re, text, 0, [&](const regex::Spans& m) {
                    found = {m[0].data(), m[0].size()};
                    ok = true;
                    return false;
                });
            }
            s = push(s, make_string(found));
            return push(s, make_bool(ok));
        });
}

SEQ_API seq_stack_t patch_seq_regex_find_all(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.find-all", [](Stack s, std::string_view text, const regex::Compiled& c) {
            std::vector<std::string_view> all;
            if (c.re) {
                regex::for_each_match(*c.re, text, 0, [&](const regex::Spans& m) {
                    all.emplace_back(m[0].data(), m[0].size());
                    return true;
                });
            }
            s = push(s, string_list(all, "regex.find-all"));
            return push(s, make_bool(c.re != nullptr));
        });
}

SEQ_API seq_stack_t patch_seq_regex_replace(seq_stack_t sp) {
    return replace_word(sp, "regex.replace", 1);
}

SEQ_API seq_stack_t patch_seq_regex_replace_all(seq_stack_t sp) {
    return replace_word(sp, "regex.replace-all", 0);
}

SEQ_API seq_stack_t patch_seq_regex_captures(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.captures", [](Stack s, std::string_view text, const regex::Compiled& c) {
            std::vector<std::string_view> groups;
            bool matched = false;
            if (c.re) {
                regex::for_each_match(*c.re, text, c.groups, [&](const regex::Spans& m) {
                    // Groups 1..n; one that did not take part is "".
                    for (size_t i = 1; i < m.size(); ++i)
                        groups.emplace_back(m[i].data() ? std::string_view(m[i].data(), m[i].size())
                                                        : std::string_view());
                    matched = true;
                    return false;
                });
            }
            s = push(s, string_list(groups, "regex.captures"));
            return push(s, make_bool(matched));
        });
}

SEQ_API seq_stack_t patch_seq_regex_split(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.split", [](Stack s, std::string_view text, const regex::Compiled& c) {
            // An invalid pattern gives [text] false.
            std::vector<std::string_view> parts =
                c.re ? regex::split(*c.re, text) : std::vector<std::string_view>{text};
            s = push(s, string_list(parts, "regex.split"));
            return push(s, make_bool(c.re != nullptr));
        });
}

SEQ_API seq_stack_t patch_seq_regex_valid(seq_stack_t sp) {
    StackValue pattern = pop_kind(sp, Kind::String, "regex.valid?");
    bool ok = regex::compile(string_of(pattern)->view())->re != nullptr;
    drop_value(pattern);
    return push(sp, make_bool(ok));
}

}  // extern "C"
