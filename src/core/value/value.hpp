// The value model: 8-byte tagged stack words and the reference-counted heap
// objects they point to.
//
// The encoding is the ABI. Compiled Seq code reads and writes stack words
// directly (integer and boolean arithmetic is inlined), so:
//   odd            63-bit signed integer, (v << 1) | 1, decoded by arithmetic shift
//   0 / 2          false / true
//   other even     pointer to a HeapObject (8-byte aligned, always > 2)
//
// Heap objects carry an atomic reference count because values cross strands
// (channels) and strands migrate between worker threads. Objects flagged
// kImmortal (interned symbols, cached quotations) and kArena (strand-arena
// temporaries) skip the count entirely: their lifetime is managed elsewhere.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace seq {

using StackValue = uint64_t;
using Stack = StackValue*;

inline constexpr StackValue kFalse = 0;
inline constexpr StackValue kTrue = 2;
inline constexpr int64_t kIntMax = (int64_t{1} << 62) - 1;
inline constexpr int64_t kIntMin = -(int64_t{1} << 62);

enum class Kind : uint8_t {
    Int = 0,  // never stored in a HeapObject; used by kind_of()
    Bool,
    Float,
    String,
    Symbol,
    Variant,
    Map,
    Quotation,
    Closure,
    Channel,
    WeaveCtx,
};

const char* kind_name(Kind k);

// Object flags (set once at creation, never mutated afterwards).
enum : uint8_t {
    kImmortal = 1,  // never counted, never freed
    kArena = 2,     // lives in a strand arena; freed when the arena resets
};

struct HeapObject {
    std::atomic<uint32_t> rc;
    Kind kind;
    uint8_t flags;
    uint16_t aux;  // kind-specific small field
};
static_assert(sizeof(HeapObject) == 8);

// ---- tagging ---------------------------------------------------------------

constexpr bool is_int(StackValue v) {
    return (v & 1) != 0;
}
constexpr bool is_bool(StackValue v) {
    return v == kFalse || v == kTrue;
}
constexpr bool is_heap(StackValue v) {
    return (v & 1) == 0 && v > kTrue;
}
constexpr StackValue make_int(int64_t i) {
    return (static_cast<uint64_t>(i) << 1) | 1;
}
constexpr int64_t int_of(StackValue v) {
    return static_cast<int64_t>(v) >> 1;
}
constexpr StackValue make_bool(bool b) {
    return b ? kTrue : kFalse;
}
inline HeapObject* heap_of(StackValue v) {
    return reinterpret_cast<HeapObject*>(v);
}
inline StackValue from_heap(const HeapObject* h) {
    return reinterpret_cast<StackValue>(h);
}

inline Kind kind_of(StackValue v) {
    if (is_int(v)) return Kind::Int;
    if (is_bool(v)) return Kind::Bool;
    return heap_of(v)->kind;
}
inline bool is_kind(StackValue v, Kind k) {
    return is_heap(v) && heap_of(v)->kind == k;
}

// ---- reference counting ----------------------------------------------------

void destroy_heap(HeapObject* h);  // called when the count reaches zero

