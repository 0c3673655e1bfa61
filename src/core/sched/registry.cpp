#include "core/sched/registry.hpp"

#include <algorithm>
#include <ctime>

#include "core/sched/config.hpp"

namespace seq {

StrandRegistry::StrandRegistry(size_t capacity) : capacity_(capacity), slots_(new Slot[capacity]) {}

std::optional<size_t> StrandRegistry::register_strand(uint64_t id, unsigned home) {
    // A full registry is the common case under load (100k live strands and
    // 1024 slots): answer it without scanning.
    if (used_.load(std::memory_order_relaxed) >= capacity_) {
        overflow_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    uint64_t now = static_cast<uint64_t>(std::time(nullptr));
    // Lowest free slot first, as the seed's tests expect, starting at the
    // hint: the slots below it were taken when it was set (a spawn used to
    // scan every live strand's slot: ~90 in skynet, 1,024 under load).
    size_t start = std::min(low_free_.load(std::memory_order_relaxed), capacity_);
    auto claim = [&](size_t i) {
        Slot& slot = slots_[i];
        if (slot.id.load(std::memory_order_relaxed) != 0) return false;
        // Time and status first, so a reader that sees the id also sees them.
        slot.spawn_time.store(now, std::memory_order_relaxed);
        slot.status.store(pack(ParkReason::None, home, 0), std::memory_order_relaxed);
        uint64_t expected = 0;
        return slot.id.compare_exchange_strong(expected, id, std::memory_order_acq_rel,
                                               std::memory_order_relaxed);
    };
    for (size_t i = start; i < capacity_; ++i) {
        if (!claim(i)) continue;
        used_.fetch_add(1, std::memory_order_relaxed);
        // Past this slot, unless an unregister lowered the hint meanwhile.
        size_t h = start;
        low_free_.compare_exchange_strong(h, i + 1, std::memory_order_relaxed);
        return i;
    }
    // Below the hint: a slot freed while the hint moved up (a race).
    for (size_t i = 0; i < start; ++i) {
        if (!claim(i)) continue;
        used_.fetch_add(1, std::memory_order_relaxed);
        return i;
    }
    overflow_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
}

bool StrandRegistry::unregister_at(size_t slot, uint64_t id) {
    if (slot >= capacity_) return false;
    uint64_t expected = id;
    if (!slots_[slot].id.compare_exchange_strong(expected, 0, std::memory_order_acq_rel,
                                                 std::memory_order_relaxed))
        return false;
    slots_[slot].spawn_time.store(0, std::memory_order_release);
    used_.fetch_sub(1, std::memory_order_relaxed);
    size_t h = low_free_.load(std::memory_order_relaxed);
    while (slot < h && !low_free_.compare_exchange_weak(h, slot, std::memory_order_relaxed)) {
    }
    return true;
}

bool StrandRegistry::unregister(uint64_t id) {
    for (size_t i = 0; i < capacity_; ++i)
        if (slots_[i].id.load(std::memory_order_relaxed) == id && unregister_at(i, id)) return true;
    return false;
}

std::vector<std::pair<uint64_t, uint64_t>> StrandRegistry::active_strands() const {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (size_t i = 0; i < capacity_; ++i) {
        uint64_t id = slots_[i].id.load(std::memory_order_acquire);
        if (id) out.emplace_back(id, slots_[i].spawn_time.load(std::memory_order_relaxed));
    }
    return out;
}

std::vector<TrackedStrand> StrandRegistry::tracked() const {
    std::vector<TrackedStrand> out;
    for (size_t i = 0; i < capacity_; ++i) {
        const Slot& slot = slots_[i];
        uint64_t id = slot.id.load(std::memory_order_acquire);
        if (!id) continue;
        uint64_t status = slot.status.load(std::memory_order_relaxed);
        uint64_t spawned = slot.spawn_time.load(std::memory_order_relaxed);
        // The strand may have ended (and another taken the slot) meanwhile.
        if (slot.id.load(std::memory_order_acquire) != id) continue;
        out.push_back({id, spawned, static_cast<ParkReason>(status >> kReasonShift),
                       status & kTimeMask,
                       static_cast<int>((status & kHomeMask) >> kHomeShift) - 1});
    }
    return out;
}

StrandRegistry& strand_registry() {
    static StrandRegistry* r = detail::g_strand_registry =
        new StrandRegistry(parse_registry_size(env_var("SEQ_STRAND_REGISTRY_SIZE")));
    return *r;
}

}  // namespace seq
