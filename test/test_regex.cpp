// regex.* words: upstream's tests (seq-runtime 5.4.0 regex.rs), Rust `regex`
// semantics that RE2 does not share by default (Unicode Perl classes,
// empty-match iteration, $-replacement syntax, flags), refused syntax, and
// the compiled-pattern cache.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/words/regex.hpp"
#include "off_worker.hpp"
#include "seq/runtime_optional.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::TestStack;
using Strings = std::vector<std::string>;

void push_str(TestStack& st, std::string_view s) {
    st.sp = push(st.sp, make_string(s));
}
bool pop_flag(TestStack& st) {
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_bool(v));
    return v == kTrue;
}
std::string pop_str(TestStack& st) {
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_kind(v, Kind::String));
    std::string s(string_of(v)->view());
    drop_value(v);
    return s;
}
Strings pop_list(TestStack& st) {
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_kind(v, Kind::Variant));
    EXPECT_EQ(string_of(from_heap(variant_of(v)->tag))->view(), "List");
    Strings out;
    for (uint32_t i = 0; i < variant_of(v)->len; ++i)
        out.emplace_back(string_of(variant_of(v)->fields[i])->view());
    drop_value(v);
    return out;
}

bool match(std::string_view text, std::string_view pattern) {
    TestStack st;
    push_str(st, text);
    push_str(st, pattern);
    st.sp = patch_seq_regex_match(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    return pop_flag(st);
}

std::pair<std::string, bool> find(std::string_view text, std::string_view pattern) {
    TestStack st;
    push_str(st, text);
    push_str(st, pattern);
    st.sp = patch_seq_regex_find(st.sp);
    bool ok = pop_flag(st);
    return {pop_str(st), ok};
}

template <typename Word>
std::pair<Strings, bool> list_word(Word word, std::string_view text, std::string_view pattern) {
    TestStack st;
    push_str(st, text);
    push_str(st, pattern);
    st.sp = word(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    bool ok = pop_flag(st);
    return {pop_list(st), ok};
}
std::pair<Strings, bool> find_all(std::string_view t, std::string_view p) {
    return list_word(patch_seq_regex_find_all, t, p);
}
std::pair<Strings, bool> captures(std::string_view t, std::string_view p) {
    return list_word(patch_seq_regex_captures, t, p);
}
std::pair<Strings, bool> split(std::string_view t, std::string_view p) {
    return list_word(patch_seq_regex_split, t, p);
}

std::pair<std::string, bool> replace(bool all, std::string_view text, std::string_view pattern,
                                     std::string_view rep) {
    TestStack st;
    push_str(st, text);
    push_str(st, pattern);
    push_str(st, rep);
    st.sp = all ? patch_seq_regex_replace_all(st.sp) : patch_seq_regex_replace(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    bool ok = pop_flag(st);
    return {pop_str(st), ok};
}

bool valid(std::string_view pattern) {
    TestStack st;
    push_str(st, pattern);
    st.sp = patch_seq_regex_valid(st.sp);
    return pop_flag(st);
}

// ---- upstream's unit tests ------------------------------------------------------------

TEST(Regex, UpstreamTests) {
    EXPECT_TRUE(match("hello world", "wo.ld"));
    EXPECT_FALSE(match("hello", "xyz"));
    EXPECT_EQ(find("a1 b2 c3", "[a-z][0-9]"), std::make_pair(std::string("a1"), true));
    EXPECT_EQ(find_all("a1 b2 c3", "[a-z][0-9]"), std::make_pair(Strings{"a1", "b2", "c3"}, true));
    EXPECT_EQ(replace(false, "hello world", "world", "Seq"),
              std::make_pair(std::string("hello Seq"), true));
    EXPECT_EQ(replace(true, "a1 b2 c3", "[0-9]", "X"),
              std::make_pair(std::string("aX bX cX"), true));
    EXPECT_EQ(captures("2024-01-15", R"((\d+)-(\d+)-(\d+))"),
              std::make_pair(Strings{"2024", "01", "15"}, true));
    EXPECT_EQ(split("a1b2c3", "[0-9]"), std::make_pair(Strings{"a", "b", "c", ""}, true));
    EXPECT_TRUE(valid("[a-z]+"));
    EXPECT_FALSE(valid("[invalid"));
    EXPECT_FALSE(match("test", "[invalid"));
}

TEST(Regex, InvalidPatternNeutralValues) {
    EXPECT_EQ(find("abc", "("), std::make_pair(std::string(), false));
    EXPECT_EQ(find_all("abc", "("), std::make_pair(Strings{}, false));
    EXPECT_EQ(captures("abc", "("), std::make_pair(Strings{}, false));
    EXPECT_EQ(split("a,b", "("), std::make_pair(Strings{"a,b"}, false));
    EXPECT_EQ(replace(false, "abc", "(", "x"), std::make_pair(std::string("abc"), false));
    EXPECT_EQ(replace(true, "abc", "(", "x"), std::make_pair(std::string("abc"), false));
}

TEST(Regex, NoMatchResults) {
    EXPECT_EQ(find("abc", "x"), std::make_pair(std::string(), false));
    EXPECT_EQ(find_all("abc", "x"), std::make_pair(Strings{}, true));
    EXPECT_EQ(captures("abc", "(x)"), std::make_pair(Strings{}, false));
    EXPECT_EQ(split("abc", "x"), std::make_pair(Strings{"abc"}, true));
    EXPECT_EQ(split("", "x"), std::make_pair(Strings{""}, true));
    EXPECT_EQ(replace(true, "abc", "x", "y"), std::make_pair(std::string("abc"), true));
}

// ---- Rust semantics ------------------------------------------------------------------------

TEST(Regex, EmptyMatchIterationFollowsRust) {
    // Rust's documented example: splitting on the empty regex.
    EXPECT_EQ(split("abc", ""), std::make_pair(Strings{"", "a", "b", "c", ""}, true));
    // An empty match where the previous match ended is skipped.
    EXPECT_EQ(find_all("aab", "a*"), std::make_pair(Strings{"aa", ""}, true));
    EXPECT_EQ(replace(true, "baaac", "a*", "-"), std::make_pair(std::string("-b-c-"), true));
    // Empty matches step over whole characters, never inside one.
    EXPECT_EQ(find_all("é✓", "").first.size(), 3u);
    EXPECT_EQ(split("é✓", ""), std::make_pair(Strings{"", "é", "✓", ""}, true));
}

TEST(Regex, AnchorsSeeTheWholeText) {
    // Later searches start mid-text, but ^ and \b still see what precedes.
    EXPECT_EQ(find_all("aaa", "^a"), std::make_pair(Strings{"a"}, true));
    EXPECT_EQ(find_all("ab ab", R"(\bab)"), std::make_pair(Strings{"ab", "ab"}, true));
    EXPECT_EQ(find_all("xab", R"(\bab)"), std::make_pair(Strings{}, true));
    EXPECT_EQ(find_all("abab", R"(\bab)"), std::make_pair(Strings{"ab"}, true));
    EXPECT_EQ(replace(true, "a\na", "(?m)^a", "b"), std::make_pair(std::string("b\nb"), true));
}

TEST(Regex, PerlClassesAreUnicode) {
    EXPECT_TRUE(match("\u0663", R"(^\d$)"));  // ARABIC-INDIC DIGIT THREE
    EXPECT_TRUE(match("é", R"(^\w$)"));
    EXPECT_TRUE(match("\u3000", R"(^\s$)"));  // IDEOGRAPHIC SPACE
    EXPECT_TRUE(match("\v", R"(^\s$)"));
    EXPECT_FALSE(match("é", R"(^\W$)"));
    EXPECT_TRUE(match("-", R"(^\W$)"));
    EXPECT_TRUE(match("\u0663", R"(^[\d]$)"));
    EXPECT_TRUE(match("é", R"(^[\w-]+$)"));
    EXPECT_TRUE(match("x", R"(^[\S]$)"));
    EXPECT_FALSE(match(" ", R"(^[\S]$)"));
    EXPECT_FALSE(match("é", R"(^[a\W]$)"));
    EXPECT_TRUE(match("!", R"(^[a\W]$)"));
    // (?-u) restores the ASCII meaning, scoped to its group.
    EXPECT_FALSE(match("é", R"(^(?-u:\w)$)"));
    EXPECT_TRUE(match("é", R"(^(?-u:\w)|\w$)"));
    EXPECT_FALSE(match("\u0663", R"((?-u)^\d$)"));
    EXPECT_TRUE(match("\v", R"((?-u)^\s$)"));
}

TEST(Regex, SyntaxRe2LacksIsTranslated) {
    EXPECT_EQ(captures("2024-05", R"((?<y>\d{4})-(?P<m>\d\d))"),
              std::make_pair(Strings{"2024", "05"}, true));
    EXPECT_TRUE(match("é", R"(^\u00e9$)"));
    EXPECT_TRUE(match("é", R"(^\u{e9}$)"));
    EXPECT_TRUE(match("😀", R"(^\U0001F600$)"));
    EXPECT_TRUE(match("😀", R"(^\x{1F600}$)"));
    EXPECT_TRUE(match("Ω", R"(^\p{Greek}$)"));
    EXPECT_TRUE(match("Ω", R"(^\p{Letter}$)"));
    EXPECT_TRUE(match("Ω", R"(^\p{Uppercase_Letter}$)"));
    EXPECT_TRUE(match("Ω", R"(^\p{gc=Lu}$)"));
    EXPECT_TRUE(match("Ω", R"(^\p{sc=Greek}$)"));
    EXPECT_FALSE(match("Ω", R"(^\P{L}$)"));
    EXPECT_TRUE(match("\u2003", R"(^\p{White_Space}$)"));
    // Verbose mode: whitespace and comments ignored, escaped space kept.
    EXPECT_TRUE(match("abc", "(?x) a b # comment\n c"));
    EXPECT_TRUE(match("a c", R"((?x)^a\ c$)"));
    EXPECT_FALSE(match("abc", "(?x:a b) c"));
    // RE2 flags pass through.
    EXPECT_TRUE(match("HELLO", "(?i)hello"));
    EXPECT_TRUE(match("a\nb", "(?m)^b$"));
    EXPECT_TRUE(match("a\nb", "(?s)a.b"));
    EXPECT_FALSE(match("a\nb", "a.b"));
    EXPECT_FALSE(match("a\n", "a$"));  // $ is end of text without (?m)
}

TEST(Regex, SyntaxWithoutAnRe2FormIsInvalid) {
    for (const char* p : {R"((a)\1)", "(?<=a)b", "(?=a)", "[a&&b]", "[a--b]", "[a~~b]", "[[a]b]",
                          R"(\b{start}a)", R"(\<a)", R"(\Qa\E)", "(?R)a", R"([^\W])", R"([^\S])"})
        EXPECT_FALSE(valid(p)) << p;
    for (const char* p : {"[[:alpha:]]", "[]a]", R"(\bword\b)", R"(a\-b)", "x{2,3}", "(?i-s:a)"})
        EXPECT_TRUE(valid(p)) << p;
}

TEST(Regex, ReplacementExpansion) {
    auto r = [](std::string_view text, std::string_view pat, std::string_view rep) {
        return replace(true, text, pat, rep).first;
    };
    EXPECT_EQ(r("2024-01", R"((\d+)-(\d+))", "$2/$1"), "01/2024");
    EXPECT_EQ(r("2024-01", R"((\d+)-(\d+))", "${2}x${1}"), "01x2024");
    EXPECT_EQ(r("2024-01", R"((\d+)-(\d+))", "$1x"), "");  // group "1x" does not exist
    EXPECT_EQ(r("2024-01", R"((?<y>\d+)-(?<m>\d+))", "$m.$y"), "01.2024");
    EXPECT_EQ(r("2024-01", R"((?<y>\d+)-(?<m>\d+))", "${m}${y}"), "012024");
    EXPECT_EQ(r("ab", "a", "$$"), "$b");
    EXPECT_EQ(r("ab", "a", "$"), "$b");
    EXPECT_EQ(r("ab", "a", "$!"), "$!b");
    EXPECT_EQ(r("ab", "a", "${"), "${b");
    EXPECT_EQ(r("ab", "a", "$9"), "b");
    EXPECT_EQ(r("ab", "(a)", "${+1}"), "ab");
    EXPECT_EQ(r("ab", "(a)|(b)", "[$2]"), "[][b]");
    EXPECT_EQ(r("ab", "a", "\\1"), "\\1b");  // no backslash references
    EXPECT_EQ(replace(false, "aaa", "a", "b").first, "baa");
}

TEST(Regex, CapturesOfNonParticipatingGroupsAreEmpty) {
    EXPECT_EQ(captures("b", "(a)|(b)"), std::make_pair(Strings{"", "b"}, true));
    EXPECT_EQ(captures("abc", "b"), std::make_pair(Strings{}, true));
}

TEST(Regex, CacheReusesAndIsBounded) {
    regex::cache_clear();
    auto a = regex::compile("[a-z]+");
    auto b = regex::compile("[a-z]+");
    EXPECT_EQ(a.get(), b.get());
    auto bad1 = regex::compile("(");
    auto bad2 = regex::compile("(");
    EXPECT_EQ(bad1.get(), bad2.get());
    EXPECT_EQ(bad1->re, nullptr);
    for (int i = 0; i < 300; ++i) {
        std::string p = std::to_string(i);
        p += "x";
        regex::compile(p);
    }
    EXPECT_EQ(regex::cache_size(), regex::kCacheCapacity);
    // Entries evicted while still in use stay valid for their holders.
    EXPECT_TRUE(RE2::FullMatch("abc", *a->re));
}

TEST(Regex, TypeMismatchAborts) {
    EXPECT_DEATH(
        {
            TestStack st;
            push_str(st, "text");
            st.sp = push(st.sp, make_int(1));
            patch_seq_regex_match(st.sp);
        },
        "regex.match\\?");
}

// A big subject runs off the worker (regex::runs_long): with one worker, a
// ticker strand takes its short sleeps while the captures are in progress.
// Capturing over a 2 MiB match runs RE2's NFA, milliseconds per call.
using RegexStrands = test::SchedulerTest;

TEST_F(RegexStrands, BigSubjectLeavesTheWorkerFree) {
    single_worker();
    std::string text;
    for (size_t i = 0; i < (size_t{1} << 20); ++i)
        text += "ab";
    text += 'c';
    ASSERT_TRUE(regex::runs_long(text.size(), 0));
    auto r = test::run_beside_ticker([&] {
        TestStack st;
        push_str(st, text);
        push_str(st, "((?:a|b)+)c");
        st.sp = patch_seq_regex_captures(st.sp);
        EXPECT_TRUE(pop_flag(st));
        Strings groups = pop_list(st);
        ASSERT_EQ(groups.size(), 1u);
        EXPECT_EQ(groups[0].size(), text.size() - 1);
    });
    EXPECT_TRUE(r.ticker_finished);
    EXPECT_GT(r.ticks_during_word, 0) << "the ticker never ran while the word was in progress";
    EXPECT_LT(r.words, 50) << "the ticker only ran after the word strand gave up";
}

// A long pattern's compile runs off the worker too: regex.valid? on a
// pattern over kSlowPatternBytes gives the same answers as inline.
TEST_F(RegexStrands, LongPatternsAnswerTheSameOffTheWorker) {
    std::string alternation = "(?:w0";
    for (int i = 1; alternation.size() < regex::kSlowPatternBytes; ++i)
        alternation += "|w" + std::to_string(i);
    alternation += ")";
    bool valid = false, invalid = true, matched = false;
    test::spawn_fn([&] {
        TestStack st;
        push_str(st, alternation);
        st.sp = patch_seq_regex_valid(st.sp);
        valid = pop_flag(st);
        push_str(st, alternation + "(");
        st.sp = patch_seq_regex_valid(st.sp);
        invalid = pop_flag(st);
        push_str(st, "say w42 now");
        push_str(st, alternation);
        st.sp = patch_seq_regex_match(st.sp);
        matched = pop_flag(st);
    });
    patch_seq_wait_all_strands();
    EXPECT_TRUE(valid);
    EXPECT_FALSE(invalid);
    EXPECT_TRUE(matched);
}

}  // namespace
}  // namespace seq
