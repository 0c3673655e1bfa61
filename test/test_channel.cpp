// Channels: upstream's channel.rs tests plus what the C++ runtime adds
// (cross-worker handoff, MPMC exactness, close semantics, bounded
// channels, payload lifetime across the sender's exit, non-strand callers).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/sync/channel.hpp"
#include "core/value/stack.hpp"
#include "seq/runtime.h"
#include "seq/runtime_channels.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::spawn_fn;
using Channels = test::SchedulerTest;
const auto eventually = [](const std::function<bool()>& pred) {
    return test::wait_until(pred, 30);
};

size_t parked(ChannelWaiterList& list, Channel* ch) {
    ch->lock.lock();
    size_t n = 0;
    for (ChannelWaiter* w = list.front(); w; w = ChannelWaiterList::next(w))
        ++n;
    ch->lock.unlock();
    return n;
}

// Owns a channel value for the length of a test.
struct Chan {
    explicit Chan(size_t capacity = kUnbounded) : v(channel_new(capacity)) {}
    ~Chan() { drop_value(v); }
    Channel* operator->() const { return channel_of(v); }
    Channel* get() const { return channel_of(v); }
    StackValue ref() const { return clone_value(v); }
    StackValue v;
};

int64_t recv_int(Channel* ch) {
    StackValue v;
    EXPECT_TRUE(channel_receive(ch, &v));
    EXPECT_TRUE(is_int(v));
    return int_of(v);
}

// ---- the ABI words (upstream's tests) -------------------------------------------------

TEST_F(Channels, MakeChannelPushesAChannel) {
    StackValue buf[8];
    Stack sp = patch_seq_make_channel(buf);
    ASSERT_EQ(sp, buf + 1);
    EXPECT_TRUE(is_kind(buf[0], Kind::Channel));
    drop_value(buf[0]);
}

TEST_F(Channels, SendThenReceiveOnOneThread) {
    StackValue buf[8];
    Stack sp = patch_seq_make_channel(buf);
    StackValue ch = buf[0];
    sp = buf;
    sp = push(sp, make_int(42));
    sp = push(sp, clone_value(ch));
    sp = patch_seq_chan_send(sp);
    ASSERT_EQ(sp, buf + 1);
    EXPECT_EQ(buf[0], kTrue);
    sp = push(buf, clone_value(ch));
    sp = patch_seq_chan_receive(sp);
    ASSERT_EQ(sp, buf + 2);
    EXPECT_EQ(buf[0], make_int(42));
    EXPECT_EQ(buf[1], kTrue);
    drop_value(ch);
}

TEST_F(Channels, FifoOrder) {
    Chan ch;
    for (int i = 1; i <= 5; ++i)
        ASSERT_TRUE(channel_send(ch.get(), make_int(i)));
    for (int i = 1; i <= 5; ++i)
        EXPECT_EQ(recv_int(ch.get()), i);
}

TEST_F(Channels, SendWithWrongTypeGivesFalseAndConsumesBoth) {
    StackValue buf[8];
    Stack sp = push(buf, make_string("payload"));
    sp = push(sp, make_int(999));
    sp = patch_seq_chan_send(sp);  // the string is dropped (ASan would see a leak)
    ASSERT_EQ(sp, buf + 1);
    EXPECT_EQ(buf[0], kFalse);
}

TEST_F(Channels, ReceiveWithWrongTypeGivesZeroFalse) {
    StackValue buf[8];
    Stack sp = push(buf, make_string("not a channel"));
    sp = patch_seq_chan_receive(sp);
    ASSERT_EQ(sp, buf + 2);
    EXPECT_EQ(buf[0], make_int(0));
    EXPECT_EQ(buf[1], kFalse);
}

TEST_F(Channels, CloseChannelWordPopsIt) {
    StackValue buf[8];
    Stack sp = patch_seq_make_channel(buf);
    sp = patch_seq_close_channel(sp);
    EXPECT_EQ(sp, buf);
}

