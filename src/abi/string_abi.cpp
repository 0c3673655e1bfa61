// String and symbol words (seq-runtime 5.4.0 string_ops.rs, io.rs,
// variant_ops.rs symbol_eq_cstr). Semantics are documented in
// docs/abi-strings.md; the text logic lives in core/strings and core/utf8.
#include <cstdlib>
#include <cstring>
#include <string>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/text/strings.hpp"
#include "core/text/utf8.hpp"
#include "seq/runtime_strings.h"

using namespace seq;

namespace {

// Pushes `s` as a new global string.
Stack push_text(Stack sp, std::string_view s) {
    return push(sp, make_string(s));
}

// Replaces the popped string `src` by the part `part` of its own bytes:
// returns `src` itself when nothing changes, so unchanged text costs nothing.
Stack push_part(Stack sp, StringObj* src, std::string_view part) {
    if (part.size() == src->len) return push(sp, from_heap(src));
    StackValue r = make_string(part);
    release(src);
    return push(sp, r);
}

// The result of a two-string predicate.
template <typename Pred>
Stack string_pair_test(Stack sp, const char* word, Pred pred) {
    bool r = with_strings(sp, word, pred);
    return push(sp, make_bool(r));
}

// ( String -- String ) for the words whose core function appends a new text
// made from the popped one.
Stack rewrite_word(Stack sp, const char* word, void (*append)(std::string&, std::string_view)) {
    std::string out = with_string(sp, word, [&](std::string_view s) {
        std::string r;
        append(r, s);
        return r;
    });
    return push_text(sp, out);
}

// A symbol and a string share one layout, so a uniquely owned one changes
// kind in place (as upstream moves its SeqString); others are copied.
Stack convert_kind(Stack sp, StackValue v, Kind to) {
    HeapObject* h = heap_of(v);
    if (is_unique(h)) {
        h->kind = to;
        return push(sp, v);
    }
    StackValue r = make_string(string_of(v)->view(), to);
    drop_value(v);
    return push(sp, r);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_string_concat(seq_stack_t sp) {
    StringObj* b = pop_string(sp, "string_concat");
    StringObj* a = pop_string(sp, "string_concat");
    return push(sp, from_heap(string_concat(a, b)));
}

SEQ_API seq_stack_t patch_seq_string_length(seq_stack_t sp) {
    size_t n = with_string(sp, "string_length", utf8::char_count);
    return push(sp, make_int(static_cast<int64_t>(n)));
}

SEQ_API seq_stack_t patch_seq_string_byte_length(seq_stack_t sp) {
    size_t n = with_string(sp, "string_byte_length", [](std::string_view s) { return s.size(); });
    return push(sp, make_int(static_cast<int64_t>(n)));
}

SEQ_API seq_stack_t patch_seq_string_char_at(seq_stack_t sp) {
    int64_t index = pop_int(sp, "string_char_at");
    StringObj* s = pop_string(sp, "string_char_at");
    int64_t result = -1;
    if (index >= 0) {
        std::string_view v = s->view();
        size_t off = utf8::byte_offset(v, static_cast<size_t>(index));
        if (off < v.size()) {
            char32_t cp;
            utf8::decode(v.data() + off, v.data() + v.size(), cp);
            result = cp;
        }
    }
    release(s);
    return push(sp, make_int(result));
}

SEQ_API seq_stack_t patch_seq_string_substring(seq_stack_t sp) {
    int64_t len = pop_int(sp, "string_substring");
    int64_t start = pop_int(sp, "string_substring");
    StringObj* s = pop_string(sp, "string_substring");
    if (start < 0 || len < 0) {
        release(s);
        return push_text(sp, {});
    }
    std::string_view v = s->view();
    std::string_view rest = v.substr(utf8::byte_offset(v, static_cast<size_t>(start)));
    return push_part(sp, s, rest.substr(0, utf8::byte_offset(rest, static_cast<size_t>(len))));
}

SEQ_API seq_stack_t patch_seq_string_find(seq_stack_t sp) {
    int64_t r = with_strings(sp, "string_find", strings::find_char_index);
    return push(sp, make_int(r));
}

SEQ_API seq_stack_t patch_seq_string_split(seq_stack_t sp) {
    StackValue list = with_strings(sp, "string_split", [](std::string_view s, std::string_view d) {
        return strings::split(s, d, kStringBytes);
    });
    return push(sp, list);
}

SEQ_API seq_stack_t patch_seq_string_join(seq_stack_t sp) {
    StackValue sep = *--sp;
    if (!is_kind(sep, Kind::String)) type_error("string.join", "String separator", sep);
    StackValue list = *--sp;
    if (!is_kind(list, Kind::Variant)) type_error("string.join", "Variant (list)", list);
    VariantObj* v = variant_of(list);
    std::string_view sv = string_of(sep)->view();
    std::string out;
    for (uint32_t i = 0; i < v->len; ++i) {
        if (i) out += sv;
        strings::append_join_part(out, v->fields[i]);
    }
    drop_value(list);
    drop_value(sep);
    return push_text(sp, out);
}

SEQ_API seq_stack_t patch_seq_string_contains(seq_stack_t sp) {
    return string_pair_test(sp, "string_contains", [](std::string_view a, std::string_view b) {
        return a.find(b) != std::string_view::npos;
    });
}

SEQ_API seq_stack_t patch_seq_string_starts_with(seq_stack_t sp) {
    return string_pair_test(sp, "string_starts_with", [](std::string_view a, std::string_view b) {
        return a.starts_with(b);
    });
}

SEQ_API seq_stack_t patch_seq_string_equal(seq_stack_t sp) {
    return string_pair_test(sp, "string_equal",
                            [](std::string_view a, std::string_view b) { return a == b; });
}

SEQ_API seq_stack_t patch_seq_string_empty(seq_stack_t sp) {
    bool empty = with_string(sp, "string_empty", [](std::string_view s) { return s.empty(); });
    return push(sp, make_bool(empty));
}

SEQ_API seq_stack_t patch_seq_string_trim(seq_stack_t sp) {
    StringObj* s = pop_string(sp, "string_trim");
    return push_part(sp, s, utf8::trim(s->view()));
}

SEQ_API seq_stack_t patch_seq_string_chomp(seq_stack_t sp) {
    StringObj* s = pop_string(sp, "string_chomp");
    std::string_view v = s->view();
    // One trailing "\n" or "\r\n"; a lone trailing "\r" stays.
    if (v.ends_with('\n')) {
        v.remove_suffix(1);
        if (v.ends_with('\r')) v.remove_suffix(1);
    }
    return push_part(sp, s, v);
}

SEQ_API seq_stack_t patch_seq_string_to_upper(seq_stack_t sp) {
    return rewrite_word(sp, "string_to_upper", utf8::append_upper);
}

SEQ_API seq_stack_t patch_seq_string_to_lower(seq_stack_t sp) {
    return rewrite_word(sp, "string_to_lower", utf8::append_lower);
}

SEQ_API seq_stack_t patch_seq_string_to_int(seq_stack_t sp) {
    StackValue v = *--sp;
    std::optional<int64_t> n;
    if (is_kind(v, Kind::String)) n = strings::parse_i64(utf8::trim(string_of(v)->view()));
    drop_value(v);
    // Values beyond 63 bits wrap as upstream's tagging does (the parse itself
    // accepts the whole i64 range).
    return push_with_flag(sp, make_int(n.value_or(0)), n.has_value());
}

SEQ_API seq_stack_t patch_seq_char_to_string(seq_stack_t sp) {
    int64_t cp = pop_int(sp, "char_to_string");
    if (!utf8::is_scalar(cp)) return push_text(sp, {});
    char buf[4];
    return push_text(sp, {buf, utf8::encode(static_cast<char32_t>(cp), buf)});
}

SEQ_API seq_stack_t patch_seq_json_escape(seq_stack_t sp) {
    return rewrite_word(sp, "json_escape", strings::append_json_escaped);
}

SEQ_API seq_stack_t patch_seq_symbol_to_string(seq_stack_t sp) {
    StackValue v = pop_kind(sp, Kind::Symbol, "symbol_to_string");
    return convert_kind(sp, v, Kind::String);
}

SEQ_API seq_stack_t patch_seq_string_to_symbol(seq_stack_t sp) {
    StackValue v = pop_kind(sp, Kind::String, "string_to_symbol");
    return convert_kind(sp, v, Kind::Symbol);
}

SEQ_API seq_stack_t patch_seq_symbol_equal(seq_stack_t sp) {
    StackValue b = pop_kind(sp, Kind::Symbol, "symbol_equal");
    StackValue a = pop_kind(sp, Kind::Symbol, "symbol_equal");
    bool eq = a == b || string_of(a)->view() == string_of(b)->view();
    drop_value(a);
    drop_value(b);
    return push(sp, make_bool(eq));
}

SEQ_API seq_stack_t patch_seq_symbol_eq_cstr(seq_stack_t sp, const char* name) {
    if (!name) fatal("symbol_eq_cstr", "null name pointer");
    StackValue v = pop_kind(sp, Kind::Symbol, "symbol_eq_cstr");
    std::string_view sym = string_of(v)->view();
    // A symbol holding a NUL never equals a C string, as upstream compares
    // the whole symbol with the name up to its NUL.
    bool eq = std::strlen(name) == sym.size() && std::memcmp(sym.data(), name, sym.size()) == 0;
    drop_value(v);
    return push(sp, make_bool(eq));
}

SEQ_API char* patch_seq_string_to_cstring(seq_stack_t sp, char* /*out*/) {
    StackValue v = peek(sp);
    if (!is_kind(v, Kind::String)) type_error("string_to_cstring", "String", v);
    StringObj* s = string_of(v);
    auto* copy = static_cast<char*>(std::malloc(s->len + 1));
    if (!copy) fatal("string_to_cstring", "malloc failed");
    if (s->len) std::memcpy(copy, s->data, s->len);
    copy[s->len] = '\0';
    return copy;
}

SEQ_API seq_stack_t patch_seq_cstring_to_string(seq_stack_t sp, const char* cstr) {
    if (!cstr) return push_text(sp, {});
    std::string_view raw(cstr);
    if (utf8::is_valid(raw)) return push_text(sp, raw);
    return push_text(sp, utf8::lossy(raw));
}

}  // extern "C"
