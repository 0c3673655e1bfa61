// TLS client words against local TLS servers on 127.0.0.1 (ephemeral ports),
// run in this process by threads using OpenSSL's own blocking API, so the
// peer is independent of the code under test.
//
// Certificates are generated at test time with the OpenSSL API: a test CA
// (trusted), a second CA nobody trusts, and leaves for "localhost" and
// 127.0.0.1 (good, expired, self-signed, from the unknown CA). Nothing is
// committed, nothing touches the network. The client trusts the test CA the
// way a user would: SSL_CERT_FILE names a temporary PEM file holding it
// (OpenSSL reads the variable when the runtime builds its configuration, on
// the first tls_client after each scheduler_init). No internal test hook.
//
// Every wait is bounded: servers use socket timeouts and close, so a client
// read always ends; no check depends on how long something took.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/net/tcp.hpp"
#include "io/net/tls.hpp"
#include "seq/runtime_tcp.h"
#include "seq/runtime_tls.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::wait_until;

#if defined(SEQ_TSAN) || defined(SEQ_ASAN)
constexpr int kServerTimeoutS = 60;  // sanitizers: more patience, same checks
#else
constexpr int kServerTimeoutS = 20;
#endif

// ---- certificates ---------------------------------------------------------------

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

struct Identity {
    Key key;
    Cert cert;
};

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
    ASSERT_NE(e, nullptr) << value;
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

