// Shared by the UDP, DNS and TCP-connect tests: a fixture whose teardown is
// bounded, and the network words called through the C ABI as compiled code
// calls them (a small value stack, the effect checked).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/value/list.hpp"
#include "core/value/stack.hpp"
#include "core/value/value.hpp"
#include "seq/runtime_tcp.h"
#include "test_support.hpp"

namespace seq::nettest {

#if defined(SEQ_TSAN) || defined(SEQ_ASAN)
constexpr double kSlow = 4.0;  // sanitizers: more patience, same checks
#else
constexpr double kSlow = 1.0;
#endif

// Every wait is bounded: a bug fails a check instead of hanging the suite.
inline bool eventually(const std::function<bool()>& pred, double secs = 20) {
    return test::wait_until(pred, secs * kSlow);
}

class NetTest : public ::testing::Test {
  protected:
    void SetUp() override { patch_seq_scheduler_init(); }
    void TearDown() override {
        bool idle = eventually([] { return counters().active.load() == 0; }, 60);
        EXPECT_TRUE(idle) << counters().active.load() << " strands still active";
        // Shutdown abandons strands still parked, so a failed test ends
        // here instead of hanging.
        patch_seq_scheduler_shutdown();
        for (const char* v : env_set_)
            unsetenv(v);
    }
    // Restarts the scheduler with extra environment (read at first use).
    void restart_with(std::vector<std::pair<const char*, const char*>> env) {
        patch_seq_scheduler_shutdown();
        for (auto& [k, v] : env) {
            setenv(k, v, 1);
            env_set_.push_back(k);
        }
        patch_seq_scheduler_init();
    }