TEST_F(Channels, BoundedWordMakesABoundedChannel) {
    StackValue buf[8];
    Stack sp = push(buf, make_int(3));
    sp = patch_seq_make_channel_bounded(sp);
    ASSERT_EQ(sp, buf + 1);
    seq_channel_stats_t st;
    ASSERT_TRUE(seq_channel_stats(buf[0], &st));
    EXPECT_EQ(st.capacity, 3u);
    EXPECT_FALSE(seq_channel_stats(make_int(1), &st));
    drop_value(buf[0]);
}

TEST_F(Channels, BoundedWordRejectsNegativeCapacity) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            StackValue buf[4];
            Stack sp = push(buf, make_int(-1));
            patch_seq_make_channel_bounded(sp);
        },
        "chan.make-bounded");
}

// ---- strands: one worker, several workers --------------------------------------------

// Upstream's test_arena_string_send_between_strands: an arena string sent by
// one strand arrives global, intact, after its sender (and arena) are gone.
TEST_F(Channels, ArenaStringArrivesGlobalAfterSenderExit) {
    Chan ch;
    StackValue c = ch.ref();
    spawn_fn([c] {
        StackValue s = make_arena_string("Arena message!");
        ASSERT_TRUE(heap_of(s)->flags & kArena);
        EXPECT_TRUE(channel_send(channel_of(c), s));
        drop_value(c);
    });
    patch_seq_wait_all_strands();  // the sender's arena has been reset
    StackValue v;
    ASSERT_TRUE(channel_receive(ch.get(), &v));
    ASSERT_TRUE(is_kind(v, Kind::String));
    EXPECT_EQ(heap_of(v)->flags, 0);
    EXPECT_EQ(string_of(v)->view(), "Arena message!");
    drop_value(v);
}

// A variant with arena strings inside (and a symbol tag) survives too.
TEST_F(Channels, VariantPayloadSurvivesSenderExit) {
    Chan ch;
    StackValue c = ch.ref();
    spawn_fn([c] {
        StackValue fields[2] = {make_arena_string("inner text"), make_int(7)};
        StackValue tag = make_string("Pair", Kind::Symbol);
        StackValue var = make_variant(string_of(tag), fields, 2);
        EXPECT_TRUE(channel_send(channel_of(c), var));
        drop_value(c);
    });
    patch_seq_wait_all_strands();
    StackValue v;
    ASSERT_TRUE(channel_receive(ch.get(), &v));
    ASSERT_TRUE(is_kind(v, Kind::Variant));
    VariantObj* var = variant_of(v);
    EXPECT_EQ(var->tag->view(), "Pair");
    ASSERT_EQ(var->len, 2u);
    ASSERT_TRUE(is_kind(var->fields[0], Kind::String));
    EXPECT_EQ(heap_of(var->fields[0])->flags, 0);
    EXPECT_EQ(string_of(var->fields[0])->view(), "inner text");
    EXPECT_EQ(var->fields[1], make_int(7));
    drop_value(v);
}

// Once together, the pair stays on one worker: each wake puts the other
// strand in the waker's runnext.
TEST_F(Channels, PingPongConvergesOnOneWorker) {
    constexpr int kRounds = 10000;
    Chan ping, pong;
    std::atomic<int64_t> sum{0};
    std::atomic<int> apart{0};
    std::atomic<bool> converged{false};
    std::atomic<Worker*> ping_worker{nullptr};
    StackValue a = ping.ref(), b = pong.ref();
    spawn_fn([&, a, b] {
        spawn_fn([&, a, b] {
            bool together = false;  // the two may start on different workers
            for (int i = 0; i < kRounds; ++i) {
                StackValue v;
                ASSERT_TRUE(channel_receive(channel_of(a), &v));
                if (current_worker() == ping_worker.load())
                    together = true;
                else if (together)
                    apart++;
                ASSERT_TRUE(channel_send(channel_of(b), v));
            }
            converged = together;
        });
        for (int i = 0; i < kRounds; ++i) {
            ping_worker = current_worker();
            ASSERT_TRUE(channel_send(channel_of(a), make_int(i)));
            StackValue v;
            ASSERT_TRUE(channel_receive(channel_of(b), &v));
            sum += int_of(v);
        }
        drop_value(a);
        drop_value(b);
    });
    patch_seq_wait_all_strands();
    EXPECT_EQ(sum.load(), int64_t{kRounds} * (kRounds - 1) / 2);
    EXPECT_TRUE(converged.load());
    EXPECT_EQ(apart.load(), 0);
    ChannelStats st = channel_stats(ping.get());
    EXPECT_EQ(st.sent, uint64_t{kRounds});
    EXPECT_EQ(st.received, uint64_t{kRounds});
}

