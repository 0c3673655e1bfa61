#include "io/net/tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sys/env_number.hpp"
#include "io/blocking.hpp"
#include "io/net/transport.hpp"

namespace seq {

namespace {

constexpr uint64_t kDefaultHandshakeTimeoutMs = 10000;
constexpr uint64_t kMaxHandshakeTimeoutMs = uint64_t{1} << 31;  // ~24 days
constexpr size_t kReadChunk = 16 * 1024;                        // one TLS record's plaintext

struct Counters {
    std::atomic<uint64_t> established{0};
    std::atomic<uint64_t> verify_failures{0};
    std::atomic<uint64_t> failures{0};
    std::atomic<uint64_t> peer_closed{0};
    std::atomic<uint64_t> timeouts{0};
    void reset() {
        for (auto* c : {&established, &verify_failures, &failures, &peer_closed, &timeouts})
            c->store(0, std::memory_order_relaxed);
    }
};

// The client configuration, one per scheduler instance: like the TCP
// module's settings it is rebuilt on the first use after a scheduler_init,
// so the environment (SSL_CERT_FILE, the timeout) is read again then.
struct Trust {
    std::mutex mu;
    Scheduler* sched = nullptr;  // the instance ctx and timeout_ms belong to
    uint64_t start_ns = 0;
    uint64_t generation = 0;  // bumped by every rebuild: a stale load is dropped
    SSL_CTX* ctx = nullptr;
    bool loading = false;  // a strand is building ctx on the thread pool
    std::vector<Strand*> waiting;
    std::atomic<uint64_t> timeout_ms{0};
    Counters counters;
};

// Never destroyed: sessions may be freed while static destructors run.
Trust& trust() {
    static auto* t = new Trust;
    return *t;
}

void refresh_locked(Trust& t) {
    Scheduler& s = scheduler();
    if (t.sched == &s && t.start_ns == s.start_ns) return;
    // Sessions of the previous instance hold their own references.
    if (t.ctx) SSL_CTX_free(t.ctx);
    t.ctx = nullptr;
    t.loading = false;
    t.waiting.clear();  // strands of the previous instance were abandoned
    ++t.generation;
    t.sched = &s;
    t.start_ns = s.start_ns;
    t.timeout_ms.store(parse_tls_handshake_timeout(std::getenv("SEQ_TLS_HANDSHAKE_TIMEOUT_MS")),
                       std::memory_order_relaxed);
    t.counters.reset();
}

SSL_CTX* build_ctx() {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (!c) {
        ERR_clear_error();
        return nullptr;
    }
    // What rustls (upstream) offers: TLS 1.2 and 1.3, no renegotiation.
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    // Idle connections (a server holding thousands) keep no record buffers.
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    // The system store (Debian: ca-certificates' bundle and hashed
    // directory), or SSL_CERT_FILE / SSL_CERT_DIR when set: OpenSSL reads
    // both variables here. A store that cannot be read stays empty, so every
    // verification fails: the safe outcome.
    SSL_CTX_set_default_verify_paths(c);
    ERR_clear_error();
    return c;
}

// A reference to the client configuration (the caller frees it), or null.
// Reading the CA bundle parses a few hundred certificates from a file, so
// the first caller after a (re)start does it on the thread pool while its
// strand parks; strands that want it meanwhile park until it is there.
SSL_CTX* acquire_ctx(uint64_t* timeout_ms) {
    Trust& t = trust();
    std::unique_lock<std::mutex> lock(t.mu);
    refresh_locked(t);
    *timeout_ms = t.timeout_ms.load(std::memory_order_relaxed);
    while (!t.ctx && t.loading) {
        t.waiting.push_back(current_strand());
        lock.unlock();
        park(ParkReason::ThreadPool);  // permit semantics: an early wake is not lost
        lock.lock();
        refresh_locked(t);
    }
    if (!t.ctx) {
        t.loading = true;
        uint64_t gen = t.generation;
        lock.unlock();
        SSL_CTX* built = run_blocking([] { return build_ctx(); });
        lock.lock();
        if (t.generation != gen) {  // the scheduler was restarted meanwhile
            if (built) SSL_CTX_free(built);
            return nullptr;
        }
        t.ctx = built;  // null (out of memory): the next caller tries again
        t.loading = false;
        std::vector<Strand*> waiters;
        waiters.swap(t.waiting);
        SSL_CTX* mine = t.ctx;
        if (mine) SSL_CTX_up_ref(mine);
        lock.unlock();
        for (Strand* s : waiters)
            wake(s);
        return mine;
    }
    SSL_CTX_up_ref(t.ctx);
    return t.ctx;
}

// ---- the session ----------------------------------------------------------------

// A client session on two memory BIOs: `in_` holds ciphertext the stream's
// loop read and the session has not consumed yet, `out_` what the session
// produced and the stream has not sent yet. OpenSSL's error queue is
// per thread; every call clears it first (SSL_get_error reads it) and after
// a failure (so nothing leaks into the next call on this worker).
class TlsSession final : public net::Transport {
  public:
    TlsSession(SSL* ssl, BIO* in, BIO* out, Counters* counters)
        : ssl_(ssl), in_(in), out_(out), counters_(counters) {}
    ~TlsSession() override { SSL_free(ssl_); }  // frees the BIOs too
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    Status input(const char* p, size_t n, std::string& plain) override {
        if (failed_) return Status::Failed;
        ERR_clear_error();
        if (n && BIO_write(in_, p, static_cast<int>(n)) != static_cast<int>(n)) return fail();
        if (!established_) {
            int r = SSL_do_handshake(ssl_);
            if (r != 1) {
                int e = SSL_get_error(ssl_, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::Ok;
                return fail();
            }
            established_ = true;
            counters_->established.fetch_add(1, std::memory_order_relaxed);
        }
        // Application data (also whatever came in the handshake's last flight).
        for (;;) {
            size_t old = plain.size();
            plain.resize(old + kReadChunk);
            size_t got = 0;
            int r = SSL_read_ex(ssl_, plain.data() + old, kReadChunk, &got);
            plain.resize(old + got);
            if (r == 1) continue;
            int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_READ) return Status::Ok;
            if (e == SSL_ERROR_ZERO_RETURN) {
                ERR_clear_error();
                return Status::End;
            }
            return fail();
        }
    }

