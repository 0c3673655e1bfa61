#include "core/sched/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>  // malloc_trim
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include "core/fatal.hpp"
#include "core/sched/fiber.hpp"

namespace seq {

struct Slab {
    char* base;
    size_t bytes;
    size_t slot_size;  // guard page (if any) + fiber stack + top page + value stack
    uint32_t slots;
    bool guarded;
    bool listed = false;         // in slabs_with_room_
    std::vector<uint32_t> room;  // slots without a live or pooled stack
};

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kCacheMax = 32;  // per-worker cache size
// Dense slabs hold 128 slots: with 1 MiB stacks a million strands take
// ~7,800 mappings, well inside vm.max_map_count (the 8 MiB slabs that suited
// 128 KiB stacks would hold 7 and need 140,000).
constexpr uint32_t kDenseSlabSlots = 128;
constexpr uint32_t kGuardedSlabSlots = 64;
// Value stack and gap: the slot's top page (shared with the fiber's top
// frames) plus kValueSlots slots.
constexpr size_t kValueArea = kPage + kValueSlots * sizeof(StackValue);
static_assert(kFrameRoom + kDescRoom + kRecordRoom < kPage, "the top page must fit them all");
static_assert(sizeof(FiberStack) <= kDescRoom);
// Faults this far below a slab, or above it, still count as in it (an
// overflow running off its end).
constexpr size_t kSlabReach = 64 * 1024;
// Below every slab, this much address space stays mapped PROT_NONE (the
// floor): an overflow that runs off a slab's low end (a dense stack has no
// guard of its own; a big frame may skip a guard page) faults there, where
// classify_fault knows it, instead of running on into whatever the kernel
// maps next below (another thread's stack, the heap). One mapping more per
// dense slab; a guarded slab's floor merges with its first guard page.
constexpr size_t kSlabFloor = kSlabReach;
constexpr uint64_t kColdMs = 1000;  // unused this long: memory goes back
// Pooled stacks not taken for this long go cold (then kColdMs more to be
// trimmed): a burst's stacks are back with the kernel about 2 s after it.
constexpr uint64_t kPoolDecayMs = 1000;
// A trim of this many stacks at once means a burst of strands has ended:
// the heap they used (their sockets' buffers, strings, libuv requests) is
// free again too, and glibc keeps free memory in its arenas unless asked.
constexpr size_t kBurstStacks = 256;

// Hands the free heap back to the kernel after a burst (glibc's arenas only
// shrink from their top on their own; malloc_trim releases the free pages
// inside them). At most once per trimmer period, off the workers' path.
void return_free_heap() {
#if defined(__GLIBC__) && !defined(SEQ_ASAN) && !defined(SEQ_TSAN)
    malloc_trim(0);
#endif
}
constexpr auto kTrimPeriod = std::chrono::milliseconds(250);
// Mappings other code in the process may need (malloc arenas, thread stacks,
// libuv, the host): guarded stacks never eat into this reserve.
constexpr uint64_t kMapReserve = 16384;

uint64_t read_max_map_count() {
    std::ifstream f("/proc/sys/vm/max_map_count");
    uint64_t n = 65530;
    if (f) f >> n;
    return n;
}

uint64_t count_current_maps() {
    std::ifstream f("/proc/self/maps");
    uint64_t n = 0;
    std::string line;
    while (std::getline(f, line))
        ++n;
    return n;
}

// Every slab's address range, for the SIGSEGV handler (which may not take
// the pool's lock or read its vectors). Append-only while the scheduler
// runs; 65,536 slabs is 8 million dense strands. Beyond that slabs go
// unlisted: their faults are still caught below the running strand's own
// stack, only not anywhere in the slab.
constexpr size_t kMaxListedSlabs = 1 << 16;
std::atomic<uintptr_t> g_slab_lo[kMaxListedSlabs];
std::atomic<uintptr_t> g_slab_hi[kMaxListedSlabs];
std::atomic<size_t> g_slabs_listed{0};

void list_slab(const Slab* slab) {
    size_t i = g_slabs_listed.load(std::memory_order_relaxed);
    if (i >= kMaxListedSlabs) return;
    g_slab_lo[i].store(reinterpret_cast<uintptr_t>(slab->base), std::memory_order_relaxed);
    g_slab_hi[i].store(reinterpret_cast<uintptr_t>(slab->base) + slab->bytes,
                       std::memory_order_relaxed);
    g_slabs_listed.store(i + 1, std::memory_order_release);  // under the pool's lock
}

bool near_a_slab(uintptr_t a) {
    size_t n = g_slabs_listed.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
        uintptr_t lo = g_slab_lo[i].load(std::memory_order_relaxed);
        uintptr_t hi = g_slab_hi[i].load(std::memory_order_relaxed);
        if (a + kSlabReach >= lo && a < hi + kSlabReach) return true;
    }
    return false;
}

uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

}  // namespace

StackPool& stack_pool() {
    static StackPool* pool = new StackPool();  // never destroyed: workers may outlive statics
    return *pool;
}

void StackPool::configure(size_t stack_size, size_t capacity, StackGuard policy) {
    stack_size_ = (stack_size + kPage - 1) & ~(kPage - 1);
    capacity_ = capacity;
    policy_ = policy;
    uint64_t max_maps = read_max_map_count();
    uint64_t used = count_current_maps();
    uint64_t budget = max_maps > used + kMapReserve ? (max_maps - used - kMapReserve) / 2 : 0;
#if defined(SEQ_TSAN) || defined(SEQ_ASAN)
    // Sanitizers shadow every mapping we create with mappings of their own.
    budget /= 4;
#endif
    guard_budget_ = budget;
}

// ---- acquire / release ----------------------------------------------------------------

FiberStack* StackPool::acquire(StackCache* cache) {
    FiberStack* s;
    if (cache && cache->head) {
        s = cache->head;
        cache->head = s->next_free;
        --cache->count;
        pooled_.fetch_sub(1, std::memory_order_relaxed);
    } else {
        std::lock_guard<std::mutex> lock(mu_);
        s = take_locked();
    }
    s->next_free = s->prev_free = nullptr;
    (s->guarded ? guarded_live_ : dense_live_).fetch_add(1, std::memory_order_relaxed);
    return s;
}

FiberStack* StackPool::take_locked() {
    if (FiberStack* s = free_) {
        free_ = s->next_free;
        --free_count_;
        free_low_water_ = std::min(free_low_water_, free_count_);
        pooled_.fetch_sub(1, std::memory_order_relaxed);
        return s;
    }
    if (FiberStack* s = cold_pop_newest_locked()) return s;  // the warmest
    while (!slabs_with_room_.empty()) {
        Slab* slab = slabs_with_room_.back();
        if (slab->room.empty()) {
            slab->listed = false;
            slabs_with_room_.pop_back();
            continue;
        }
        uint32_t slot = slab->room.back();
        slab->room.pop_back();
        return carve(slab, slot);
    }
    Slab* slab = new_slab_locked();
    uint32_t slot = slab->room.back();
    slab->room.pop_back();
    return carve(slab, slot);
}

// Writes the descriptor into a slot whose memory is fresh from the kernel
// (zero, so a dense stack's canary zone is already in place).
FiberStack* StackPool::carve(Slab* slab, uint32_t slot) {
    char* base = slab->base + static_cast<size_t>(slot) * slab->slot_size;
    char* bottom = slab->guarded ? base + kPage : base;
    char* top_page = bottom + stack_size_;
    auto* s = reinterpret_cast<FiberStack*>(top_page + kFrameRoom);
    *s = FiberStack{};
    s->bottom = bottom;
    s->size = stack_size_ + kFrameRoom;
    s->vstack = reinterpret_cast<StackValue*>(top_page + kFrameRoom + kDescRoom + kRecordRoom);
    s->guarded = slab->guarded;
    s->slab = slab;
    s->slot = slot;
    return s;
}

Slab* StackPool::new_slab_locked() {
    bool guarded =
        policy_ == StackGuard::Always ||
        (policy_ == StackGuard::Auto && guarded_slots_ + kGuardedSlabSlots <= guard_budget_.load());
    auto* slab = new Slab;
    slab->guarded = guarded;
    slab->slot_size = (guarded ? kPage : 0) + stack_size_ + kValueArea;
    slab->slots = guarded ? kGuardedSlabSlots : kDenseSlabSlots;
    // A guarded slab ends with one more guard page: the one above its last
    // slot's value stack.
    slab->bytes = slab->slot_size * slab->slots + (guarded ? kPage : 0);
    void* m = mmap(nullptr, kSlabFloor + slab->bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED)
        fatal("strand spawn", "cannot map %zu bytes for strand stacks: %s", slab->bytes,
              std::strerror(errno));
    // Without a mapping to spare (vm.max_map_count) the floor stays
    // writable: unused room, no worse than no floor.
    (void)mprotect(m, kSlabFloor, PROT_NONE);
    slab->base = static_cast<char*>(m) + kSlabFloor;
    if (guarded) {
        for (uint32_t i = 0; i <= slab->slots; ++i) {
            if (mprotect(slab->base + i * slab->slot_size, kPage, PROT_NONE) == 0) continue;
            // Unlike Boost 1.74's protected_fixedsize_stack we never hand out
            // a stack whose guard page could not be installed.
            int err = errno;
            munmap(m, kSlabFloor + slab->bytes);
            if (policy_ == StackGuard::Always)
                fatal("strand spawn",
                      "cannot install a stack guard page (%s): vm.max_map_count is exhausted. "
                      "Use SEQ_STACK_GUARD=auto to fall back to canary-checked stacks",
                      std::strerror(err));
            guard_budget_.store(guarded_slots_);  // the kernel said no: stop asking
            delete slab;
            return new_slab_locked();
        }
        guarded_slots_ += slab->slots;
    }
    mmap_calls_.fetch_add(1, std::memory_order_relaxed);
    slab->room.reserve(slab->slots);
    for (uint32_t i = slab->slots; i-- > 0;)
        slab->room.push_back(i);
    slabs_.push_back(slab);
    list_slab(slab);
    slab->listed = true;
    slabs_with_room_.push_back(slab);
    return slab;
}

