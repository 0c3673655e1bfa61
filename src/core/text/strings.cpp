#include "core/text/strings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/fatal.hpp"
#include "core/text/utf8.hpp"
#include "core/value/map.hpp"
#include "core/value/son.hpp"
#include "core/value/symbol.hpp"

namespace seq::strings {

std::optional<int64_t> parse_i64(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        s.remove_prefix(1);
        if (s.empty()) return std::nullopt;
    }
    // Accumulate toward the sign so that i64::MIN parses without overflow.
    int64_t value = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        int digit = c - '0';
        if (__builtin_mul_overflow(value, 10, &value)) return std::nullopt;
        if (negative ? __builtin_sub_overflow(value, digit, &value)
                     : __builtin_add_overflow(value, digit, &value))
            return std::nullopt;
    }
    return value;
}

void append_json_escaped(std::string& out, std::string_view s) {
    out.reserve(out.size() + s.size() + 16);
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
        const char* run = p;
        // Copy plain ASCII in one go.
        while (p < end) {
            auto b = static_cast<unsigned char>(*p);
            if (b < 0x20 || b == '"' || b == '\\' || b >= 0x7F) break;
            ++p;
        }
        out.append(run, static_cast<size_t>(p - run));
        if (p == end) break;
        char32_t cp;
        size_t n = utf8::decode(p, end, cp);
        switch (cp) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
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
            case 0x08:
                out += "\\b";
                break;
            case 0x0C:
                out += "\\f";
                break;
            default:
                if (utf8::is_control(cp)) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
                    out += buf;
                } else {
                    out.append(p, n);  // other characters (and ill-formed bytes) as they are
                }
        }
        p += n;
    }
}

int64_t find_char_index(std::string_view hay, std::string_view needle) {
    size_t pos = hay.find(needle);
    if (pos == std::string_view::npos) return -1;
    return static_cast<int64_t>(utf8::char_count(hay.substr(0, pos)));
}

StringObj* list_tag() {
    static const char kName[] = "List";
    return string_of(intern_static_symbol(kName, {kName, 4}));
}

StackValue split(std::string_view s, std::string_view delim, utf8::Bytes units) {
    std::vector<std::string_view> parts;
    if (delim.empty()) {
        // Rust's str::split("") (5.4.0): "", each character, "". 7.x splits
        // the bytes instead (one part per byte).
        parts.emplace_back(s.substr(0, 0));
        const char* p = s.data();
        const char* end = p + s.size();
        while (p < end) {
            char32_t cp;
            size_t n = units == utf8::Bytes::Any ? 1 : utf8::decode(p, end, cp);
            parts.emplace_back(p, n);
            p += n;
        }
        parts.emplace_back(s.substr(s.size()));
    } else {
        size_t start = 0;
        for (;;) {
            size_t at = s.find(delim, start);
            if (at == std::string_view::npos) break;
            parts.push_back(s.substr(start, at - start));
            start = at + delim.size();
        }
        parts.push_back(s.substr(start));
    }
    // Variant lengths are 32-bit.
    if (parts.size() > UINT32_MAX) fatal("string_split", "too many parts (%zu)", parts.size());
    StackValue list = make_variant(list_tag(), nullptr, 0, parts.size());
    VariantObj* v = variant_of(list);
    // Fresh global strings need no share_value().
    for (std::string_view part : parts)
        v->fields[v->len++] = make_string(part);
    return list;
}

std::string format_float_debug(double d) {
    if (!std::isfinite(d)) return format_float(d);
    double a = std::fabs(d);
    if (a != 0.0 && (a < 1e-4 || a >= 1e16)) {
        // Shortest round-trip digits in scientific form, written as Rust
        // does: "1e16", "1.5e-5" (no '+', no exponent padding).
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
        std::string_view sv(buf, static_cast<size_t>(res.ptr - buf));
        size_t e = sv.find('e');
        std::string out(sv.substr(0, e));
        out.push_back('e');
        std::string_view exp = sv.substr(e + 1);
        if (exp[0] == '-') {
            out.push_back('-');
            exp.remove_prefix(1);
        } else if (exp[0] == '+') {
            exp.remove_prefix(1);
        }
        while (exp.size() > 1 && exp[0] == '0')
            exp.remove_prefix(1);
        out += exp;
        return out;
    }
    std::string s = format_float(d);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
}

