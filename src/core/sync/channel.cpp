#include "core/sync/channel.hpp"

#include <cstdlib>

#include "core/fatal.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/strand.hpp"

namespace seq {

// ---- waiters -------------------------------------------------------------------

namespace {

// Looked up through a non-inlined function: a strand may resume on another
// thread, and a TLS address cached across park() would name the old one.
__attribute__((noinline)) ThreadWait* this_thread_wait() {
    asm volatile("" ::: "memory");
    thread_local ThreadWait tw;
    return &tw;
}

}  // namespace

ChannelWaiter::ChannelWaiter()
    : strand(current_strand()), thread(strand ? nullptr : this_thread_wait()) {}

void ChannelWaiter::wait(ParkReason reason) {
    if (strand) {
        unsigned spins = 0;
        for (;;) {
            uint32_t st = state.load(std::memory_order_acquire);
            if (st == kDone) return;
            if (st == kWaiting) {
                park(reason);  // a stale permit just makes us look again
            } else if (++spins < 64) {
                cpu_relax();  // the waker is inside wake() on another thread
            } else {
                spins = 0;
                yield_now();  // its thread was preempted: let this worker run others
            }
        }
    }
    std::unique_lock<std::mutex> lock(thread->mu);
    while (state.load(std::memory_order_acquire) != kDone)
        thread->cv.wait(lock);
}

void ChannelWaiter::complete() {
    if (Strand* s = strand) {
        state.store(kHanding, std::memory_order_release);
        wake(s);
        state.store(kDone, std::memory_order_release);
        return;
    }
    // Notify under the mutex: the waiting thread cannot return (and let its
    // ChannelWaiter go) before we are done with it.
    ThreadWait* t = thread;
    std::lock_guard<std::mutex> lock(t->mu);
    state.store(kDone, std::memory_order_release);
    t->cv.notify_all();
}

// ---- process-wide totals ----------------------------------------------------------

namespace {

// Per-thread counters: a message costs two plain stores on a line no other
// thread writes; readers sum the live tallies plus those of exited threads.
struct Tally {
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> received{0};
    // Channels made and destroyed here (often on different threads): the
    // difference of the sums is the live count the dump shows.
    std::atomic<uint64_t> made{0};
    std::atomic<uint64_t> destroyed{0};
    Tally* next = nullptr;
    Tally* prev = nullptr;
    Tally();
    ~Tally();
};

struct TallyRegistry {
    std::mutex mu;
    Tally* live = nullptr;
    uint64_t retired_sent = 0;
    uint64_t retired_received = 0;
    uint64_t retired_made = 0;
    uint64_t retired_destroyed = 0;
};

TallyRegistry& tallies() {
    static auto* r = new TallyRegistry;  // never destroyed: threads exit late
    return *r;
}

Tally::Tally() {
    TallyRegistry& r = tallies();
    std::lock_guard<std::mutex> lock(r.mu);
    next = r.live;
    if (next) next->prev = this;
    r.live = this;
}

Tally::~Tally() {
    TallyRegistry& r = tallies();
    std::lock_guard<std::mutex> lock(r.mu);
    r.retired_sent += sent.load(std::memory_order_relaxed);
    r.retired_received += received.load(std::memory_order_relaxed);
    r.retired_made += made.load(std::memory_order_relaxed);
    r.retired_destroyed += destroyed.load(std::memory_order_relaxed);
    if (prev)
        prev->next = next;
    else
        r.live = next;
    if (next) next->prev = prev;
}

__attribute__((noinline)) Tally* this_thread_tally() {
    asm volatile("" ::: "memory");
    thread_local Tally t;
    return &t;
}

void count(uint64_t sent, uint64_t received) {
    Tally* t = this_thread_tally();
    if (sent)
        t->sent.store(t->sent.load(std::memory_order_relaxed) + sent, std::memory_order_relaxed);
    if (received)
        t->received.store(t->received.load(std::memory_order_relaxed) + received,
                          std::memory_order_relaxed);
}

// One more in a single-writer tally counter: a plain store.
void bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// The dump's channel figures (diagnostics' totals provider).
void add_channel_totals(ResourceTotals& t) {
    TallyRegistry& r = tallies();
    std::lock_guard<std::mutex> lock(r.mu);
    uint64_t made = r.retired_made, destroyed = r.retired_destroyed;
    for (Tally* x = r.live; x; x = x->next) {
        made += x->made.load(std::memory_order_relaxed);
        destroyed += x->destroyed.load(std::memory_order_relaxed);
    }
    t.channels_made += made;
    // Each sum is read at a slightly different moment: never below zero.
    t.channels_live += made > destroyed ? made - destroyed : 0;
}

}  // namespace

void channel_totals(uint64_t* sent, uint64_t* received) {
    TallyRegistry& r = tallies();
    std::lock_guard<std::mutex> lock(r.mu);
    uint64_t s = r.retired_sent, v = r.retired_received;
    for (Tally* t = r.live; t; t = t->next) {
        s += t->sent.load(std::memory_order_relaxed);
        v += t->received.load(std::memory_order_relaxed);
    }
    if (sent) *sent = s;
    if (received) *received = v;
}

// ---- the ring buffer (caller holds the lock) ------------------------------------------

namespace {

constexpr size_t kInitialRing = 16;
// A ring this large that drains completely is given back, so one burst does
// not pin its memory for the life of a long-lived channel.
constexpr size_t kShrinkRing = 4096;

void ring_grow(Channel* ch) {
    size_t size = ch->ring_size ? ch->ring_size * 2 : kInitialRing;
    auto* ring = static_cast<StackValue*>(std::malloc(size * sizeof(StackValue)));
    // Throwing here would leave the lock held; running out is fatal anyway.
    if (!ring) fatal("chan.send", "out of memory growing a channel queue to %zu values", size);
    for (size_t i = 0; i < ch->count; ++i)
        ring[i] = ch->ring[(ch->head + i) & (ch->ring_size - 1)];
    std::free(ch->ring);
    ch->ring = ring;
    ch->ring_size = size;
    ch->head = 0;
}

inline void ring_push(Channel* ch, StackValue v) {
    if (ch->count == ch->ring_size) ring_grow(ch);
    ch->ring[(ch->head + ch->count) & (ch->ring_size - 1)] = v;
    ++ch->count;
}

inline StackValue ring_pop(Channel* ch) {
    StackValue v = ch->ring[ch->head];
    ch->head = (ch->head + 1) & (ch->ring_size - 1);
    if (--ch->count == 0) {
        ch->head = 0;
        if (ch->ring_size >= kShrinkRing) {
            std::free(ch->ring);
            ch->ring = nullptr;
            ch->ring_size = 0;
        }
    }
    return v;
}

void destroy_channel(ManagedObject* m) {
    auto* ch = static_cast<Channel*>(m);
    // Nobody can be parked here: every send/receive holds a reference.
    while (ch->count)
        drop_value(ring_pop(ch));
    std::free(ch->ring);
    delete ch;
    bump(this_thread_tally()->destroyed);
}

}  // namespace

// ---- operations -------------------------------------------------------------------

StackValue channel_new(size_t capacity) {
    static const bool provided = (add_totals_provider(add_channel_totals), true);
    (void)provided;
    bump(this_thread_tally()->made);
    auto* ch = new Channel;
    ch->rc.store(1, std::memory_order_relaxed);
    ch->kind = Kind::Channel;
    ch->flags = 0;
    ch->aux = 0;
    ch->destroy = destroy_channel;
    ch->capacity = capacity;
    return from_heap(ch);
}

bool channel_send(Channel* ch, StackValue v) {
    v = share_value(v);  // no pointer into this strand's arena may cross
    ch->lock.lock();
    if (ch->closed) {
        ch->lock.unlock();
        drop_value(v);
        return false;
    }
    if (ChannelWaiter* r = ch->receivers.pop_front()) {
        // A receiver is parked, so the queue is empty: hand over directly.
        ++ch->sent;
        ++ch->received;
        ch->lock.unlock();
        r->value = v;
        r->ok = true;
        r->complete();
        count(1, 1);
        return true;
    }
    if (ch->count < ch->capacity) {
        ring_push(ch, v);
        ++ch->sent;
        ch->lock.unlock();
        count(1, 0);
        return true;
    }
    // Bounded and full: park until a receiver takes the value or it closes.
    ChannelWaiter me;
    me.value = v;
    ch->senders.push_back(&me);
    ch->lock.unlock();
    me.wait(ParkReason::ChannelSend);
    if (!me.ok) {
        drop_value(me.value);
        return false;
    }
    return true;  // the receiver that took it counted it
}

bool channel_receive(Channel* ch, StackValue* out) {
    ch->lock.lock();
    if (ch->count) {
        StackValue v = ring_pop(ch);
        ++ch->received;
        // A slot freed up: the first parked sender's value moves in.
        ChannelWaiter* s = ch->senders.pop_front();
        if (s) {
            ring_push(ch, s->value);
            ++ch->sent;
        }
        ch->lock.unlock();
        if (s) {
            s->ok = true;
            s->complete();
        }
        count(s ? 1 : 0, 1);
        *out = v;
        return true;
    }
    if (ChannelWaiter* s = ch->senders.pop_front()) {
        // Rendezvous (capacity 0): take the value from the parked sender.
        StackValue v = s->value;
        ++ch->sent;
        ++ch->received;
        ch->lock.unlock();
        s->ok = true;
        s->complete();
        count(1, 1);
        *out = v;
        return true;
    }
    if (ch->closed) {
        ch->lock.unlock();
        *out = make_int(0);
        return false;
    }
    ChannelWaiter me;
    ch->receivers.push_back(&me);
    ch->lock.unlock();
    me.wait(ParkReason::ChannelReceive);
    *out = me.ok ? me.value : make_int(0);
    return me.ok;
}

void channel_close(Channel* ch) {
    ch->lock.lock();
    if (ch->closed) {
        ch->lock.unlock();
        return;
    }
    ch->closed = true;
    ChannelWaiter* receivers = ch->receivers.take_all();
    ChannelWaiter* senders = ch->senders.take_all();
    ch->lock.unlock();
    // Read `next` before complete(): a completed waiter may vanish at once.
    for (ChannelWaiter* w = receivers; w;) {
        ChannelWaiter* next = ChannelWaiterList::next(w);
        w->ok = false;
        w->complete();
        w = next;
    }
    for (ChannelWaiter* w = senders; w;) {
        ChannelWaiter* next = ChannelWaiterList::next(w);
        w->ok = false;  // the sender keeps (and drops) its value
        w->complete();
        w = next;
    }
}

ChannelStats channel_stats(Channel* ch) {
    ch->lock.lock();
    ChannelStats st{ch->sent, ch->received, ch->count,
                    ch->capacity == kUnbounded ? UINT64_MAX : ch->capacity, ch->closed};
    ch->lock.unlock();
    return st;
}

}  // namespace seq
