// The queues a worker schedules from, all intrusive (a strand is linked by
// its own `next` field, so queueing never allocates):
//   LocalQueue  FIFO owned by one worker thread, no synchronisation;
//   Inbox       multi-producer queue other threads push into; the owner takes
//               everything at once (a Treiber stack reversed on take).
#pragma once

#include <atomic>
#include <cstddef>

namespace seq {

template <typename T>
class LocalQueue {
  public:
    bool empty() const { return head_ == nullptr; }
    size_t size() const { return size_; }

    void push_back(T* t) {
        t->next = nullptr;
        if (tail_)
            tail_->next = t;
        else
            head_ = t;
        tail_ = t;
        ++size_;
    }

    void push_front(T* t) {
        t->next = head_;
        head_ = t;
        if (!tail_) tail_ = t;
        ++size_;
    }

    // Inserts `t` right after `pos`, which must be in this queue.
    void insert_after(T* pos, T* t) {
        t->next = pos->next;
        pos->next = t;
        if (tail_ == pos) tail_ = t;
        ++size_;
    }

    T* pop_front() {
        T* t = head_;
        if (!t) return nullptr;
        head_ = t->next;
        if (!head_) tail_ = nullptr;
        t->next = nullptr;
        --size_;
        return t;
    }

    // Appends a chain linked through `next` (null-terminated) of `n` items.
    void append_chain(T* first, T* last, size_t n) {
        if (!first) return;
        last->next = nullptr;
        if (tail_)
            tail_->next = first;
        else
            head_ = first;
        tail_ = last;
        size_ += n;
    }

  private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    size_t size_ = 0;
};

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
    void push(T* t) { push_chain(t, t); }

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