  private:
    std::vector<const char*> env_set_;
};

// ---- the ABI ---------------------------------------------------------------------------

struct Bound {
    int64_t id = 0;
    int64_t port = 0;
    bool ok = false;
};

inline Bound udp_bind_v(StackValue port) {
    StackValue buf[8];
    Stack sp = push(buf, port);
    sp = patch_seq_udp_bind(sp);
    EXPECT_EQ(sp - buf, 3) << "( port -- socket bound-port Bool )";
    EXPECT_TRUE(is_int(buf[0]) && is_int(buf[1]) && is_bool(buf[2]));
    return {int_of(buf[0]), int_of(buf[1]), buf[2] == kTrue};
}
inline Bound udp_bind_abi(int64_t port) {
    return udp_bind_v(make_int(port));
}

// ( bytes host port socket -- Bool ); takes ownership of the four values.
inline bool udp_send_v(StackValue bytes, StackValue host, StackValue port, StackValue socket) {
    StackValue buf[8];
    Stack sp = push(buf, bytes);
    sp = push(sp, host);
    sp = push(sp, port);
    sp = push(sp, socket);
    sp = patch_seq_udp_send_to(sp);
    EXPECT_EQ(sp - buf, 1) << "( bytes host port socket -- Bool )";
    EXPECT_TRUE(is_bool(buf[0]));
    return buf[0] == kTrue;
}
inline bool udp_send_abi(const std::string& bytes, const std::string& host, int64_t port,
                         int64_t socket) {
    return udp_send_v(make_string(bytes), make_string(host), make_int(port), make_int(socket));
}

struct Datagram {
    std::string bytes;
    std::string host;
    int64_t port = 0;
    bool ok = false;
};

inline Datagram udp_receive_v(StackValue socket) {
    StackValue buf[8];
    Stack sp = push(buf, socket);
    sp = patch_seq_udp_receive_from(sp);
    EXPECT_EQ(sp - buf, 4) << "( socket -- bytes host port Bool )";
    Datagram d;
    EXPECT_TRUE(is_kind(buf[0], Kind::String) && is_kind(buf[1], Kind::String));
    EXPECT_TRUE(is_int(buf[2]) && is_bool(buf[3]));
    d.bytes = std::string(string_of(buf[0])->view());
    d.host = std::string(string_of(buf[1])->view());
    d.port = int_of(buf[2]);
    d.ok = buf[3] == kTrue;
    drop_value(buf[0]);
    drop_value(buf[1]);
    return d;
}
inline Datagram udp_receive_abi(int64_t socket) {
    return udp_receive_v(make_int(socket));
}

inline bool one_flag_word(Stack (*word)(Stack), StackValue arg) {
    StackValue buf[8];
    Stack sp = push(buf, arg);
    sp = word(sp);
    EXPECT_EQ(sp - buf, 1) << "( x -- Bool )";
    EXPECT_TRUE(is_bool(buf[0]));
    return buf[0] == kTrue;
}
inline bool udp_close_abi(int64_t socket) {
    return one_flag_word(patch_seq_udp_close, make_int(socket));
}
inline bool tcp_close_abi(int64_t socket) {
    return one_flag_word(patch_seq_tcp_close, make_int(socket));
}

struct IdFlag {
    int64_t id = 0;
    bool ok = false;
};

inline IdFlag id_flag_word(Stack (*word)(Stack), Stack buf, Stack sp) {
    sp = word(sp);
    EXPECT_EQ(sp - buf, 2) << "( .. -- x Bool )";
    EXPECT_TRUE(is_int(buf[0]) && is_bool(buf[1]));
    return {int_of(buf[0]), buf[1] == kTrue};
}
inline IdFlag tcp_connect_v(StackValue host, StackValue port) {
    StackValue buf[8];
    Stack sp = push(buf, host);
    sp = push(sp, port);
    return id_flag_word(patch_seq_tcp_connect, buf, sp);
}
inline IdFlag tcp_connect_abi(const std::string& host, int64_t port) {
    return tcp_connect_v(make_string(host), make_int(port));
}
inline IdFlag tcp_listen_on_abi(const std::string& host, int64_t port) {
    StackValue buf[8];
    Stack sp = push(buf, make_string(host));
    sp = push(sp, make_int(port));
    return id_flag_word(patch_seq_tcp_listen_on, buf, sp);
}
inline IdFlag tcp_accept_abi(int64_t id) {
    StackValue buf[8];
    Stack sp = push(buf, make_int(id));
    return id_flag_word(patch_seq_tcp_accept, buf, sp);
}
inline IdFlag tcp_local_port_abi(int64_t id) {
    StackValue buf[8];
    Stack sp = push(buf, make_int(id));
    return id_flag_word(patch_seq_tcp_local_port, buf, sp);
}

struct Resolved {
    std::vector<std::string> addrs;
    bool ok = false;
};

inline Resolved dns_resolve_v(StackValue host) {
    StackValue buf[8];
    Stack sp = push(buf, host);
    sp = patch_seq_dns_resolve(sp);
    EXPECT_EQ(sp - buf, 2) << "( host -- List Bool )";
    Resolved r;
    EXPECT_TRUE(is_kind(buf[0], Kind::Variant));
    EXPECT_TRUE(is_bool(buf[1]));
    if (is_kind(buf[0], Kind::Variant)) {
        VariantObj* v = variant_of(buf[0]);
        EXPECT_EQ(v->tag->view(), "List");
        for (uint32_t i = 0; i < v->len; ++i) {
            EXPECT_TRUE(is_kind(v->fields[i], Kind::String));
            r.addrs.emplace_back(string_of(v->fields[i])->view());
        }
    }
    r.ok = buf[1] == kTrue;
    drop_value(buf[0]);
    return r;
}
inline Resolved dns_resolve_abi(const std::string& host) {
    return dns_resolve_v(make_string(host));
}

// A host name the resolver rejects without asking any server: a DNS label
// cannot be longer than 63 bytes, so no query can even be encoded.
inline std::string unresolvable_name() {
    return std::string(70, 'a') + ".invalid";
}

}  // namespace seq::nettest
