// The C host API (seq/host.h, seq/host_interop.h): every function, from a
// strand and from a host thread, across stop/start, with its errors, and a
// channel shared by a Seq strand (compiler ABI) and a host strand.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/value/value.hpp"
#include "seq/host.h"
#include "seq/host_interop.h"
#include "seq/runtime_channels.h"
#include "test_support.hpp"

namespace {

// Runs a std::function as a strand through seq_go (the C entry point).
void run_function(void* p) {
    std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()>*>(p));
    (*f)();
}

uint64_t go_fn(std::function<void()> fn) {
    auto* p = new std::function<void()>(std::move(fn));
    uint64_t id = 0;
    int rc = seq_go(run_function, p, &id);
    EXPECT_EQ(rc, SEQ_OK) << seq_strerror(rc);
    if (rc != SEQ_OK) delete p;
    return id;
}

int start_with_workers(uint32_t n) {
    seq_options o = SEQ_OPTIONS_INIT;
    o.workers = n;
    return seq_runtime_start(&o);
}

class HostApi : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_EQ(start_with_workers(2), SEQ_OK); }
    void TearDown() override { EXPECT_EQ(seq_runtime_stop(), SEQ_OK); }
};

#define SEQ_TEST_STR2(x) #x
#define SEQ_TEST_STR(x) SEQ_TEST_STR2(x)

// ---- version and errors -------------------------------------------------------------

TEST(HostApiVersion, MacrosMatchTheCMakeProjectVersion) {
    // SEQ_TEST_PROJECT_VERSION comes from CMake's project(VERSION ...).
    EXPECT_STREQ(SEQ_VERSION_STRING, SEQ_TEST_STR(SEQ_TEST_PROJECT_VERSION));
    std::string parts = std::to_string(SEQ_VERSION_MAJOR) + "." +
                        std::to_string(SEQ_VERSION_MINOR) + "." + std::to_string(SEQ_VERSION_PATCH);
    EXPECT_EQ(parts, SEQ_VERSION_STRING);
    EXPECT_STREQ(seq_version(), SEQ_VERSION_STRING);
}

TEST(HostApiErrors, EveryCodeHasItsOwnName) {
    std::vector<std::string> names;
    for (int code = SEQ_ELIMIT; code <= SEQ_EINVAL; ++code) {
        std::string n = seq_strerror(code);
        EXPECT_NE(n, "unknown error") << code;
        for (const std::string& other : names)
            EXPECT_NE(n, other) << code;
        names.push_back(n);
    }
    EXPECT_EQ(names.size(), 15u);
    EXPECT_STREQ(seq_strerror(SEQ_OK), "ok");
    EXPECT_STREQ(seq_strerror(SEQ_ECLOSED), "channel closed");
    EXPECT_STREQ(seq_strerror(-9999), "unknown error");
    EXPECT_STREQ(seq_strerror(7), "unknown error");
}

// ---- start / stop -------------------------------------------------------------------------

TEST(HostApiRuntime, CallsBeforeStartReportNotRunning) {
    ASSERT_FALSE(seq::scheduler_running());
    EXPECT_EQ(seq_runtime_stop(), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_wait_all(), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_go(run_function, nullptr, nullptr), SEQ_ENOTRUNNING);
    seq_sock_t s = 0;
    EXPECT_EQ(seq_tcp_listen("127.0.0.1", 0, &s), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_tcp_connect("127.0.0.1", 1, &s), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_tcp_accept(1, &s), SEQ_ENOTRUNNING);
    char b[4];
    EXPECT_EQ(seq_tcp_read(1, b, sizeof b), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_tcp_write(1, b, sizeof b), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_tcp_close(1), SEQ_ENOTRUNNING);
    EXPECT_EQ(seq_tcp_local_port(1), SEQ_ENOTRUNNING);
    // Neither started the scheduler behind the host's back.
    EXPECT_FALSE(seq::scheduler_running());
    seq_stats_t st;
    seq_stats(&st);
    EXPECT_EQ(st.workers, 0u);
    seq_stats(nullptr);  // harmless
    // What does not need workers works: channels, sleeping, yielding.
    seq_chan_t* ch = seq_chan_new(0);
    ASSERT_NE(ch, nullptr);
    int x = 0;
    EXPECT_EQ(seq_chan_send(ch, &x), SEQ_OK);
    void* m = nullptr;
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
    EXPECT_EQ(m, &x);
    seq_chan_release(ch);
    EXPECT_EQ(seq_sleep_ms(1), SEQ_OK);
    seq_yield();
    EXPECT_EQ(seq_strand_id(), 0u);
}

