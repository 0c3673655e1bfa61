#include "core/value/symbol.hpp"

#include <cstdlib>
#include <new>

#include "core/value/immortal_table.hpp"

namespace seq {

namespace {

ImmortalTable<13> g_symbols;  // 8192 symbol literals

StringObj* make_immortal(std::string_view name) {
    auto* s = static_cast<StringObj*>(std::malloc(sizeof(StringObj)));
    if (!s) throw std::bad_alloc();
    new (&s->rc) std::atomic<uint32_t>(1);
    s->kind = Kind::Symbol;
    s->flags = kImmortal;
    s->aux = 0;
    s->len = name.size();
    s->data = name.data();
    return s;
}

}  // namespace

StackValue intern_static_symbol(const void* key, std::string_view name) {
    size_t h = (reinterpret_cast<uintptr_t>(key) >> 3) * 0x9E3779B97F4A7C15ULL;
    if (StringObj* s = g_symbols.get(
            key, h, [](StringObj*) { return true; }, [&] { return make_immortal(name); }))
        return from_heap(s);
    // Table full (a program with more than 8192 symbol literals): fall back
    // to an ordinary counted symbol.
    return make_string(name, Kind::Symbol);
}

}  // namespace seq
