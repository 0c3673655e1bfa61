#include "core/value/son.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/value/map.hpp"
#include "core/value/numeric_format.hpp"

namespace seq {

std::string format_float(double d) {
    char buf[kF64DisplayMax];
    return std::string(format_f64(d, buf));
}

namespace {

void append_indent(std::string& out, size_t depth) {
    out.append(depth * 2, ' ');
}

void append_quoted(std::string& out, std::string_view s) {
    out.push_back('"');
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case 0x08:
                out += "\\b";
                continue;
            case 0x0c:
                out += "\\f";
                continue;
            default:
                break;
        }
        char esc[8];
        if (c < 0x20 || c == 0x7f) {
            std::snprintf(esc, sizeof esc, "\\u%04x", c);
            out += esc;
        } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
            // U+0080..U+009F are control characters too (Unicode Cc).
            std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(s[i + 1]));
            out += esc;
            ++i;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

void append_key(std::string& out, StackValue k) {
    if (is_int(k)) {
        out += std::to_string(int_of(k));
    } else if (is_bool(k)) {
        out += k == kTrue ? "true" : "false";
    } else {
        append_quoted(out, string_of(k)->view());
    }
}

// Map entries print in a stable order: ints, then bools, then strings.
std::string key_sort_string(StackValue k) {
    char buf[32];
    if (is_int(k)) {
        std::snprintf(buf, sizeof buf, "0_%020lld", static_cast<long long>(int_of(k)));
        return buf;
    }
    if (is_bool(k)) return k == kTrue ? "1_true" : "1_false";
    return "2_" + std::string(string_of(k)->view());
}

// One element of a list / field of a variant / entry of a map.
void append_item(std::string& out, bool pretty, size_t depth) {
    if (pretty) {
        out.push_back('\n');
        append_indent(out, depth + 1);
    } else {
        out.push_back(' ');
    }
}

}  // namespace

void son_append(std::string& out, StackValue v, bool pretty, size_t depth) {
    const size_t inner = pretty ? depth + 1 : depth;
    switch (kind_of(v)) {
        case Kind::Int:
            out += std::to_string(int_of(v));
            return;
        case Kind::Bool:
            out += v == kTrue ? "true" : "false";
            return;
        case Kind::Float: {
            double d = float_of(v);
            std::string s = format_float(d);
            if (s.find('.') == std::string::npos && std::isfinite(d)) s += ".0";
            out += s;
            return;
        }
        case Kind::String:
            append_quoted(out, string_of(v)->view());
            return;
        case Kind::Symbol:
            out.push_back(':');
            out += string_of(v)->view();
            return;
        case Kind::Variant: {
            VariantObj* var = variant_of(v);
            if (var->tag->view() == "List") {
                out += "list-of";
                for (uint32_t i = 0; i < var->len; ++i) {
                    append_item(out, pretty, depth);
                    son_append(out, var->fields[i], pretty, inner);
                    out += " lv";
                }
                return;
            }
            out.push_back(':');
            out += var->tag->view();
            for (uint32_t i = 0; i < var->len; ++i) {
                append_item(out, pretty, depth);
                son_append(out, var->fields[i], pretty, inner);
            }
            if (pretty && var->len > 0) {
                out.push_back('\n');
                append_indent(out, depth);
            }
            out += " wrap-" + std::to_string(var->len);
            return;
        }
        case Kind::Map: {
            out += "map-of";
            const MapTable& t = map_of(v)->table;
            std::vector<std::pair<std::string, const MapTable::value_type*>> entries;
            entries.reserve(t.size());
            for (const auto& e : t)
                entries.emplace_back(key_sort_string(e.first), &e);
            std::sort(entries.begin(), entries.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            for (const auto& [sort_key, e] : entries) {
                append_item(out, pretty, depth);
                append_key(out, e->first);
                out.push_back(' ');
                son_append(out, e->second, pretty, inner);
                out += " kv";
            }
            return;
        }
        case Kind::Quotation:
            out += "<quotation>";
            return;
        case Kind::Closure:
            out += "<closure>";
            return;
        case Kind::Channel:
            out += "<channel>";
            return;
        case Kind::WeaveCtx:
            out += "<weave-ctx>";
            return;
    }
}

std::string son_string(StackValue v, bool pretty) {
    std::string out;
    son_append(out, v, pretty);
    return out;
}

}  // namespace seq
