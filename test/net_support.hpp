// Shared by the network tests: a fixture whose teardown is
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