// The scheduler's rule the channel relies on: a receiver woken by a send
// from a strand runs next on the sender's worker.
TEST_F(Channels, ReceiverWokenBySendRunsOnSendersWorker) {
    if (scheduler().workers.size() < 2) GTEST_SKIP() << "needs two workers";
    Worker* w0 = scheduler().workers[0].get();
    Worker* w1 = scheduler().workers[1].get();
    Chan ch;
    std::atomic<Worker*> woke_on{nullptr};
    StackValue c = ch.ref();
    spawn_fn([&, c] {
        migrate_to(w1);
        StackValue v;
        EXPECT_TRUE(channel_receive(channel_of(c), &v));
        woke_on = current_worker();
        drop_value(c);
    });
    ASSERT_TRUE(eventually([&] { return parked(ch->receivers, ch.get()) == 1; }));
    StackValue c2 = ch.ref();
    spawn_fn([c2, w0] {
        migrate_to(w0);
        EXPECT_TRUE(channel_send(channel_of(c2), make_int(1)));
        drop_value(c2);
    });
    patch_seq_wait_all_strands();
    EXPECT_EQ(woke_on.load(), w0);
}

TEST_F(Channels, SendFromAnotherWorkerWakesParkedReceiver) {
    if (scheduler().workers.size() < 2) GTEST_SKIP() << "needs two workers";
    Worker* w0 = scheduler().workers[0].get();
    Worker* w1 = scheduler().workers[1].get();
    constexpr int kCount = 2000;
    Chan ch;
    std::atomic<int64_t> sum{0};
    StackValue c = ch.ref(), c2 = ch.ref();
    spawn_fn([&, c, w1] {
        migrate_to(w1);
        for (int i = 0; i < kCount; ++i)
            sum += recv_int(channel_of(c));
        drop_value(c);
    });
    spawn_fn([c2, w0] {
        for (int i = 0; i < kCount; ++i) {
            migrate_to(w0);  // keep sending from w0 even if the pair converged
            EXPECT_TRUE(channel_send(channel_of(c2), make_int(i)));
            if (i % 7 == 0) yield_now();
        }
        drop_value(c2);
    });
    patch_seq_wait_all_strands();
    EXPECT_EQ(sum.load(), int64_t{kCount} * (kCount - 1) / 2);
}

// A host (non-strand) thread blocks on a condition variable, both ways.
TEST_F(Channels, HostThreadReceivesFromStrandAndSendsToStrand) {
    Chan to_host, to_strand;
    StackValue a = to_host.ref(), b = to_strand.ref();
    spawn_fn([a, b] {
        yield_now();
        EXPECT_TRUE(channel_send(channel_of(a), make_int(5)));
        EXPECT_EQ(recv_int(channel_of(b)), 6);
        EXPECT_TRUE(channel_send(channel_of(a), make_int(7)));
        drop_value(a);
        drop_value(b);
    });
    EXPECT_EQ(recv_int(to_host.get()), 5);  // blocks the main thread until sent
    EXPECT_TRUE(channel_send(to_strand.get(), make_int(6)));
    EXPECT_EQ(recv_int(to_host.get()), 7);
}