inline void retain(HeapObject* h) {
    if (h->flags == 0) h->rc.fetch_add(1, std::memory_order_relaxed);
}
inline void release(HeapObject* h) {
    if (h->flags != 0) return;
    if (h->rc.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy_heap(h);
}
// True when the caller holds the only reference, so in-place update is safe.
inline bool is_unique(const HeapObject* h) {
    return h->flags == 0 && h->rc.load(std::memory_order_acquire) == 1;
}

inline StackValue clone_value(StackValue v) {
    if (is_heap(v)) retain(heap_of(v));
    return v;
}
inline void drop_value(StackValue v) {
    if (is_heap(v)) release(heap_of(v));
}

// Prepare a value to be stored somewhere that may outlive the current strand
// (a container, a channel, another strand's stack). Takes ownership of `v`
// and returns an owned value that holds no pointer into any strand arena.
StackValue share_value(StackValue v);

// ---- heap object layouts -----------------------------------------------------

struct FloatObj : HeapObject {
    double value;
};

// Strings and symbols share one layout. Bytes are UTF-8, NUL-terminated for
// the convenience of C callers (the NUL is not part of `len`). `data` points
// at the inline bytes, or at static memory for immortal literals.
struct StringObj : HeapObject {
    size_t len;
    const char* data;
    char inline_bytes[];  // NOLINT: flexible array member (GNU extension)
    std::string_view view() const { return {data, len}; }
};

// A sum-type value: a tag (a Symbol) and immutable fields. Lists are variants
// tagged `List`. Fields live inline; `cap` allows in-place append while the
// variant is uniquely owned.
struct VariantObj : HeapObject {
    StringObj* tag;  // owned reference to a Symbol
    uint32_t len;
    uint32_t cap;
    StackValue fields[];  // NOLINT
};

struct QuotationObj : HeapObject {
    uintptr_t wrapper;  // C-convention entry: Stack (*)(Stack)
    uintptr_t impl;     // tailcc entry used by compiled code for musttail
};

// Closure function: Stack fn(Stack, const StackValue* env, size_t len).
using ClosureFn = Stack (*)(Stack, const StackValue*, size_t);

struct ClosureObj : HeapObject {
    uintptr_t fn;
    size_t len;
    StackValue env[];  // NOLINT: env[0] is the top of stack at capture
};

// Objects whose bodies live in other modules (channels, weaves, maps) carry
// their own destructor so the value core does not depend on those modules.
struct ManagedObject : HeapObject {
    void (*destroy)(ManagedObject*);
};

// ---- constructors (all return an owned StackValue with rc = 1) -------------

StackValue make_float(double d);
double float_of(StackValue v);  // caller checked the kind

// Global (malloc'd, reference-counted) string or symbol with a copy of bytes.
StackValue make_string(std::string_view s, Kind kind = Kind::String);
// A string whose bytes are written by the caller: returns the object with
// `len` bytes of uninitialised inline storage (plus the trailing NUL).
StringObj* alloc_string(size_t len, Kind kind = Kind::String);
// A temporary string in the current execution context's arena.
StackValue make_arena_string(std::string_view s);
// a followed by b; takes both references and returns an owned string. When
// one side is empty the other is returned as it is; a uniquely owned global
// `a` grows in place (realloc), so a loop that accumulates text does not copy
// its prefix each time.
StringObj* string_concat(StringObj* a, StringObj* b);
inline StringObj* string_of(StackValue v) {
    return static_cast<StringObj*>(heap_of(v));
}

StackValue make_quotation(uintptr_t wrapper, uintptr_t impl);
inline QuotationObj* quotation_of(StackValue v) {
    return static_cast<QuotationObj*>(heap_of(v));
}

// Takes ownership of `len` values at `env` (each is share_value()'d).
StackValue make_closure(uintptr_t fn, const StackValue* env, size_t len);
ClosureObj* alloc_closure(uintptr_t fn, size_t len);  // env slots zero (false)
inline ClosureObj* closure_of(StackValue v) {
    return static_cast<ClosureObj*>(heap_of(v));
}

// Variant with `len` fields taken from `fields` (ownership moves; each field
// is share_value()'d). `tag` is an owned Symbol reference.
StackValue make_variant(StringObj* tag, const StackValue* fields, size_t len, size_t cap = 0);
inline VariantObj* variant_of(StackValue v) {
    return static_cast<VariantObj*>(heap_of(v));
}
// Append to a uniquely owned variant (may move it); returns the new pointer.
VariantObj* variant_append_unique(VariantObj* v, StackValue field);

// Structural equality (Int, Bool, Float, String, Symbol, Variant, Map;
// identity for channels, quotations, closures).
bool values_equal(StackValue a, StackValue b);

// Aborts through fatal() with "<word>: expected <what>, got <kind of v>".
[[noreturn]] void type_error(const char* word, const char* expected, StackValue got);

}  // namespace seq
