// Fuzz target: SON (core/value/son, the son.dump words). The input drives a
// builder that makes a nested value (Ints, Floats, Bools, Strings of any
// bytes, Symbols, lists, maps, tagged variants); its SON text, plain and
// pretty, is read back by the small SON reader below (SON is Seq source: a
// postfix program of literals, list-of/lv, map-of/kv and wrap-N), which must
// rebuild an equal value, with map entries in the order upstream prints them
// (son_key_before below).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/text/utf8.hpp"
#include "core/value/list.hpp"
#include "core/value/map.hpp"
#include "core/value/numeric_format.hpp"
#include "core/value/son.hpp"
#include "fuzz_support.hpp"
#include "seq/runtime_strings.h"

using namespace seq;
using seq::fuzz::FuzzStack;

namespace {

constexpr int kMaxDepth = 6;
constexpr int kMaxItems = 8;

std::string symbol_name(FuzzedDataProvider& in) {
    static constexpr char kChars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_?";
    size_t n = in.ConsumeIntegralInRange<size_t>(1, 8);
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s += kChars[in.ConsumeIntegralInRange<size_t>(0, sizeof kChars - 2)];
    return s;
}

StackValue build_key(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
        case 0:
            return make_int(in.ConsumeIntegralInRange<int64_t>(kIntMin, kIntMax));
        case 1:
            return make_bool(in.ConsumeBool());
        default:
            return make_string(in.ConsumeRandomLengthString(12));
    }
}

// An owned value built from the input.
StackValue build(FuzzedDataProvider& in, int depth) {
    int choice = in.ConsumeIntegralInRange<int>(0, depth >= kMaxDepth ? 4 : 7);
    switch (choice) {
        case 0:
            return make_int(in.ConsumeIntegralInRange<int64_t>(kIntMin, kIntMax));
        case 1: {
            double d = in.ConsumeFloatingPoint<double>();
            if (std::isnan(d)) d = 0.5;  // NaN is not equal to itself
            return make_float(d);
        }
        case 2:
            return make_bool(in.ConsumeBool());
        case 3:
            return make_string(in.ConsumeRandomLengthString(24));
        case 4:
            return make_string(symbol_name(in), Kind::Symbol);
        case 5: {
            VariantObj* list = new_list(0);
            int n = in.ConsumeIntegralInRange<int>(0, kMaxItems);
            for (int i = 0; i < n; ++i)
                list = variant_push(list, build(in, depth + 1), "fuzz");
            return from_heap(list);
        }
        case 6: {
            MapObj* m = new_map();
            int n = in.ConsumeIntegralInRange<int>(0, kMaxItems);
            for (int i = 0; i < n; ++i) {
                StackValue k = build_key(in);
                map_put(m, k, build(in, depth + 1));
            }
            return from_heap(m);
        }
        default: {
            std::vector<StackValue> fields;
            int n = in.ConsumeIntegralInRange<int>(0, 4);
            for (int i = 0; i < n; ++i)
                fields.push_back(build(in, depth + 1));
            std::string tag = symbol_name(in);
            if (tag == "List") tag = "Lst";  // a List tag prints as list-of
            StackValue sym = make_string(tag, Kind::Symbol);
            return make_variant(string_of(sym), fields.data(), fields.size());
        }
    }
}

// The order seq-runtime's son.rs prints map entries in, which SON keeps for
// byte-identical output: Ints, then false, true, then Strings by bytes, the
// Ints compared as the text format!("0_{:020}", n), so negative Ints come
// before the others but in descending order (-1 before -2).
bool son_key_before(StackValue a, StackValue b) {
    auto rank = [](StackValue k) { return is_int(k) ? 0 : is_bool(k) ? 1 : 2; };
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (is_int(a)) {
        char x[32], y[32];
        std::snprintf(x, sizeof x, "%020lld", static_cast<long long>(int_of(a)));
        std::snprintf(y, sizeof y, "%020lld", static_cast<long long>(int_of(b)));
        return std::string_view(x) < std::string_view(y);
    }
    return map_key_less(a, b);
}

// ---- the SON reader ------------------------------------------------------------

class Reader {
  public:
    explicit Reader(std::string_view text) : text_(text) {}
    ~Reader() {
        for (StackValue v : stack_)
            drop_value(v);
    }

    // The one value the text builds, or nullopt (owned by the caller).
    std::optional<StackValue> read() {
        while (skip_space(), pos_ < text_.size())
            if (!step()) return std::nullopt;
        if (stack_.size() != 1) return std::nullopt;
        StackValue v = stack_.back();
        stack_.clear();
        return v;
    }

