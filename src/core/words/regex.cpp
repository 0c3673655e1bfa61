#include "core/words/regex.hpp"

#include <cctype>
#include <list>
#include <mutex>
#include <unordered_map>

#include "core/text/utf8.hpp"

namespace seq::regex {

namespace {

// ---- Rust's Unicode classes as RE2 class items ------------------------------------

// \s: the White_Space property (RE2's \s is [\t\n\f\r ]).
constexpr std::string_view kSpaceItems =
    "\\t\\n\\x0B\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
    "\\x{202F}\\x{205F}\\x{3000}";
// \s under (?-u): ASCII whitespace including \v (RE2's \s lacks \v).
constexpr std::string_view kAsciiSpaceItems = "\\t\\n\\x0B\\f\\r ";
// \w: Alphabetic + M + Nd + Pc + Join_Control. Alphabetic is L + Nl +
// Other_Alphabetic; the latter is marks (inside M) plus the circled and squared
// Latin letters listed here.
constexpr std::string_view kWordItems =
    "\\p{L}\\p{Nl}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}\\x{24B6}-\\x{24E9}"
    "\\x{1F130}-\\x{1F149}\\x{1F150}-\\x{1F169}\\x{1F170}-\\x{1F189}";
constexpr std::string_view kDigitItems = "\\p{Nd}";

// Long general-category names (compared loosely) -> RE2's short names.
struct NameMap {
    const char* loose;
    const char* re2;
};
constexpr NameMap kCategories[] = {
    {"letter", "L"},
    {"uppercaseletter", "Lu"},
    {"lowercaseletter", "Ll"},
    {"titlecaseletter", "Lt"},
    {"modifierletter", "Lm"},
    {"otherletter", "Lo"},
    {"mark", "M"},
    {"combiningmark", "M"},
    {"nonspacingmark", "Mn"},
    {"spacingmark", "Mc"},
    {"enclosingmark", "Me"},
    {"number", "N"},
    {"decimalnumber", "Nd"},
    {"digit", "Nd"},
    {"letternumber", "Nl"},
    {"othernumber", "No"},
    {"punctuation", "P"},
    {"punct", "P"},
    {"connectorpunctuation", "Pc"},
    {"dashpunctuation", "Pd"},
    {"openpunctuation", "Ps"},
    {"closepunctuation", "Pe"},
    {"initialpunctuation", "Pi"},
    {"finalpunctuation", "Pf"},
    {"otherpunctuation", "Po"},
    {"symbol", "S"},
    {"mathsymbol", "Sm"},
    {"currencysymbol", "Sc"},
    {"modifiersymbol", "Sk"},
    {"othersymbol", "So"},
    {"separator", "Z"},
    {"spaceseparator", "Zs"},
    {"lineseparator", "Zl"},
    {"paragraphseparator", "Zp"},
    {"other", "C"},
    {"control", "Cc"},
    {"cntrl", "Cc"},
    {"format", "Cf"},
    {"surrogate", "Cs"},
    {"privateuse", "Co"},
    {"any", "Any"},
    {"l", "L"},
    {"lu", "Lu"},
    {"ll", "Ll"},
    {"lt", "Lt"},
    {"lm", "Lm"},
    {"lo", "Lo"},
    {"m", "M"},
    {"mn", "Mn"},
    {"mc", "Mc"},
    {"me", "Me"},
    {"n", "N"},
    {"nd", "Nd"},
    {"nl", "Nl"},
    {"no", "No"},
    {"p", "P"},
    {"pc", "Pc"},
    {"pd", "Pd"},
    {"ps", "Ps"},
    {"pe", "Pe"},
    {"pi", "Pi"},
    {"pf", "Pf"},
    {"po", "Po"},
    {"s", "S"},
    {"sm", "Sm"},
    {"sc", "Sc"},
    {"sk", "Sk"},
    {"so", "So"},
    {"z", "Z"},
    {"zs", "Zs"},
    {"zl", "Zl"},
    {"zp", "Zp"},
    {"c", "C"},
    {"cc", "Cc"},
    {"cf", "Cf"},
    {"cs", "Cs"},
    {"co", "Co"},
};

// UAX44-LM3 loose matching, as Rust applies it: case, spaces, '_' and '-'
// are ignored.
std::string loose(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '_' && c != '-')
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// What a \p{...} name stands for.
struct Property {
    enum Kind { Re2Name, Items, Unsupported } kind = Unsupported;
    std::string text;  // RE2 name (for \p{text}) or class items
};

Property resolve_property(std::string_view name) {
    // Forms: Name, gc=Name, General_Category=Name, sc=Name, Script=Name,
    // scx=..., also with ':' in place of '='.
    size_t eq = name.find_first_of("=:");
    std::string_view value = name;
    bool script = false;
    if (eq != std::string_view::npos) {
        std::string key = loose(name.substr(0, eq));
        value = name.substr(eq + 1);
        if (key == "gc" || key == "generalcategory") {
            script = false;
        } else if (key == "sc" || key == "script") {
            script = true;
        } else {
            return {};  // other properties (scx, Age, ...) have no RE2 form
        }
    }
    std::string l = loose(value);
    if (!script) {
        for (const auto& c : kCategories)
            if (l == c.loose) return {Property::Re2Name, c.re2};
        if (l == "whitespace" || l == "wspace" || l == "space")
            return {Property::Items, std::string(kSpaceItems)};
        if (l == "ascii") return {Property::Items, "\\x00-\\x7F"};
        if (eq != std::string_view::npos) return {};
    }
    // A script: RE2 knows them by their Unicode spelling (Greek, Old_Italic).
    std::string s(value);
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return {};
    if (s.empty()) return {};
    return {Property::Re2Name, s};
}

class Translator {
  public:
    explicit Translator(std::string_view p) : p_(p) {}

