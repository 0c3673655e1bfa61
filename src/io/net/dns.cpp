#include "io/net/dns.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "core/fatal.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "io/in_strand.hpp"
#include "io/uv_bridge.hpp"

namespace seq {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kDefaultWorkers = 8;  // upstream's DEFAULT_WORKERS
constexpr size_t kMaxWorkers = 64;     // upstream's MAX_WORKERS
constexpr std::chrono::milliseconds kDefaultTtl{60'000};
constexpr size_t kCacheMax = 256;

// A strand waiting for a query's answer; lives on its stack. `done` and
// `result` are written under the module mutex, and the waiter reads them
// under it too: once it sees `done`, the waker has left wake() (it holds
// the mutex throughout), so the waiter may return and drop this record.
struct Waiter {
    Strand* strand = nullptr;
    bool done = false;
    std::vector<std::string> result;
};

// One getaddrinfo for one name, and everybody waiting for it.
struct Flight {
    std::string host;
    uv_getaddrinfo_t req;
    std::vector<Waiter*> waiters;
};

struct CacheEntry {
    std::vector<std::string> addrs;
    Clock::time_point expires;
};

struct Dns {
    std::mutex mu;  // everything below
    // The scheduler instance whose loops the flights use: a restart
    // abandons the strands that waited, so their flights are dropped.
    Scheduler* sched = nullptr;
    uint64_t start_ns = 0;
    size_t limit = kDefaultWorkers;
    size_t running = 0;
    size_t max_running = 0;
    bool held = false;
    std::unordered_map<std::string, Flight*> flights;  // started or queued
    std::deque<Flight*> queued;                        // FIFO, not started
    std::unordered_map<std::string, CacheEntry> cache;
    std::chrono::milliseconds ttl = kDefaultTtl;
    uint64_t lookups = 0;
    uint64_t cache_hits = 0;
    uint64_t joined = 0;
};

// Never destroyed: loop callbacks may run while static destructors do.
Dns& dns() {
    static auto* d = new Dns;
    return *d;
}

// Called with d.mu held, from a strand (so a scheduler runs).
void sync_instance(Dns& d) {
    Scheduler& s = scheduler();
    if (d.sched == &s && d.start_ns == s.start_ns) return;
    // The previous scheduler drained its loops at shutdown, so every query
    // it started has completed; what is left was queued and never started.
    for (Flight* f : d.queued)
        delete f;
    d.queued.clear();
    d.flights.clear();
    d.running = 0;
    d.max_running = 0;
    d.limit = parse_dns_workers(std::getenv("SEQ_DNS_WORKERS"));
    d.sched = &s;
    d.start_ns = s.start_ns;
}

// An IPv4 or IPv6 literal in its canonical text, or false.
bool literal_text(const std::string& host, std::string* out) {
    sockaddr_storage a{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        a.ss_family = AF_INET;
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        a.ss_family = AF_INET6;
    } else {
        return false;
    }
    *out = address_string(reinterpret_cast<sockaddr*>(&a));
    return true;
}

std::vector<std::string> collect(const addrinfo* ai) {
    std::vector<std::string> out;
    for (; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        std::string s = address_string(ai->ai_addr);
        // A and AAAA answers (or several socket types) can repeat one address.
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end())
            out.push_back(std::move(s));
    }
    return out;
}

void cache_put(Dns& d, const std::string& host, const std::vector<std::string>& addrs) {
    Clock::time_point now = Clock::now();
    if (d.cache.size() >= kCacheMax && !d.cache.count(host)) {
        // Make room: drop what has expired, else the entry closest to
        // expiring (upstream drops an arbitrary one).
        for (auto it = d.cache.begin(); it != d.cache.end();)
            it = it->second.expires <= now ? d.cache.erase(it) : std::next(it);
        if (d.cache.size() >= kCacheMax) {
            auto oldest = std::min_element(d.cache.begin(), d.cache.end(), [](auto& a, auto& b) {
                return a.second.expires < b.second.expires;
            });
            d.cache.erase(oldest);
        }
    }
    d.cache[host] = CacheEntry{addrs, now + d.ttl};
}

// Hands `addrs` to every waiter of `f` and forgets the flight (d.mu held;
// the caller deletes `f`). Waking under the mutex: see Waiter.
void finish(Dns& d, Flight* f, const std::vector<std::string>& addrs) {
    d.flights.erase(f->host);
    for (Waiter* w : f->waiters) {
        w->result = addrs;
        w->done = true;
        wake(w->strand);
    }
    f->waiters.clear();
}

void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* ai);

// Starts queued queries on `loop` while worker slots are free (d.mu held).
// A query that cannot even start fails its waiters at once.
void pump(Dns& d, uv_loop_t* loop) {
    while (!d.held && d.running < d.limit && !d.queued.empty()) {
        Flight* f = d.queued.front();
        d.queued.pop_front();
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;  // one entry per address (as Rust's lookup)
        f->req.data = f;
        ++d.lookups;
        if (uv_getaddrinfo(loop, &f->req, on_resolved, f->host.c_str(), nullptr, &hints) != 0) {
            finish(d, f, {});
            delete f;
            continue;
        }
        ++d.running;
        d.max_running = std::max(d.max_running, d.running);
    }
}

// On the loop that started the query (a worker thread, outside strands).
void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* ai) {
    auto* f = static_cast<Flight*>(req->data);
    std::vector<std::string> addrs = status == 0 ? collect(ai) : std::vector<std::string>{};
    uv_freeaddrinfo(ai);
    Dns& d = dns();
    {
        std::lock_guard<std::mutex> lock(d.mu);
        // Cached before the waiters go: a strand asking right after them
        // finds the answer instead of starting another query.
        if (!addrs.empty()) cache_put(d, f->host, addrs);
        finish(d, f, addrs);
        --d.running;
        pump(d, req->loop);
    }
    delete f;
}

