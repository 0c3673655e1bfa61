// Regular expressions behind the regex.* words (seq-runtime 5.4.0 regex.rs,
// which uses Rust's `regex` crate), on RE2.
//
// Both engines are automata-based (linear time, no backreferences, no
// lookaround) with Perl-like leftmost-first semantics, so most patterns mean
// the same in both. Where Rust's syntax or defaults differ, translate()
// rewrites the pattern into RE2 syntax with Rust's meaning:
//   \d \s \w (and negations) are Unicode-aware in Rust, ASCII in RE2;
//   (?<name>...) and \u{...} / \U{...} escapes; (?u) / (?-u) and (?x)
//   flags, which RE2 lacks; long Unicode property names (\p{Letter}).
// What cannot be expressed in RE2 (class set operations, nested classes,
// \b{start} and friends, the CRLF flag, \W or \S inside a negated class) is
// refused: such a pattern counts as invalid rather than silently matching
// differently. docs/abi-optional.md lists the remaining differences.
//
// Compiled patterns are kept in a process-wide LRU cache, so a regex word in a
// loop does not recompile its pattern on every call.
#pragma once

#include <re2/re2.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seq::regex {

// A pattern as the words use it: `re` is null when the pattern is invalid
// (or uses syntax RE2 cannot express).
struct Compiled {
    std::unique_ptr<RE2> re;
    int groups = 0;  // capturing groups, not counting the whole match
};

// Rust-syntax pattern -> RE2 syntax with the same meaning, or nullopt.
std::optional<std::string> translate(std::string_view pattern);

// Cached compile; never returns null.
std::shared_ptr<const Compiled> compile(std::string_view pattern);

inline constexpr size_t kCacheCapacity = 128;

// From these sizes a regex word runs on libuv's threadpool (io/blocking.hpp)
// while its strand parks, so one big match or compile does not stall the
// other strands of its worker: a 64 KiB subject costs from ~20 us (a literal
// scan) to milliseconds (captures, the NFA), a 1 KiB pattern's compile
// ~0.1-1 ms, against a threadpool round trip of ~10-20 us
// (docs/architecture.md, "Long words off the worker").
inline constexpr size_t kSlowSubjectBytes = size_t{64} << 10;
inline constexpr size_t kSlowPatternBytes = size_t{1} << 10;
constexpr bool runs_long(size_t subject_bytes, size_t pattern_bytes) {
    return subject_bytes >= kSlowSubjectBytes || pattern_bytes >= kSlowPatternBytes;
}
size_t cache_size();  // for tests
void cache_clear();   // for tests

// One match: spans[0] is the whole match, spans[i] group i (data() null when
// the group did not take part).
using Spans = std::vector<re2::StringPiece>;

// Calls `on_match` for each successive non-overlapping match, with the
// iteration rules of Rust's find_iter (an empty match right where the
// previous match ended is skipped). `groups` is how many groups to report
// (0: only the whole match). `on_match` returns false to stop.
void for_each_match(const RE2& re, std::string_view text, int groups,
                    const std::function<bool(const Spans&)>& on_match);

// Appends `replacement` with Rust's expansion rules ($1, ${1}, $name,
// ${name}, $$; a reference to a missing group expands to nothing; a $ that
// starts no reference is literal).
void expand_replacement(const RE2& re, const Spans& m, std::string_view replacement,
                        std::string& out);

// Rust's Regex::replacen: at most `limit` replacements (0: all).
std::string replace(const RE2& re, std::string_view text, std::string_view replacement,
                    size_t limit);

// Rust's Regex::split.
std::vector<std::string_view> split(const RE2& re, std::string_view text);

}  // namespace seq::regex
