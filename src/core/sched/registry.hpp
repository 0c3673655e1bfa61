// The strand registry (diagnostics): a fixed array of lock-free slots holding
// the ids and spawn times of live strands, as the seed's StrandRegistry.
// Registration scans for a free slot and claims it by CAS; when every slot is
// taken the strand still runs and only the overflow counter grows.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace seq {

class StrandRegistry {
  public:
    explicit StrandRegistry(size_t capacity);

    // Returns the slot index, or nullopt when full (overflow counted).
    std::optional<size_t> register_strand(uint64_t id);
    // Clears the slot holding `id`; false if it was not registered.
    bool unregister(uint64_t id);
    // Faster unregister when the slot is known.
    bool unregister_at(size_t slot, uint64_t id);
    // (id, spawn time in seconds since the epoch) of registered strands.
    std::vector<std::pair<uint64_t, uint64_t>> active_strands() const;

    size_t capacity() const { return capacity_; }
    uint64_t overflow_count() const { return overflow_.load(std::memory_order_relaxed); }

  private:
    struct Slot {
        std::atomic<uint64_t> id{0};  // 0 = free
        std::atomic<uint64_t> spawn_time{0};
    };
    size_t capacity_;
    std::unique_ptr<Slot[]> slots_;
    std::atomic<uint64_t> overflow_{0};
    std::atomic<size_t> used_{0};
};

// The process-wide registry, sized by SEQ_STRAND_REGISTRY_SIZE on first use.
StrandRegistry& strand_registry();

}  // namespace seq
