// Fiber stacks for strands, recycled through a pool.
//
// Two kinds of stack exist, chosen per allocation by SEQ_STACK_GUARD:
//   guarded  its own mapping with a PROT_NONE page below it: an overflow
//            faults at once and the SIGSEGV handler names the strand. Costs
//            two kernel mappings, and the stock vm.max_map_count (65530)
//            allows only ~32k of those per process.
//   dense    carved from a shared slab mapping (one mapping for many stacks)
//            with a canary word at its lowest address, checked every time
//            its strand switches out: an overflow is reported at the next
//            switch. This is how a million strands fit a stock kernel.
// `auto` hands out guarded stacks while the mapping budget allows, then dense
// ones; `always` and `never` force one kind.
//
// Spawning takes a stack from the worker's cache or the shared pool, so the
// steady state makes no mmap/munmap calls at all. Only pages a strand touched
// are resident: a parked strand with a shallow call chain costs one or two
// pages.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/config.hpp"

namespace seq {

struct FiberStack {
    char* bottom = nullptr;  // lowest usable address (above the guard page, if any)
    size_t size = 0;         // usable bytes
    bool guarded = false;
    FiberStack* next_free = nullptr;  // link while pooled (stored in the stack itself)
    void* tsan_fiber = nullptr;       // ThreadSanitizer's context, reused (fiber.hpp)
};

struct StackStats {
    uint64_t guarded_live;  // guarded stacks in use by strands
    uint64_t dense_live;    // dense stacks in use by strands
    uint64_t pooled;        // stacks kept for reuse
    uint64_t guard_budget;  // guarded stacks the mapping budget allows
    uint64_t mmap_calls;    // mappings created since init (slabs and guarded stacks)
};

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

    // The canary lives at the lowest address of a dense stack.
    static void write_canary(const FiberStack* s);
    static bool canary_intact(const FiberStack* s);
    // True when `addr` lies in the guard page below a guarded stack.
    static bool in_guard_page(const FiberStack* s, const void* addr);

    StackStats stats() const;

  private:
    FiberStack* allocate_new();
    FiberStack* allocate_guarded();
    FiberStack* allocate_dense();
    void destroy(FiberStack* s);

    size_t stack_size_ = 0;
    size_t capacity_ = 0;
    StackGuard policy_ = StackGuard::Auto;
    std::atomic<uint64_t> guard_budget_{0};

    std::mutex mu_;
    FiberStack* free_ = nullptr;  // shared pool
    size_t free_count_ = 0;
    FiberStack* dense_free_ = nullptr;             // unused dense slots (memory released)
    std::vector<std::pair<void*, size_t>> slabs_;  // dense slab mappings

    std::atomic<uint64_t> guarded_live_{0};
    std::atomic<uint64_t> dense_live_{0};
    std::atomic<uint64_t> pooled_{0};
    std::atomic<uint64_t> mmap_calls_{0};
};

StackPool& stack_pool();

}  // namespace seq