// A certificate for `cn` valid from `from_s` to `to_s` seconds from now,
// signed by `issuer` (null: self-signed).
Identity make_identity(const char* cn, const Identity* issuer, bool ca, const char* san,
                       long from_s = -3600, long to_s = 86400) {
    static std::atomic<long> serial{1};
    Identity id;
    id.key.reset(EVP_EC_gen("P-256"));
    X509* x = X509_new();
    id.cert.reset(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, id.key.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : x, x, nullptr, nullptr, 0);
    add_ext(x, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, &ctx, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (!ca) add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
    if (san) add_ext(x, &ctx, NID_subject_alt_name, san);
    X509_sign(x, issuer ? issuer->key.get() : id.key.get(), EVP_sha256());
    return id;
}

struct Pki {
    Identity ca, other_ca, good, expired, self_signed, unknown_ca, cn_only;
    std::string ca_file;
};

Pki* pki = nullptr;

constexpr const char* kSan = "DNS:localhost,IP:127.0.0.1";

void make_pki() {
    pki = new Pki;
    pki->ca = make_identity("seq test CA", nullptr, true, nullptr);
    pki->other_ca = make_identity("untrusted CA", nullptr, true, nullptr);
    pki->good = make_identity("localhost", &pki->ca, false, kSan);
    pki->expired = make_identity("localhost", &pki->ca, false, kSan, -2 * 86400, -86400);
    pki->self_signed = make_identity("localhost", nullptr, false, kSan);
    pki->unknown_ca = make_identity("localhost", &pki->other_ca, false, kSan);
    pki->cn_only = make_identity("localhost", &pki->ca, false, nullptr);  // no SAN
    char path[] = "/tmp/seq-tls-test-ca-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    FILE* f = fdopen(fd, "w");
    PEM_write_X509(f, pki->ca.cert.get());
    fclose(f);
    pki->ca_file = path;
}

// ---- servers (threads on OpenSSL's blocking API) --------------------------------------

enum class Mode {
    Echo,       // handshake, echo until the client ends the session
    Greet,      // handshake, send a greeting, end the session (close_notify)
    Silent,     // accept and never answer (until released)
    HangUp,     // read the ClientHello, then close
    Plaintext,  // answer the ClientHello with an HTTP error, as a non-TLS server
};

struct ServerOptions {
    const Identity* id = nullptr;
    Mode mode = Mode::Echo;
    int max_version = 0;  // 0: OpenSSL's default (TLS 1.3)
    std::string banner;   // sent in plaintext before the handshake (STARTTLS-like)
};

ServerOptions opts(const Identity* id, Mode mode, int max_version = 0) {
    ServerOptions o;
    o.id = id;
    o.mode = mode;
    o.max_version = max_version;
    return o;
}

class Server {
  public:
    explicit Server(ServerOptions o) : opt_(std::move(o)) {
        lfd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        EXPECT_EQ(bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(listen(lfd_, 64), 0);
        socklen_t len = sizeof a;
        getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        ctx_ = SSL_CTX_new(TLS_server_method());
        if (opt_.id) {
            SSL_CTX_use_certificate(ctx_, opt_.id->cert.get());
            SSL_CTX_use_PrivateKey(ctx_, opt_.id->key.get());
        }
        if (opt_.max_version) SSL_CTX_set_max_proto_version(ctx_, opt_.max_version);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~Server() {
        stop_ = true;
        release();
        acceptor_.join();
        for (auto& t : handlers_)
            t.join();
        close(lfd_);
        SSL_CTX_free(ctx_);
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    int port() const { return port_; }
    // Lets Silent connections go (they close).
    void release() { released_ = true; }
    int accepted() const { return accepted_.load(); }
    int handshakes() const { return handshakes_.load(); }
    // Sessions the client ended with close_notify.
    int close_notifies() const { return close_notifies_.load(); }
    // Connections whose client closed the TCP stream (seen by Silent/HangUp).
    int client_closed() const { return client_closed_.load(); }
    int finished() const { return finished_.load(); }

  private:
    void accept_loop() {
        while (!stop_) {
            pollfd p{lfd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            int fd = accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            ++accepted_;
            timeval tv{kServerTimeoutS, 0};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            handlers_.emplace_back([this, fd] {
                serve(fd);
                close(fd);
                ++finished_;
            });
        }
    }

    // Waits (bounded) for the client to close; true if it did.
    bool wait_client_close(int fd, bool until_released) {
        char buf[4096];
        for (int waited = 0; waited < kServerTimeoutS * 1000; waited += 10) {
            if (until_released && released_) return false;
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 10) <= 0) continue;
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return true;
        }
        return false;
    }

    void serve(int fd) {
        if (!opt_.banner.empty()) send(fd, opt_.banner.data(), opt_.banner.size(), MSG_NOSIGNAL);
        if (opt_.mode == Mode::Silent) {
            if (wait_client_close(fd, true)) ++client_closed_;
            return;
        }
        if (opt_.mode == Mode::HangUp || opt_.mode == Mode::Plaintext) {
            char buf[4096];
            ssize_t n = recv(fd, buf, sizeof buf, 0);  // the ClientHello
            if (n > 0 && opt_.mode == Mode::Plaintext) {
                std::string r = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
                send(fd, r.data(), r.size(), MSG_NOSIGNAL);
                if (wait_client_close(fd, false)) ++client_closed_;
            }
            return;
        }
        SSL* ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            ++handshakes_;
            if (opt_.mode == Mode::Greet) {
                std::string g = "hello from the server";
                SSL_write(ssl, g.data(), static_cast<int>(g.size()));
                SSL_shutdown(ssl);
            } else {
                char buf[16384];
                for (;;) {
                    int n = SSL_read(ssl, buf, sizeof buf);
                    if (n <= 0) {
                        if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) {
                            ++close_notifies_;
                            SSL_shutdown(ssl);
                        }
                        break;
                    }
                    if (SSL_write(ssl, buf, n) != n) break;
                }
            }
        } else if (wait_client_close(fd, false)) {
            ++client_closed_;  // the client refused us and hung up
        }
        SSL_free(ssl);
        ERR_clear_error();
    }

    ServerOptions opt_;
    int lfd_ = -1;
    int port_ = 0;
    SSL_CTX* ctx_ = nullptr;
    std::atomic<bool> stop_{false};
    std::atomic<bool> released_{false};
    std::atomic<int> accepted_{0}, handshakes_{0}, close_notifies_{0}, client_closed_{0},
        finished_{0};
    std::thread acceptor_;
    std::vector<std::thread> handlers_;  // acceptor thread only (joined after it)
};

// ---- the ABI, as compiled code calls it -------------------------------------------

struct IdFlag {
    int64_t id;
    bool ok;
};

IdFlag pop_id_flag(Stack sp, Stack base) {
    EXPECT_EQ(sp - base, 2) << "stack effect ( -- x Bool )";
    EXPECT_TRUE(is_int(sp[-2]));
    EXPECT_TRUE(is_bool(sp[-1]));
    return {int_of(sp[-2]), sp[-1] == kTrue};
}

IdFlag abi_connect(int port) {
    StackValue buf[8];
    Stack sp = push(buf, make_string("127.0.0.1"));
    sp = push(sp, make_int(port));
    sp = patch_seq_tcp_connect(sp);
    return pop_id_flag(sp, buf);
}

IdFlag abi_tls_values(StackValue sock, StackValue host) {
    StackValue buf[8];
    Stack sp = push(buf, sock);
    sp = push(sp, host);
    sp = patch_seq_tls_client(sp);
    return pop_id_flag(sp, buf);
}

IdFlag abi_tls(int64_t id, const std::string& host) {
    return abi_tls_values(make_int(id), make_string(host));
}

struct ReadResult {
    std::string data;
    bool ok;
};

ReadResult abi_read(int64_t id) {
    StackValue buf[8];
    Stack sp = push(buf, make_int(id));
    sp = patch_seq_tcp_read(sp);
    EXPECT_EQ(sp - buf, 2);
    ReadResult r{std::string(string_of(sp[-2])->view()), sp[-1] == kTrue};
    drop_value(sp[-2]);
    return r;
}

bool abi_write(int64_t id, const std::string& data) {
    StackValue buf[8];
    Stack sp = push(buf, make_string(data));
    sp = push(sp, make_int(id));
    sp = patch_seq_tcp_write(sp);
    return sp[-1] == kTrue;
}

bool abi_close(int64_t id) {
    StackValue buf[8];
    Stack sp = push(buf, make_int(id));
    sp = patch_seq_tcp_close(sp);
    return sp[-1] == kTrue;
}

// Reads until `n` bytes arrived (or the stream ended or failed).
std::string read_n(int64_t id, size_t n) {
    std::string got;
    while (got.size() < n) {
        ReadResult r = abi_read(id);
        if (!r.ok || r.data.empty()) break;
        got += r.data;
    }
    return got;
}

// ASCII (tcp_read returns text) that differs from position to position.
std::string pattern(size_t n, char salt = 'a') {
    std::string s(n, ' ');
    for (size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('!' + (i * 7 + static_cast<size_t>(salt)) % 90);
    return s;
}

// Connects to `port`, upgrades for `host`; the upgrade's result.
IdFlag connect_tls(int port, const std::string& host = "localhost") {
    IdFlag c = abi_connect(port);
    EXPECT_TRUE(c.ok);
    if (!c.ok) return {0, false};
    IdFlag t = abi_tls(c.id, host);
    if (t.ok) {
        EXPECT_EQ(t.id, c.id) << "the upgrade keeps the socket's id";
    } else {
        EXPECT_EQ(t.id, 0);
    }
    return t.ok ? t : IdFlag{c.id, false};  // the failed id, to check it is dead
}

// ---- fixtures --------------------------------------------------------------------------

// The trust file is set before each scheduler starts; the handshake timeout
// and the worker count per fixture.
// The certificates and the trust file, once for every suite of the binary.
class PkiEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        make_pki();
        setenv("SSL_CERT_FILE", pki->ca_file.c_str(), 1);
    }
    void TearDown() override {
        std::remove(pki->ca_file.c_str());
        unsetenv("SSL_CERT_FILE");
    }
};
[[maybe_unused]] ::testing::Environment* const pki_env =
    ::testing::AddGlobalTestEnvironment(new PkiEnvironment);

