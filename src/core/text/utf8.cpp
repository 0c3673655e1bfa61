#include "core/text/utf8.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/text/utf8_tables.hpp"

namespace seq::utf8 {

namespace {

inline unsigned char byte_at(const char* p) {
    return static_cast<unsigned char>(*p);
}

inline bool is_cont(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

// decode() result for ill-formed input, as opposed to a real U+FFFD (EF BF BD):
// an error unit that starts with EF is at most two bytes long.
inline bool ill_formed(const char* p, size_t n, char32_t cp) {
    return cp == kReplacement && !(n == 3 && byte_at(p) == 0xEF);
}

bool in_ranges(std::span<const tables::CodeRange> ranges, char32_t cp) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                               [](char32_t c, const tables::CodeRange& r) { return c < r.first; });
    return it != ranges.begin() && cp <= (it - 1)->last;
}

// Case mapping of one non-ASCII character; returns how many characters were
// written to `out` (1..3).
int map_case(char32_t cp, bool upper, char32_t out[3]) {
    auto multi = upper ? tables::upper_multi : tables::lower_multi;
    auto m = std::lower_bound(multi.begin(), multi.end(), cp,
                              [](const tables::CaseMulti& e, char32_t c) { return e.cp < c; });
    if (m != multi.end() && m->cp == cp) {
        int n = 0;
        for (uint32_t c : m->to)
            if (c) out[n++] = c;
        return n;
    }
    auto ranges = upper ? tables::upper_ranges : tables::lower_ranges;
    auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                               [](char32_t c, const tables::CaseRange& r) { return c < r.start; });
    out[0] = cp;
    if (it != ranges.begin()) {
        const tables::CaseRange& r = *(it - 1);
        uint32_t off = cp - r.start;
        if (off % r.stride == 0 && off / r.stride < r.count)
            out[0] = static_cast<char32_t>(static_cast<int64_t>(cp) + r.delta);
    }
    return 1;
}

// Final_Sigma (Unicode 3.13): preceded by a cased letter and not followed by
// one, case-ignorable characters skipped in both directions.
bool cased_after_ignorables_backward(std::string_view s, size_t pos) {
    const char* begin = s.data();
    const char* p = begin + pos;
    while (p > begin) {
        char32_t cp;
        p -= decode_before(begin, p, cp);
        if (!in_ranges(tables::case_ignorable, cp))
            return in_ranges(tables::cased_not_ignorable, cp);
    }
    return false;
}

bool cased_after_ignorables_forward(std::string_view s, size_t pos) {
    const char* p = s.data() + pos;
    const char* end = s.data() + s.size();
    while (p < end) {
        char32_t cp;
        p += decode(p, end, cp);
        if (!in_ranges(tables::case_ignorable, cp))
            return in_ranges(tables::cased_not_ignorable, cp);
    }
    return false;
}

void append_case(std::string& out, std::string_view s, bool upper) {
    out.reserve(out.size() + s.size());
    const char* begin = s.data();
    const char* p = begin;
    const char* end = begin + s.size();
    while (p < end) {
        unsigned char b = byte_at(p);
        if (b < 0x80) {
            if (upper && b >= 'a' && b <= 'z') b -= 32;
            if (!upper && b >= 'A' && b <= 'Z') b += 32;
            out.push_back(static_cast<char>(b));
            ++p;
            continue;
        }
        char32_t cp;
        size_t n = decode(p, end, cp);
        if (ill_formed(p, n, cp)) {
            out.append(p, n);  // ill-formed bytes pass through untouched
        } else if (!upper && cp == 0x3A3) {
            size_t at = static_cast<size_t>(p - begin);
            bool final = cased_after_ignorables_backward(s, at) &&
                         !cased_after_ignorables_forward(s, at + n);
            append(out, final ? 0x3C2 : 0x3C3);
        } else {
            char32_t mapped[3];
            int k = map_case(cp, upper, mapped);
            for (int i = 0; i < k; ++i)
                append(out, mapped[i]);
        }
        p += n;
    }
}

}  // namespace

