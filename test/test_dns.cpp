// net.dns.resolve and the resolver behind tcp.connect / udp.send-to: only
// literals, /etc/hosts names (localhost) and numeric forms that getaddrinfo
// answers itself, so no test sends a query to a DNS server. The cache and
// single-flight checks count lookups through dns_stats(); concurrency is
// lined up with dns_hold_queries, never with sleeps.
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/net/dns.hpp"
#include "net_support.hpp"

namespace seq {
namespace {

using namespace nettest;
using test::spawn_fn;

class Dns : public NetTest {
  protected:
    void SetUp() override {
        NetTest::SetUp();
        dns_clear_cache();
        dns_set_cache_ttl(std::chrono::seconds(60));
        dns_hold_queries(false);
    }
    void TearDown() override {
        dns_hold_queries(false);  // a failed test must not leave strands waiting
        dns_set_cache_ttl(std::chrono::seconds(60));
        NetTest::TearDown();
    }
};

bool is_literal(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// prefix + i (snprintf: "x" + std::to_string(i) trips a false GCC 12 -Wrestrict)
std::string numbered(const char* prefix, int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%d", prefix, i);
    return buf;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(Dns, LiteralsAreTheirOwnAnswer) {
    uint64_t before = dns_stats().lookups;
    Resolved v4 = dns_resolve_abi("127.0.0.1");
    EXPECT_TRUE(v4.ok);
    EXPECT_EQ(v4.addrs, std::vector<std::string>{"127.0.0.1"});
    Resolved v6 = dns_resolve_abi("::1");
    EXPECT_TRUE(v6.ok);
    EXPECT_EQ(v6.addrs, std::vector<std::string>{"::1"});
    Resolved canon = dns_resolve_abi("0:0:0::0:1");
    EXPECT_EQ(canon.addrs, std::vector<std::string>{"::1"}) << "in canonical form";
    EXPECT_EQ(dns_resolve_abi("::FFFF:127.0.0.1").addrs,
              std::vector<std::string>{"::ffff:127.0.0.1"});
    EXPECT_EQ(dns_stats().lookups, before) << "no lookup for a literal";
}

TEST_F(Dns, LocalhostResolvesToDistinctAddresses) {
    Resolved r = dns_resolve_abi("localhost");
    ASSERT_TRUE(r.ok);
    ASSERT_FALSE(r.addrs.empty());
    EXPECT_TRUE(contains(r.addrs, "127.0.0.1") || contains(r.addrs, "::1"));
    std::set<std::string> distinct(r.addrs.begin(), r.addrs.end());
    EXPECT_EQ(distinct.size(), r.addrs.size()) << "duplicates removed";
    for (const std::string& a : r.addrs)
        EXPECT_TRUE(is_literal(a)) << a;
    // getaddrinfo's own numeric forms are names here, answered locally.
    EXPECT_EQ(dns_resolve_abi("127.1").addrs, std::vector<std::string>{"127.0.0.1"});
}

TEST_F(Dns, AnswersAreCachedSuccessesOnly) {
    DnsStats s0 = dns_stats();
    ASSERT_TRUE(dns_resolve_abi("localhost").ok);
    DnsStats s1 = dns_stats();
    EXPECT_EQ(s1.lookups, s0.lookups + 1);
    EXPECT_EQ(s1.cached, s0.cached + 1);
    ASSERT_TRUE(dns_resolve_abi("localhost").ok);
    DnsStats s2 = dns_stats();
    EXPECT_EQ(s2.lookups, s1.lookups) << "the second answer came from the cache";
    EXPECT_EQ(s2.cache_hits, s1.cache_hits + 1);
    // The key is the exact name (as upstream): another spelling is another lookup.
    ASSERT_TRUE(dns_resolve_abi("LocalHost").ok);
    EXPECT_EQ(dns_stats().lookups, s2.lookups + 1);
    // A failure is not remembered: asking again asks again.
    EXPECT_FALSE(dns_resolve_abi(unresolvable_name()).ok);
    DnsStats s3 = dns_stats();
    EXPECT_FALSE(dns_resolve_abi(unresolvable_name()).ok);
    EXPECT_EQ(dns_stats().lookups, s3.lookups + 1);
    EXPECT_EQ(dns_stats().cached, s3.cached);
}

TEST_F(Dns, ExpiredAnswersAreLookedUpAgain) {
    dns_set_cache_ttl(std::chrono::milliseconds(0));  // expired as soon as stored
    uint64_t before = dns_stats().lookups;
    ASSERT_TRUE(dns_resolve_abi("localhost").ok);
    ASSERT_TRUE(dns_resolve_abi("localhost").ok);
    EXPECT_EQ(dns_stats().lookups, before + 2);
}

TEST_F(Dns, TheCacheIsBounded) {
    // "127.N" is getaddrinfo's shorthand for 127.0.N/256.N%256: 300 different
    // names, each answered without a server.
    for (int i = 1; i <= 300; ++i) {
        Resolved r = dns_resolve_abi(numbered("127.", i));
        ASSERT_TRUE(r.ok) << i;
        std::string want = numbered("127.0.", i / 256) + numbered(".", i % 256);
        EXPECT_EQ(r.addrs, std::vector<std::string>{want});
    }
    EXPECT_EQ(dns_stats().cached, 256u);
    // The newest are kept.
    uint64_t before = dns_stats().lookups;
    EXPECT_TRUE(dns_resolve_abi("127.300").ok);
    EXPECT_EQ(dns_stats().lookups, before);
}

TEST_F(Dns, FailuresAreAnEmptyListAndFalse) {
    uint64_t before = dns_stats().lookups;
    for (const std::string& bad : {std::string(), std::string("local\0host", 10)}) {
        Resolved r = dns_resolve_abi(bad);
        EXPECT_FALSE(r.ok);
        EXPECT_TRUE(r.addrs.empty());
    }
    EXPECT_EQ(dns_stats().lookups, before) << "nothing to look up";
    Resolved n = dns_resolve_v(make_int(7));  // not a String: consumed
    EXPECT_FALSE(n.ok);
    EXPECT_TRUE(n.addrs.empty());
    Resolved u = dns_resolve_abi(unresolvable_name());
    EXPECT_FALSE(u.ok);
    EXPECT_TRUE(u.addrs.empty());
}

TEST_F(Dns, ConcurrentLookupsOfOneNameShareOneQuery) {
    dns_hold_queries(true);
    DnsStats s0 = dns_stats();
    constexpr int kStrands = 10;
    std::atomic<int> good{0};
    for (int i = 0; i < kStrands; ++i) {
        spawn_fn([&] {
            Resolved r = dns_resolve_abi("localhost");
            if (r.ok && !r.addrs.empty()) ++good;
        });
    }
    ASSERT_TRUE(eventually([] {
        DnsStats s = dns_stats();
        return s.waiting == kStrands && s.queued == 1;
    }));
    dns_hold_queries(false);
    ASSERT_TRUE(eventually([&] { return good.load() == kStrands; }));
    DnsStats s1 = dns_stats();
    EXPECT_EQ(s1.lookups, s0.lookups + 1) << "one getaddrinfo for all ten";
    EXPECT_EQ(s1.joined, s0.joined + kStrands - 1);
    EXPECT_EQ(s1.waiting, 0u);
}

TEST_F(Dns, LookupsRunAtMostWorkersAtOnce) {
    restart_with({{"SEQ_DNS_WORKERS", "2"}});
    dns_hold_queries(true);
    constexpr int kNames = 6;
    std::atomic<int> good{0};
    for (int i = 1; i <= kNames; ++i) {
        spawn_fn([&, i] {
            Resolved r = dns_resolve_abi(numbered("127.", i));
            if (r.ok && r.addrs == std::vector<std::string>{numbered("127.0.0.", i)}) ++good;
        });
    }
    ASSERT_TRUE(eventually([] { return dns_stats().queued == kNames; }));
    EXPECT_EQ(dns_stats().running, 0u) << "held";
    dns_hold_queries(false);  // two start at once, each end starts the next
    ASSERT_TRUE(eventually([&] { return good.load() == kNames; }));
    DnsStats s = dns_stats();
    EXPECT_EQ(s.workers, 2u);
    EXPECT_EQ(s.max_running, 2u);
    EXPECT_EQ(s.running, 0u);
    EXPECT_EQ(s.queued, 0u);
}

TEST_F(Dns, EndpointsTakeBracketsAndSetThePort) {
    std::vector<sockaddr_storage> v6 = dns_resolve_endpoints("[::1]", 4242);
    ASSERT_EQ(v6.size(), 1u);
    EXPECT_EQ(address_string(reinterpret_cast<sockaddr*>(&v6[0])), "::1");
    EXPECT_EQ(address_port(reinterpret_cast<sockaddr*>(&v6[0])), 4242);
    std::vector<sockaddr_storage> named = dns_resolve_endpoints("localhost", 7);
    ASSERT_FALSE(named.empty());
    for (auto& a : named)
        EXPECT_EQ(address_port(reinterpret_cast<sockaddr*>(&a)), 7);
    EXPECT_TRUE(dns_resolve_endpoints("", 7).empty());
    uint64_t before = dns_stats().lookups;
    EXPECT_TRUE(dns_resolve_endpoints("[localhost]", 7).empty()) << "brackets: IPv6 only";
    EXPECT_TRUE(dns_resolve_endpoints("[127.0.0.1]", 7).empty());
    EXPECT_TRUE(dns_resolve_endpoints("[::1", 7).empty());
    EXPECT_EQ(dns_stats().lookups, before) << "none of them is looked up";
    EXPECT_TRUE(dns_resolve_endpoints(unresolvable_name(), 7).empty());
}

TEST(DnsConfig, WorkersParse) {
    EXPECT_EQ(parse_dns_workers(nullptr), 8u);
    EXPECT_EQ(parse_dns_workers(""), 8u);
    EXPECT_EQ(parse_dns_workers("0"), 8u) << "0 means unset, as upstream";
    EXPECT_EQ(parse_dns_workers("3"), 3u);
    EXPECT_EQ(parse_dns_workers("64"), 64u);
    EXPECT_EQ(parse_dns_workers("1000"), 64u) << "capped";
    EXPECT_EQ(parse_dns_workers("abc"), 8u);
    EXPECT_EQ(parse_dns_workers("-2"), 8u);
    EXPECT_EQ(parse_dns_workers("4x"), 8u);
}

}  // namespace
}  // namespace seq
