// The strand registry (diagnostics): a fixed array of lock-free slots holding
// the ids and spawn times of live strands, as the seed's StrandRegistry.
// Registration scans for a free slot from a low-water hint and claims it by
// CAS; when every slot is taken the strand still runs and only the overflow
// counter grows.
//
// A slot also says whether its strand is parked, on what, since when and on
// which worker (its home then, for the dump): one
// relaxed store when the strand parks (with a CLOCK_MONOTONIC_COARSE read,
// ~5 ns through the vDSO: a precise clock costs ~25 ns, per park) and one
// when it is woken; nothing on yields or resumes. Only the strand's own
// switch-out, or its single waker, writes it, in that order (the park/wake
// protocol orders them), so a plain store suffices. Slots are packed (24
// bytes, not a cache line each): registration scans for the lowest free slot,
// and with padded slots that scan touched 4x the lines (skynet, whose ~90 live
// strands keep the low slots busy, ran 15% slower); a park's store sharing a
// line with a neighbour's costs less than that.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/sched/park_reason.hpp"

namespace seq {

// What diagnostics read of one registered strand.
struct TrackedStrand {
    uint64_t id;
    uint64_t spawn_time;  // seconds since the epoch
    ParkReason reason;    // None: runnable (running or ready)
    uint64_t parked_ms;   // when it parked (coarse_monotonic_ms), if parked
    // The worker it lives on, as of its spawn or its last park (a donation or
    // a migration since then is not recorded); -1 when not known yet.
    int home;
};

// Milliseconds on CLOCK_MONOTONIC_COARSE (a few ms of resolution, which is
// plenty for "parked for 2.0 s").
inline uint64_t coarse_monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

class StrandRegistry {
  public:
    static constexpr unsigned kNoHome = ~0u;  // stored as "not known"
    explicit StrandRegistry(size_t capacity);

    // Returns the slot index, or nullopt when full (overflow counted).
    // `home`: the worker it is queued on, when the caller knows it already.
    std::optional<size_t> register_strand(uint64_t id, unsigned home = kNoHome);
    // Clears the slot holding `id`; false if it was not registered.
    bool unregister(uint64_t id);
    // Faster unregister when the slot is known.
    bool unregister_at(size_t slot, uint64_t id);
    // (id, spawn time in seconds since the epoch) of registered strands.
    std::vector<std::pair<uint64_t, uint64_t>> active_strands() const;
    // Registered strands with their park state (a racy snapshot).
    std::vector<TrackedStrand> tracked() const;

    // The strand in `slot` parks on `reason` on worker `home` / was woken
    // (its home is kept). Hot paths.
    void note_parked(size_t slot, ParkReason reason, unsigned home = kNoHome) {
        slots_[slot].status.store(pack(reason, home, coarse_monotonic_ms()),
                                  std::memory_order_relaxed);
    }
    void note_woken(size_t slot) {
        // Only the waker writes the slot now (the strand is parked): a load
        // and a store, no locked instruction.
        std::atomic<uint64_t>& st = slots_[slot].status;
        st.store(st.load(std::memory_order_relaxed) & kHomeMask, std::memory_order_relaxed);
    }
    // The strand in `slot` was queued on worker `home` (spawn), before it can
    // run: nothing else writes the slot then.
    void note_home(size_t slot, unsigned home) {
        slots_[slot].status.store(pack(ParkReason::None, home, 0), std::memory_order_relaxed);
    }

    size_t capacity() const { return capacity_; }
    uint64_t overflow_count() const { return overflow_.load(std::memory_order_relaxed); }

  private:
    // status: the park reason in the top byte (0: not parked), the home
    // worker's index + 1 in the next 16 bits (0: not known), the time it
    // parked in the low 40 bits (ms since boot: 34 years).
    static constexpr int kReasonShift = 56;
    static constexpr int kHomeShift = 40;
    static constexpr uint64_t kTimeMask = (uint64_t{1} << kHomeShift) - 1;
    static constexpr uint64_t kHomeMask = ((uint64_t{1} << kReasonShift) - 1) & ~kTimeMask;
    static uint64_t pack(ParkReason r, unsigned home, uint64_t ms) {
        return uint64_t{static_cast<uint8_t>(r)} << kReasonShift |
               (uint64_t{(home + 1) & 0xffffu} << kHomeShift) | (ms & kTimeMask);
    }
    struct Slot {
        std::atomic<uint64_t> id{0};  // 0 = free
        std::atomic<uint64_t> spawn_time{0};
        std::atomic<uint64_t> status{0};
    };
    size_t capacity_;
    std::unique_ptr<Slot[]> slots_;
    std::atomic<uint64_t> overflow_{0};
    std::atomic<size_t> used_{0};
    // Where registration starts looking: no slot below it was free when it
    // was set (each claim moves it past its slot, each unregister lowers it
    // to the freed slot). Racing updates can leave it high; registration
    // then still finds the slots below it, after those above.
    std::atomic<size_t> low_free_{0};
};

// The process-wide registry, sized by SEQ_STRAND_REGISTRY_SIZE on first use.
StrandRegistry& strand_registry();

namespace detail {
inline StrandRegistry* g_strand_registry = nullptr;  // set once by strand_registry()
}
// The registry, for the park/wake paths of a strand that holds a slot: the
// registry exists then (its spawn created it, and the strand reached this
// thread through a queue), so no initialisation check or call is needed.
inline StrandRegistry& existing_strand_registry() {
    return *detail::g_strand_registry;
}

}  // namespace seq