  private:
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n'))
            ++pos_;
    }

    StackValue pop() {
        SEQ_FUZZ_CHECK(!stack_.empty());
        StackValue v = stack_.back();
        stack_.pop_back();
        return v;
    }

    bool step() {
        if (text_[pos_] == '"') return read_string();
        size_t end = text_.find_first_of(" \n", pos_);
        if (end == std::string_view::npos) end = text_.size();
        std::string_view word = text_.substr(pos_, end - pos_);
        pos_ = end;
        if (word == "true" || word == "false") {
            stack_.push_back(make_bool(word == "true"));
        } else if (word == "list-of") {
            stack_.push_back(from_heap(new_list(0)));
        } else if (word == "map-of") {
            stack_.push_back(from_heap(new_map()));
        } else if (word == "lv") {
            if (stack_.size() < 2) return false;
            StackValue item = pop();
            StackValue list = pop();
            if (!is_kind(list, Kind::Variant)) return false;
            stack_.push_back(from_heap(variant_push(variant_of(list), item, "son reader")));
        } else if (word == "kv") {
            if (stack_.size() < 3) return false;
            StackValue value = pop();
            StackValue key = pop();
            StackValue map = pop();
            if (!is_kind(map, Kind::Map) || !is_valid_map_key(key)) return false;
            MapObj* m = map_of(map);
            // Entries must come in upstream's order.
            for (const auto& e : m->table)
                SEQ_FUZZ_CHECK(son_key_before(e.first, key));
            map_put(m, key, value);
            stack_.push_back(map);
        } else if (word.starts_with("wrap-")) {
            size_t n = std::strtoul(std::string(word.substr(5)).c_str(), nullptr, 10);
            if (stack_.size() < n + 1) return false;
            std::vector<StackValue> fields(stack_.end() - static_cast<long>(n), stack_.end());
            stack_.resize(stack_.size() - n);
            StackValue tag = pop();
            if (!is_kind(tag, Kind::Symbol)) return false;
            stack_.push_back(make_variant(string_of(tag), fields.data(), fields.size()));
        } else if (word.starts_with(':')) {
            stack_.push_back(make_string(word.substr(1), Kind::Symbol));
        } else {
            return read_number(word);
        }
        return true;
    }

    bool read_number(std::string_view word) {
        bool is_float = word.find_first_of(".ie") != std::string_view::npos || word == "NaN";
        if (is_float) {
            double d;
            if (!parse_f64(word, d)) return false;
            stack_.push_back(make_float(d));
        } else {
            errno = 0;
            char* end = nullptr;
            std::string w(word);
            long long v = std::strtoll(w.c_str(), &end, 10);
            if (errno || *end || w.empty()) return false;
            stack_.push_back(make_int(v));
        }
        return true;
    }

    bool read_string() {
        std::string s;
        for (++pos_; pos_ < text_.size(); ++pos_) {
            char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                stack_.push_back(make_string(s));
                return true;
            }
            if (c != '\\') {
                s.push_back(c);
                continue;
            }
            if (++pos_ >= text_.size()) return false;
            switch (text_[pos_]) {
                case '"':
                    s += '"';
                    break;
                case '\\':
                    s += '\\';
                    break;
                case 'n':
                    s += '\n';
                    break;
                case 'r':
                    s += '\r';
                    break;
                case 't':
                    s += '\t';
                    break;
                case 'b':
                    s += '\b';
                    break;
                case 'f':
                    s += '\f';
                    break;
                case 'u': {
                    if (pos_ + 4 >= text_.size()) return false;
                    unsigned cp = std::stoul(std::string(text_.substr(pos_ + 1, 4)), nullptr, 16);
                    utf8::append(s, cp);
                    pos_ += 4;
                    break;
                }
                default:
                    return false;
            }
        }
        return false;
    }

    std::string_view text_;
    size_t pos_ = 0;
    std::vector<StackValue> stack_;
};

void check_reads_back(StackValue v, bool pretty) {
    std::string text = son_string(v, pretty);
    Reader r(text);
    std::optional<StackValue> back = r.read();
    if (!back) std::fprintf(stderr, "unreadable SON: %s\n", text.c_str());
    SEQ_FUZZ_CHECK(back.has_value());
    if (!values_equal(v, *back)) std::fprintf(stderr, "SON read back differs: %s\n", text.c_str());
    SEQ_FUZZ_CHECK(values_equal(v, *back));
    drop_value(*back);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    StackValue v = build(in, 0);
    check_reads_back(v, false);
    check_reads_back(v, true);
    // The words: son.dump gives the plain form and consumes its value.
    FuzzStack st;
    st.sp = patch_seq_push_value(st.sp, clone_value(v));
    st.sp = patch_seq_son_dump(st.sp);
    SEQ_FUZZ_CHECK(st.pop_string() == son_string(v, false));
    st.sp = patch_seq_push_value(st.sp, v);
    st.sp = patch_seq_son_dump_pretty(st.sp);
    st.drop();
    return 0;
}
