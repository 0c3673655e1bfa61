// The socket table: maps the Int ids Seq programs hold to socket records.
//
// Ids are generation-tagged so that a stale id never names a newer socket:
//
//     id = (generation - 1) << 24 | (slot + 1)
//
// The first socket placed in a slot gets generation 1, so fresh ids are the
// small numbers 1, 2, 3... (as upstream's); every reuse of a slot bumps its
// generation, and an id whose generation is not the slot's current one is
// rejected. 0 and negative numbers are never ids (0 is the neutral value the
// words push on failure). A slot's generation has 38 bits: it would take
// 2^38 reuses of one slot before an old id could come back.
//
// Threads: lookups are lock-free and may run on any thread; they only tell
// where the socket lives (its owner worker). The record itself is touched
// only on its owner's thread, which re-checks the id there (see tcp.cpp).
// insert/remove take a mutex: they happen once per connection, not per I/O.
//
// TCP and UDP share the table, and so one id space: every entry records its
// protocol and a lookup for the other protocol does not find it, so a UDP id
// handed to a TCP word (or the reverse) is simply not a live socket there.
//
// The capacity (SEQ_MAX_SOCKETS) bounds live sockets of each protocol
// separately, as upstream caps each registry; a full table makes insert
// return 0, which the words turn into a false flag. Slots are allocated in
// chunks on demand, so a large limit costs nothing until used.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

namespace seq {

struct Worker;

namespace net {

struct SocketBase;

inline constexpr unsigned kSlotBits = 24;
inline constexpr size_t kMaxSlots = (size_t{1} << kSlotBits) - 1;  // 16,777,215
inline constexpr uint64_t kMaxGeneration = uint64_t{1} << 38;

// Whose entry a slot holds. Tcp is the default of every call, so the TCP
// module never names it.
enum class Protocol : uint8_t { Tcp = 0, Udp = 1 };
inline constexpr size_t kProtocols = 2;

class SocketTable {
  public:
    SocketTable() = default;
    ~SocketTable();
    SocketTable(const SocketTable&) = delete;
    SocketTable& operator=(const SocketTable&) = delete;

    // Forgets every entry and sets the capacity (per protocol). Only while no
    // other thread uses the table (between a scheduler shutdown and the next
    // use).
    void reset(size_t capacity);

    // Publishes `s` (owned by worker `owner`) and returns its id, or 0 when
    // `proto` already has `capacity` live sockets.
    int64_t insert(SocketBase* s, Worker* owner) { return insert_any(s, owner, Protocol::Tcp); }
    int64_t insert_any(void* s, Worker* owner, Protocol proto);
    // Frees the slot `id` names (its next occupant gets a new generation).
    // No-op if `id` is not live.
    void remove(int64_t id);

    // Where the `proto` socket `id` lives, or null when `id` names no live
    // socket of that protocol.
    Worker* owner_of(int64_t id, Protocol proto = Protocol::Tcp) const;
    // The record `id` names if it is a live `proto` socket owned by `owner`,
    // else null. Only meaningful on `owner`'s thread (where records are freed).
    SocketBase* get(int64_t id, const Worker* owner) const {
        return static_cast<SocketBase*>(get_any(id, owner, Protocol::Tcp));
    }
    // Inline: every socket word makes this lookup (tcp.cpp's Use).
    void* get_any(int64_t id, const Worker* owner, Protocol proto) const {
        const Slot* slot = find(id);
        if (!slot || slot->id.load(std::memory_order_acquire) != id) return nullptr;
        if (slot->owner.load(std::memory_order_relaxed) != owner) return nullptr;
        if (slot->proto.load(std::memory_order_relaxed) != proto) return nullptr;
        return slot->sock.load(std::memory_order_relaxed);
    }

    size_t live(Protocol proto = Protocol::Tcp) const {
        return live_[static_cast<size_t>(proto)].load(std::memory_order_relaxed);
    }
    size_t capacity() const { return capacity_; }

  private:
    static constexpr size_t kChunk = 1024;
    struct Slot {
        std::atomic<int64_t> id{0};  // the live id, 0 when free
        std::atomic<Worker*> owner{nullptr};
        std::atomic<void*> sock{nullptr};
        std::atomic<Protocol> proto{Protocol::Tcp};
        uint64_t next_gen = 1;  // guarded by mu_
    };
    struct Chunk {
        Slot slots[kChunk];
    };

    const Slot* find(int64_t id) const {
        if (id <= 0) return nullptr;
        uint64_t low = static_cast<uint64_t>(id) & kMaxSlots;
        if (low == 0 || low > slots_) return nullptr;
        size_t index = low - 1;
        Chunk* c = chunks_[index / kChunk].load(std::memory_order_acquire);
        return c ? &c->slots[index % kChunk] : nullptr;
    }

    std::mutex mu_;
    size_t capacity_ = 0;        // live sockets per protocol
    size_t slots_ = 0;           // slots for all protocols together
    size_t used_ = 0;            // slots ever handed out (guarded by mu_)
    std::deque<uint32_t> free_;  // FIFO: a freed slot is reused as late as possible
    std::unique_ptr<std::atomic<Chunk*>[]> chunks_;
    size_t nchunks_ = 0;
    std::atomic<size_t> live_[kProtocols] = {};
};

}  // namespace net
}  // namespace seq
