// IntrusiveFifo: the one intrusive FIFO list of the runtime (run queues,
// channel waiters, TCP waiters, the stack pool's cold list).
//
// An element is linked through its own pointer member `Next` (and, for a
// list that must also be popped at the back, `Prev`), so queueing never
// allocates and an element may live anywhere (a strand's record at the top
// of its stack, a waiter on a parked strand's stack). Not synchronised: the
// owner (one thread, or whoever holds the owner's lock) serialises access.
//
// The list is head and tail pointers, plus a count when `Counted` (the run
// queue halves itself for donation, TCP reports its waiters): exactly the
// hand-written lists it replaced, with every operation inline.
//
// Link discipline (checked by SEQ_ASSERT): an element that is not in a list
// has a null `Next`; pushing an element that is already linked, or popping
// one, always leaves that true. take_all() hands the caller the raw chain.
#pragma once

#include <cstddef>

#include "core/assert.hpp"

namespace seq {

namespace detail {
template <bool Counted>
struct FifoCount {
    void add(size_t) {}
    void sub(size_t) {}
    void reset() {}
};
template <>
struct FifoCount<true> {
    size_t n = 0;
    void add(size_t k) { n += k; }
    void sub(size_t k) { n -= k; }
    void reset() { n = 0; }
};
}  // namespace detail

template <class T, T* T::*Next, bool Counted = false, T* T::*Prev = nullptr>
class IntrusiveFifo {
    static constexpr bool kDoubly = Prev != nullptr;

  public:
    IntrusiveFifo() = default;
    IntrusiveFifo(const IntrusiveFifo&) = delete;
    IntrusiveFifo& operator=(const IntrusiveFifo&) = delete;

    bool empty() const { return head_ == nullptr; }
    T* front() const { return head_; }
    T* back() const { return tail_; }
    size_t size() const requires Counted { return count_.n; }
    // The element after `t` in whatever chain it is on (walks take_all()).
    static T* next(const T* t) { return t->*Next; }

    void push_back(T* t) {
        SEQ_ASSERT(t->*Next == nullptr && t != tail_, "pushing an element that is already linked");
        t->*Next = nullptr;
        if constexpr (kDoubly) t->*Prev = tail_;
        if (tail_)
            tail_->*Next = t;
        else
            head_ = t;
        tail_ = t;
        count_.add(1);
    }

    void push_front(T* t) {
        SEQ_ASSERT(t->*Next == nullptr && t != tail_, "pushing an element that is already linked");
        t->*Next = head_;
        if constexpr (kDoubly) {
            t->*Prev = nullptr;
            if (head_) head_->*Prev = t;
        }
        head_ = t;
        if (!tail_) tail_ = t;
        count_.add(1);
    }

    // Inserts `t` right after `pos`, which must be in this list.
    void insert_after(T* pos, T* t) {
        SEQ_ASSERT(pos != nullptr && head_ != nullptr, "insert_after into an empty list");
        SEQ_ASSERT(t->*Next == nullptr && t != tail_, "pushing an element that is already linked");
        t->*Next = pos->*Next;
        if constexpr (kDoubly) {
            t->*Prev = pos;
            if (pos->*Next) pos->*Next->*Prev = t;
        }
        pos->*Next = t;
        if (tail_ == pos) tail_ = t;
        count_.add(1);
    }

    T* pop_front() {
        T* t = head_;
        if (!t) return nullptr;
        head_ = t->*Next;
        if (!head_)
            tail_ = nullptr;
        else if constexpr (kDoubly)
            head_->*Prev = nullptr;
        t->*Next = nullptr;
        if constexpr (kDoubly) t->*Prev = nullptr;
        count_.sub(1);
        return t;
    }

    T* pop_back() requires(Prev != nullptr) {
        T* t = tail_;
        if (!t) return nullptr;
        tail_ = t->*Prev;
        if (tail_)
            tail_->*Next = nullptr;
        else
            head_ = nullptr;
        t->*Prev = nullptr;
        count_.sub(1);
        return t;
    }

    // Appends a chain first..last linked through Next, of `n` elements.
    void append_chain(T* first, T* last, size_t n) requires(Prev == nullptr) {
        if (!first) return;
        last->*Next = nullptr;
        if (tail_)
            tail_->*Next = first;
        else
            head_ = first;
        tail_ = last;
        count_.add(n);
    }

    // Empties the list and returns its elements as a chain through Next
    // (oldest first). Read an element's next() before letting it go.
    T* take_all() {
        T* t = head_;
        head_ = tail_ = nullptr;
        count_.reset();
        return t;
    }

  private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    [[no_unique_address]] detail::FifoCount<Counted> count_;
};

}  // namespace seq