class TlsTest : public test::SchedulerTest {
  protected:
    virtual const char* timeout_ms() const { return nullptr; }
    virtual const char* workers() const { return nullptr; }
    void SetUp() override {
        if (timeout_ms())
            setenv("SEQ_TLS_HANDSHAKE_TIMEOUT_MS", timeout_ms(), 1);
        else
            unsetenv("SEQ_TLS_HANDSHAKE_TIMEOUT_MS");
        if (workers()) setenv("SEQ_WORKERS", workers(), 1);
        test::SchedulerTest::SetUp();
    }
    void TearDown() override {
        test::SchedulerTest::TearDown();
        unsetenv("SEQ_TLS_HANDSHAKE_TIMEOUT_MS");
        if (workers()) unsetenv("SEQ_WORKERS");
    }
};

class TlsTimeoutTest : public TlsTest {
  protected:
    const char* timeout_ms() const override { return "200"; }
};

// A deadline far beyond anything the test waits for: the first handshake
// must still be pending when the second client is done, however slow the
// machine (sanitizers, load).
class TlsOneWorkerTest : public TlsTest {
  protected:
    const char* workers() const override { return "1"; }
    const char* timeout_ms() const override { return "600000"; }
};

// ---- success ---------------------------------------------------------------------------

TEST_F(TlsTest, RoundTripBothWaysAndCloseNotify) {
    Server srv(opts(&pki->good, Mode::Echo));
    IdFlag t = connect_tls(srv.port());
    ASSERT_TRUE(t.ok);
    // Small, record-sized and many-record messages, each echoed back whole.
    for (size_t n : {size_t{1}, size_t{100}, size_t{16384}, size_t{16385}, size_t{300000}}) {
        std::string msg = pattern(n, static_cast<char>('a' + n % 26));
        ASSERT_TRUE(abi_write(t.id, msg)) << n;
        EXPECT_EQ(read_n(t.id, n), msg) << n;
    }
    EXPECT_TRUE(tcp_local_port(t.id).ok);  // still the same TCP socket underneath
    EXPECT_TRUE(abi_close(t.id));
    EXPECT_FALSE(abi_close(t.id));
    // close sent close_notify: the server saw a clean end of the session.
    EXPECT_TRUE(wait_until([&] { return srv.finished() == 1; }));
    EXPECT_EQ(srv.close_notifies(), 1);
    TlsStats st = tls_stats();
    EXPECT_EQ(st.established, 1u);
    EXPECT_EQ(st.handshake_timeout_ms, 10000u);
}