    std::optional<std::string> run() {
        flags_.push_back({});
        while (i_ < p_.size()) {
            if (!step()) return std::nullopt;
        }
        return out_;
    }

  private:
    struct Flags {
        bool unicode = true;
        bool verbose = false;
    };

    std::string_view p_;
    size_t i_ = 0;
    std::string out_;
    std::vector<Flags> flags_;

    Flags& cur() { return flags_.back(); }
    bool at(size_t k, char c) const { return k < p_.size() && p_[k] == c; }

    static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    }

    // In (?x) mode: skips whitespace and # comments. True if it skipped.
    bool skip_verbose() {
        if (!cur().verbose || i_ >= p_.size()) return false;
        if (is_space(p_[i_])) {
            ++i_;
            return true;
        }
        if (p_[i_] == '#') {
            while (i_ < p_.size() && p_[i_] != '\n')
                ++i_;
            return true;
        }
        return false;
    }

    bool step() {
        if (skip_verbose()) return true;
        char c = p_[i_];
        switch (c) {
            case '\\':
                return escape_outside();
            case '[':
                return char_class();
            case '(':
                return open_group();
            case ')':
                if (flags_.size() > 1) flags_.pop_back();
                out_ += ')';
                ++i_;
                return true;
            default:
                out_ += c;
                ++i_;
                return true;
        }
    }