TEST(HostApiRuntime, StartStopStartAgain) {
    ASSERT_EQ(seq_runtime_start(nullptr), SEQ_OK);
    EXPECT_EQ(seq_runtime_start(nullptr), SEQ_ERUNNING);
    std::atomic<int> ran{0};
    go_fn([&] { ran++; });
    EXPECT_EQ(seq_runtime_stop(), SEQ_OK);  // waited for the strand
    EXPECT_EQ(ran.load(), 1);
    EXPECT_EQ(seq_runtime_stop(), SEQ_ENOTRUNNING);

    ASSERT_EQ(start_with_workers(3), SEQ_OK);
    seq_stats_t st;
    seq_stats(&st);
    EXPECT_EQ(st.workers, 3u);
    go_fn([&] { ran++; });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(ran.load(), 2);
    EXPECT_EQ(seq_runtime_stop(), SEQ_OK);
}

TEST(HostApiRuntime, OptionsAreAppliedAndChecked) {
    seq_options o = SEQ_OPTIONS_INIT;
    o.workers = 1;
    o.stack_size = 64 * 1024 + 1;  // rounded up to pages
    o.pool_capacity = 7;
    o.yield_slice_us = 500;
    ASSERT_EQ(seq_runtime_start(&o), SEQ_OK);
    const seq::Config& c = seq::scheduler().config;
    EXPECT_EQ(c.workers, 1u);
    EXPECT_EQ(c.stack_size, 64u * 1024 + 4096);
    EXPECT_EQ(c.pool_capacity, 7u);
    EXPECT_EQ(c.yield_slice_us, 500u);
    EXPECT_EQ(seq_runtime_stop(), SEQ_OK);

    seq_options bad = SEQ_OPTIONS_INIT;
    bad.size = 0;  // forgot SEQ_OPTIONS_INIT
    EXPECT_EQ(seq_runtime_start(&bad), SEQ_EINVAL);
    bad.size = sizeof(size_t) + sizeof(uint32_t);  // an older, shorter struct
    EXPECT_EQ(seq_runtime_start(&bad), SEQ_EINVAL);
    bad = seq_options SEQ_OPTIONS_INIT;
    bad.workers = 5000;
    EXPECT_EQ(seq_runtime_start(&bad), SEQ_EINVAL);
    bad = seq_options SEQ_OPTIONS_INIT;
    bad.stack_size = 1000;
    EXPECT_EQ(seq_runtime_start(&bad), SEQ_EINVAL);
    EXPECT_FALSE(seq::scheduler_running());

    // A newer header's larger struct: accepted while the unknown tail is zero.
    struct {
        seq_options v1;
        uint64_t future;
    } newer{};
    newer.v1.size = sizeof newer;
    newer.v1.workers = 2;
    newer.future = 1;
    EXPECT_EQ(seq_runtime_start(&newer.v1), SEQ_EINVAL);
    newer.future = 0;
    ASSERT_EQ(seq_runtime_start(&newer.v1), SEQ_OK);
    EXPECT_EQ(seq::scheduler().config.workers, 2u);
    EXPECT_EQ(seq_runtime_stop(), SEQ_OK);
}

// ---- strands ------------------------------------------------------------------------------

TEST_F(HostApi, GoFromHostThreadsAndStrands) {
    seq_stats_t before;
    seq_stats(&before);
    EXPECT_EQ(before.workers, 2u);
    std::atomic<int> ran{0};
    std::atomic<uint64_t> seen_id{0};
    uint64_t id = go_fn([&] {
        seen_id = seq_strand_id();
        // From a strand: children on this worker.
        for (int i = 0; i < 50; ++i)
            go_fn([&] { ran++; });
        ran++;
    });
    EXPECT_GT(id, 0u);
    // From other host threads at once.
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i)
                go_fn([&] { ran++; });
        });
    for (auto& t : threads)
        t.join();
    // id_out may be NULL.
    EXPECT_EQ(
        seq_go([](void* p) { static_cast<std::atomic<int>*>(p)->fetch_add(1); }, &ran, nullptr),
        SEQ_OK);
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(ran.load(), 1 + 50 + 100 + 1);
    EXPECT_EQ(seen_id.load(), id);
    seq_stats_t after;
    seq_stats(&after);
    EXPECT_EQ(after.active, 0u);
    EXPECT_EQ(after.spawned - before.spawned, 152u);
    EXPECT_EQ(after.completed - before.completed, 152u);
    EXPECT_GE(after.peak, 1u);
    EXPECT_EQ(seq_go(nullptr, nullptr, nullptr), SEQ_EINVAL);
}

TEST_F(HostApi, StrandIdsAreDistinctAndIncreasing) {
    uint64_t a = go_fn([] {});
    uint64_t b = go_fn([] {});
    EXPECT_GT(b, a);
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
}