// A strand that went deep left its lower pages resident: a pooled stack
// would keep them for as long as the pool keeps it (10,000 stacks of 1 MiB is
// 10 GiB). Every frame starts with a return address, so the 512 bytes just
// below kKeepResident hold a non-zero word once a recursion with frames up to
// ~500 bytes passed there (bigger frames are caught unless they are zero
// there too; a stack that slips through keeps its pages until it goes cold).
// On a stack that did not go there the read maps only the shared zero page
// and costs eight L1 hits. Then one madvise (a TLB shootdown, ~20 µs here
// when quiet) returns everything below: cheap next to the page faults that
// made those pages, and rare. MADV_DONTNEED rather than MADV_FREE: the pages
// must read as zero again (the dense canary, this probe), and RSS must drop
// now, not under memory pressure (million's `deep` mode measures both).
void StackPool::trim_deep_part(FiberStack* s) {
    char* top = reinterpret_cast<char*>(s);
    if (s->size <= kKeepResident + kPage) return;
    char* keep = reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(top - kKeepResident) &
                                         ~uintptr_t{kPage - 1});
    auto* w = reinterpret_cast<const uint64_t*>(keep - 512);
    uint64_t any = 0;
    for (int i = 0; i < 64; ++i)
        any |= w[i];
    if (!any) return;
    madvise(s->bottom, static_cast<size_t>(keep - s->bottom), MADV_DONTNEED);
    deep_trims_.fetch_add(1, std::memory_order_relaxed);
}

void StackPool::release(FiberStack* s, StackCache* cache) {
    (s->guarded ? guarded_live_ : dense_live_).fetch_sub(1, std::memory_order_relaxed);
    trim_deep_part(s);
    if (cache && cache->count < kCacheMax) {
        s->next_free = cache->head;
        cache->head = s;
        ++cache->count;
        pooled_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (free_count_ < capacity_) {
        s->next_free = free_;
        free_ = s;
        ++free_count_;
        pooled_.fetch_add(1, std::memory_order_relaxed);
        start_trimmer_locked();  // it decays the pool
        return;
    }
    cold_push_locked(s);
}

void StackPool::flush(StackCache* cache) {
    while (FiberStack* s = cache->head) {
        cache->head = s->next_free;
        s->next_free = nullptr;  // unlinked: it may go to the cold list
        --cache->count;
        pooled_.fetch_sub(1, std::memory_order_relaxed);
        (s->guarded ? guarded_live_ : dense_live_).fetch_add(1, std::memory_order_relaxed);
        release(s, nullptr);
    }
}

// ---- the cold list and its trimmer -------------------------------------------------------

void StackPool::cold_push_locked(FiberStack* s) {
    s->cold_since_ms = now_ms();
    cold_.push_back(s);
    cold_count_.fetch_add(1, std::memory_order_relaxed);
    start_trimmer_locked();
}

void StackPool::start_trimmer_locked() {
    if (trimmer_.joinable()) return;
    trimmer_stop_ = false;
    decay_at_ms_ = now_ms() + kPoolDecayMs;
    free_low_water_ = free_count_;
    trimmer_ = std::thread([this] { trimmer_main(); });
}

// The stacks that stayed in the shared pool through the whole last period
// were not needed: they go cold (their memory is returned kColdMs later
// unless a burst takes them back first, warmest first).
void StackPool::decay_locked(uint64_t now) {
    for (size_t n = free_low_water_; n > 0 && free_; --n) {
        FiberStack* s = free_;
        free_ = s->next_free;
        s->next_free = nullptr;
        --free_count_;
        pooled_.fetch_sub(1, std::memory_order_relaxed);
        cold_push_locked(s);
    }
    free_low_water_ = free_count_;
    decay_at_ms_ = now + kPoolDecayMs;
}

void StackPool::decay_pool_now() {
    std::lock_guard<std::mutex> lock(mu_);
    decay_locked(now_ms());
}

FiberStack* StackPool::cold_pop_oldest_locked() {
    FiberStack* s = cold_.pop_front();
    if (s) cold_count_.fetch_sub(1, std::memory_order_relaxed);
    return s;
}

FiberStack* StackPool::cold_pop_newest_locked() {
    FiberStack* s = cold_.pop_back();
    if (s) cold_count_.fetch_sub(1, std::memory_order_relaxed);
    return s;
}

void StackPool::trimmer_main() {
    std::vector<FiberStack*> batch;
    std::unique_lock<std::mutex> lock(mu_);
    while (!trimmer_stop_) {
        trimmer_cv_.wait_for(lock, kTrimPeriod);
        if (trimmer_stop_) break;
        uint64_t now = now_ms();
        if (now >= decay_at_ms_) decay_locked(now);
        uint64_t cutoff = now - kColdMs;
        while (!cold_.empty() && cold_.front()->cold_since_ms <= cutoff)
            batch.push_back(cold_pop_oldest_locked());
        if (batch.empty()) continue;
        lock.unlock();
        trim_batch(batch);
        if (batch.size() >= kBurstStacks) return_free_heap();
        lock.lock();
        batch.clear();
    }
}

// Returns the memory of `batch` to the kernel with one madvise per run of
// adjacent slots, then records the slots as free room in their slabs.
// Called without the lock: the stacks belong to nobody while trimmed.
void StackPool::trim_batch(std::vector<FiberStack*>& batch) {
    struct Slot {
        Slab* slab;
        uint32_t slot;
    };
    std::vector<Slot> slots;
    slots.reserve(batch.size());
    for (FiberStack* s : batch) {
        fiber_san_release(&s->tsan_fiber);  // the descriptor is about to vanish
        slots.push_back({s->slab, s->slot});
    }
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
        return a.slab != b.slab ? a.slab < b.slab : a.slot < b.slot;
    });
    for (size_t i = 0; i < slots.size();) {
        size_t j = i + 1;
        while (j < slots.size() && slots[j].slab == slots[i].slab &&
               slots[j].slot == slots[j - 1].slot + 1)
            ++j;
        Slab* slab = slots[i].slab;
        char* from = slab->base + static_cast<size_t>(slots[i].slot) * slab->slot_size;
        size_t len = (j - i) * slab->slot_size;
        madvise(from, len, MADV_DONTNEED);  // guard pages inside the run hold nothing
        trims_.fetch_add(1, std::memory_order_relaxed);
        i = j;
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const Slot& s : slots) {
        s.slab->room.push_back(s.slot);
        if (!s.slab->listed) {
            s.slab->listed = true;
            slabs_with_room_.push_back(s.slab);
        }
    }
}

