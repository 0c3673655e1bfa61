// The SIGQUIT dump (diagnostics_text, core/sched/diagnostics): strands parked
// on every reason a test can reach in-process, one running and one runnable,
// each shown with its state, its reason and its home worker; the per-worker
// lines (a busy worker that cannot answer the census, an idle one that does);
// the totals. Stdin is left out: ctest's stdin is not ours to block on.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/sched/diagnostics.hpp"
#include "core/sched/registry.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/sync/channel.hpp"
#include "core/sync/weave.hpp"
#include "io/net/tcp.hpp"
#include "io/net/udp.hpp"
#include "io/timer.hpp"
#include "seq/runtime.h"
#include "serve_support.hpp"

namespace seq {
namespace {

using test::TestStack;

class Dump : public test::WithScheduler<> {
  protected:
    Dump() : WithScheduler({{"SEQ_WORKERS", "2"}, {"SEQ_DUMP_STRANDS", "1000"}}) {}
};

[[maybe_unused]] int here() {
    return static_cast<int>(current_worker()->index);
}

// Spawns `fn` to run next on the calling strand's worker (never donated).
[[maybe_unused]] uint64_t spawn_run_next(std::function<void()> fn) {
    SpawnOptions o;
    o.run_next = true;
    return test::spawn_fn(std::move(fn), o);
}

// The dump's line about strand `id`, or "".
[[maybe_unused]] std::string strand_line(const std::string& dump, uint64_t id) {
    std::string key = "  strand " + std::to_string(id) + ": ";
    size_t at = dump.find(key);
    if (at == std::string::npos) return "";
    return dump.substr(at, dump.find('\n', at) - at);
}

// The dump's two lines about worker `w` (its state, then its census or why
// there is none), or "".
[[maybe_unused]] std::string worker_lines(const std::string& dump, int w) {
    std::string key = "\nworker " + std::to_string(w) + ": ";
    size_t at = dump.find(key);
    if (at == std::string::npos) return "";
    size_t end = dump.find('\n', dump.find('\n', at + 1) + 1);
    return dump.substr(at + 1, end - at - 1);
}

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

[[maybe_unused]] std::string parked(const char* reason) {
    return std::string(": parked on ") + reason + " for ";
}
[[maybe_unused]] std::string home_of(int home) {
    return ", home worker " + std::to_string(home) + " (";
}

// (The helpers are [[maybe_unused]]: without SEQ_DIAGNOSTICS the tests that
// use them skip.)

// ---- weave bodies (as compiled quotations): ( ctx a -- ctx ) ----------------------------

std::atomic<uint64_t> g_yielder_id{0};
std::atomic<int> g_yielder_home{-1};
Channel* g_gate = nullptr;
std::atomic<uint64_t> g_gated_id{0};
std::atomic<int> g_gated_home{-1};

// Yields once (the weave then waits to be resumed), then finishes.
[[maybe_unused]] Stack yield_once_here(Stack sp) {
    g_yielder_id = current_strand()->id;
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_push_int(sp, 1);
    g_yielder_home = here();
    sp = patch_seq_yield(sp);
    return patch_seq_drop_op(sp);
}

// Waits on g_gate before it yields (its resumer waits meanwhile), then finishes.
[[maybe_unused]] Stack yield_after_gate(Stack sp) {
    g_gated_id = current_strand()->id;
    g_gated_home = here();
    StackValue v;
    EXPECT_TRUE(channel_receive(g_gate, &v));
    drop_value(v);
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_push_int(sp, 2);
    sp = patch_seq_yield(sp);
    return patch_seq_drop_op(sp);
}

[[maybe_unused]] void make_weave(TestStack& st, Stack (*fn)(Stack)) {
    st.sp = patch_seq_push_quotation(st.sp, reinterpret_cast<uintptr_t>(fn),
                                     reinterpret_cast<uintptr_t>(fn));
    st.sp = patch_seq_weave(st.sp);
}

// ( W a -- W b ok ): resumes and returns ok, leaving W on the stack.
[[maybe_unused]] bool resume_weave(TestStack& st, int64_t a) {
    st.sp = patch_seq_push_int(st.sp, a);
    st.sp = patch_seq_resume(st.sp);
    StackValue ok = *--st.sp;
    drop_value(*--st.sp);
    return ok == kTrue;
}

TEST_F(Dump, ShowsEveryStrandWithItsStateReasonAndHomeAndEveryWorker) {
#if !defined(SEQ_DIAGNOSTICS)
    GTEST_SKIP() << "the registry is compiled out";
#else
    ASSERT_EQ(scheduler().workers.size(), 2u);
    uint64_t channels_before = take_snapshot().totals.channels_live;
    std::atomic<bool> release{false};

    // channel receive: an empty channel.
    StackValue recv_v = channel_new();
    Channel* recv_ch = channel_of(recv_v);
    std::atomic<int> receiver_home{-1};
    uint64_t receiver = test::spawn_fn([&] {
        StackValue v;
        receiver_home = here();
        EXPECT_TRUE(channel_receive(recv_ch, &v));
        drop_value(v);
    });
    // channel send: a full channel of capacity 1.
    StackValue send_v = channel_new(1);
    Channel* send_ch = channel_of(send_v);
    std::atomic<int> sender_home{-1};
    uint64_t sender = test::spawn_fn([&] {
        EXPECT_TRUE(channel_send(send_ch, make_int(1)));
        sender_home = here();
        EXPECT_TRUE(channel_send(send_ch, make_int(2)));
    });
    // sleep, again and again until released.
    std::atomic<int> sleeper_home{-1};
    uint64_t sleeper = test::spawn_fn([&] {
        while (!release.load()) {
            sleeper_home = here();
            sleep_ms(20);
        }
    });
    // tcp accept, then tcp read on the accepted stream; a second acceptor.
    auto listening = servetest::listen_local();
    const int64_t listener = listening.first;
    const int port = listening.second;
    std::atomic<int64_t> stream{0};
    uint64_t reader = test::spawn_fn([&] {
        TcpResult a = tcp_accept(listener);
        ASSERT_TRUE(a.ok);
        stream = a.value;
        char buf[16];
        EXPECT_EQ(tcp_read_bytes(a.value, buf, sizeof buf), 1);
        EXPECT_TRUE(tcp_close(a.value));
    });
    int client = servetest::raw_connect(port);
    ASSERT_GE(client, 0);
    ASSERT_TRUE(test::wait_until([&] { return stream.load() != 0; }));
    uint64_t acceptor = test::spawn_fn([&] {
        TcpResult a = tcp_accept(listener);
        EXPECT_TRUE(a.ok);
        if (a.ok) {
            EXPECT_TRUE(tcp_close(a.value));
        }
    });
    // udp receive.
    nettest::Bound udp = nettest::udp_bind_abi(0);
    ASSERT_TRUE(udp.ok);
    uint64_t udp_receiver = test::spawn_fn([&] {
        nettest::Datagram d = nettest::udp_receive_abi(udp.id);
        EXPECT_TRUE(d.ok);
        EXPECT_EQ(d.bytes, "x");
    });
    // weave yield (a suspended weave), and weave resume (a resumer waiting for
    // a weave that waits on a channel).
    StackValue done_v = channel_new();
    Channel* done_ch = channel_of(done_v);
    StackValue gate_v = channel_new();
    g_gate = channel_of(gate_v);
    g_yielder_id = 0;
    g_gated_id = 0;
    std::atomic<int> holder_home{-1};
    uint64_t holder = test::spawn_fn([&] {
        TestStack st;
        make_weave(st, yield_once_here);
        EXPECT_TRUE(resume_weave(st, 0));
        StackValue v;
        holder_home = here();
        EXPECT_TRUE(channel_receive(done_ch, &v));
        EXPECT_FALSE(resume_weave(st, 0));  // it finishes
    });
    std::atomic<int> resumer_home{-1};
    uint64_t resumer = test::spawn_fn([&] {
        TestStack st;
        make_weave(st, yield_after_gate);
        resumer_home = here();
        EXPECT_TRUE(resume_weave(st, 0));
        EXPECT_FALSE(resume_weave(st, 0));
    });

    // Everything parked first: a strand on the worker the spinner takes
    // would not get there afterwards.
    std::string text;
    auto all_parked = [&] {
        text = diagnostics_text();
        for (uint64_t id : {receiver, sender, reader, acceptor, udp_receiver, holder, resumer})
            if (!has(strand_line(text, id), ": parked on ")) return false;
        return g_yielder_id && g_gated_id &&
               has(strand_line(text, g_yielder_id), ": parked on weave yield") &&
               has(strand_line(text, g_gated_id), ": parked on channel receive");
    };
    ASSERT_TRUE(test::wait_until(all_parked)) << text;
    // Asked now: these run a strand on the socket's owner, which may be the
    // worker the spinner is about to hold.
    const int stream_owner = static_cast<int>(tcp_socket_info(stream).owner);
    const int listener_owner = static_cast<int>(tcp_socket_info(listener).owner);
    const int udp_owner = static_cast<int>(udp_socket_info(udp.id).owner);

    // One strand running (spinning without a switch: C++ code is not
    // preempted, only compiled code is) and one runnable behind it.
    std::atomic<int> spin_home{-1};
    std::atomic<uint64_t> runnable{0};
    std::atomic<bool> runnable_ran{false};
    uint64_t spinner = test::spawn_fn([&] {
        spin_home = here();
        runnable = spawn_run_next([&] { runnable_ran = true; });
        while (!release.load(std::memory_order_relaxed)) {
        }
    });
    ASSERT_TRUE(test::wait_until([&] { return runnable.load() != 0; }));
    const int busy = spin_home.load();
    const int other = 1 - busy;

    auto all_shown = [&] {
        text = diagnostics_text();
        bool ok = has(strand_line(text, spinner), ": running on worker " + std::to_string(busy));
        ok = ok && has(strand_line(text, runnable), ": runnable" + home_of(busy));
        ok = ok && !runnable_ran.load();
        auto parked_at = [&](uint64_t id, const char* reason, int home) {
            std::string line = strand_line(text, id);
            return has(line, parked(reason)) && has(line, home_of(home));
        };
        ok = ok && parked_at(receiver, "channel receive", receiver_home);
        ok = ok && parked_at(sender, "channel send", sender_home);
        ok = ok && parked_at(sleeper, "sleep", sleeper_home);
        ok = ok && parked_at(reader, "tcp read", stream_owner);
        ok = ok && parked_at(acceptor, "tcp accept", listener_owner);
        ok = ok && parked_at(udp_receiver, "udp receive", udp_owner);
        ok = ok && parked_at(g_yielder_id, "weave yield", g_yielder_home);
        ok = ok && parked_at(holder, "channel receive", holder_home);
        ok = ok && parked_at(resumer, "weave resume", resumer_home);
        ok = ok && parked_at(g_gated_id, "channel receive", g_gated_home);
        // The busy worker cannot answer its census; the sampler knows for how
        // long its strand has run (once it has looked twice).
        std::string bw = worker_lines(text, busy);
        ok = ok && has(bw, "busy, running strand " + std::to_string(spinner) + ", for ");
        ok = ok && has(bw, "  busy: census unavailable, strand " + std::to_string(spinner) +
                               " running for ");
        // The other worker answers: its queues and its loop's handles (the
        // wake poll at least).
        std::string ow = worker_lines(text, other);
        ok = ok && has(ow, "loop rounds\n  queues: ") && has(ow, "poll ");
        return ok;
    };
    EXPECT_TRUE(test::wait_until(all_shown)) << text;
    // The totals.
    EXPECT_TRUE(has(text, "\nsockets: 3 open (tcp: 1 listeners, 1 streams; udp: 1)\n")) << text;
    EXPECT_TRUE(has(text, "\nchannels: " + std::to_string(channels_before + 4) + " live")) << text;
    EXPECT_TRUE(has(text, "\nstacks: ")) << text;
    EXPECT_TRUE(has(text, "\nthreads: ")) << text;
    EXPECT_TRUE(has(text, "strands: active ")) << text;
    // The snapshot agrees with its text.
    RuntimeSnapshot snap = take_snapshot();
    bool found_running = false;
    for (const StrandSnapshot& s : snap.strands)
        if (s.id == spinner)
            found_running = s.state == StrandSnapshot::State::Running && s.home == busy;
    EXPECT_TRUE(found_running);
    ASSERT_EQ(snap.workers.size(), 2u);
    EXPECT_FALSE(snap.workers[busy].census_answered);
    EXPECT_TRUE(snap.workers[other].census_answered);

    // Let everything finish.
    release = true;
    EXPECT_TRUE(channel_send(recv_ch, make_int(7)));
    StackValue v;
    EXPECT_TRUE(channel_receive(send_ch, &v));
    EXPECT_TRUE(channel_receive(send_ch, &v));
    EXPECT_TRUE(servetest::raw_send(client, "x"));
    int second = servetest::raw_connect(port);
    EXPECT_GE(second, 0);
    {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(udp.port));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        EXPECT_EQ(sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 1);
        close(fd);
    }
    EXPECT_TRUE(channel_send(g_gate, make_int(1)));
    EXPECT_TRUE(channel_send(done_ch, make_int(1)));
    patch_seq_wait_all_strands();
    EXPECT_TRUE(runnable_ran.load());
    close(client);
    if (second >= 0) close(second);
    EXPECT_TRUE(nettest::tcp_close_abi(listener));
    EXPECT_TRUE(nettest::udp_close_abi(udp.id));
    for (StackValue c : {recv_v, send_v, done_v, gate_v})
        drop_value(c);
    g_gate = nullptr;
#endif
}

TEST_F(Dump, ListsAtMostSeqDumpStrandsOldestFirst) {
#if !defined(SEQ_DIAGNOSTICS)
    GTEST_SKIP() << "the registry is compiled out";
#else
    restart_with({{"SEQ_DUMP_STRANDS", "2"}});
    StackValue chv = channel_new();
    Channel* ch = channel_of(chv);
    uint64_t ids[4];
    for (uint64_t& id : ids)
        id = test::spawn_fn([&] {
            StackValue v;
            EXPECT_TRUE(channel_receive(ch, &v));
            drop_value(v);
        });
    std::string text;
    EXPECT_TRUE(test::wait_until([&] {
        text = diagnostics_text();
        // Both listed strands parked (they may run on either worker).
        return has(text, "registry: 4 tracked") && has(strand_line(text, ids[0]), "parked on") &&
               has(strand_line(text, ids[1]), "parked on");
    })) << text;
    EXPECT_TRUE(has(strand_line(text, ids[0]), ": parked on channel receive for ")) << text;
    EXPECT_TRUE(has(strand_line(text, ids[1]), ": parked on channel receive for ")) << text;
    EXPECT_EQ(strand_line(text, ids[2]), "") << text;
    EXPECT_EQ(strand_line(text, ids[3]), "") << text;
    EXPECT_TRUE(has(text, "  ... and 2 more (SEQ_DUMP_STRANDS)\n")) << text;
    EXPECT_LT(text.find(strand_line(text, ids[0])), text.find(strand_line(text, ids[1])));
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(channel_send(ch, make_int(i)));
    patch_seq_wait_all_strands();
    drop_value(chv);
#endif
}

TEST_F(Dump, DumpsTakenUnderLoadStayConsistent) {
    // Strands ping-pong over channels, yield and spawn on both workers while
    // the test thread takes dump after dump: each must be whole (every
    // worker, every listed strand in one of the three states, counters that
    // add up), and under TSan nothing it reads may race.
    std::atomic<bool> stop{false};
    constexpr int kPairs = 50;
    std::vector<StackValue> chans;
    for (int i = 0; i < 2 * kPairs; ++i)
        chans.push_back(channel_new());
    for (int i = 0; i < kPairs; ++i) {
        Channel* ping = channel_of(chans[2 * i]);
        Channel* pong = channel_of(chans[2 * i + 1]);
        test::spawn_fn([&stop, ping, pong] {
            for (int n = 0; !stop.load(); ++n) {
                StackValue v;
                if (!channel_send(ping, make_int(n)) || !channel_receive(pong, &v)) break;
                if (n % 16 == 0) yield_now();
            }
            channel_close(ping);
        });
        test::spawn_fn([ping, pong] {
            StackValue v;
            while (channel_receive(ping, &v))
                if (!channel_send(pong, v)) break;
            channel_close(pong);
        });
    }
    for (int round = 0; round < 40; ++round) {
        RuntimeSnapshot snap = take_snapshot();
        EXPECT_GE(snap.spawned, snap.completed + snap.active);
        ASSERT_EQ(snap.workers.size(), 2u);
        std::string text = snapshot_text(snap);
        EXPECT_TRUE(has(text, "\nworker 0: ") && has(text, "\nworker 1: ")) << text;
        size_t lines = 0;
        for (size_t at = text.find("\n  strand "); at != std::string::npos;
             at = text.find("\n  strand ", at + 1)) {
            std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
            EXPECT_TRUE(has(line, ": running on worker ") || has(line, ": runnable, home ") ||
                        has(line, ": parked on "))
                << line;
            ++lines;
        }
        EXPECT_EQ(lines, snap.strands.size());
#if defined(SEQ_DIAGNOSTICS)
        EXPECT_GT(lines, 0u) << text;
#endif
    }
    stop = true;
    patch_seq_wait_all_strands();
    for (StackValue c : chans)
        drop_value(c);
}

TEST_F(Dump, AnIdleWorkerAnswersItsCensus) {
    // No strand runs: both workers sleep in their loops, and the census
    // wakes each to count its handles.
    RuntimeSnapshot snap;
    EXPECT_TRUE(test::wait_until([&] {
        snap = take_snapshot();
        return snap.workers.size() == 2 && snap.workers[0].census_answered &&
               snap.workers[1].census_answered;
    }));
    for (const WorkerSnapshot& w : snap.workers) {
        EXPECT_EQ(w.running_id, 0u);
        bool wake_poll = false;
        for (auto& [type, n] : w.census.handles)
            wake_poll = wake_poll || (type == "poll" && n >= 1);
        EXPECT_TRUE(wake_poll) << "worker " << w.index;
    }
}

}  // namespace
}  // namespace seq