TEST_F(TlsTest, TlsOnePointTwoAndIpAddressHost) {
    Server srv(opts(&pki->good, Mode::Echo, TLS1_2_VERSION));
    IdFlag t = connect_tls(srv.port(), "127.0.0.1");  // checked as an IP address SAN
    ASSERT_TRUE(t.ok);
    ASSERT_TRUE(abi_write(t.id, "ping"));
    EXPECT_EQ(read_n(t.id, 4), "ping");
    EXPECT_TRUE(abi_close(t.id));
}

TEST_F(TlsTest, ServerEndsSessionCleanly) {
    Server srv(opts(&pki->good, Mode::Greet));
    IdFlag t = connect_tls(srv.port());
    ASSERT_TRUE(t.ok);
    std::string got;
    for (;;) {
        ReadResult r = abi_read(t.id);
        ASSERT_TRUE(r.ok) << "close_notify is a clean end, not an error";
        if (r.data.empty()) break;
        got += r.data;
    }
    EXPECT_EQ(got, "hello from the server");
    EXPECT_TRUE(abi_close(t.id));
}

TEST_F(TlsTest, UpgradeAfterPlaintextExchange) {
    // STARTTLS-like: the client reads a plaintext line, then upgrades.
    ServerOptions o = opts(&pki->good, Mode::Echo);
    o.banner = "220 ready\r\n";
    Server srv(o);
    IdFlag c = abi_connect(srv.port());
    ASSERT_TRUE(c.ok);
    EXPECT_EQ(read_n(c.id, o.banner.size()), o.banner);
    IdFlag t = abi_tls(c.id, "localhost");
    ASSERT_TRUE(t.ok);
    ASSERT_TRUE(abi_write(t.id, "after"));
    EXPECT_EQ(read_n(t.id, 5), "after");
    EXPECT_TRUE(abi_close(t.id));
}