    bool open_group() {
        ++i_;  // '('
        if (!at(i_, '?')) {
            flags_.push_back(cur());
            out_ += '(';
            return true;
        }
        // (?P<name>  (?<name>  (?:  (?flags)  (?flags:
        if (at(i_ + 1, 'P') && at(i_ + 2, '<')) {
            flags_.push_back(cur());
            out_ += "(?P<";
            i_ += 3;
            return true;
        }
        if (at(i_ + 1, '<') && !at(i_ + 2, '=') && !at(i_ + 2, '!')) {
            flags_.push_back(cur());
            out_ += "(?P<";
            i_ += 2;
            return true;
        }
        size_t k = i_ + 1;
        Flags f = cur();
        std::string re2_flags;
        bool negate = false;
        for (; k < p_.size() && p_[k] != ')' && p_[k] != ':'; ++k) {
            char fc = p_[k];
            switch (fc) {
                case '-':
                    if (negate) return false;
                    negate = true;
                    re2_flags += '-';
                    break;
                case 'i':
                case 'm':
                case 's':
                case 'U':
                    re2_flags += fc;
                    break;
                case 'u':
                    f.unicode = !negate;
                    break;
                case 'x':
                    f.verbose = !negate;
                    break;
                default:
                    // R (CRLF mode) has no RE2 equivalent; anything else
                    // ((?=, (?!, (?#) is an error in Rust as well.
                    return false;
            }
        }
        if (k >= p_.size()) return false;
        if (!re2_flags.empty() && re2_flags.back() == '-') re2_flags.pop_back();  // "(?i-)"
        bool scoped = p_[k] == ':';
        i_ = k + 1;
        if (scoped) {
            flags_.push_back(f);
            out_ += re2_flags.empty() ? "(?:" : "(?" + re2_flags + ":";
        } else {
            cur() = f;
            if (!re2_flags.empty()) out_ += "(?" + re2_flags + ")";
        }
        return true;
    }

    // Parses the hex digits of \x, \u, \U (after the letter) into \x{...}.
    bool hex_escape(size_t fixed) {
        std::string digits;
        if (at(i_, '{')) {
            size_t close = p_.find('}', i_);
            if (close == std::string_view::npos) return false;
            digits = std::string(p_.substr(i_ + 1, close - i_ - 1));
            i_ = close + 1;
        } else {
            if (i_ + fixed > p_.size()) return false;
            digits = std::string(p_.substr(i_, fixed));
            i_ += fixed;
        }
        if (digits.empty() || digits.size() > 8) return false;
        for (char d : digits)
            if (!std::isxdigit(static_cast<unsigned char>(d))) return false;
        out_ += "\\x{" + digits + "}";
        return true;
    }

    // \p{...} / \pX after the backslash; returns the property.
    std::optional<Property> property() {
        ++i_;  // 'p' or 'P'
        std::string_view name;
        if (at(i_, '{')) {
            size_t close = p_.find('}', i_);
            if (close == std::string_view::npos) return std::nullopt;
            name = p_.substr(i_ + 1, close - i_ - 1);
            i_ = close + 1;
        } else {
            if (i_ >= p_.size()) return std::nullopt;
            name = p_.substr(i_, 1);
            ++i_;
        }
        Property prop = resolve_property(name);
        if (prop.kind == Property::Unsupported) return std::nullopt;
        return prop;
    }

    // Escapes that mean the same in both engines (or are errors in both),
    // appended verbatim. False for those Rust rejects but RE2 would accept.
    bool plain_escape() {
        char e = p_[i_ + 1];
        if (std::isdigit(static_cast<unsigned char>(e))) return false;  // backrefs/octal
        if (e == 'Q' || e == 'E' || e == 'C' || e == '<' || e == '>') return false;
        out_ += '\\';
        // A non-ASCII character after '\' is copied whole.
        size_t len = 1;
        if (static_cast<unsigned char>(e) >= 0x80) {
            char32_t cp;
            len = utf8::decode(p_.data() + i_ + 1, p_.data() + p_.size(), cp);
        }
        out_.append(p_.substr(i_ + 1, len));
        i_ += 1 + len;
        return true;
    }

