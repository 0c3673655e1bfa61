#include "io/net/host_tcp.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <string_view>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "io/host.hpp"
#include "io/net/dns.hpp"
#include "io/net/tcp.hpp"

namespace seq::host {

namespace {

// Every call: the words would start the scheduler lazily, and abort on a
// worker thread outside a strand; the host API reports both instead.
int precheck() {
    if (!scheduler_running()) return kENotRunning;
    if (on_bare_worker()) return kENotStrand;
    return kOk;
}

bool table_full() {
    TcpStats st = tcp_stats();
    return st.live >= st.capacity;
}

bool numeric_host(std::string h) {
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    unsigned char tmp[sizeof(in6_addr)];
    return inet_pton(AF_INET, h.c_str(), tmp) == 1 || inet_pton(AF_INET6, h.c_str(), tmp) == 1;
}

// Whether `host` names any address. Asked only after a listen or connect
// failed, to tell a bad name from a refused connection. Through the DNS
// module: a strand parks, a host thread waits for a helper strand.
bool resolves(const char* host) {
    return numeric_host(host) || !dns_resolve(host).empty();
}

// After a failed operation on `id`: was it a bad id, or something else?
bool is_open(int64_t id, bool listener) {
    TcpSocketInfo info = tcp_socket_info(id);
    return info.valid && info.listener == listener;
}

}  // namespace

int tcp_listen(const char* host, int port, int64_t* out) {
    if (!out || (host && !*host) || port < 0 || port > 65535) return kEInval;
    if (int r = precheck()) return r;
    // host NULL: the word's default address (SEQ_BIND_ADDR).
    TcpResult res = seq::tcp_listen(host ? std::string_view(host) : std::string_view(), port);
    if (res.ok) {
        *out = res.value;
        return kOk;
    }
    if (table_full()) return kELimit;
    if (host && !resolves(host)) return kENotFound;
    return kEAddr;
}

int tcp_accept(int64_t listener, int64_t* out) {
    if (!out) return kEInval;
    if (int r = precheck()) return r;
    TcpResult res = seq::tcp_accept(listener);
    if (res.ok) {
        *out = res.value;
        return kOk;
    }
    if (!is_open(listener, true)) return kEBadHandle;
    // The listener is fine: the connection was refused for want of a slot.
    return table_full() ? kELimit : kEIo;
}

int tcp_connect(const char* host, int port, int64_t* out) {
    if (!out || !host || !*host || port < 1 || port > 65535) return kEInval;
    if (int r = precheck()) return r;
    TcpResult res = seq::tcp_connect(host, port);
    if (res.ok) {
        *out = res.value;
        return kOk;
    }
    if (table_full()) return kELimit;
    if (!resolves(host)) return kENotFound;
    return kEConnRefused;
}

int64_t tcp_read(int64_t s, void* buf, size_t cap) {
    if (!buf || cap == 0) return kEInval;
    if (int r = precheck()) return r;
    int64_t n = tcp_read_bytes(s, buf, cap);
    if (n >= 0) return n;
    if (n == kTcpNotStream) return kEBadHandle;
    return n == UV_ECONNRESET ? kEConnReset : kEIo;
}

int tcp_write(int64_t s, const void* buf, size_t len) {
    if (!buf && len) return kEInval;
    if (int r = precheck()) return r;
    if (seq::tcp_write(s, std::string_view(static_cast<const char*>(buf), len))) return kOk;
    return is_open(s, false) ? kEIo : kEBadHandle;
}

int tcp_close(int64_t s) {
    if (int r = precheck()) return r;
    return seq::tcp_close(s) ? kOk : kEBadHandle;
}

int tcp_local_port(int64_t s) {
    if (int r = precheck()) return r;
    TcpResult res = seq::tcp_local_port(s);
    return res.ok ? static_cast<int>(res.value) : kEBadHandle;
}

}  // namespace seq::host
