#include "core/value/value.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/fatal.hpp"
#include "core/value/context.hpp"
#include "core/value/map.hpp"

namespace seq {

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Int:
            return "Int";
        case Kind::Bool:
            return "Bool";
        case Kind::Float:
            return "Float";
        case Kind::String:
            return "String";
        case Kind::Symbol:
            return "Symbol";
        case Kind::Variant:
            return "Variant";
        case Kind::Map:
            return "Map";
        case Kind::Quotation:
            return "Quotation";
        case Kind::Closure:
            return "Closure";
        case Kind::Channel:
            return "Channel";
        case Kind::WeaveCtx:
            return "WeaveCtx";
    }
    return "?";
}

namespace {

void* checked_malloc(size_t n) {
    void* p = std::malloc(n);
    if (!p) throw std::bad_alloc();
    return p;
}

template <typename T>
T* new_object(size_t bytes, Kind kind, uint8_t flags = 0) {
    auto* o = static_cast<T*>(checked_malloc(bytes));
    new (&o->rc) std::atomic<uint32_t>(1);
    o->kind = kind;
    o->flags = flags;
    o->aux = 0;
    return o;
}

}  // namespace

void destroy_heap(HeapObject* h) {
    switch (h->kind) {
        case Kind::Variant: {
            auto* v = static_cast<VariantObj*>(h);
            release(v->tag);
            for (uint32_t i = 0; i < v->len; ++i)
                drop_value(v->fields[i]);
            break;
        }
        case Kind::Closure: {
            auto* c = static_cast<ClosureObj*>(h);
            for (size_t i = 0; i < c->len; ++i)
                drop_value(c->env[i]);
            break;
        }
        case Kind::Map:
        case Kind::Channel:
        case Kind::WeaveCtx: {
            auto* m = static_cast<ManagedObject*>(h);
            m->destroy(m);  // frees the object itself
            return;
        }
        default:
            break;
    }
    std::free(h);
}

StackValue share_value(StackValue v) {
    if (!is_heap(v) || !(heap_of(v)->flags & kArena)) return v;
    // Arena strings are the only arena objects; copy the bytes to the heap.
    StringObj* s = string_of(v);
    return make_string(s->view(), s->kind);
}

// ---- floats ------------------------------------------------------------------

StackValue make_float(double d) {
    auto* f = new_object<FloatObj>(sizeof(FloatObj), Kind::Float);
    f->value = d;
    return from_heap(f);
}

double float_of(StackValue v) {
    return static_cast<FloatObj*>(heap_of(v))->value;
}

// ---- strings -----------------------------------------------------------------

StringObj* alloc_string(size_t len, Kind kind) {
    auto* s = new_object<StringObj>(sizeof(StringObj) + len + 1, kind);
    s->len = len;
    s->data = s->inline_bytes;
    s->inline_bytes[len] = '\0';
    return s;
}

StackValue make_string(std::string_view str, Kind kind) {
    StringObj* s = alloc_string(str.size(), kind);
    if (!str.empty()) std::memcpy(s->inline_bytes, str.data(), str.size());
    return from_heap(s);
}

StackValue make_arena_string(std::string_view str) {
    Arena& arena = current_context()->arena;
    auto* s = static_cast<StringObj*>(arena.allocate(sizeof(StringObj) + str.size() + 1));
    new (&s->rc) std::atomic<uint32_t>(1);
    s->kind = Kind::String;
    s->flags = kArena;
    s->aux = 0;
    s->len = str.size();
    s->data = s->inline_bytes;
    if (!str.empty()) std::memcpy(s->inline_bytes, str.data(), str.size());
    s->inline_bytes[str.size()] = '\0';
    return from_heap(s);
}

StringObj* string_concat(StringObj* a, StringObj* b) {
    const size_t la = a->len, lb = b->len;
    if (lb == 0) {
        release(b);
        return a;
    }
    if (la == 0) {
        release(a);
        return b;
    }
    if (la > SIZE_MAX / 2 || lb > SIZE_MAX / 2) fatal("string_concat", "string too large");
    // Appending to a uniquely owned global string reuses its allocation, which
    // keeps accumulation loops from copying the prefix when realloc can grow.
    // Only a malloc'd object holding its bytes inline can be realloc'd;
    // is_unique already rules out arena and immortal strings.
    if (is_unique(a) && a->data == a->inline_bytes) {
        auto* grown = static_cast<StringObj*>(
            std::realloc(static_cast<void*>(a), sizeof(StringObj) + la + lb + 1));
        if (!grown) fatal("string_concat", "out of memory");
        grown->data = grown->inline_bytes;
        std::memcpy(grown->inline_bytes + la, b->data, lb);
        grown->len = la + lb;
        grown->inline_bytes[la + lb] = '\0';
        release(b);
        return grown;
    }
    StringObj* r = alloc_string(la + lb);
    std::memcpy(r->inline_bytes, a->data, la);
    std::memcpy(r->inline_bytes + la, b->data, lb);
    release(a);
    release(b);
    return r;
}