TEST_F(Channels, ManyParkedReceiversFedByHostThread) {
#if defined(SEQ_TSAN)
    constexpr int kReceivers = 200;
#else
    constexpr int kReceivers = 2000;
#endif
    Chan ch;
    std::atomic<int64_t> sum{0};
    for (int i = 0; i < kReceivers; ++i) {
        StackValue c = ch.ref();
        spawn_fn([&, c] {
            sum += recv_int(channel_of(c));
            drop_value(c);
        });
    }
    for (int i = 1; i <= kReceivers; ++i)
        ASSERT_TRUE(channel_send(ch.get(), make_int(i)));
    patch_seq_wait_all_strands();
    EXPECT_EQ(sum.load(), int64_t{kReceivers} * (kReceivers + 1) / 2);
}

// The stress: 10 producers x 10 consumers x 100,000 messages each,
// every message delivered exactly once.
TEST_F(Channels, TenProducersTenConsumersExactlyOnce) {
    constexpr int kProducers = 10, kConsumers = 10;
    constexpr int64_t kPerProducer = 100000;
    constexpr int64_t kTotal = kProducers * kPerProducer;
    Chan work, done;
    auto seen = std::make_unique<std::atomic<uint8_t>[]>(kTotal);
    for (int64_t i = 0; i < kTotal; ++i)
        seen[i].store(0, std::memory_order_relaxed);
    std::atomic<int64_t> sum{0}, received{0};
    std::atomic<int> duplicates{0};
    for (int c = 0; c < kConsumers; ++c) {
        StackValue w = work.ref();
        spawn_fn([&, w] {
            int64_t local_sum = 0, local_count = 0;
            for (;;) {
                StackValue v;
                if (!channel_receive(channel_of(w), &v)) break;
                int64_t n = int_of(v);
                if (n < 0) break;  // sentinel
                if (seen[n].fetch_add(1) != 0) duplicates++;
                local_sum += n;
                ++local_count;
            }
            sum += local_sum;
            received += local_count;
            drop_value(w);
        });
    }
    for (int p = 0; p < kProducers; ++p) {
        StackValue w = work.ref(), d = done.ref();
        spawn_fn([p, w, d] {
            for (int64_t i = 0; i < kPerProducer; ++i) {
                EXPECT_TRUE(channel_send(channel_of(w), make_int(p * kPerProducer + i)));
                if (i % 64 == 0) yield_now();  // interleave producers
            }
            EXPECT_TRUE(channel_send(channel_of(d), make_int(p)));
            drop_value(w);
            drop_value(d);
        });
    }
    // The main thread collects the producers' completions, then stops the
    // consumers with one sentinel each.
    for (int p = 0; p < kProducers; ++p)
        recv_int(done.get());
    for (int c = 0; c < kConsumers; ++c)
        ASSERT_TRUE(channel_send(work.get(), make_int(-1)));
    patch_seq_wait_all_strands();
    EXPECT_EQ(duplicates.load(), 0);
    EXPECT_EQ(received.load(), kTotal);
    EXPECT_EQ(sum.load(), kTotal * (kTotal - 1) / 2);
    int64_t missing = 0;
    for (int64_t i = 0; i < kTotal; ++i)
        missing += seen[i].load() == 0;
    EXPECT_EQ(missing, 0);
}

// ---- close -----------------------------------------------------------------------

TEST_F(Channels, CloseWakesEveryParkedReceiver) {
    constexpr int kReceivers = 20;
    Chan ch;
    std::atomic<int> failed{0};
    for (int i = 0; i < kReceivers; ++i) {
        StackValue c = ch.ref();
        spawn_fn([&, c] {
            StackValue v;
            if (!channel_receive(channel_of(c), &v)) {
                EXPECT_EQ(v, make_int(0));
                failed++;
            }
            drop_value(c);
        });
    }
    ASSERT_TRUE(eventually([&] { return parked(ch->receivers, ch.get()) == kReceivers; }));
    StackValue buf[4];
    Stack sp = push(buf, ch.ref());
    patch_seq_close_channel(sp);
    patch_seq_wait_all_strands();
    EXPECT_EQ(failed.load(), kReceivers);
}