    bool escape_outside() {
        if (i_ + 1 >= p_.size()) return false;
        char e = p_[i_ + 1];
        bool uni = cur().unicode;
        switch (e) {
            case 'd':
                out_ += uni ? "\\p{Nd}" : "[0-9]";
                i_ += 2;
                return true;
            case 'D':
                out_ += uni ? "\\P{Nd}" : "[^0-9]";
                i_ += 2;
                return true;
            case 's':
            case 'S':
                out_ += e == 's' ? "[" : "[^";
                out_ += uni ? kSpaceItems : kAsciiSpaceItems;
                out_ += ']';
                i_ += 2;
                return true;
            case 'w':
            case 'W':
                if (uni) {
                    out_ += e == 'w' ? "[" : "[^";
                    out_ += kWordItems;
                    out_ += ']';
                } else {
                    out_ += e == 'w' ? "[0-9A-Za-z_]" : "[^0-9A-Za-z_]";
                }
                i_ += 2;
                return true;
            case 'b':
                if (at(i_ + 2, '{')) return false;  // \b{start}, \b{end}, ...
                return plain_escape();
            case 'p':
            case 'P': {
                ++i_;
                auto prop = property();
                if (!prop) return false;
                if (prop->kind == Property::Re2Name) {
                    out_ += e == 'p' ? "\\p{" : "\\P{";
                    out_ += prop->text + "}";
                } else {
                    out_ += e == 'p' ? "[" : "[^";
                    out_ += prop->text + "]";
                }
                return true;
            }
            case 'u':
                i_ += 2;
                return hex_escape(4);
            case 'U':
                i_ += 2;
                return hex_escape(8);
            case 'x':
                i_ += 2;
                return hex_escape(2);
            default:
                return plain_escape();
        }
    }

    // A bracketed class. Rust's negated Perl classes inside a class (\S, \W
    // and friends) have no RE2 class item; in a positive class they become
    // alternatives: [a\S] -> (?:[a]|[^<space>]). In a negated class they
    // would need set intersection, which RE2 lacks, so they are refused.
    bool char_class() {
        ++i_;  // '['
        bool negated = false;
        if (at(i_, '^')) {
            negated = true;
            ++i_;
        }
        std::string items;
        std::vector<std::string> complements;  // each a full RE2 class "[^...]"
        bool first = true;
        for (;;) {
            if (cur().verbose) {
                while (i_ < p_.size() && (is_space(p_[i_]) || p_[i_] == '#')) {
                    if (p_[i_] == '#') {
                        while (i_ < p_.size() && p_[i_] != '\n')
                            ++i_;
                    } else {
                        ++i_;
                    }
                }
            }
            if (i_ >= p_.size()) return false;
            char c = p_[i_];
            if (c == ']' && !first) {
                ++i_;
                break;
            }
            first = false;
            if (c == '[') {
                if (!at(i_ + 1, ':')) return false;  // nested class: no RE2 form
                size_t close = p_.find(":]", i_ + 2);
                if (close == std::string_view::npos) return false;
                items.append(p_.substr(i_, close + 2 - i_));
                i_ = close + 2;
                continue;
            }
            if ((c == '&' && at(i_ + 1, '&')) || (c == '~' && at(i_ + 1, '~')) ||
                (c == '-' && at(i_ + 1, '-')))
                return false;  // set operations
            if (c != '\\') {
                size_t len = 1;
                if (static_cast<unsigned char>(c) >= 0x80) {
                    char32_t cp;
                    len = utf8::decode(p_.data() + i_, p_.data() + p_.size(), cp);
                }
                items.append(p_.substr(i_, len));
                i_ += len;
                continue;
            }
            if (i_ + 1 >= p_.size()) return false;
            char e = p_[i_ + 1];
            bool uni = cur().unicode;
            switch (e) {
                case 'd':
                    items += uni ? kDigitItems : "0-9";
                    i_ += 2;
                    break;
                case 'D':
                    if (uni) {
                        items += "\\P{Nd}";
                    } else {
                        complements.push_back("[^0-9]");
                    }
                    i_ += 2;
                    break;
                case 's':
                    items += uni ? kSpaceItems : kAsciiSpaceItems;
                    i_ += 2;
                    break;
                case 'w':
                    items += uni ? kWordItems : "0-9A-Za-z_";
                    i_ += 2;
                    break;
                case 'S':
                    complements.push_back("[^" + std::string(uni ? kSpaceItems : kAsciiSpaceItems) +
                                          "]");
                    i_ += 2;
                    break;
                case 'W':
                    complements.push_back(uni ? "[^" + std::string(kWordItems) + "]"
                                              : "[^0-9A-Za-z_]");
                    i_ += 2;
                    break;
                case 'p':
                case 'P': {
                    ++i_;
                    auto prop = property();
                    if (!prop) return false;
                    if (prop->kind == Property::Re2Name) {
                        items += (e == 'p' ? "\\p{" : "\\P{") + prop->text + "}";
                    } else if (e == 'p') {
                        items += prop->text;
                    } else {
                        complements.push_back("[^" + prop->text + "]");
                    }
                    break;
                }
                case 'u':
                case 'U':
                case 'x': {
                    i_ += 2;
                    std::string saved;
                    std::swap(saved, out_);
                    bool ok = hex_escape(e == 'x' ? 2 : e == 'u' ? 4 : 8);
                    std::swap(saved, out_);
                    if (!ok) return false;
                    items += saved;
                    break;
                }
                default: {
                    if (std::isdigit(static_cast<unsigned char>(e))) return false;
                    std::string saved;
                    std::swap(saved, out_);
                    bool ok = plain_escape();
                    std::swap(saved, out_);
                    if (!ok) return false;
                    items += saved;
                    break;
                }
            }
        }
        if (complements.empty()) {
            out_ += negated ? "[^" : "[";
            out_ += items;
            out_ += ']';
            return true;
        }
        if (negated) return false;
        out_ += "(?:";
        bool any = false;
        if (!items.empty()) {
            out_ += "[" + items + "]";
            any = true;
        }
        for (const auto& c : complements) {
            if (any) out_ += '|';
            out_ += c;
            any = true;
        }
        out_ += ')';
        return true;
    }
};

// ---- the cache ---------------------------------------------------------------------

struct Cache {
    using Entry = std::pair<std::string, std::shared_ptr<const Compiled>>;
    std::mutex mu;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;
};

Cache& cache() {
    static auto* c = new Cache;  // immortal: strands may still match at exit
    return *c;
}

std::shared_ptr<const Compiled> build(std::string_view pattern) {
    auto c = std::make_shared<Compiled>();
    auto translated = translate(pattern);
    if (!translated) return c;
    RE2::Options opts;
    opts.set_log_errors(false);  // an invalid pattern is an answer, not a log line
    auto re = std::make_unique<RE2>(*translated, opts);
    if (!re->ok()) return c;
    c->groups = re->NumberOfCapturingGroups();
    c->re = std::move(re);
    return c;
}

size_t char_len_at(std::string_view text, size_t pos) {
    char32_t cp;
    return utf8::decode(text.data() + pos, text.data() + text.size(), cp);
}

}  // namespace

