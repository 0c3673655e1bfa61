#include "core/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/fatal.hpp"
#include "core/fiber.hpp"

namespace seq {

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kCacheMax = 32;        // per-worker cache size
constexpr size_t kSlabBytes = 8 << 20;  // dense slab mapping size
constexpr uint64_t kCanary = 0x5e9c0de5eed5a17fULL;

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

uint64_t canary_for(const FiberStack* s) {
    return kCanary ^ reinterpret_cast<uint64_t>(s->bottom);
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

FiberStack* StackPool::acquire(StackCache* cache) {
    if (cache && cache->head) {
        FiberStack* s = cache->head;
        cache->head = s->next_free;
        --cache->count;
        pooled_.fetch_sub(1, std::memory_order_relaxed);
        (s->guarded ? guarded_live_ : dense_live_).fetch_add(1, std::memory_order_relaxed);
        return s;
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (free_) {
            FiberStack* s = free_;
            free_ = s->next_free;
            --free_count_;
            pooled_.fetch_sub(1, std::memory_order_relaxed);
            (s->guarded ? guarded_live_ : dense_live_).fetch_add(1, std::memory_order_relaxed);
            return s;
        }
    }
    FiberStack* s = allocate_new();
    (s->guarded ? guarded_live_ : dense_live_).fetch_add(1, std::memory_order_relaxed);
    return s;
}

void StackPool::release(FiberStack* s, StackCache* cache) {
    (s->guarded ? guarded_live_ : dense_live_).fetch_sub(1, std::memory_order_relaxed);
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
        return;
    }
    destroy(s);
}

void StackPool::flush(StackCache* cache) {
    while (cache->head) {
        FiberStack* s = cache->head;
        cache->head = s->next_free;
        --cache->count;
        pooled_.fetch_sub(1, std::memory_order_relaxed);
        (s->guarded ? guarded_live_ : dense_live_).fetch_add(1, std::memory_order_relaxed);
        release(s, nullptr);
    }
}

// Called with mu_ held (destroy) or from acquire's slow path.
FiberStack* StackPool::allocate_new() {
    bool guarded = false;
    switch (policy_) {
        case StackGuard::Always:
            guarded = true;
            break;
        case StackGuard::Never:
            guarded = false;
            break;
        case StackGuard::Auto:
            guarded = guarded_live_.load(std::memory_order_relaxed) < guard_budget_.load();
            break;
    }
    if (guarded) {
        if (FiberStack* s = allocate_guarded()) return s;
        if (policy_ == StackGuard::Always)
            fatal("strand spawn",
                  "cannot map a guarded stack (%s); vm.max_map_count is exhausted. "
                  "Use SEQ_STACK_GUARD=auto to fall back to canary-checked stacks",
                  std::strerror(errno));
        guard_budget_.store(guarded_live_.load());  // the kernel said no: stop asking
    }
    return allocate_dense();
}

FiberStack* StackPool::allocate_guarded() {
    size_t total = stack_size_ + kPage;
    void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    if (mprotect(p, kPage, PROT_NONE) != 0) {
        // Unlike Boost 1.74's protected_fixedsize_stack we never hand out a
        // stack whose guard page could not be installed.
        int saved = errno;
        munmap(p, total);
        errno = saved;
        return nullptr;
    }
    mmap_calls_.fetch_add(1, std::memory_order_relaxed);
    // The descriptor lives at the top of the stack memory it describes.
    char* bottom = static_cast<char*>(p) + kPage;
    auto* s = reinterpret_cast<FiberStack*>(bottom + stack_size_ - sizeof(FiberStack));
    s->bottom = bottom;
    s->size = stack_size_ - sizeof(FiberStack);
    s->guarded = true;
    s->next_free = nullptr;
    s->tsan_fiber = nullptr;
    return s;
}

FiberStack* StackPool::allocate_dense() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dense_free_) {
        size_t per_slab = kSlabBytes / stack_size_;
        if (per_slab == 0) per_slab = 1;
        size_t bytes = per_slab * stack_size_;
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (p == MAP_FAILED)
            fatal("strand spawn", "cannot map %zu bytes for strand stacks: %s", bytes,
                  std::strerror(errno));
        mmap_calls_.fetch_add(1, std::memory_order_relaxed);
        slabs_.emplace_back(p, bytes);
        // Slots are threaded onto the free list from the top so that the
        // first stacks handed out are adjacent.
        for (size_t i = per_slab; i-- > 0;) {
            char* bottom = static_cast<char*>(p) + i * stack_size_;
            auto* s = reinterpret_cast<FiberStack*>(bottom + stack_size_ - sizeof(FiberStack));
            s->bottom = bottom;
            s->size = stack_size_ - sizeof(FiberStack);
            s->guarded = false;
            s->tsan_fiber = nullptr;
            s->next_free = dense_free_;
            dense_free_ = s;
        }
    }
    FiberStack* s = dense_free_;
    dense_free_ = s->next_free;
    s->next_free = nullptr;
    write_canary(s);
    return s;
}

// Called with mu_ held.
void StackPool::destroy(FiberStack* s) {
    fiber_san_release(&s->tsan_fiber);
    if (s->guarded) {
        munmap(s->bottom - kPage, stack_size_ + kPage);
        return;
    }
    // Give the slot's memory back to the kernel but keep the address range
    // (its slab stays mapped); the descriptor is rewritten on reuse.
    FiberStack copy = *s;
    char* base = copy.bottom;
    madvise(base, stack_size_, MADV_DONTNEED);
    auto* d = reinterpret_cast<FiberStack*>(base + stack_size_ - sizeof(FiberStack));
    *d = copy;
    d->next_free = dense_free_;
    dense_free_ = d;
}

void StackPool::release_all() {
    std::lock_guard<std::mutex> lock(mu_);
    while (free_) {
        FiberStack* s = free_;
        free_ = s->next_free;
        fiber_san_release(&s->tsan_fiber);
        if (s->guarded) munmap(s->bottom - kPage, stack_size_ + kPage);
    }
    free_count_ = 0;
    dense_free_ = nullptr;
    for (auto& [p, bytes] : slabs_)
        munmap(p, bytes);
    slabs_.clear();
    guarded_live_ = 0;
    dense_live_ = 0;
    pooled_ = 0;
}

void StackPool::write_canary(const FiberStack* s) {
    *reinterpret_cast<uint64_t*>(s->bottom) = canary_for(s);
}

bool StackPool::canary_intact(const FiberStack* s) {
    return s->guarded || *reinterpret_cast<const uint64_t*>(s->bottom) == canary_for(s);
}

bool StackPool::in_guard_page(const FiberStack* s, const void* addr) {
    auto a = reinterpret_cast<const char*>(addr);
    return s->guarded && a >= s->bottom - kPage && a < s->bottom;
}

StackStats StackPool::stats() const {
    return {guarded_live_.load(), dense_live_.load(), pooled_.load(), guard_budget_.load(),
            mmap_calls_.load()};
}

}  // namespace seq
