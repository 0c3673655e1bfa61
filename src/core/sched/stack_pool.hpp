// Fiber stacks for strands, recycled through a pool.
//
// A stack slot holds a strand's fiber stack and, above it, the strand's value
// stack (the 4096 slots compiled code pushes on), so that a parked strand
// spawned the way compiled `strand.spawn` spawns touches one page, not two:
//
//   low                                                                   high
//   [guard?][ fiber stack, grows down ...   | top page: frames | FiberStack |
//            Strand record | value stack slots 0.. ][ value stack ... ][gap]
//
// The fiber's top frames, the descriptor, the Strand record and the first
// value-stack slots share the top page (kFrameRoom bytes of frames before
// they spill into the page below, ~170 slots before the value stack spills
// into the page above). The value stack ends kValueSlots slots later, then a
// gap up to the slot's end; the page after the slot is the next slot's guard
// (or, for a slab's last slot, a trailing guard page), so in a guarded slab
// one PROT_NONE page catches both an overflow of the fiber stack above it and
// one of the value stack below it. The gap is "still zero"-checked at every
// switch, like the dense canary below.
//
// Two kinds of slot exist, chosen per slab by SEQ_STACK_GUARD:
//   guarded  a PROT_NONE page below each slot: an overflow faults at once and
//            the SIGSEGV handler names the strand. Each guard splits the
//            mapping, so a guarded stack costs two kernel mappings, and the
//            stock vm.max_map_count (65530) allows only ~32k per process.
//   dense    slots side by side with a canary zone at each one's lowest
//            address, checked every time its strand switches out: an overflow
//            is reported at the next switch. This is how a million strands
//            fit a stock kernel. The canary is "these 32 bytes are still
//            zero": fresh stack memory is zero, and checking it only maps the
//            kernel's shared zero page, so a parked strand's RSS stays the
//            page or two it really touched (a written canary would cost every
//            stack a second resident page). An overflow writes return
//            addresses and saved registers there, which are not all zero.
//            A fiber stack overflowing downwards first runs through the slot
//            below's gap and its (mostly unused) value stack before it reaches
//            that strand's record: 36 KiB of slack.
// `auto` makes guarded slabs while the mapping budget allows, then dense
// ones; `always` and `never` force one kind.
//
// Stacks live in slabs (one mmap for many stacks) and are never unmapped
// while the scheduler runs, so the steady state makes no mmap/munmap calls.
// Released stacks go, in order of preference, to the releasing worker's
// cache, to the shared pool (up to SEQ_POOL_CAPACITY, memory kept), or to a
// cold list whose memory a trimmer thread returns to the kernel once it has
// stayed unused for a second, in batches (one madvise per run of adjacent
// stacks: on these VMs each madvise costs a TLB shootdown, ~20 µs, which
// per-stack trimming would pay 100,000 times after a burst of spawns).
// The shared pool decays: once a second the trimmer moves to the cold list
// as many pooled stacks as were never taken in that second (the pool's
// low-water mark), so the pool follows the recent demand instead of the
// highest burst ever seen. Without it a burst of 10,000 strands (a reset
// storm piles up accepted connections) left 10,000 stacks of ~5 KiB
// resident for good: the soak's "RSS grows and does not come back"
// (docs/performance.md, "Soak and memory").
// A stack released after its strand went deeper than kKeepResident bytes
// gives back the pages below that first (MADV_DONTNEED), so the pool never
// keeps a megabyte resident per stack because some strand once recursed
// deep (docs/performance.md has the measurements).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/intrusive_fifo.hpp"
#include "core/sched/config.hpp"
#include "core/value/value.hpp"

