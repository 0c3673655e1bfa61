#include "io/net/socket_table.hpp"

namespace seq::net {

SocketTable::~SocketTable() {
    reset(0);
}

void SocketTable::reset(size_t capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < nchunks_; ++i)
        delete chunks_[i].load(std::memory_order_relaxed);
    if (capacity > kMaxSlots) capacity = kMaxSlots;
    capacity_ = capacity;
    used_ = 0;
    free_.clear();
    nchunks_ = (capacity + kChunk - 1) / kChunk;
    chunks_.reset(nchunks_ ? new std::atomic<Chunk*>[nchunks_] : nullptr);
    for (size_t i = 0; i < nchunks_; ++i)
        chunks_[i].store(nullptr, std::memory_order_relaxed);
    live_.store(0, std::memory_order_relaxed);
}

int64_t SocketTable::insert(SocketBase* s, Worker* owner) {
    std::lock_guard<std::mutex> lock(mu_);
    uint32_t index;
    if (!free_.empty()) {
        index = free_.front();
        free_.pop_front();
    } else if (used_ < capacity_) {
        index = static_cast<uint32_t>(used_++);
        size_t c = index / kChunk;
        if (!chunks_[c].load(std::memory_order_relaxed))
            chunks_[c].store(new Chunk, std::memory_order_release);
    } else {
        return 0;
    }
    Slot& slot = chunks_[index / kChunk].load(std::memory_order_relaxed)->slots[index % kChunk];
    uint64_t gen = slot.next_gen;
    slot.next_gen = gen + 1 < kMaxGeneration ? gen + 1 : 1;
    int64_t id = static_cast<int64_t>(((gen - 1) << kSlotBits) | (index + 1));
    slot.owner.store(owner, std::memory_order_relaxed);
    slot.sock.store(s, std::memory_order_relaxed);
    // Publishing the id last: a reader that sees it also sees owner and sock.
    slot.id.store(id, std::memory_order_release);
    live_.fetch_add(1, std::memory_order_relaxed);
    return id;
}

void SocketTable::remove(int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto* slot = const_cast<Slot*>(find(id));
    if (!slot || slot->id.load(std::memory_order_relaxed) != id) return;
    slot->id.store(0, std::memory_order_release);
    slot->sock.store(nullptr, std::memory_order_relaxed);
    free_.push_back(static_cast<uint32_t>((static_cast<uint64_t>(id) & kMaxSlots) - 1));
    live_.fetch_sub(1, std::memory_order_relaxed);
}

const SocketTable::Slot* SocketTable::find(int64_t id) const {
    if (id <= 0) return nullptr;
    uint64_t low = static_cast<uint64_t>(id) & kMaxSlots;
    if (low == 0 || low > capacity_) return nullptr;
    size_t index = low - 1;
    Chunk* c = chunks_[index / kChunk].load(std::memory_order_acquire);
    return c ? &c->slots[index % kChunk] : nullptr;
}

Worker* SocketTable::owner_of(int64_t id) const {
    const Slot* slot = find(id);
    if (!slot || slot->id.load(std::memory_order_acquire) != id) return nullptr;
    Worker* w = slot->owner.load(std::memory_order_relaxed);
    // The slot may have been reused between the two loads: check again.
    if (slot->id.load(std::memory_order_acquire) != id) return nullptr;
    return w;
}

SocketBase* SocketTable::get(int64_t id, const Worker* owner) const {
    const Slot* slot = find(id);
    if (!slot || slot->id.load(std::memory_order_acquire) != id) return nullptr;
    if (slot->owner.load(std::memory_order_relaxed) != owner) return nullptr;
    return slot->sock.load(std::memory_order_relaxed);
}

}  // namespace seq::net