std::vector<std::string> resolve_in_strand(const std::string& host) {
    Dns& d = dns();
    Waiter w;
    w.strand = current_strand();
    {
        std::lock_guard<std::mutex> lock(d.mu);
        sync_instance(d);
        auto hit = d.cache.find(host);
        if (hit != d.cache.end()) {
            if (Clock::now() < hit->second.expires) {
                ++d.cache_hits;
                return hit->second.addrs;
            }
            d.cache.erase(hit);
        }
        auto it = d.flights.find(host);
        if (it != d.flights.end()) {
            ++d.joined;
            it->second->waiters.push_back(&w);
        } else {
            auto* f = new Flight;
            f->host = host;
            f->waiters.push_back(&w);
            d.flights.emplace(host, f);
            d.queued.push_back(f);
            // The query runs on this strand's loop; the strand itself need
            // not stay there (the answer wakes it wherever it is).
            pump(d, current_loop());
        }
    }
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(d.mu);
            if (w.done) break;
        }
        park(ParkReason::DnsLookup);  // a stale permit just makes us look again
    }
    return std::move(w.result);
}

}  // namespace

// ---- addresses -------------------------------------------------------------------------

std::string address_string(const sockaddr* a, bool unmap) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (a->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, buf, sizeof buf);
    } else if (a->sa_family == AF_INET6) {
        const in6_addr& v6 = reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr;
        if (unmap && IN6_IS_ADDR_V4MAPPED(&v6))
            inet_ntop(AF_INET, &v6.s6_addr[12], buf, sizeof buf);
        else
            inet_ntop(AF_INET6, &v6, buf, sizeof buf);
    }
    return buf;
}

int address_port(const sockaddr* a) {
    if (a->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(a)->sin_port);
    if (a->sa_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(a)->sin6_port);
    return 0;
}

// ---- resolving -------------------------------------------------------------------------

std::vector<std::string> dns_resolve(std::string_view host) {
    if (host.empty() || host.find('\0') != std::string_view::npos) return {};
    std::string name(host);
    std::string lit;
    if (literal_text(name, &lit)) return {lit};
    if (!current_strand()) return call_in_strand("dns.resolve", [&] { return dns_resolve(host); });
    return resolve_in_strand(name);
}

std::vector<sockaddr_storage> dns_resolve_endpoints(std::string_view host, int port) {
    std::vector<sockaddr_storage> out;
    std::string_view h = host;
    if (!h.empty() && h.front() == '[') {
        // Brackets are IPv6 literal syntax only: "[name]" is nothing to look up.
        in6_addr v6;
        std::string inner(h.size() > 2 && h.back() == ']' ? h.substr(1, h.size() - 2) : "");
        if (inet_pton(AF_INET6, inner.c_str(), &v6) != 1) return out;
        h = h.substr(1, h.size() - 2);
    }
    std::vector<std::string> addrs = dns_resolve(h);
    for (const std::string& s : addrs) {
        sockaddr_storage a{};
        auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
        if (inet_pton(AF_INET, s.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(static_cast<uint16_t>(port));
        } else if (inet_pton(AF_INET6, s.c_str(), &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(static_cast<uint16_t>(port));
        } else {
            continue;
        }
        out.push_back(a);
    }
    return out;
}

// ---- configuration, introspection, test hooks -------------------------------------------

size_t parse_dns_workers(const char* v) {
    if (!v || !*v) return kDefaultWorkers;
    errno = 0;
    char* end = nullptr;
    unsigned long long n = *v >= '0' && *v <= '9' ? std::strtoull(v, &end, 10) : 0;
    if (!end || *end != '\0' || errno != 0) {
        warn("SEQ_DNS_WORKERS='%s' is not a number, using default %zu", v, kDefaultWorkers);
        return kDefaultWorkers;
    }
    // As upstream: 0 means "unset" (lookups must run somewhere), and the
    // pool is capped rather than refused.
    if (n == 0) return kDefaultWorkers;
    return n > kMaxWorkers ? kMaxWorkers : static_cast<size_t>(n);
}

DnsStats dns_stats() {
    Dns& d = dns();
    std::lock_guard<std::mutex> lock(d.mu);
    DnsStats st;
    st.lookups = d.lookups;
    st.cache_hits = d.cache_hits;
    st.joined = d.joined;
    st.running = d.running;
    st.max_running = d.max_running;
    st.queued = d.queued.size();
    for (auto& [name, f] : d.flights)
        st.waiting += f->waiters.size();
    st.cached = d.cache.size();
    st.workers = d.limit;
    return st;
}

void dns_clear_cache() {
    Dns& d = dns();
    std::lock_guard<std::mutex> lock(d.mu);
    d.cache.clear();
}

void dns_set_cache_ttl(std::chrono::milliseconds ttl) {
    Dns& d = dns();
    std::lock_guard<std::mutex> lock(d.mu);
    d.ttl = ttl;
}

void dns_hold_queries(bool hold) {
    Dns& d = dns();
    {
        std::lock_guard<std::mutex> lock(d.mu);
        d.held = hold;
        if (hold || d.queued.empty()) return;
    }
    // Queued queries start on some worker's loop: run the pump in a strand.
    auto start = [&d] {
        std::lock_guard<std::mutex> lock(d.mu);
        sync_instance(d);
        pump(d, current_loop());
        return true;
    };
    if (current_strand())
        start();
    else
        call_in_strand("dns", start);
}

}  // namespace seq
