#include "core/value/symbol.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace seq {

namespace {

// Open addressing with linear probing; keys are claimed by CAS and never
// removed, so lookups take no lock.
constexpr size_t kSlots = 1 << 13;

struct Slot {
    std::atomic<const void*> key{nullptr};
    std::atomic<StringObj*> symbol{nullptr};
};

Slot g_slots[kSlots];

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
    for (size_t probe = 0; probe < kSlots; ++probe) {
        Slot& slot = g_slots[(h + probe) & (kSlots - 1)];
        const void* k = slot.key.load(std::memory_order_acquire);
        if (k == nullptr) {
            if (slot.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) {
                StringObj* s = make_immortal(name);
                slot.symbol.store(s, std::memory_order_release);
                return from_heap(s);
            }
        }
        if (k == key) {
            // The winner of the claim may still be publishing the object.
            StringObj* s;
            while ((s = slot.symbol.load(std::memory_order_acquire)) == nullptr) {
            }
            return from_heap(s);
        }
    }
    // Table full (a program with more than 8192 symbol literals): fall back
    // to an ordinary counted symbol.
    return make_string(name, Kind::Symbol);
}

}  // namespace seq