namespace {

void append_seqstring_debug(std::string& out, std::string_view s) {
    // Values stored in containers are always global strings.
    out += "SeqString(";
    utf8::append_debug_quoted(out, s);
    out += ", global=true)";
}

void append_value_debug(std::string& out, StackValue v);

void append_map_key_debug(std::string& out, StackValue k) {
    if (is_int(k)) {
        out += "Int(" + std::to_string(int_of(k)) + ")";
    } else if (is_bool(k)) {
        out += k == kTrue ? "Bool(true)" : "Bool(false)";
    } else {
        out += "String(";
        append_seqstring_debug(out, string_of(k)->view());
        out += ")";
    }
}

void append_list_debug(std::string& out, const StackValue* items, size_t n) {
    out.push_back('[');
    for (size_t i = 0; i < n; ++i) {
        if (i) out += ", ";
        append_value_debug(out, items[i]);
    }
    out.push_back(']');
}

// The derived Debug of seq-runtime's Value enum.
void append_value_debug(std::string& out, StackValue v) {
    switch (kind_of(v)) {
        case Kind::Int:
            out += "Int(" + std::to_string(int_of(v)) + ")";
            return;
        case Kind::Bool:
            out += v == kTrue ? "Bool(true)" : "Bool(false)";
            return;
        case Kind::Float:
            out += "Float(" + format_float_debug(float_of(v)) + ")";
            return;
        case Kind::String:
        case Kind::Symbol:
            out += kind_of(v) == Kind::String ? "String(" : "Symbol(";
            append_seqstring_debug(out, string_of(v)->view());
            out += ")";
            return;
        case Kind::Variant: {
            VariantObj* var = variant_of(v);
            out += "Variant(VariantData { tag: ";
            append_seqstring_debug(out, var->tag->view());
            out += ", fields: ";
            append_list_debug(out, var->fields, var->len);
            out += " })";
            return;
        }
        case Kind::Map: {
            // Upstream prints in hash order, which varies from run to run; a
            // sorted order (ints, bools, strings, as SON) is one of those.
            const MapTable& t = map_of(v)->table;
            std::vector<const MapTable::value_type*> entries;
            entries.reserve(t.size());
            for (const auto& e : t)
                entries.push_back(&e);
            auto rank = [](StackValue k) { return is_int(k) ? 0 : is_bool(k) ? 1 : 2; };
            std::sort(entries.begin(), entries.end(), [&](const auto* a, const auto* b) {
                int ra = rank(a->first), rb = rank(b->first);
                if (ra != rb) return ra < rb;
                if (ra == 0) return int_of(a->first) < int_of(b->first);
                if (ra == 1) return a->first < b->first;
                return string_of(a->first)->view() < string_of(b->first)->view();
            });
            out += "Map({";
            for (size_t i = 0; i < entries.size(); ++i) {
                if (i) out += ", ";
                append_map_key_debug(out, entries[i]->first);
                out += ": ";
                append_value_debug(out, entries[i]->second);
            }
            out += "})";
            return;
        }
        case Kind::Quotation: {
            QuotationObj* q = quotation_of(v);
            out += "Quotation { wrapper: " + std::to_string(q->wrapper) +
                   ", impl_: " + std::to_string(q->impl) + " }";
            return;
        }
        case Kind::Closure: {
            ClosureObj* c = closure_of(v);
            out += "Closure { fn_ptr: " + std::to_string(c->fn) + ", env: ";
            append_list_debug(out, c->env, c->len);
            out += " }";
            return;
        }
        case Kind::Channel:
            out += "Channel(ChannelData { sender: Sender { .. }, receiver: Receiver { .. } })";
            return;
        case Kind::WeaveCtx:
            out +=
                "WeaveCtx { yield_chan: WeaveChannelData { sender: Sender { .. }, receiver: "
                "Receiver { .. } }, resume_chan: WeaveChannelData { sender: Sender { .. }, "
                "receiver: Receiver { .. } } }";
            return;
    }
}

}  // namespace

void append_join_part(std::string& out, StackValue v) {
    switch (kind_of(v)) {
        case Kind::String:
            out += string_of(v)->view();
            return;
        case Kind::Int:
            out += std::to_string(int_of(v));
            return;
        case Kind::Float:
            out += format_float(float_of(v));
            return;
        case Kind::Bool:
            out += v == kTrue ? "true" : "false";
            return;
        case Kind::Symbol:
            out.push_back(':');
            out += string_of(v)->view();
            return;
        default:
            append_value_debug(out, v);
    }
}

}  // namespace seq::strings