// ---- quotations and closures ------------------------------------------------------

StackValue make_quotation(uintptr_t wrapper, uintptr_t impl) {
    auto* q = new_object<QuotationObj>(sizeof(QuotationObj), Kind::Quotation);
    q->wrapper = wrapper;
    q->impl = impl;
    return from_heap(q);
}

ClosureObj* alloc_closure(uintptr_t fn, size_t len) {
    auto* c = new_object<ClosureObj>(sizeof(ClosureObj) + len * sizeof(StackValue), Kind::Closure);
    c->fn = fn;
    c->len = len;
    for (size_t i = 0; i < len; ++i)
        c->env[i] = kFalse;
    return c;
}

StackValue make_closure(uintptr_t fn, const StackValue* env, size_t len) {
    ClosureObj* c = alloc_closure(fn, len);
    for (size_t i = 0; i < len; ++i)
        c->env[i] = share_value(env[i]);
    return from_heap(c);
}

// ---- variants ------------------------------------------------------------------

StackValue make_variant(StringObj* tag, const StackValue* fields, size_t len, size_t cap) {
    if (cap < len) cap = len;
    auto* v = new_object<VariantObj>(sizeof(VariantObj) + cap * sizeof(StackValue), Kind::Variant);
    // The tag outlives the strand that made it, so it must not be an arena string.
    v->tag = string_of(share_value(from_heap(tag)));
    v->len = static_cast<uint32_t>(len);
    v->cap = static_cast<uint32_t>(cap);
    for (size_t i = 0; i < len; ++i)
        v->fields[i] = share_value(fields[i]);
    return from_heap(v);
}

VariantObj* variant_append_unique(VariantObj* v, StackValue field) {
    if (v->len == v->cap) {
        if (v->cap >= (uint32_t{1} << 31)) fatal("variant.append", "variant exceeds 2^31 fields");
        uint32_t cap = v->cap < 4 ? 4 : v->cap * 2;
        auto* grown = static_cast<VariantObj*>(
            std::realloc(static_cast<void*>(v), sizeof(VariantObj) + cap * sizeof(StackValue)));
        if (!grown) throw std::bad_alloc();
        v = grown;
        v->cap = cap;
    }
    v->fields[v->len++] = share_value(field);
    return v;
}

// ---- equality --------------------------------------------------------------------

bool values_equal(StackValue a, StackValue b) {
    if (a == b) return true;
    if (!is_heap(a) || !is_heap(b)) return false;
    HeapObject* x = heap_of(a);
    HeapObject* y = heap_of(b);
    if (x->kind != y->kind) return false;
    switch (x->kind) {
        case Kind::Float:
            return float_of(a) == float_of(b);
        case Kind::String:
        case Kind::Symbol:
            return string_of(a)->view() == string_of(b)->view();
        case Kind::Variant: {
            auto* va = variant_of(a);
            auto* vb = variant_of(b);
            if (va->len != vb->len || va->tag->view() != vb->tag->view()) return false;
            for (uint32_t i = 0; i < va->len; ++i)
                if (!values_equal(va->fields[i], vb->fields[i])) return false;
            return true;
        }
        case Kind::Map: {
            const MapTable& ta = map_of(a)->table;
            const MapTable& tb = map_of(b)->table;
            if (ta.size() != tb.size()) return false;
            for (const auto& [k, v] : ta) {
                auto it = tb.find(k);
                if (it == tb.end() || !values_equal(v, it->second)) return false;
            }
            return true;
        }
        case Kind::Quotation:
            return quotation_of(a)->wrapper == quotation_of(b)->wrapper &&
                   quotation_of(a)->impl == quotation_of(b)->impl;
        default:
            return false;  // closures, channels, weaves: identity only
    }
}

void type_error(const char* word, const char* expected, StackValue got) {
    fatal(word, "expected %s, got %s", expected, kind_name(kind_of(got)));
}

}  // namespace seq