size_t decode(const char* p, const char* end, char32_t& cp) {
    const unsigned char b0 = byte_at(p);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    // Length and the allowed range of the second byte (Unicode Table 3-7),
    // which excludes overlong forms, surrogates and values above U+10FFFF.
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    char32_t value;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        value = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        value = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        value = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        cp = kReplacement;
        return 1;
    }
    size_t avail = static_cast<size_t>(end - p);
    for (size_t i = 1; i < len; ++i) {
        if (i >= avail) {
            cp = kReplacement;
            return i;
        }
        unsigned char b = byte_at(p + i);
        if (b < lo || b > hi) {
            cp = kReplacement;
            return i;
        }
        lo = 0x80;
        hi = 0xBF;
        value = (value << 6) | (b & 0x3F);
    }
    cp = value;
    return len;
}

size_t decode_before(const char* begin, const char* p, char32_t& cp) {
    for (size_t k = 1; k <= 4 && static_cast<size_t>(p - begin) >= k; ++k) {
        if (!is_cont(byte_at(p - k))) {
            char32_t c;
            if (decode(p - k, p, c) == k && !ill_formed(p - k, k, c)) {
                cp = c;
                return k;
            }
            break;
        }
    }
    cp = kReplacement;
    return 1;
}

size_t encode(char32_t cp, char* out) {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

void append(std::string& out, char32_t cp) {
    char buf[4];
    out.append(buf, encode(cp, buf));
}

size_t char_count(std::string_view s) {
    const char* p = s.data();
    const char* end = p + s.size();
    size_t n = 0;
    while (p < end) {
        if (byte_at(p) < 0x80) {
            ++p;
        } else {
            char32_t cp;
            p += decode(p, end, cp);
        }
        ++n;
    }
    return n;
}

size_t byte_offset(std::string_view s, size_t index) {
    const char* begin = s.data();
    const char* p = begin;
    const char* end = p + s.size();
    for (; index > 0 && p < end; --index) {
        if (byte_at(p) < 0x80) {
            ++p;
        } else {
            char32_t cp;
            p += decode(p, end, cp);
        }
    }
    return static_cast<size_t>(p - begin);
}

bool is_valid(std::string_view s) {
    return valid_prefix(s).valid == s.size();
}

Prefix valid_prefix(std::string_view s) {
    const char* begin = s.data();
    const char* p = begin;
    const char* end = p + s.size();
    while (p < end) {
        // Eight ASCII bytes at a time: most text that is read or checked is
        // ASCII, and stdin lines and socket reads are validated whole.
        if (end - p >= 8) {
            uint64_t w;
            std::memcpy(&w, p, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                p += 8;
                continue;
            }
        }
        if (byte_at(p) < 0x80) {
            ++p;
            continue;
        }
        char32_t cp;
        size_t n = decode(p, end, cp);
        if (ill_formed(p, n, cp)) {
            // decode() stops at the end of the input only when every byte so
            // far was right for a character starting with a lead byte;
            // anything else (a wrong byte, or no lead byte) is ill-formed.
            unsigned char b0 = byte_at(p);
            bool cut_off = p + n == end && b0 >= 0xC2 && b0 <= 0xF4;
            return {static_cast<size_t>(p - begin), cut_off};
        }
        p += n;
    }
    return {s.size(), false};
}

std::string lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
        char32_t cp;
        size_t n = decode(p, end, cp);
        if (ill_formed(p, n, cp))
            append(out, kReplacement);
        else
            out.append(p, n);
        p += n;
    }
    return out;
}

bool is_whitespace(char32_t c) {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
    switch (c) {
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

std::string_view trim(std::string_view s) {
    const char* begin = s.data();
    const char* end = begin + s.size();
    const char* p = begin;
    while (p < end) {
        char32_t cp;
        size_t n = decode(p, end, cp);
        if (!is_whitespace(cp)) break;
        p += n;
    }
    const char* q = end;
    while (q > p) {
        char32_t cp;
        size_t n = decode_before(p, q, cp);
        if (!is_whitespace(cp)) break;
        q -= n;
    }
    return {p, static_cast<size_t>(q - p)};
}

void append_upper(std::string& out, std::string_view s) {
    append_case(out, s, true);
}

void append_lower(std::string& out, std::string_view s) {
    append_case(out, s, false);
}

void append_debug_quoted(std::string& out, std::string_view s) {
    out.push_back('"');
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
        char32_t cp;
        size_t n = decode(p, end, cp);
        switch (cp) {
            case 0:
                out += "\\0";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            default:
                if (in_ranges(tables::debug_escaped, cp)) {
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "\\u{%x}", static_cast<unsigned>(cp));
                    out += buf;
                } else {
                    out.append(p, n);
                }
        }
        p += n;
    }
    out.push_back('"');
}

}  // namespace seq::utf8