TEST_F(HostApi, WaitAllAndStopRefuseAStrand) {
    std::atomic<int> wait_rc{1}, stop_rc{1}, start_rc{1};
    go_fn([&] {
        wait_rc = seq_wait_all();
        stop_rc = seq_runtime_stop();
        start_rc = seq_runtime_start(nullptr);
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(wait_rc.load(), SEQ_EINSTRAND);
    EXPECT_EQ(stop_rc.load(), SEQ_EINSTRAND);
    EXPECT_EQ(start_rc.load(), SEQ_ERUNNING);
}

TEST(HostApiStrands, SleepParksOnlyTheStrand) {
    // One worker: the child can only run while the parent is parked in sleep.
    ASSERT_EQ(start_with_workers(1), SEQ_OK);
    std::atomic<bool> child_ran{false}, seen{false};
    std::atomic<int> rc{1};
    go_fn([&] {
        go_fn([&] { child_ran = true; });  // queued on this worker
        rc = seq_sleep_ms(20);
        seen = child_ran.load();
        seq_yield();
        EXPECT_EQ(seq_sleep_ms(0), SEQ_OK);  // a yield
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(rc.load(), SEQ_OK);
    EXPECT_TRUE(seen.load());
    EXPECT_EQ(seq_runtime_stop(), SEQ_OK);
}

TEST_F(HostApi, YieldLetsAnotherStrandRun) {
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
    ASSERT_EQ(start_with_workers(1), SEQ_OK);
    std::atomic<int> turn{0};
    std::atomic<bool> interleaved{false};
    go_fn([&] {
        go_fn([&] { turn = 1; });
        for (int i = 0; i < 1000 && turn.load() == 0; ++i)
            seq_yield();
        interleaved = turn.load() == 1;
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_TRUE(interleaved.load());
    seq_yield();  // on a host thread: only the OS time slice
}

// ---- channels ------------------------------------------------------------------------------

TEST_F(HostApi, UnboundedChannelKeepsOrderAndPointers) {
    seq_chan_t* ch = seq_chan_new(0);
    ASSERT_NE(ch, nullptr);
    std::vector<int> items(1000);
    for (int& i : items)
        ASSERT_EQ(seq_chan_send(ch, &i), SEQ_OK);   // never waits
    EXPECT_EQ(seq_chan_send(ch, nullptr), SEQ_OK);  // NULL is a message too
    std::atomic<int> in_order{0};
    go_fn([&] {
        for (int& i : items) {
            void* m = nullptr;
            if (seq_chan_recv(ch, &m) == SEQ_OK && m == &i) in_order++;
        }
        void* m = &items[0];
        EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
        EXPECT_EQ(m, nullptr);
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(in_order.load(), 1000);
    seq_chan_release(ch);
}

TEST_F(HostApi, BoundedChannelBetweenStrandsAndHostThreads) {
    seq_chan_t* ch = seq_chan_new(2);
    ASSERT_NE(ch, nullptr);
    constexpr int kPerSender = 500;
    std::vector<int> values(4 * kPerSender);
    for (int i = 0; i < static_cast<int>(values.size()); ++i)
        values[i] = i;
    // Two strands and two host threads send; both a strand and the main
    // thread receive. Sends wait whenever two messages are queued.
    std::atomic<int> sent{0};
    for (int s = 0; s < 2; ++s)
        go_fn([&, s] {
            for (int i = 0; i < kPerSender; ++i)
                if (seq_chan_send(ch, &values[s * kPerSender + i]) == SEQ_OK) sent++;
        });
    std::vector<std::thread> threads;
    for (int s = 2; s < 4; ++s)
        threads.emplace_back([&, s] {
            for (int i = 0; i < kPerSender; ++i)
                if (seq_chan_send(ch, &values[s * kPerSender + i]) == SEQ_OK) sent++;
        });
    std::atomic<long> sum{0};
    std::atomic<int> got{0};
    go_fn([&] {
        for (int i = 0; i < static_cast<int>(values.size()) / 2; ++i) {
            void* m = nullptr;
            ASSERT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
            sum += *static_cast<int*>(m);
            got++;
        }
    });
    for (int i = 0; i < static_cast<int>(values.size()) / 2; ++i) {
        void* m = nullptr;
        ASSERT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
        sum += *static_cast<int*>(m);
        got++;
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    long n = static_cast<long>(values.size());
    EXPECT_EQ(sent.load(), n);
    EXPECT_EQ(got.load(), n);
    EXPECT_EQ(sum.load(), n * (n - 1) / 2);
    seq_chan_release(ch);
}

TEST_F(HostApi, ClosedChannelDrainsThenReportsClosed) {
    seq_chan_t* ch = seq_chan_new(0);
    int a = 1, b = 2;
    ASSERT_EQ(seq_chan_send(ch, &a), SEQ_OK);
    ASSERT_EQ(seq_chan_send(ch, &b), SEQ_OK);
    EXPECT_EQ(seq_chan_close(ch), SEQ_OK);
    EXPECT_EQ(seq_chan_close(ch), SEQ_OK);  // twice: harmless
    EXPECT_EQ(seq_chan_send(ch, &a), SEQ_ECLOSED);
    void* m = nullptr;
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
    EXPECT_EQ(m, &a);
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
    EXPECT_EQ(m, &b);
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_ECLOSED);
    EXPECT_EQ(m, nullptr);
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_ECLOSED);  // and stays so
    seq_chan_release(ch);
}

TEST_F(HostApi, CloseWakesWaitingReceiversAndSenders) {
    seq_chan_t* empty = seq_chan_new(0);
    seq_chan_t* full = seq_chan_new(1);
    int x = 0;
    ASSERT_EQ(seq_chan_send(full, &x), SEQ_OK);
    std::atomic<int> strand_recv{1}, strand_send{1}, thread_recv{1};
    std::atomic<int> waiting{0};
    go_fn([&] {
        waiting++;
        void* m;
        strand_recv = seq_chan_recv(empty, &m);
    });
    go_fn([&] {
        waiting++;
        strand_send = seq_chan_send(full, &x);
    });
    std::thread t([&] {
        waiting++;
        void* m;
        thread_recv = seq_chan_recv(empty, &m);
    });
    ASSERT_TRUE(seq::test::wait_until([&] { return waiting.load() == 3; }));
    // Let them reach their waits (any order works: a closed channel fails
    // them whether they wait already or arrive later).
    seq_sleep_ms(20);
    EXPECT_EQ(seq_chan_close(empty), SEQ_OK);
    EXPECT_EQ(seq_chan_close(full), SEQ_OK);
    t.join();
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(strand_recv.load(), SEQ_ECLOSED);
    EXPECT_EQ(thread_recv.load(), SEQ_ECLOSED);
    EXPECT_EQ(strand_send.load(), SEQ_ECLOSED);
    seq_chan_release(empty);
    seq_chan_release(full);
}

TEST_F(HostApi, ReleasingTheLastHandleWhileAReceiverWaitsIsSafe) {
    seq_chan_t* ch = seq_chan_new(0);
    seq_chan_t* mine = seq_chan_retain(ch);
    EXPECT_EQ(mine, ch);
    std::atomic<int> rc{1};
    std::atomic<bool> started{false};
    go_fn([&, ch] {
        started = true;
        void* m;
        rc = seq_chan_recv(ch, &m);
    });
    ASSERT_TRUE(seq::test::wait_until([&] { return started.load(); }));
    seq_chan_release(ch);    // one of two references
    seq_chan_close(mine);    // the waiter returns...
    seq_chan_release(mine);  // ...and may still be inside recv: it holds its own
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(rc.load(), SEQ_ECLOSED);
}

TEST_F(HostApi, BadChannelHandlesAndArguments) {
    void* m = &m;
    EXPECT_EQ(seq_chan_send(nullptr, m), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_chan_recv(nullptr, &m), SEQ_EBADHANDLE);
    EXPECT_EQ(m, nullptr);
    EXPECT_EQ(seq_chan_close(nullptr), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_chan_retain(nullptr), nullptr);
    seq_chan_release(nullptr);
    // Memory that is not a channel (zeroed, or another Seq object).
    alignas(16) unsigned char zeros[64] = {};
    auto* fake = reinterpret_cast<seq_chan_t*>(zeros);
    EXPECT_EQ(seq_chan_send(fake, m), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_chan_recv(fake, &m), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_chan_close(fake), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_chan_retain(fake), nullptr);
    seq_chan_release(fake);
    seq::StackValue s = seq::make_string("not a channel");
    auto* str = reinterpret_cast<seq_chan_t*>(seq::heap_of(s));
    EXPECT_EQ(seq_chan_send(str, m), SEQ_EBADHANDLE);
    seq::drop_value(s);

    seq_chan_t* ch = seq_chan_new(0);
    EXPECT_EQ(seq_chan_recv(ch, nullptr), SEQ_EINVAL);
    // A pointer a 63-bit Int cannot carry (its top two bits differ) is
    // refused, not mangled; the extremes that fit come back unchanged.
    for (uint64_t bits : {0x8000000000000000ull, 0x4000000000000000ull})
        EXPECT_EQ(seq_chan_send(ch, reinterpret_cast<void*>(bits)), SEQ_EINVAL);
    for (uint64_t bits : {0x3FFFFFFFFFFFFFF8ull, 0xC000000000000000ull, ~0ull}) {
        void* p = reinterpret_cast<void*>(bits);
        EXPECT_EQ(seq_chan_send(ch, p), SEQ_OK);
        EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
        EXPECT_EQ(m, p);
    }
    seq_chan_release(ch);
}

TEST(HostApiChannels, ChannelsSurviveAStopStartCycle) {
    ASSERT_EQ(seq_runtime_start(nullptr), SEQ_OK);
    seq_chan_t* ch = seq_chan_new(4);
    static int a = 1, b = 2;
    std::atomic<int> sent{0};
    go_fn([&] {
        if (seq_chan_send(ch, &a) == SEQ_OK) sent++;
    });
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
    ASSERT_EQ(sent.load(), 1);
    ASSERT_EQ(seq_runtime_start(nullptr), SEQ_OK);
    go_fn([&] {
        if (seq_chan_send(ch, &b) == SEQ_OK) sent++;
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    void* m;
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
    EXPECT_EQ(m, &a);
    EXPECT_EQ(seq_chan_recv(ch, &m), SEQ_OK);
    EXPECT_EQ(m, &b);
    seq_chan_release(ch);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
}

// ---- interoperation with Seq strands (compiler ABI) --------------------------------------

// The Seq side, as compiled code performs it:
//   : echo ( in out -- ) [ over chan.receive ] [ over chan.send drop ] while
//     "from seq" over chan.send drop  chan.close drop ;
// It also records what kinds it received, to show a host message is an Int.
seq_value_t g_to_seq, g_from_seq;
std::atomic<int> g_seq_ints{0}, g_seq_others{0};
std::vector<int64_t> g_seq_values;

seq_stack_t seq_echo(seq_stack_t) {
    seq_value_stack* st = seq_stack_new_default();
    seq_stack_t base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    seq_stack_t sp = base;
    for (;;) {
        patch_seq_clone_value(&g_to_seq, sp++);  // ( in )
        sp = patch_seq_chan_receive(sp);         // ( v ok )
        bool ok = *--sp == SEQ_TRUE;
        if (!ok) {
            sp = patch_seq_drop_op(sp);
            break;
        }
        if (SEQ_IS_INT(sp[-1])) {
            g_seq_ints++;
            g_seq_values.push_back(SEQ_INT_VALUE(sp[-1]));
        } else {
            g_seq_others++;
        }
        patch_seq_clone_value(&g_from_seq, sp++);  // ( v out )
        sp = patch_seq_chan_send(sp);              // ( ok )
        --sp;
    }
    sp = patch_seq_push_string(sp, "from seq");
    patch_seq_clone_value(&g_from_seq, sp++);
    sp = patch_seq_chan_send(sp);
    --sp;
    patch_seq_clone_value(&g_from_seq, sp++);
    sp = patch_seq_close_channel(sp);
    seq_stack_set_sp(st, static_cast<size_t>(sp - base));
    seq_stack_free(st);
    return nullptr;
}

TEST_F(HostApi, HostAndSeqStrandsShareChannels) {
    // One channel made by the host and wrapped for Seq, one made by Seq code
    // and wrapped for the host.
    seq_chan_t* to_seq = seq_chan_new(0);
    g_to_seq = seq_chan_to_value(to_seq);
    seq_value_t buf[2];
    seq_stack_t sp = patch_seq_make_channel(buf);
    g_from_seq = sp[-1];
    seq_chan_t* from_seq = seq_chan_from_value(g_from_seq);
    ASSERT_NE(from_seq, nullptr);
    EXPECT_EQ(seq_chan_from_value(SEQ_INT(5)), nullptr);
    EXPECT_EQ(seq_chan_to_value(nullptr), SEQ_FALSE);
    g_seq_values.clear();
    g_seq_ints = g_seq_others = 0;

    patch_seq_strand_spawn(seq_echo, nullptr);
    static int items[3] = {10, 20, 30};
    std::atomic<int> echoed{0}, typed{0}, closed{0};
    go_fn([&] {
        for (int& i : items)
            EXPECT_EQ(seq_chan_send(to_seq, &i), SEQ_OK);
        seq_chan_close(to_seq);
        for (int& i : items) {
            void* m = nullptr;
            if (seq_chan_recv(from_seq, &m) == SEQ_OK && m == &i) echoed++;
        }
        void* m = &m;
        if (seq_chan_recv(from_seq, &m) == SEQ_ETYPE && m == nullptr) typed++;  // "from seq"
        if (seq_chan_recv(from_seq, &m) == SEQ_ECLOSED) closed++;
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(echoed.load(), 3);
    EXPECT_EQ(typed.load(), 1);
    EXPECT_EQ(closed.load(), 1);
    EXPECT_EQ(g_seq_ints.load(), 3);  // what the Seq side saw: plain Ints
    EXPECT_EQ(g_seq_others.load(), 0);
    ASSERT_EQ(g_seq_values.size(), 3u);
    for (int k = 0; k < 3; ++k)
        EXPECT_EQ(g_seq_values[k], reinterpret_cast<intptr_t>(&items[k]));

    seq_chan_release(to_seq);
    seq_chan_release(from_seq);
    seq::drop_value(g_to_seq);
    seq::drop_value(g_from_seq);
}

TEST_F(HostApi, AnySeqValueThroughTheValueCalls) {
    seq_chan_t* ch = seq_chan_new(0);
    EXPECT_EQ(seq_chan_send_value(ch, seq::make_string("hello")), SEQ_OK);
    int x = 0;
    EXPECT_EQ(seq_chan_send(ch, &x), SEQ_OK);
    seq_value_t v = 0;
    ASSERT_EQ(seq_chan_recv_value(ch, &v), SEQ_OK);
    ASSERT_TRUE(seq::is_kind(v, seq::Kind::String));
    EXPECT_EQ(seq::string_of(v)->view(), "hello");
    seq::drop_value(v);
    ASSERT_EQ(seq_chan_recv_value(ch, &v), SEQ_OK);  // a host message, as the Int it is
    EXPECT_TRUE(SEQ_IS_INT(v));
    EXPECT_EQ(SEQ_INT_VALUE(v), reinterpret_cast<intptr_t>(&x));
    EXPECT_EQ(seq_chan_recv_value(ch, nullptr), SEQ_EINVAL);
    EXPECT_EQ(seq_chan_recv_value(nullptr, &v), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_chan_send_value(nullptr, seq::make_string("dropped")), SEQ_EBADHANDLE);
    seq_chan_close(ch);
    EXPECT_EQ(seq_chan_send_value(ch, seq::make_string("dropped")), SEQ_ECLOSED);
    EXPECT_EQ(seq_chan_recv_value(ch, &v), SEQ_ECLOSED);
    seq_chan_release(ch);
}

// ---- TCP ----------------------------------------------------------------------------------------

void echo_connection(void* p) {
    auto c = static_cast<seq_sock_t>(reinterpret_cast<intptr_t>(p));
    char buf[8192];
    for (;;) {
        int64_t n = seq_tcp_read(c, buf, sizeof buf);
        if (n <= 0) break;
        if (seq_tcp_write(c, buf, static_cast<size_t>(n)) != SEQ_OK) break;
    }
    seq_tcp_close(c);
}

// Accepts until the listener is closed; a strand per connection.
void accept_loop(void* p) {
    seq_sock_t l = *static_cast<seq_sock_t*>(p);
    for (;;) {
        seq_sock_t c = 0;
        if (seq_tcp_accept(l, &c) != SEQ_OK) break;
        seq_go(echo_connection, reinterpret_cast<void*>(static_cast<intptr_t>(c)), nullptr);
    }
}

// Connects, sends every byte value (not UTF-8), reads the echo back.
bool echo_round_trip(int port, size_t size) {
    seq_sock_t c = 0;
    if (seq_tcp_connect("127.0.0.1", port, &c) != SEQ_OK) return false;
    std::string out(size, '\0');
    for (size_t i = 0; i < size; ++i)
        out[i] = static_cast<char>(i * 7 + 255);
    if (seq_tcp_write(c, out.data(), out.size()) != SEQ_OK) return false;
    std::string in;
    char buf[4096];
    while (in.size() < size) {
        int64_t n = seq_tcp_read(c, buf, sizeof buf);
        if (n <= 0) return false;
        in.append(buf, static_cast<size_t>(n));
    }
    EXPECT_GT(seq_tcp_local_port(c), 0);
    EXPECT_EQ(seq_tcp_close(c), SEQ_OK);
    return in == out;
}

TEST_F(HostApi, TcpEchoFromStrandsAndFromAHostThread) {
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    int port = seq_tcp_local_port(l);
    ASSERT_GT(port, 0);
    go_fn([&] { accept_loop(&l); });
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
        go_fn([&, i] { ok += echo_round_trip(port, 1 + i * 40000); });
    // The main thread is a host thread: each call runs in a helper strand.
    EXPECT_TRUE(echo_round_trip(port, 100000));
    std::thread other([&] { ok += echo_round_trip(port, 3); });
    other.join();
    ASSERT_TRUE(seq::test::wait_until([&] { return ok.load() == 9; }));
    EXPECT_EQ(seq_tcp_close(l), SEQ_OK);  // ends the accept loop
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
}

TEST_F(HostApi, TcpEndOfStreamAndNullHost) {
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen(nullptr, 0, &l), SEQ_OK);  // SEQ_BIND_ADDR (0.0.0.0)
    int port = seq_tcp_local_port(l);
    std::atomic<int64_t> last{-100};
    go_fn([&] {
        seq_sock_t c = 0;
        ASSERT_EQ(seq_tcp_accept(l, &c), SEQ_OK);
        char buf[16];
        int64_t n = seq_tcp_read(c, buf, sizeof buf);
        EXPECT_EQ(n, 2);
        last = seq_tcp_read(c, buf, sizeof buf);  // the client closed: end of stream
        seq_tcp_close(c);
    });
    seq_sock_t c = 0;
    ASSERT_EQ(seq_tcp_connect("127.0.0.1", port, &c), SEQ_OK);
    EXPECT_EQ(seq_tcp_write(c, "hi", 2), SEQ_OK);
    EXPECT_EQ(seq_tcp_write(c, nullptr, 0), SEQ_OK);  // nothing to write
    EXPECT_EQ(seq_tcp_close(c), SEQ_OK);
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(last.load(), 0);
    seq_tcp_close(l);
}

TEST_F(HostApi, TcpArgumentErrors) {
    seq_sock_t s = 0;
    char buf[8];
    EXPECT_EQ(seq_tcp_listen("", 0, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_listen("127.0.0.1", -1, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_listen("127.0.0.1", 65536, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_listen("127.0.0.1", 0, nullptr), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_connect(nullptr, 80, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_connect("", 80, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_connect("127.0.0.1", 0, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_connect("127.0.0.1", 70000, &s), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_connect("127.0.0.1", 80, nullptr), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_accept(1, nullptr), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_read(1, nullptr, 8), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_read(1, buf, 0), SEQ_EINVAL);
    EXPECT_EQ(seq_tcp_write(1, nullptr, 8), SEQ_EINVAL);
}

TEST_F(HostApi, TcpBadHosts) {
    seq_sock_t s = 0;
    EXPECT_EQ(seq_tcp_connect("no.such.host.invalid", 80, &s), SEQ_ENOTFOUND);
    EXPECT_EQ(seq_tcp_listen("no.such.host.invalid", 0, &s), SEQ_ENOTFOUND);
    // TEST-NET-1: a valid address that is not this machine's.
    EXPECT_EQ(seq_tcp_listen("192.0.2.1", 0, &s), SEQ_EADDR);
    // A port nobody listens on (just freed).
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    int port = seq_tcp_local_port(l);
    ASSERT_EQ(seq_tcp_close(l), SEQ_OK);
    EXPECT_EQ(seq_tcp_connect("127.0.0.1", port, &s), SEQ_ECONNREFUSED);
    std::atomic<int> rc{1};
    go_fn([&] {
        seq_sock_t x;
        rc = seq_tcp_connect("no.such.host.invalid", 80, &x);  // from a strand: uv resolver
    });
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(rc.load(), SEQ_ENOTFOUND);
}

TEST_F(HostApi, TcpBadSocketIds) {
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    seq_sock_t c = 0;
    ASSERT_EQ(seq_tcp_connect("127.0.0.1", seq_tcp_local_port(l), &c), SEQ_OK);
    char buf[8];
    seq_sock_t out = 0;
    for (seq_sock_t bad : {seq_sock_t{0}, seq_sock_t{-3}, seq_sock_t{987654321}}) {
        EXPECT_EQ(seq_tcp_read(bad, buf, sizeof buf), SEQ_EBADHANDLE);
        EXPECT_EQ(seq_tcp_write(bad, "x", 1), SEQ_EBADHANDLE);
        EXPECT_EQ(seq_tcp_accept(bad, &out), SEQ_EBADHANDLE);
        EXPECT_EQ(seq_tcp_close(bad), SEQ_EBADHANDLE);
        EXPECT_EQ(seq_tcp_local_port(bad), SEQ_EBADHANDLE);
    }
    // The wrong kind of socket.
    EXPECT_EQ(seq_tcp_accept(c, &out), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_tcp_read(l, buf, sizeof buf), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_tcp_write(l, "x", 1), SEQ_EBADHANDLE);
    // Closed ids are dead.
    EXPECT_EQ(seq_tcp_close(c), SEQ_OK);
    EXPECT_EQ(seq_tcp_close(c), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_tcp_write(c, "x", 1), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_tcp_read(c, buf, sizeof buf), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_tcp_local_port(c), SEQ_EBADHANDLE);
    EXPECT_EQ(seq_tcp_close(l), SEQ_OK);
    EXPECT_EQ(seq_tcp_accept(l, &out), SEQ_EBADHANDLE);
}

TEST_F(HostApi, TcpCloseWakesAWaitingAcceptorAndReader) {
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    seq_sock_t c = 0;
    ASSERT_EQ(seq_tcp_connect("127.0.0.1", seq_tcp_local_port(l), &c), SEQ_OK);
    std::atomic<int> accept_rc{1};
    std::atomic<int64_t> read_rc{1};
    std::atomic<int> started{0};
    go_fn([&] {
        seq_sock_t s = 0;
        ASSERT_EQ(seq_tcp_accept(l, &s), SEQ_OK);  // the connection above
        started++;
        accept_rc = seq_tcp_accept(l, &s);  // waits: nobody else connects
    });
    go_fn([&] {
        started++;
        char buf[8];
        read_rc = seq_tcp_read(c, buf, sizeof buf);  // waits: nobody writes
    });
    ASSERT_TRUE(seq::test::wait_until([&] { return started.load() == 2; }));
    seq_sleep_ms(20);  // into their waits (either order gives the same result)
    EXPECT_EQ(seq_tcp_close(l), SEQ_OK);
    EXPECT_EQ(seq_tcp_close(c), SEQ_OK);
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(accept_rc.load(), SEQ_EBADHANDLE);
    EXPECT_EQ(read_rc.load(), SEQ_EBADHANDLE);
}

TEST_F(HostApi, TcpPeerResetIsReported) {
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    int port = seq_tcp_local_port(l);
    seq_chan_t* accepted = seq_chan_new(0);
    std::atomic<int64_t> read_rc{1};
    std::atomic<int> write_rc{1};
    go_fn([&] {
        seq_sock_t s = 0;
        ASSERT_EQ(seq_tcp_accept(l, &s), SEQ_OK);
        seq_chan_send(accepted, nullptr);
        char buf[64];
        read_rc = seq_tcp_read(s, buf, sizeof buf);
        // Writing to the reset connection fails too (at once or once the
        // kernel has seen the reset).
        std::string big(65536, 'x');
        int rc = SEQ_OK;
        for (int i = 0; i < 1000 && rc == SEQ_OK; ++i) {
            rc = seq_tcp_write(s, big.data(), big.size());
            if (rc == SEQ_OK) seq_sleep_ms(1);
        }
        write_rc = rc;
        seq_tcp_close(s);
    });
    // A raw client that resets its connection (SO_LINGER 0, then close).
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    void* m;
    ASSERT_EQ(seq_chan_recv(accepted, &m), SEQ_OK);
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
    EXPECT_EQ(seq_wait_all(), SEQ_OK);
    EXPECT_EQ(read_rc.load(), SEQ_ECONNRESET);
    EXPECT_EQ(write_rc.load(), SEQ_EIO);
    seq_chan_release(accepted);
    seq_tcp_close(l);
}

TEST(HostApiTcp, SocketTableLimit) {
    setenv("SEQ_MAX_SOCKETS", "2", 1);
    ASSERT_EQ(seq_runtime_start(nullptr), SEQ_OK);
    seq_sock_t l = 0, c = 0, x = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    int port = seq_tcp_local_port(l);
    ASSERT_EQ(seq_tcp_connect("127.0.0.1", port, &c), SEQ_OK);  // table full now
    EXPECT_EQ(seq_tcp_accept(l, &x), SEQ_ELIMIT);
    EXPECT_EQ(seq_tcp_connect("127.0.0.1", port, &x), SEQ_ELIMIT);
    EXPECT_EQ(seq_tcp_listen("127.0.0.1", 0, &x), SEQ_ELIMIT);
    seq_tcp_close(c);
    seq_tcp_close(l);
    EXPECT_EQ(seq_runtime_stop(), SEQ_OK);
    unsetenv("SEQ_MAX_SOCKETS");
}

TEST(HostApiTcp, SocketsDoNotSurviveARestart) {
    ASSERT_EQ(seq_runtime_start(nullptr), SEQ_OK);
    seq_sock_t l = 0;
    ASSERT_EQ(seq_tcp_listen("127.0.0.1", 0, &l), SEQ_OK);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
    ASSERT_EQ(seq_runtime_start(nullptr), SEQ_OK);
    EXPECT_EQ(seq_tcp_local_port(l), SEQ_EBADHANDLE);
    seq_sock_t l2 = 0;
    EXPECT_EQ(seq_tcp_listen("127.0.0.1", 0, &l2), SEQ_OK);
    EXPECT_EQ(seq_tcp_close(l2), SEQ_OK);
    ASSERT_EQ(seq_runtime_stop(), SEQ_OK);
}

// ---- strand edge --------------------------------------------------------------------------

void throws_from_cxx(void*) {
    throw std::runtime_error("boom from a C entry");
}

TEST(HostApiDeathTest, ExceptionEscapingASeqGoFunctionAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            seq_runtime_start(nullptr);
            seq_go(throws_from_cxx, nullptr, nullptr);
            seq_wait_all();
        },
        "seq: strand [0-9]+: uncaught exception: boom from a C entry");
}

}  // namespace