    void take_output(std::string& wire) override {
        size_t n = BIO_ctrl_pending(out_);
        if (n == 0) return;
        size_t old = wire.size();
        wire.resize(old + n);
        int got = BIO_read(out_, wire.data() + old, static_cast<int>(n));
        wire.resize(old + (got > 0 ? static_cast<size_t>(got) : 0));
    }

    bool encode(std::string_view plain, std::string& wire) override {
        if (!established_ || failed_) return false;
        take_output(wire);
        ERR_clear_error();
        size_t written = 0;
        // A memory BIO takes everything: SSL_write_ex writes all records.
        if (SSL_write_ex(ssl_, plain.data(), plain.size(), &written) != 1 ||
            written != plain.size()) {
            fail();
            return false;
        }
        take_output(wire);
        return true;
    }

    bool established() const override { return established_; }

    void shutdown() override {
        if (!established_ || failed_) return;
        ERR_clear_error();
        SSL_shutdown(ssl_);  // queues close_notify; we do not wait for the peer's
        ERR_clear_error();
    }

  private:
    Status fail() {
        if (!established_) {
            // The certificate or the name was refused (the verify result
            // says which; it stays X509_V_OK for every other failure).
            if (SSL_get_verify_result(ssl_) != X509_V_OK)
                counters_->verify_failures.fetch_add(1, std::memory_order_relaxed);
            else
                counters_->failures.fetch_add(1, std::memory_order_relaxed);
        }
        failed_ = true;
        ERR_clear_error();
        return Status::Failed;
    }

