// regex.* words (seq-runtime 5.4.0 regex.rs). Patterns have the syntax and
// meaning of Rust's `regex` crate (translated to RE2, see core/regex.hpp);
// an invalid pattern is an answer (false), never an abort. A type mismatch
// aborts naming the word, as upstream panics.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "abi/abi.hpp"
#include "core/value/list.hpp"
#include "core/words/regex.hpp"
#include "io/blocking.hpp"
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

// The word's work, off the worker when the subject or the pattern is large
// (regex::runs_long): the job compiles (through the cache, which is
// thread-safe) and matches on the popped strings' bytes, which stay alive
// and unchanged while the strand is parked, and returns plain C++ values;
// the Seq values are made afterwards on the strand.
template <typename Compute>
auto run_regex(std::string_view text, std::string_view pattern, Compute compute) {
    auto job = [&] {
        auto compiled = regex::compile(pattern);
        return compute(text, *compiled);
    };
    return regex::runs_long(text.size(), pattern.size()) ? run_blocking(job) : job();
}

// ( String pattern -- ... ): pops both, computes r = compute(text, compiled),
// pushes push_out(sp, r) (r may view the text), releases.
template <typename Compute, typename Push>
Stack text_and_pattern(Stack sp, const char* word, Compute compute, Push push_out) {
    StackValue pattern = pop_kind(sp, Kind::String, word);
    StackValue text = pop_kind(sp, Kind::String, word);
    auto r = run_regex(string_of(text)->view(), string_of(pattern)->view(), compute);
    sp = push_out(sp, r);
    drop_value(pattern);
    drop_value(text);
    return sp;
}

// Parts of the text and whether the pattern was valid (or matched).
using Parts = std::pair<std::vector<std::string_view>, bool>;

Stack push_parts(Stack sp, const Parts& r, const char* word) {
    sp = push(sp, string_list(r.first, word));
    return push(sp, make_bool(r.second));
}

Stack replace_word(Stack sp, const char* word, size_t limit) {
    StackValue rep = pop_kind(sp, Kind::String, word);
    StackValue pattern = pop_kind(sp, Kind::String, word);
    StackValue text = pop_kind(sp, Kind::String, word);
    std::string_view with = string_of(rep)->view();
    auto replaced = run_regex(string_of(text)->view(), string_of(pattern)->view(),
                              [&](std::string_view t, const regex::Compiled& c) {
                                  std::optional<std::string> out;
                                  if (c.re) out = regex::replace(*c.re, t, with, limit);
                                  return out;
                              });
    // On an invalid pattern the text comes back unchanged.
    bool ok = replaced.has_value();
    StackValue result = ok ? make_string(*replaced) : make_string(string_of(text)->view());
    drop_value(rep);
    drop_value(pattern);
    drop_value(text);
    return push_with_flag(sp, result, ok);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_regex_match(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.match?",
        [](std::string_view text, const regex::Compiled& c) {
            return c.re && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *c.re);
        },
        [](Stack s, bool m) { return push(s, make_bool(m)); });
}

SEQ_API seq_stack_t patch_seq_regex_find(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.find",
        [](std::string_view text, const regex::Compiled& c) {
            std::optional<std::string_view> found;
            if (c.re) {
                regex::for_each_match(*c.re, text, 0, [&](const regex::Spans& m) {
                    found = std::string_view(m[0].data(), m[0].size());
                    return false;
                });
            }
            return found;
        },
        [](Stack s, const std::optional<std::string_view>& found) {
            s = push(s, make_string(found.value_or(std::string_view())));
            return push(s, make_bool(found.has_value()));
        });
}

SEQ_API seq_stack_t patch_seq_regex_find_all(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.find-all",
        [](std::string_view text, const regex::Compiled& c) {
            Parts r{{}, c.re != nullptr};
            if (c.re) {
                regex::for_each_match(*c.re, text, 0, [&](const regex::Spans& m) {
                    r.first.emplace_back(m[0].data(), m[0].size());
                    return true;
                });
            }
            return r;
        },
        [](Stack s, const Parts& r) { return push_parts(s, r, "regex.find-all"); });
}

SEQ_API seq_stack_t patch_seq_regex_replace(seq_stack_t sp) {
    return replace_word(sp, "regex.replace", 1);
}

SEQ_API seq_stack_t patch_seq_regex_replace_all(seq_stack_t sp) {
    return replace_word(sp, "regex.replace-all", 0);
}

SEQ_API seq_stack_t patch_seq_regex_captures(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.captures",
        [](std::string_view text, const regex::Compiled& c) {
            Parts r{{}, false};
            if (c.re) {
                regex::for_each_match(*c.re, text, c.groups, [&](const regex::Spans& m) {
                    // Groups 1..n; one that did not take part is "".
                    for (size_t i = 1; i < m.size(); ++i)
                        r.first.emplace_back(m[i].data()
                                                 ? std::string_view(m[i].data(), m[i].size())
                                                 : std::string_view());
                    r.second = true;
                    return false;
                });
            }
            return r;
        },
        [](Stack s, const Parts& r) { return push_parts(s, r, "regex.captures"); });
}

SEQ_API seq_stack_t patch_seq_regex_split(seq_stack_t sp) {
    return text_and_pattern(
        sp, "regex.split",
        [](std::string_view text, const regex::Compiled& c) {
            // An invalid pattern gives [text] false.
            return c.re ? Parts{regex::split(*c.re, text), true} : Parts{{text}, false};
        },
        [](Stack s, const Parts& r) { return push_parts(s, r, "regex.split"); });
}

SEQ_API seq_stack_t patch_seq_regex_valid(seq_stack_t sp) {
    StackValue pattern = pop_kind(sp, Kind::String, "regex.valid?");
    std::string_view p = string_of(pattern)->view();
    auto valid = [&] { return regex::compile(p)->re != nullptr; };
    // A long pattern's compile is the long part.
    bool ok = regex::runs_long(0, p.size()) ? run_blocking(valid) : valid();
    drop_value(pattern);
    return push(sp, make_bool(ok));
}

}  // extern "C"