std::optional<std::string> translate(std::string_view pattern) {
    return Translator(pattern).run();
}

std::shared_ptr<const Compiled> compile(std::string_view pattern) {
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> lock(c.mu);
        auto it = c.index.find(pattern);
        if (it != c.index.end()) {
            c.lru.splice(c.lru.begin(), c.lru, it->second);
            return it->second->second;
        }
    }
    // Compile outside the lock: a large pattern must not stall other workers.
    std::shared_ptr<const Compiled> compiled = build(pattern);
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.index.find(pattern);
    if (it != c.index.end()) return it->second->second;  // another thread won
    c.lru.emplace_front(std::string(pattern), compiled);
    c.index.emplace(c.lru.front().first, c.lru.begin());
    if (c.lru.size() > kCacheCapacity) {
        c.index.erase(c.lru.back().first);
        c.lru.pop_back();
    }
    return compiled;
}

size_t cache_size() {
    std::lock_guard<std::mutex> lock(cache().mu);
    return cache().lru.size();
}

void cache_clear() {
    std::lock_guard<std::mutex> lock(cache().mu);
    cache().index.clear();
    cache().lru.clear();
}

void for_each_match(const RE2& re, std::string_view text, int groups,
                    const std::function<bool(const Spans&)>& on_match) {
    Spans m(static_cast<size_t>(groups) + 1);
    re2::StringPiece whole(text.data(), text.size());
    size_t pos = 0;
    bool have_last = false;
    size_t last_end = 0;
    while (pos <= text.size()) {
        if (!re.Match(whole, pos, text.size(), RE2::UNANCHORED, m.data(),
                      static_cast<int>(m.size())))
            return;
        size_t start = static_cast<size_t>(m[0].data() - text.data());
        size_t end = start + m[0].size();
        if (start == end && have_last && end == last_end) {
            // Rust skips an empty match where the previous match ended and
            // searches again one character further on.
            if (pos >= text.size()) return;
            pos += char_len_at(text, pos);
            continue;
        }
        if (!on_match(m)) return;
        have_last = true;
        last_end = end;
        pos = end;
    }
}