TEST_F(Channels, CloseWakesParkedHostThread) {
    Chan ch;
    std::atomic<bool> returned{false};
    bool ok = true;
    std::thread host([&] {
        StackValue v;
        ok = channel_receive(ch.get(), &v);
        returned = true;
    });
    ASSERT_TRUE(eventually([&] { return parked(ch->receivers, ch.get()) == 1; }));
    channel_close(ch.get());
    host.join();
    EXPECT_TRUE(returned.load());
    EXPECT_FALSE(ok);
}

TEST_F(Channels, CloseThenDrainThenFalse) {
    Chan ch;
    StackValue s = make_string("queued");
    ASSERT_TRUE(channel_send(ch.get(), make_int(1)));
    ASSERT_TRUE(channel_send(ch.get(), clone_value(s)));
    ASSERT_TRUE(channel_send(ch.get(), make_int(3)));
    channel_close(ch.get());
    EXPECT_FALSE(channel_send(ch.get(), make_int(4)));
    EXPECT_EQ(recv_int(ch.get()), 1);
    StackValue v;
    ASSERT_TRUE(channel_receive(ch.get(), &v));
    EXPECT_EQ(v, s);
    drop_value(v);
    EXPECT_EQ(recv_int(ch.get()), 3);
    for (int i = 0; i < 2; ++i) {
        ASSERT_FALSE(channel_receive(ch.get(), &v));
        EXPECT_EQ(v, make_int(0));
    }
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
}

TEST_F(Channels, CloseTwiceIsHarmless) {
    Chan ch;
    channel_close(ch.get());
    channel_close(ch.get());
    EXPECT_TRUE(channel_stats(ch.get()).closed);
}

TEST_F(Channels, SendAfterCloseDropsTheValue) {
    Chan ch;
    channel_close(ch.get());
    StackValue s = make_string("never delivered");
    EXPECT_FALSE(channel_send(ch.get(), clone_value(s)));
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
}

TEST_F(Channels, DroppingLastReferenceFreesQueuedValues) {
    StackValue s = make_string("held by the queue");
    StackValue ch = channel_new();
    for (int i = 0; i < 100; ++i)  // grows the ring a few times
        ASSERT_TRUE(channel_send(channel_of(ch), clone_value(s)));
    EXPECT_EQ(refcount(s), 101u);
    drop_value(ch);
    EXPECT_EQ(refcount(s), 1u);
    drop_value(s);
}

// ---- bounded channels --------------------------------------------------------------

TEST_F(Channels, BoundedSendParksWhenFull) {
    constexpr int kValues = 10;
    Chan ch(2);
    std::atomic<int> sent{0};
    StackValue c = ch.ref();
    spawn_fn([&, c] {
        for (int i = 0; i < kValues; ++i) {
            EXPECT_TRUE(channel_send(channel_of(c), make_int(i)));
            sent++;
        }
        drop_value(c);
    });
    // Two fit; the third send parks.
    ASSERT_TRUE(eventually([&] { return parked(ch->senders, ch.get()) == 1; }));
    EXPECT_EQ(sent.load(), 2);
    EXPECT_EQ(channel_stats(ch.get()).queued, 2u);
    for (int i = 0; i < kValues; ++i)
        EXPECT_EQ(recv_int(ch.get()), i);  // order kept through the handoffs
    patch_seq_wait_all_strands();
    EXPECT_EQ(sent.load(), kValues);
    ChannelStats st = channel_stats(ch.get());
    EXPECT_EQ(st.sent, uint64_t{kValues});
    EXPECT_EQ(st.received, uint64_t{kValues});
    EXPECT_EQ(st.queued, 0u);
}

