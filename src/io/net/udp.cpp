#include "io/net/udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "io/in_strand.hpp"
#include "io/net/dns.hpp"
#include "io/net/socket_table.hpp"
#include "io/net/tcp.hpp"
#include "io/uv_bridge.hpp"

namespace seq {

namespace {

using net::Protocol;
using net::SocketTable;

// One datagram at most: the UDP length field is 16 bits, so nothing larger
// can arrive and a datagram is never cut (upstream's MAX_READ_SIZE too).
constexpr size_t kRecvBuffer = 65536;

// A strand parked in receive-from; lives on its stack. Owner thread only
// (the strand is pinned to the socket's loop while it waits).
struct Receiver {
    Strand* strand = nullptr;
    bool done = false;
    UdpDatagram result;
};

struct UdpSocket {
    explicit UdpSocket(Worker* o) : owner(o) {}
    Worker* const owner;
    // Everything below: owner thread only.
    uv_udp_t handle;
    int family = AF_INET;      // of the bound address
    uint32_t users = 0;        // strands inside an operation on this record
    bool handle_open = false;  // initialised, close callback not yet run
    bool closed = false;       // udp_close ran (or the socket never got an id)
    bool receiving = false;
    std::deque<Receiver*> receivers;  // FIFO
    size_t senders = 0;
};

struct Udp {
    // Which scheduler instance the state below belongs to (workers and
    // their loops are recreated by each scheduler_init).
    std::mutex reset_mu;
    std::atomic<Scheduler*> sched{nullptr};
    std::atomic<uint64_t> start_ns{0};

    SocketTable* table = nullptr;  // TCP's, shared
    std::string bind_addr = "0.0.0.0";
    // Each loop's receive buffer (its owner thread only): one suffices, a
    // datagram is copied out in the callback that read it.
    std::unique_ptr<std::unique_ptr<char[]>[]> rbuf;