namespace seq {

struct Slab;

// Lives at the top of the stack memory it describes.
struct FiberStack {
    char* bottom = nullptr;        // lowest usable address (above the guard page, if any)
    size_t size = 0;               // usable bytes below this descriptor
    StackValue* vstack = nullptr;  // the slot's value stack: kValueSlots slots, then the gap
    bool guarded = false;
    Slab* slab = nullptr;
    uint32_t slot = 0;
    uint64_t cold_since_ms = 0;
    FiberStack* next_free = nullptr;  // link while pooled or cold (null otherwise)
    FiberStack* prev_free = nullptr;  // cold list only (popped at both ends)
    void* tsan_fiber = nullptr;       // ThreadSanitizer's context, reused (fiber.hpp)
};

struct StackStats {
    uint64_t guarded_live;  // guarded stacks in use by strands
    uint64_t dense_live;    // dense stacks in use by strands
    uint64_t pooled;        // stacks kept ready (worker caches + shared pool)
    uint64_t cold;          // released beyond the pool, awaiting trim
    uint64_t guard_budget;  // guarded stacks the mapping budget allows
    uint64_t mmap_calls;    // slabs mapped since start
    uint64_t trims;         // madvise calls made by the trimmer
    uint64_t deep_trims;    // released stacks whose deep pages were returned
};

// Where things sit in a slot's top page (see the picture above).
inline constexpr size_t kFrameRoom = 2048;   // fiber frames in the top page
inline constexpr size_t kRecordRoom = 512;   // the owner's record (a Strand) above the descriptor
inline constexpr size_t kDescRoom = 128;     // the FiberStack descriptor
inline constexpr size_t kValueSlots = 4096;  // = kDefaultStackSlots (core/value/stack.hpp)
// A released stack whose strand went deeper than this has its lower pages
// returned to the kernel before it is pooled.
inline constexpr size_t kKeepResident = 64 * 1024;

// What a fault address means for the strand running when it happened.
enum class StackFault { None, Stack, ValueStack };

// A small per-worker cache in front of the shared pool (no locking).
struct StackCache {
    FiberStack* head = nullptr;
    size_t count = 0;
};

class StackPool {
  public:
    void configure(size_t stack_size, size_t capacity, StackGuard policy);
    size_t stack_size() const { return stack_size_; }

    FiberStack* acquire(StackCache* cache);
    void release(FiberStack* s, StackCache* cache);
    void flush(StackCache* cache);  // returns a cache's stacks to the shared pool
    void release_all();             // shutdown: unmaps everything
    // Trims every cold stack now (tests and benchmarks).
    void trim_cold_now();
    // One decay step now (what the trimmer does once a second): pooled
    // stacks not taken since the last step go cold. For tests.
    void decay_pool_now();

    static bool canary_intact(const FiberStack* s) {
        if (s->guarded) return true;
        auto* w = reinterpret_cast<const volatile uint64_t*>(s->bottom);
        return (w[0] | w[1] | w[2] | w[3]) == 0;
    }
    // The first words past the value stack's end (the gap) are still zero:
    // nothing was pushed beyond its last slot. Only meaningful while a value
    // stack lives in the slot (the caller knows).
    static bool value_canary_intact(const FiberStack* s) {
        auto* w = reinterpret_cast<const volatile uint64_t*>(s->vstack + kValueSlots);
        return (w[0] | w[1] | w[2] | w[3]) == 0;
    }
    // Async-signal-safe. A fault at `addr` while the strand on `s` runs: in
    // or near (64 KiB) any stack slab and below s's fiber stack is an overflow
    // of that stack (a guard page, a dense stack running off its slab, or a
    // frame that skipped a guard); past the end of s's value stack it is an
    // overflow of the value stack. Anything else is not ours.
    static StackFault classify_fault(const FiberStack* s, const void* addr);

    StackStats stats() const;

  private:
    FiberStack* take_locked();
    FiberStack* carve(Slab* slab, uint32_t slot);
    Slab* new_slab_locked();
    void cold_push_locked(FiberStack* s);
    FiberStack* cold_pop_oldest_locked();
    FiberStack* cold_pop_newest_locked();
    void trimmer_main();
    void start_trimmer_locked();
    void decay_locked(uint64_t now);
    void trim_batch(std::vector<FiberStack*>& batch);
    void trim_deep_part(FiberStack* s);

    size_t stack_size_ = 0;  // usable bytes per stack (page multiple)
    size_t capacity_ = 0;
    StackGuard policy_ = StackGuard::Auto;

    std::mutex mu_;
    FiberStack* free_ = nullptr;  // shared pool, memory resident
    size_t free_count_ = 0;
    size_t free_low_water_ = 0;  // fewest stacks in free_ since the last decay
    uint64_t decay_at_ms_ = 0;   // when the trimmer decays the pool next
    // Oldest first: the trimmer takes from the front, acquire the warmest
    // from the back.
    IntrusiveFifo<FiberStack, &FiberStack::next_free, false, &FiberStack::prev_free> cold_;
    std::vector<Slab*> slabs_;
    std::vector<Slab*> slabs_with_room_;  // slabs holding trimmed or never-used slots
    uint64_t guarded_slots_ = 0;          // guarded slots mapped so far

    std::thread trimmer_;
    std::condition_variable trimmer_cv_;
    bool trimmer_stop_ = false;

    std::atomic<uint64_t> guard_budget_{0};
    std::atomic<uint64_t> guarded_live_{0};
    std::atomic<uint64_t> dense_live_{0};
    std::atomic<uint64_t> pooled_{0};
    std::atomic<uint64_t> cold_count_{0};
    std::atomic<uint64_t> mmap_calls_{0};
    std::atomic<uint64_t> trims_{0};
    std::atomic<uint64_t> deep_trims_{0};
};

StackPool& stack_pool();

}  // namespace seq