TEST_F(Channels, RendezvousChannelHandsOverDirectly) {
    Chan ch(0);
    StackValue c = ch.ref();
    std::atomic<bool> send_returned{false};
    spawn_fn([&, c] {
        EXPECT_TRUE(channel_send(channel_of(c), make_int(11)));
        send_returned = true;
        drop_value(c);
    });
    ASSERT_TRUE(eventually([&] { return parked(ch->senders, ch.get()) == 1; }));
    EXPECT_FALSE(send_returned.load());
    EXPECT_EQ(recv_int(ch.get()), 11);
    patch_seq_wait_all_strands();
    EXPECT_TRUE(send_returned.load());
}

TEST_F(Channels, CloseFailsParkedSendersAndDropsTheirValues) {
    Chan ch(1);
    ASSERT_TRUE(channel_send(ch.get(), make_int(0)));  // now full
    StackValue s = make_string("parked payload");
    StackValue c = ch.ref();
    StackValue payload = clone_value(s);
    std::atomic<int> result{-1};
    spawn_fn([&, c, payload] {
        result = channel_send(channel_of(c), payload) ? 1 : 0;
        drop_value(c);
    });
    ASSERT_TRUE(eventually([&] { return parked(ch->senders, ch.get()) == 1; }));
    channel_close(ch.get());
    patch_seq_wait_all_strands();
    EXPECT_EQ(result.load(), 0);
    EXPECT_EQ(refcount(s), 1u);
    EXPECT_EQ(recv_int(ch.get()), 0);  // what was queued before close drains
    drop_value(s);
}

// Backpressure under load: a fast producer against slow consumers never
// queues more than the capacity, and nothing is lost.
TEST_F(Channels, BoundedChannelKeepsQueueWithinCapacity) {
    constexpr size_t kCap = 8;
    constexpr int kValues = 20000;
    Chan ch(kCap);
    std::atomic<int64_t> sum{0};
    std::atomic<size_t> max_queued{0};
    StackValue p = ch.ref();
    spawn_fn([p] {
        for (int i = 0; i < kValues; ++i)
            EXPECT_TRUE(channel_send(channel_of(p), make_int(i)));
        channel_close(channel_of(p));
        drop_value(p);
    });
    for (int c = 0; c < 3; ++c) {
        StackValue r = ch.ref();
        spawn_fn([&, r] {
            StackValue v;
            while (channel_receive(channel_of(r), &v)) {
                sum += int_of(v);
                size_t q = channel_stats(channel_of(r)).queued;
                size_t m = max_queued.load();
                while (q > m && !max_queued.compare_exchange_weak(m, q)) {
                }
                yield_now();
            }
            drop_value(r);
        });
    }
    patch_seq_wait_all_strands();
    EXPECT_EQ(sum.load(), int64_t{kValues} * (kValues - 1) / 2);
    EXPECT_LE(max_queued.load(), kCap);
}

// ---- diagnostics -----------------------------------------------------------------

TEST_F(Channels, TotalsCountMessages) {
    uint64_t s0, r0;
    seq_channel_totals(&s0, &r0);
    Chan ch;
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(channel_send(ch.get(), make_int(i)));
    for (int i = 0; i < 4; ++i)
        recv_int(ch.get());
    // A thread that exits keeps its counts in the totals.
    std::thread([&] { ASSERT_TRUE(channel_send(ch.get(), make_int(1))); }).join();
    uint64_t s1, r1;
    seq_channel_totals(&s1, &r1);
    EXPECT_EQ(s1 - s0, 11u);
    EXPECT_EQ(r1 - r0, 4u);
    seq_channel_stats_t st;
    ASSERT_TRUE(seq_channel_stats(ch.v, &st));
    EXPECT_EQ(st.sent, 11u);
    EXPECT_EQ(st.received, 4u);
    EXPECT_EQ(st.queued, 7u);
    EXPECT_EQ(st.capacity, UINT64_MAX);
    EXPECT_FALSE(st.closed);
}

}  // namespace
}  // namespace seq