namespace {

bool is_cap_letter(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Rust's `name.parse::<usize>()`: an optional '+', then decimal digits.
std::optional<size_t> parse_index(std::string_view s) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    size_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        if (v > (SIZE_MAX - 9) / 10) return std::nullopt;  // overflow: not a number
        v = v * 10 + static_cast<size_t>(c - '0');
    }
    return v;
}

}  // namespace

void expand_replacement(const RE2& re, const Spans& m, std::string_view rep, std::string& out) {
    auto group_text = [&](std::string_view name) -> std::string_view {
        size_t idx;
        if (auto n = parse_index(name)) {
            idx = *n;
        } else {
            const auto& names = re.NamedCapturingGroups();
            auto it = names.find(std::string(name));
            if (it == names.end()) return {};
            idx = static_cast<size_t>(it->second);
        }
        if (idx >= m.size() || m[idx].data() == nullptr) return {};
        return {m[idx].data(), m[idx].size()};
    };
    while (!rep.empty()) {
        size_t dollar = rep.find('$');
        if (dollar == std::string_view::npos) break;
        out.append(rep.substr(0, dollar));
        rep.remove_prefix(dollar);
        if (rep.size() >= 2 && rep[1] == '$') {
            out += '$';
            rep.remove_prefix(2);
            continue;
        }
        // A reference: ${anything-but-brace} or $[A-Za-z0-9_]+.
        size_t end = 0;
        std::string_view name;
        if (rep.size() >= 2 && rep[1] == '{') {
            size_t close = rep.find('}', 2);
            if (close != std::string_view::npos && utf8::is_valid(rep.substr(2, close - 2))) {
                name = rep.substr(2, close - 2);
                end = close + 1;
            }
        } else {
            size_t k = 1;
            while (k < rep.size() && is_cap_letter(rep[k]))
                ++k;
            if (k > 1) {
                name = rep.substr(1, k - 1);
                end = k;
            }
        }
        if (end == 0) {  // not a reference: a literal '$'
            out += '$';
            rep.remove_prefix(1);
            continue;
        }
        out.append(group_text(name));
        rep.remove_prefix(end);
    }
    out.append(rep);
}

std::string replace(const RE2& re, std::string_view text, std::string_view replacement,
                    size_t limit) {
    std::string out;
    size_t last = 0, count = 0;
    bool literal = replacement.find('$') == std::string_view::npos;
    int groups = literal ? 0 : re.NumberOfCapturingGroups();
    for_each_match(re, text, groups, [&](const Spans& m) {
        size_t start = static_cast<size_t>(m[0].data() - text.data());
        out.append(text.substr(last, start - last));
        if (literal)
            out.append(replacement);
        else
            expand_replacement(re, m, replacement, out);
        last = start + m[0].size();
        return limit == 0 || ++count < limit;
    });
    out.append(text.substr(last));
    return out;
}

std::vector<std::string_view> split(const RE2& re, std::string_view text) {
    std::vector<std::string_view> parts;
    size_t last = 0;
    for_each_match(re, text, 0, [&](const Spans& m) {
        size_t start = static_cast<size_t>(m[0].data() - text.data());
        parts.push_back(text.substr(last, start - last));
        last = start + m[0].size();
        return true;
    });
    parts.push_back(text.substr(last));
    return parts;
}

}  // namespace seq::regex
