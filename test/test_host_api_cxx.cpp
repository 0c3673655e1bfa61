// The header-only C++ layer (seq/runtime.hpp): RAII runtime, seq::go with
// any callable, typed channels, RAII sockets, errors as exceptions and
// error codes, and the strand edge for exceptions. Includes only public
// headers, as a host would.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "seq/runtime.hpp"

namespace {

seq_options two_workers() {
    seq::options o;
    o.workers = 2;
    return o;
}

// ---- runtime -----------------------------------------------------------------------

TEST(HostCxxRuntime, RaiiStartsStopsAndRefusesASecondRuntime) {
    {
        seq::runtime rt(two_workers());
        EXPECT_EQ(seq::runtime::stats().workers, 2u);
        try {
            seq::runtime again;
            ADD_FAILURE() << "a second runtime started";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), seq::make_error_code(SEQ_ERUNNING));
            EXPECT_STREQ(e.code().category().name(), "seq");
            EXPECT_EQ(e.code().message(), seq_strerror(SEQ_ERUNNING));
        }
        std::atomic<int> ran{0};
        seq::go([&] { ran++; });
        rt.wait_all();
        EXPECT_EQ(ran.load(), 1);
    }
    EXPECT_EQ(seq_runtime_stop(), SEQ_ENOTRUNNING);  // the destructor stopped it
    seq::options bad;
    bad.workers = 100000;
    EXPECT_THROW(seq::runtime{bad}, std::system_error);
    seq::runtime rt;  // and a new one starts
    EXPECT_GT(seq::runtime::stats().workers, 0u);
}

// ---- seq::go ------------------------------------------------------------------------------

struct Tracked {
    static inline std::atomic<int> live{0};
    static inline std::atomic<int> destroyed_on_strand{0};
    int value;
    explicit Tracked(int v) : value(v) { live++; }
    Tracked(Tracked&& o) noexcept : value(o.value) { live++; }
    Tracked(const Tracked&) = delete;
    ~Tracked() {
        live--;
        if (seq::this_strand::id() != 0) destroyed_on_strand++;
    }
};

int g_sum = 0;
void add_to_sum(int a, int b) {
    g_sum = a + b;
}

struct Functor {
    std::atomic<int>* out;
    void operator()() const { (*out)++; }
};

TEST(HostCxxGo, AnyCallableAndItsClosureIsFreedWhenTheStrandEnds) {
    seq::runtime rt(two_workers());
    Tracked::live = 0;
    Tracked::destroyed_on_strand = 0;
    std::atomic<int> ran{0};
    // A move-only capture (not copyable, so not a std::function).
    auto owned = std::make_unique<Tracked>(41);
    seq::go([p = std::move(owned), &ran] { ran += p->value + 1 == 42; });
    // A function and its arguments, decayed into the closure.
    seq::go(add_to_sum, 20, 22);
    // A function object, a std::function, a callable taking a moved argument.
    seq::go(Functor{&ran});
    std::function<void()> f = [&] { ran++; };
    seq::go(f);
    seq::go([&](Tracked t) { ran += t.value == 7; }, Tracked(7));
    uint64_t id = seq::go([] {});
    EXPECT_GT(id, 0u);
    rt.wait_all();
    EXPECT_EQ(ran.load(), 4);
    EXPECT_EQ(g_sum, 42);
    EXPECT_EQ(Tracked::live.load(), 0);                 // every closure freed...
    EXPECT_GE(Tracked::destroyed_on_strand.load(), 2);  // ...on its strand
}

TEST(HostCxxGo, StrandsSpawnStrandsSleepAndYield) {
    seq::runtime rt(two_workers());
    std::atomic<int> ran{0};
    std::atomic<uint64_t> parent{0}, seen{0};
    parent = seq::go([&] {
        seen = seq::this_strand::id();
        for (int i = 0; i < 10; ++i)
            seq::go([&] {
                seq::this_strand::sleep_for(std::chrono::microseconds(1500));  // 2 ms
                seq::this_strand::yield();
                ran++;
            });
    });
    rt.wait_all();
    EXPECT_EQ(ran.load(), 10);
    EXPECT_EQ(seen.load(), parent.load());
    EXPECT_EQ(seq::this_strand::id(), 0u);
    seq::this_strand::sleep_for(std::chrono::milliseconds(1));  // a host thread sleeps
}

TEST(HostCxxGo, ExceptionsCaughtInsideAStrandAreFine) {
    seq::runtime rt(two_workers());
    std::atomic<int> caught{0};
    for (int i = 0; i < 20; ++i)
        seq::go([&] {
            try {
                seq::this_strand::sleep_for(std::chrono::milliseconds(1));  // may move threads
                throw std::runtime_error("inside");
            } catch (const std::runtime_error& e) {
                caught += std::string(e.what()) == "inside";
            }
        });
    rt.wait_all();
    EXPECT_EQ(caught.load(), 20);
}

TEST(HostCxxGoDeathTest, AnExceptionEscapingAStrandIsReportedWithItsIdAndAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            seq::runtime rt;
            seq::go([] { throw std::runtime_error("boom"); });
            rt.wait_all();
        },
        "seq: strand [0-9]+: uncaught exception: boom");
    EXPECT_DEATH(
        {
            seq::runtime rt;
            seq::go([] { throw 42; });
            rt.wait_all();
        },
        "seq: strand [0-9]+: uncaught exception: \\(not a std::exception\\)");
}

// ---- channels ------------------------------------------------------------------------------