    SSL* ssl_;
    BIO* in_;
    BIO* out_;
    Counters* counters_;
    bool established_ = false;
    bool failed_ = false;
};

// A session for `host`, or null when one cannot be set up (no memory, a
// name OpenSSL refuses: an embedded NUL, an SNI name over 255 bytes).
std::unique_ptr<TlsSession> new_session(SSL_CTX* ctx, std::string name, Counters* counters) {
    // "[::1]" as tcp_connect accepts it.
    if (name.size() > 2 && name.front() == '[' && name.back() == ']')
        name = name.substr(1, name.size() - 2);
    if (name.empty() || name.find('\0') != std::string::npos) return nullptr;
    SSL* ssl = SSL_new(ctx);
    if (!ssl) return nullptr;
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    if (!in || !out) {
        BIO_free(in);
        BIO_free(out);
        SSL_free(ssl);
        return nullptr;
    }
    BIO_set_mem_eof_return(in, -1);  // empty means "wait for more", not EOF
    SSL_set_bio(ssl, in, out);       // the session owns both now
    auto session = std::make_unique<TlsSession>(ssl, in, out, counters);
    SSL_set_connect_state(ssl);
    in6_addr addr;
    bool ip = inet_pton(AF_INET, name.c_str(), &addr) == 1 ||
              inet_pton(AF_INET6, name.c_str(), &addr) == 1;
    bool ok;
    if (ip) {
        // An address is checked against the certificate's IP entries, and
        // never sent as SNI (RFC 6066 allows host names only).
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
    } else {
        // As webpki (upstream): names come from the SAN only, never from
        // the subject's CN, and no partial wildcards ("f*.example.com").
        SSL_set_hostflags(
            ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
        ok = SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 &&
             SSL_set1_host(ssl, name.c_str()) == 1;
    }
    ERR_clear_error();
    if (!ok) return nullptr;
    return session;
}

}  // namespace

uint64_t parse_tls_handshake_timeout(const char* v) {
    return env_number_in_range("SEQ_TLS_HANDSHAKE_TIMEOUT_MS", v, 1, kMaxHandshakeTimeoutMs,
                               kDefaultHandshakeTimeoutMs);
}

bool tls_client(int64_t id, std::string_view host) {
    // As upstream: an empty host fails before the socket is looked at.
    if (host.empty()) return false;
    Trust& t = trust();
    std::string name(host);
    net::TransportOutcome out = net::tcp_start_transport(id, [&] {
        net::TransportStart start;
        SSL_CTX* ctx = acquire_ctx(&start.timeout_ms);
        if (ctx) {
            start.transport = new_session(ctx, name, &t.counters);
            SSL_CTX_free(ctx);  // the session holds its own reference
        }
        if (!start.transport) t.counters.failures.fetch_add(1, std::memory_order_relaxed);
        return start;
    });
    switch (out) {
        case net::TransportOutcome::Established:
            return true;
        case net::TransportOutcome::PeerClosed:
            t.counters.peer_closed.fetch_add(1, std::memory_order_relaxed);
            return false;
        case net::TransportOutcome::TimedOut:
            t.counters.timeouts.fetch_add(1, std::memory_order_relaxed);
            return false;
        default:  // Failed is counted by the session, the rest is not a handshake
            return false;
    }
}

TlsStats tls_stats() {
    Trust& t = trust();
    std::lock_guard<std::mutex> lock(t.mu);
    refresh_locked(t);
    TlsStats st;
    st.established = t.counters.established.load(std::memory_order_relaxed);
    st.verify_failures = t.counters.verify_failures.load(std::memory_order_relaxed);
    st.failures = t.counters.failures.load(std::memory_order_relaxed);
    st.peer_closed = t.counters.peer_closed.load(std::memory_order_relaxed);
    st.timeouts = t.counters.timeouts.load(std::memory_order_relaxed);
    st.handshake_timeout_ms = t.timeout_ms.load(std::memory_order_relaxed);
    return st;
}

}  // namespace seq