    std::mutex reg_mu;
    std::unordered_set<UdpSocket*> records;  // every record, for restarts

    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> table_full{0};
    std::atomic<uint64_t> migrate_retries{0};
};

// Never destroyed: worker threads may use it while static destructors run.
Udp& storage() {
    static auto* m = new Udp;
    return *m;
}

Udp& mod() {
    Udp& m = storage();
    Scheduler& s = scheduler();
    if (m.sched.load(std::memory_order_acquire) == &s &&
        m.start_ns.load(std::memory_order_relaxed) == s.start_ns)
        return m;
    std::lock_guard<std::mutex> lock(m.reset_mu);
    if (m.sched.load(std::memory_order_relaxed) == &s &&
        m.start_ns.load(std::memory_order_relaxed) == s.start_ns)
        return m;
    // TCP's state first: it resets the shared table for this scheduler
    // (once), so nothing inserted below can be wiped by it later.
    m.table = &net::shared_socket_table();
    m.bind_addr = net::bind_address();
    {
        // The previous scheduler's shutdown closed every handle.
        std::lock_guard<std::mutex> reg(m.reg_mu);
        for (UdpSocket* r : m.records)
            delete r;
        m.records.clear();
    }
    m.rbuf.reset(new std::unique_ptr<char[]>[s.workers.size()]);
    m.received.store(0, std::memory_order_relaxed);
    m.sent.store(0, std::memory_order_relaxed);
    m.table_full.store(0, std::memory_order_relaxed);
    m.migrate_retries.store(0, std::memory_order_relaxed);
    m.start_ns.store(s.start_ns, std::memory_order_relaxed);
    m.sched.store(&s, std::memory_order_release);
    return m;
}

void maybe_free(UdpSocket* s) {
    if (!s->closed || s->handle_open || s->users) return;
    Udp& m = storage();
    {
        std::lock_guard<std::mutex> lock(m.reg_mu);
        m.records.erase(s);
    }
    delete s;
}

void on_closed(uv_handle_t* h) {
    auto* s = static_cast<UdpSocket*>(h->data);
    s->handle_open = false;
    maybe_free(s);
}

void close_socket(UdpSocket* s) {
    s->closed = true;
    while (!s->receivers.empty()) {
        Receiver* r = s->receivers.front();
        s->receivers.pop_front();
        r->done = true;  // result stays the failure
        wake(r->strand);
    }
    // Pending sends complete with UV_ECANCELED before the close callback.
    uv_close(reinterpret_cast<uv_handle_t*>(&s->handle), on_closed);
}

// The UDP socket `id` names, with the current strand moved to its owner
// worker and pinned there; the record stays alive until the Use ends.
class Use {
  public:
    Use(Udp& m, int64_t id) {
        for (;;) {
            Worker* owner = m.table->owner_of(id, Protocol::Udp);
            if (!owner) return;
            run_on_owner(owner);
            // Donation may hand a migrating strand on before it runs on the
            // target (it is not pinned yet): then it moves again.
            if (current_worker() != owner) {
                m.migrate_retries.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            if (void* p = m.table->get_any(id, owner, Protocol::Udp)) {
                pin_.emplace();
                s_ = static_cast<UdpSocket*>(p);
                ++s_->users;
                return;
            }
            // Closed meanwhile: owner_of now says so.
        }
    }
    ~Use() {
        if (!s_) return;
        --s_->users;
        maybe_free(s_);
        pin_.reset();
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

    // The socket, or null when `id` names no open UDP socket.
    UdpSocket* get() const { return s_ && !s_->closed ? s_ : nullptr; }

  private:
    UdpSocket* s_ = nullptr;
    std::optional<LoopPin> pin_;
};

// ---- receiving ------------------------------------------------------------------------

void on_alloc(uv_handle_t* h, size_t, uv_buf_t* out) {
    auto* s = static_cast<UdpSocket*>(h->data);
    auto& buf = storage().rbuf[s->owner->index];
    if (!buf) buf.reset(new char[kRecvBuffer]);
    *out = uv_buf_init(buf.get(), kRecvBuffer);
}

void stop_receiving(UdpSocket* s) {
    if (!s->receiving) return;
    uv_udp_recv_stop(&s->handle);
    s->receiving = false;
}

void on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* addr, unsigned) {
    if (nread == 0 && !addr) return;  // the socket had nothing after all
    auto* s = static_cast<UdpSocket*>(h->data);
    if (s->receivers.empty()) {
        // Not reached: reading stops when the last receiver is served.
        stop_receiving(s);
        return;
    }
    Receiver* r = s->receivers.front();
    s->receivers.pop_front();
    if (nread >= 0 && addr) {
        // A datagram cut to the buffer (UV_UDP_PARTIAL) cannot happen, see
        // kRecvBuffer; were it to, its first bytes would be returned, as
        // recvfrom gives them upstream.
        size_t n = static_cast<size_t>(nread);
        StringObj* str = alloc_string(n);
        if (n) std::memcpy(str->inline_bytes, buf->base, n);
        r->result.bytes = from_heap(str);
        // A dual-stack socket (SEQ_BIND_ADDR=::) sees IPv4 peers as
        // ::ffff:a.b.c.d; they are reported, and answered, as a.b.c.d.
        r->result.host = address_string(addr, true);
        r->result.port = address_port(addr);
        r->result.ok = true;
        storage().received.fetch_add(1, std::memory_order_relaxed);
    }
    // nread < 0: a receive error fails this receiver (as upstream's
    // recv_from error does); the next one reads on.
    r->done = true;
    wake(r->strand);
    // With nobody waiting, datagrams wait in the kernel's buffer.
    if (s->receivers.empty()) stop_receiving(s);
}

bool start_receiving(UdpSocket* s) {
    if (s->receiving) return true;
    if (uv_udp_recv_start(&s->handle, on_alloc, on_recv) < 0) return false;
    s->receiving = true;
    return true;
}

// ---- sending --------------------------------------------------------------------------

// 0 when sent, else a libuv error (UV_ECANCELED: closed while queued).
int send_one(Udp& m, UdpSocket* s, const uv_buf_t& b, const sockaddr* addr) {
    // Most datagrams fit the socket buffer: sent without a callback or park.
    int r = uv_udp_try_send(&s->handle, &b, 1, addr);
    if (r >= 0) {
        m.sent.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }
    if (r != UV_EAGAIN) return r;
    // The kernel's buffer is full (or sends are queued before us): queue it.
    uv_udp_send_t req;
    UvWaiter w(ParkReason::UdpSend);
    req.data = &w;
    r = uv_udp_send(&req, &s->handle, &b, 1, addr, [](uv_udp_send_t* rq, int status) {
        static_cast<UvWaiter*>(rq->data)->complete(status);
    });
    if (r == 0) {
        ++s->senders;
        r = w.wait();
        --s->senders;
    }
    if (r == 0) m.sent.fetch_add(1, std::memory_order_relaxed);
    return r;
}

bool parse_bind_addr(const std::string& host, int port, sockaddr_storage* out) {
    std::memset(out, 0, sizeof *out);
    auto* v4 = reinterpret_cast<sockaddr_in*>(out);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
        return true;
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
        return true;
    }
    return false;
}

// An IPv4 destination as the IPv4-mapped IPv6 address an IPv6 socket takes
// (a dual-stack socket, SEQ_BIND_ADDR=::, reaches IPv4 peers this way on
// every kernel; one bound to ::1 just fails and the next address is tried).
void map_v4(sockaddr_storage* a) {
    sockaddr_in v4;
    std::memcpy(&v4, a, sizeof v4);
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = v4.sin_port;
    v6.sin6_addr.s6_addr[10] = 0xff;
    v6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&v6.sin6_addr.s6_addr[12], &v4.sin_addr, 4);
    std::memset(a, 0, sizeof *a);
    std::memcpy(a, &v6, sizeof v6);
}

int64_t local_port(UdpSocket* s) {
    sockaddr_storage a{};
    int len = sizeof a;
    if (uv_udp_getsockname(&s->handle, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
    return address_port(reinterpret_cast<sockaddr*>(&a));
}

}  // namespace

// ---- the words ------------------------------------------------------------------------

UdpBindResult udp_bind(int64_t port) {
    if (!current_strand()) return call_in_strand("udp.bind", [&] { return udp_bind(port); });
    if (port < 0 || port > 65535) return {};
    Udp& m = mod();
    sockaddr_storage a;
    if (!parse_bind_addr(m.bind_addr, static_cast<int>(port), &a)) return {};
    Worker* w = current_worker();
    auto* s = new UdpSocket(w);
    {
        std::lock_guard<std::mutex> lock(m.reg_mu);
        m.records.insert(s);
    }
    if (uv_udp_init(&w->loop, &s->handle) != 0) {
        s->closed = true;
        maybe_free(s);
        return {};
    }
    s->handle.data = s;
    s->handle_open = true;
    s->family = a.ss_family;
    int64_t bound = 0;
    if (uv_udp_bind(&s->handle, reinterpret_cast<const sockaddr*>(&a), 0) != 0 ||
        (bound = local_port(s)) == 0) {
        close_socket(s);  // freed by the close callback
        return {};
    }
    int64_t id = m.table->insert_any(s, w, Protocol::Udp);
    if (id == 0) {
        m.table_full.fetch_add(1, std::memory_order_relaxed);
        close_socket(s);
        return {};
    }
    return {id, bound, true};
}

bool udp_send_to(int64_t id, std::string_view host, int64_t port, std::string_view bytes) {
    if (!current_strand())
        return call_in_strand("udp.send-to", [&] { return udp_send_to(id, host, port, bytes); });
    if (port < 0 || port > 65535 || host.empty()) return false;
    Udp& m = mod();
    Use u(m, id);
    if (!u.get()) return false;
    // May park (a name to look up); the socket may be closed meanwhile.
    std::vector<sockaddr_storage> addrs = dns_resolve_endpoints(host, static_cast<int>(port));
    uv_buf_t b = uv_buf_init(const_cast<char*>(bytes.data()), 0);
    b.len = bytes.size();
    // UDP has no handshake: a failure here is local, usually an address
    // family the socket cannot reach (::1 from an IPv4 socket), so the next
    // address may well work (upstream walks the list the same way).
    for (sockaddr_storage a : addrs) {
        UdpSocket* s = u.get();
        if (!s) return false;
        if (s->family == AF_INET6 && a.ss_family == AF_INET) map_v4(&a);
        int r = send_one(m, s, b, reinterpret_cast<const sockaddr*>(&a));
        if (r == 0) return true;
        if (r == UV_ECANCELED) return false;
    }
    return false;
}

UdpDatagram udp_receive_from(int64_t id) {
    if (!current_strand())
        return call_in_strand("udp.receive-from", [&] { return udp_receive_from(id); });
    Udp& m = mod();
    Use u(m, id);
    UdpSocket* s = u.get();
    if (!s) return {};
    Receiver r;
    r.strand = current_strand();
    s->receivers.push_back(&r);
    if (!start_receiving(s)) {
        s->receivers.pop_back();
        return {};
    }
    while (!r.done)
        park(ParkReason::UdpReceive);
    return r.result;
}

bool udp_close(int64_t id) {
    if (!current_strand()) return call_in_strand("udp.close", [&] { return udp_close(id); });
    Udp& m = mod();
    Use u(m, id);
    UdpSocket* s = u.get();
    if (!s) return false;
    m.table->remove(id);
    close_socket(s);
    return true;
}

UdpSocketInfo udp_socket_info(int64_t id) {
    if (!current_strand()) return call_in_strand("udp", [&] { return udp_socket_info(id); });
    Udp& m = mod();
    Use u(m, id);
    UdpSocketInfo info;
    UdpSocket* s = u.get();
    if (!s) return info;
    info.valid = true;
    info.owner = s->owner->index;
    info.receivers = s->receivers.size();
    info.senders = s->senders;
    info.port = local_port(s);
    return info;
}

UdpStats udp_stats() {
    Udp& m = mod();
    UdpStats st;
    st.live = m.table->live(Protocol::Udp);
    st.capacity = m.table->capacity();
    st.received = m.received.load(std::memory_order_relaxed);
    st.sent = m.sent.load(std::memory_order_relaxed);
    st.table_full = m.table_full.load(std::memory_order_relaxed);
    st.migrate_retries = m.migrate_retries.load(std::memory_order_relaxed);
    return st;
}

}  // namespace seq