TEST_F(TlsTest, ConcurrentClientsInStrands) {
    Server srv(opts(&pki->good, Mode::Echo));
    constexpr int kClients = 16;
    std::atomic<int> good{0}, done{0};
    for (int i = 0; i < kClients; ++i) {
        test::spawn_fn([&, i] {
            IdFlag t = connect_tls(srv.port());
            std::string msg =
                pattern(5000 + static_cast<size_t>(i) * 1000, static_cast<char>('a' + i));
            if (t.ok && abi_write(t.id, msg) && read_n(t.id, msg.size()) == msg) ++good;
            if (t.ok) abi_close(t.id);
            ++done;
        });
    }
    ASSERT_TRUE(wait_until([&] { return done.load() == kClients; }));
    EXPECT_EQ(good.load(), kClients);
    EXPECT_EQ(tls_stats().established, static_cast<uint64_t>(kClients));
}

// ---- certificate and name failures ------------------------------------------------------

// A refused server: ( 0 false ), counted as a verification failure, the
// socket closed (its id dead, the server sees the connection end).
void expect_refused(const Identity& id, const std::string& host) {
    Server srv(opts(&id, Mode::Echo));
    size_t live = tcp_stats().live;
    IdFlag t = connect_tls(srv.port(), host);
    EXPECT_FALSE(t.ok);
    EXPECT_FALSE(abi_close(t.id)) << "a failed handshake closes the socket";
    EXPECT_EQ(tcp_stats().live, live);
    EXPECT_EQ(tls_stats().verify_failures, 1u);
    EXPECT_EQ(tls_stats().established, 0u);
    EXPECT_TRUE(wait_until([&] { return srv.finished() == 1; }));
    EXPECT_EQ(srv.handshakes(), 0);
}

TEST_F(TlsTest, SelfSignedCertificateIsRefused) {
    expect_refused(pki->self_signed, "localhost");
}

TEST_F(TlsTest, UnknownCaIsRefused) {
    expect_refused(pki->unknown_ca, "localhost");
}

TEST_F(TlsTest, ExpiredCertificateIsRefused) {
    expect_refused(pki->expired, "localhost");
}

TEST_F(TlsTest, WrongHostnameIsRefused) {
    expect_refused(pki->good, "example.com");
}

TEST_F(TlsTest, NameOnlyInSubjectCnIsRefused) {
    expect_refused(pki->cn_only, "localhost");  // as webpki: SAN names only
}

TEST_F(TlsTest, WrongIpAddressIsRefused) {
    expect_refused(pki->good, "127.0.0.2");  // the certificate names 127.0.0.1
}

// ---- peers that do not complete a handshake ------------------------------------------------

TEST_F(TlsTimeoutTest, SilentServerTimesOut) {
    Server srv(opts(nullptr, Mode::Silent));
    IdFlag t = connect_tls(srv.port());
    EXPECT_FALSE(t.ok);
    EXPECT_FALSE(abi_close(t.id));
    TlsStats st = tls_stats();
    EXPECT_EQ(st.handshake_timeout_ms, 200u);
    EXPECT_EQ(st.timeouts, 1u);
    // The server sees the client give up and close.
    EXPECT_TRUE(wait_until([&] { return srv.client_closed() == 1; }));
}

TEST_F(TlsTest, PeerClosesMidHandshake) {
    Server srv(opts(nullptr, Mode::HangUp));
    IdFlag t = connect_tls(srv.port());
    EXPECT_FALSE(t.ok);
    EXPECT_FALSE(abi_close(t.id));
    EXPECT_EQ(tls_stats().peer_closed, 1u);
}

TEST_F(TlsTest, NonTlsPeerFails) {
    Server srv(opts(nullptr, Mode::Plaintext));
    IdFlag t = connect_tls(srv.port());
    EXPECT_FALSE(t.ok);
    EXPECT_FALSE(abi_close(t.id));
    EXPECT_EQ(tls_stats().failures, 1u);
    EXPECT_TRUE(wait_until([&] { return srv.client_closed() == 1; }));
}