void StackPool::trim_cold_now() {
    std::vector<FiberStack*> batch;
    {
        std::lock_guard<std::mutex> lock(mu_);
        while (FiberStack* s = cold_pop_oldest_locked())
            batch.push_back(s);
    }
    if (!batch.empty()) trim_batch(batch);
}

void StackPool::release_all() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        trimmer_stop_ = true;
    }
    trimmer_cv_.notify_all();
    if (trimmer_.joinable()) trimmer_.join();
    std::lock_guard<std::mutex> lock(mu_);
    g_slabs_listed.store(0, std::memory_order_release);  // before the slabs go
    for (FiberStack* s = free_; s; s = s->next_free)
        fiber_san_release(&s->tsan_fiber);
    while (FiberStack* s = cold_.pop_front())
        fiber_san_release(&s->tsan_fiber);
    for (Slab* slab : slabs_) {
        munmap(slab->base - kSlabFloor, kSlabFloor + slab->bytes);
        delete slab;
    }
    slabs_.clear();
    slabs_with_room_.clear();
    free_ = nullptr;
    free_count_ = 0;
    free_low_water_ = 0;
    guarded_slots_ = 0;
    guarded_live_ = 0;
    dense_live_ = 0;
    pooled_ = 0;
    cold_count_ = 0;
}

// ---- checks and stats ---------------------------------------------------------------------

StackFault StackPool::classify_fault(const FiberStack* s, const void* addr) {
    auto a = reinterpret_cast<uintptr_t>(addr);
    auto bottom = reinterpret_cast<uintptr_t>(s->bottom);
    auto vend = reinterpret_cast<uintptr_t>(s->vstack + kValueSlots);
    // The running strand's own neighbourhood first: it needs no table (and
    // covers slabs the table had no room for).
    if (a < bottom && a + kSlabReach >= bottom) return StackFault::Stack;
    if (a >= vend && a < vend + kPage + kSlabReach) return StackFault::ValueStack;
    if (!near_a_slab(a)) return StackFault::None;
    if (a < bottom) return StackFault::Stack;
    if (a >= vend) return StackFault::ValueStack;
    return StackFault::None;
}

StackStats StackPool::stats() const {
    return {guarded_live_.load(), dense_live_.load(), pooled_.load(), cold_count_.load(),
            guard_budget_.load(), mmap_calls_.load(), trims_.load(),  deep_trims_.load()};
}

}  // namespace seq
