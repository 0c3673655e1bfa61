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
    // Room for every protocol at its cap, as far as 24 bits of slot allow
    // (only a limit near 2^24 makes the protocols compete for slots).
    slots_ = capacity * kProtocols < kMaxSlots ? capacity * kProtocols : kMaxSlots;
    used_ = 0;
    free_.clear();
    nchunks_ = (slots_ + kChunk - 1) / kChunk;
    chunks_.reset(nchunks_ ? new std::atomic<Chunk*>[nchunks_] : nullptr);
    for (size_t i = 0; i < nchunks_; ++i)
        chunks_[i].store(nullptr, std::memory_order_relaxed);
    for (auto& n : live_)
        n.store(0, std::memory_order_relaxed);
}

int64_t SocketTable::insert_any(void* s, Worker* owner, Protocol proto) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& live = live_[static_cast<size_t>(proto)];
    if (live.load(std::memory_order_relaxed) >= capacity_) return 0;
    uint32_t index;
    if (!free_.empty()) {
        index = free_.front();
        free_.pop_front();
    } else if (used_ < slots_) {
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
    slot.proto.store(proto, std::memory_order_relaxed);
    // Publishing the id last: a reader that sees it also sees the rest.
    slot.id.store(id, std::memory_order_release);
    live.fetch_add(1, std::memory_order_relaxed);
    return id;
}

void SocketTable::remove(int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto* slot = const_cast<Slot*>(find(id));
    if (!slot || slot->id.load(std::memory_order_relaxed) != id) return;
    slot->id.store(0, std::memory_order_release);
    slot->sock.store(nullptr, std::memory_order_relaxed);
    free_.push_back(static_cast<uint32_t>((static_cast<uint64_t>(id) & kMaxSlots) - 1));
    live_[static_cast<size_t>(slot->proto.load(std::memory_order_relaxed))].fetch_sub(
        1, std::memory_order_relaxed);
}

Worker* SocketTable::owner_of(int64_t id, Protocol proto) const {
    const Slot* slot = find(id);
    if (!slot || slot->id.load(std::memory_order_acquire) != id) return nullptr;
    Worker* w = slot->owner.load(std::memory_order_relaxed);
    bool mine = slot->proto.load(std::memory_order_relaxed) == proto;
    // The slot may have been reused between the loads: check again.
    if (slot->id.load(std::memory_order_acquire) != id || !mine) return nullptr;
    return w;
}

}  // namespace seq::net