// A worker is never blocked by a handshake: with one worker, a second
// client completes a whole TLS round trip while the first waits for a
// server that does not answer (released only after the second is done).
TEST_F(TlsOneWorkerTest, HandshakeParksOnlyItsStrand) {
    Server silent(opts(nullptr, Mode::Silent));
    Server echo(opts(&pki->good, Mode::Echo));
    std::atomic<bool> first_done{false}, first_ok{true}, second_ok{false}, second_done{false};
    test::spawn_fn([&] {
        first_ok = connect_tls(silent.port()).ok;
        first_done = true;
    });
    ASSERT_TRUE(wait_until([&] { return silent.accepted() == 1; }));
    test::spawn_fn([&] {
        IdFlag t = connect_tls(echo.port());
        second_ok = t.ok && abi_write(t.id, "x") && read_n(t.id, 1) == "x";
        if (t.ok) abi_close(t.id);
        second_done = true;
    });
    ASSERT_TRUE(wait_until([&] { return second_done.load(); }));
    EXPECT_TRUE(second_ok.load());
    EXPECT_FALSE(first_done.load()) << "the first handshake is still waiting";
    silent.release();  // the server hangs up: the first handshake fails
    ASSERT_TRUE(wait_until([&] { return first_done.load(); }));
    EXPECT_FALSE(first_ok.load());
    EXPECT_EQ(tls_stats().peer_closed, 1u);
}

// ---- misuse ------------------------------------------------------------------------------

TEST_F(TlsTest, ClosedOrUnknownSocketFails) {
    Server srv(opts(&pki->good, Mode::Echo));
    IdFlag c = abi_connect(srv.port());
    ASSERT_TRUE(c.ok);
    ASSERT_TRUE(abi_close(c.id));
    EXPECT_FALSE(abi_tls(c.id, "localhost").ok);
    EXPECT_FALSE(abi_tls(0, "localhost").ok);
    EXPECT_FALSE(abi_tls(987654, "localhost").ok);
    // A listener is not a stream: refused, and left as it was.
    IdFlag l = {tcp_listen("127.0.0.1", 0).value, true};
    EXPECT_FALSE(abi_tls(l.id, "localhost").ok);
    EXPECT_TRUE(tcp_local_port(l.id).ok);
    EXPECT_TRUE(abi_close(l.id));
    EXPECT_EQ(tls_stats().established, 0u);
}

TEST_F(TlsTest, BadArgumentsLeaveTheSocketAlone) {
    Server srv(opts(&pki->good, Mode::Echo));
    IdFlag c = abi_connect(srv.port());
    ASSERT_TRUE(c.ok);
    EXPECT_FALSE(abi_tls(c.id, "").ok);                            // empty host
    EXPECT_FALSE(abi_tls_values(make_int(c.id), make_int(5)).ok);  // host not a String
    EXPECT_FALSE(abi_tls_values(make_string("x"), make_string("localhost")).ok);  // id not an Int
    EXPECT_TRUE(tcp_local_port(c.id).ok) << "still open";
    // ... and can still be upgraded.
    IdFlag t = abi_tls(c.id, "localhost");
    ASSERT_TRUE(t.ok);
    // A second upgrade is refused and leaves the session working.
    EXPECT_FALSE(abi_tls(t.id, "localhost").ok);
    ASSERT_TRUE(abi_write(t.id, "still"));
    EXPECT_EQ(read_n(t.id, 5), "still");
    EXPECT_TRUE(abi_close(t.id));
}

TEST(TlsConfig, HandshakeTimeoutParsing) {
    EXPECT_EQ(parse_tls_handshake_timeout(nullptr), 10000u);
    EXPECT_EQ(parse_tls_handshake_timeout("1"), 1u);
    EXPECT_EQ(parse_tls_handshake_timeout("250"), 250u);
    EXPECT_EQ(parse_tls_handshake_timeout("0"), 10000u);
    EXPECT_EQ(parse_tls_handshake_timeout("-5"), 10000u);
    EXPECT_EQ(parse_tls_handshake_timeout("12x"), 10000u);
    EXPECT_EQ(parse_tls_handshake_timeout(""), 10000u);
    EXPECT_EQ(parse_tls_handshake_timeout("99999999999999999999"), 10000u);
}

}  // namespace
}  // namespace seq
