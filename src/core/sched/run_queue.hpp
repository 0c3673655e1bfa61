// The queues a worker schedules from, all intrusive (a strand is linked by
// its own `next` field, so queueing never allocates):
//   LocalQueue  FIFO owned by one worker thread, no synchronisation
//               (the runtime's IntrusiveFifo);
//   Inbox       multi-producer queue other threads push into; the owner takes
//               everything at once (a Treiber stack reversed on take).
#pragma once

#include <atomic>
#include <cstddef>

#include "core/assert.hpp"
#include "core/intrusive_fifo.hpp"

namespace seq {

// Linked through T::next, counted (donation halves it).
template <typename T>
using LocalQueue = IntrusiveFifo<T, &T::next, true>;

template <typename T>
class Inbox {
  public:
    // Pushes a chain first..last (linked through `next`); any thread.
    void push_chain(T* first, T* last) {
        T* head = head_.load(std::memory_order_relaxed);
        do {
            last->next = head;
        } while (!head_.compare_exchange_weak(head, first, std::memory_order_seq_cst,
                                              std::memory_order_relaxed));
    }
    void push(T* t) {
        SEQ_ASSERT(t->next == nullptr, "posting a strand that is already queued");
        push_chain(t, t);
    }

    bool empty() const { return head_.load(std::memory_order_seq_cst) == nullptr; }

    // Owner only: moves everything into `q` in push order.
    size_t take_all(LocalQueue<T>& q) {
        T* t = head_.exchange(nullptr, std::memory_order_acquire);
        // The stack holds newest first; reverse to keep FIFO order.
        T* rev = nullptr;
        T* last = t;
        size_t n = 0;
        while (t) {
            T* next = t->next;
            t->next = rev;
            rev = t;
            t = next;
            ++n;
        }
        q.append_chain(rev, last, n);
        return n;
    }

  private:
    std::atomic<T*> head_{nullptr};
};

}  // namespace seq
