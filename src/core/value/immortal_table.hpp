// A lock-free table of immortal objects keyed by an address in the program
// image: the interned symbol literals (symbol.cpp) and the string literals of
// seqc 7.x (literal.cpp). Open addressing with linear probing; a slot is
// claimed by CAS and never freed, so lookups take no lock, and the number of
// keys is bounded by the program's size.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/value/value.hpp"

namespace seq {

template <unsigned kSlotBits>
class ImmortalTable {
  public:
    static constexpr size_t kSlots = size_t{1} << kSlotBits;

    // The object stored under `key` that `fits` accepts (one key may hold
    // several objects, in different slots), made by `make` and stored the
    // first time; nullptr when every slot is taken. `hash` picks the first
    // slot probed.
    template <class Fits, class Make>
    StringObj* get(const void* key, size_t hash, Fits&& fits, Make&& make) {
        for (size_t probe = 0; probe < kSlots; ++probe) {
            Slot& slot = slots_[(hash + probe) & (kSlots - 1)];
            const void* k = slot.key.load(std::memory_order_acquire);
            if (k == nullptr) {
                if (slot.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) {
                    StringObj* s = make();
                    slot.obj.store(s, std::memory_order_release);
                    return s;
                }
                // Lost the claim: `k` now holds the winner's key.
            }
            if (k == key) {
                // The winner of the claim may still be publishing its object.
                StringObj* s;
                while ((s = slot.obj.load(std::memory_order_acquire)) == nullptr) {
                }
                if (fits(s)) return s;
            }
        }
        return nullptr;
    }

  private:
    struct Slot {
        std::atomic<const void*> key{nullptr};
        std::atomic<StringObj*> obj{nullptr};
    };
    Slot slots_[kSlots];
};

}  // namespace seq