TEST(HostCxxChannel, StringsBetweenStrandsAndAHostThread) {
    seq::runtime rt(two_workers());
    seq::channel<std::string> ch(4);
    constexpr int kProducers = 4, kEach = 200;
    for (int p = 0; p < kProducers; ++p)
        seq::go([&, p] {
            for (int i = 0; i < kEach; ++i)
                ASSERT_TRUE(ch.send(std::to_string(p) + ":" + std::to_string(i)));
        });
    // Per producer, messages arrive in order.
    std::vector<int> next(kProducers, 0);
    int got = 0;
    while (got < kProducers * kEach) {
        std::optional<std::string> m = ch.recv();
        ASSERT_TRUE(m.has_value());
        size_t colon = m->find(':');
        int p = std::stoi(m->substr(0, colon)), i = std::stoi(m->substr(colon + 1));
        EXPECT_EQ(i, next[p]++);
        ++got;
    }
    rt.wait_all();
    ch.close();
    EXPECT_FALSE(ch.recv().has_value());
    EXPECT_FALSE(ch.send("late"));
}

TEST(HostCxxChannel, MoveOnlyMessagesAndCloseWakesReceivers) {
    seq::runtime rt(two_workers());
    seq::channel<std::unique_ptr<int>> ch;
    std::atomic<int> sum{0}, ended{0};
    for (int r = 0; r < 3; ++r)
        seq::go([&] {
            while (std::optional<std::unique_ptr<int>> m = ch.recv())
                sum += **m;
            ended++;
        });
    for (int i = 1; i <= 100; ++i)
        ASSERT_TRUE(ch.send(std::make_unique<int>(i)));
    ch.close();  // receivers drain, then get std::nullopt
    rt.wait_all();
    EXPECT_EQ(sum.load(), 5050);
    EXPECT_EQ(ended.load(), 3);
}

TEST(HostCxxChannel, DestructionFreesQueuedMessages) {
    Tracked::live = 0;
    {
        seq::channel<Tracked> ch;
        for (int i = 0; i < 10; ++i)
            ch.send(Tracked(i));
        EXPECT_EQ(Tracked::live.load(), 10);  // boxed in the channel
        seq::channel<Tracked> other;
        other.send(Tracked(99));
        other = std::move(ch);  // other's own message is freed
        EXPECT_EQ(Tracked::live.load(), 10);
        std::optional<Tracked> first = other.recv();
        ASSERT_TRUE(first);
        EXPECT_EQ(first->value, 0);
    }
    EXPECT_EQ(Tracked::live.load(), 0);
    // Channels work without a runtime from a host thread (nothing waits).
    seq::channel<int> plain;
    EXPECT_TRUE(plain.send(3));
    EXPECT_EQ(plain.recv().value_or(0), 3);
    EXPECT_NE(plain.native_handle(), nullptr);
}

// ---- TCP ---------------------------------------------------------------------------------------

void echo(seq::tcp_socket s) {
    char buf[4096];
    std::error_code ec;
    while (size_t n = s.read(buf, sizeof buf, ec)) {
        s.write(std::string_view(buf, n), ec);
        if (ec) break;
    }
}

TEST(HostCxxTcp, EchoWithRaiiSocketsAndErrors) {
    seq::runtime rt(two_workers());
    int port;
    {
        seq::tcp_listener listener("127.0.0.1", 0);
        port = listener.port();
        ASSERT_GT(port, 0);
        seq::go([&] {
            for (;;) {
                std::error_code ec;
                seq::tcp_socket s = listener.accept(ec);
                if (ec) break;  // closed
                seq::go(echo, std::move(s));
            }
        });
        std::atomic<int> ok{0};
        for (int c = 0; c < 5; ++c)
            seq::go([&, c] {
                seq::tcp_socket s = seq::tcp_socket::connect("127.0.0.1", port);
                std::string msg(1000 * (c + 1), static_cast<char>('a' + c));
                s.write(msg);
                std::string back;
                char buf[4096];
                while (back.size() < msg.size()) {
                    size_t n = s.read(buf, sizeof buf);
                    if (n == 0) break;
                    back.append(buf, n);
                }
                ok += back == msg;
            });
        // From the host thread too.
        seq::tcp_socket s = seq::tcp_socket::connect("127.0.0.1", port);
        EXPECT_GT(s.local_port(), 0);
        s.write("ping");
        char buf[8];
        EXPECT_EQ(s.read(buf, sizeof buf), 4u);
        seq_sock_t id = s.native_handle();
        s.close();
        EXPECT_FALSE(s);
        std::error_code ec;
        seq::tcp_socket stale(id);  // a dead id: errors, not crashes
        stale.read(buf, sizeof buf, ec);
        EXPECT_EQ(ec, seq::make_error_code(SEQ_EBADHANDLE));
        stale.write("x", ec);
        EXPECT_EQ(ec, seq::make_error_code(SEQ_EBADHANDLE));
        EXPECT_THROW(stale.write("x"), std::system_error);
        stale.release();
        while (ok.load() < 5)
            seq::this_strand::sleep_for(std::chrono::milliseconds(1));
    }  // the listener's destructor closes it: the accept loop ends
    rt.wait_all();
    try {
        seq::tcp_socket::connect("127.0.0.1", port);
        ADD_FAILURE() << "connected to a closed listener";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), seq::make_error_code(SEQ_ECONNREFUSED));
    }
    EXPECT_THROW(seq::tcp_listener("no.such.host.invalid", 0), std::system_error);
    seq::tcp_listener moved("127.0.0.1", 0);
    seq::tcp_listener into = std::move(moved);
    EXPECT_FALSE(moved);
    EXPECT_GT(into.port(), 0);
}

}  // namespace
