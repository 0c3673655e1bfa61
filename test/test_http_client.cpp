// http.* words against a tiny HTTP/1.1 server on 127.0.0.1 (port 0) run by
// the test: responses, redirects with ureq's rules, limits, SSRF refusals
// (checked without sending any traffic off this machine), and strands that
// park while a request is in flight.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "abi/abi_version.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/value/map.hpp"
#include "core/words/compress.hpp"
#include "io/net/http_client.hpp"
#include "seq/runtime_optional.h"
#include "test_support.hpp"

namespace seq {
namespace {

using namespace std::chrono_literals;

// Most cases exercise the client with seqc 5.4.0's rules (ureq 2's redirects,
// gzip, "HTTP error: N"); Rules7 and WordsFollowTheCompilersContract cover 7.x.
const http::Rules& k54 = http::kRules54;

// One connection at a time, "Connection: close" on every response.
class TestServer {
  public:
    TestServer() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(listen(fd_, 64), 0);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~TestServer() {
        stop_ = true;
        thread_.join();
        close(fd_);
    }
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
    }

    int port = 0;
    std::atomic<int> connections{0};
    std::atomic<bool> release{false};

  private:
    int fd_;
    std::atomic<bool> stop_{false};
    std::thread thread_;

    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            connections.fetch_add(1);
            handle(c);
            close(c);
        }
    }

    static bool read_some(int c, std::string& buf) {
        pollfd p{c, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0) return false;
        char tmp[4096];
        ssize_t n = recv(c, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf.append(tmp, static_cast<size_t>(n));
        return true;
    }

    static void send_all(int c, std::string_view data) {
        while (!data.empty()) {
            ssize_t n = send(c, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return;  // the client gave up (e.g. body too large)
            data.remove_prefix(static_cast<size_t>(n));
        }
    }

    static void respond(int c, int status, std::string_view body, std::string extra = {}) {
        std::string head = "HTTP/1.1 " + std::to_string(status) +
                           " X\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n" + extra + "\r\n";
        send_all(c, head);
        send_all(c, body);
    }

    void handle(int c) {
        std::string req;
        size_t end;
        while ((end = req.find("\r\n\r\n")) == std::string::npos)
            if (!read_some(c, req)) return;
        std::string head = req.substr(0, end);
        std::string body = req.substr(end + 4);
        std::string method = head.substr(0, head.find(' '));
        size_t p0 = head.find(' ') + 1;
        std::string path = head.substr(p0, head.find(' ', p0) - p0);
        std::string ct, accept;
        size_t length = 0;
        size_t pos = 0;
        while ((pos = head.find("\r\n", pos)) != std::string::npos) {
            pos += 2;
            std::string line = head.substr(pos, head.find("\r\n", pos) - pos);
            std::string lower = line;
            for (char& ch : lower)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (lower.rfind("content-length:", 0) == 0) length = std::stoul(line.substr(15));
            if (lower.rfind("accept-encoding:", 0) == 0) accept = line.substr(16);
            if (lower.rfind("content-type:", 0) == 0) {
                ct = line.substr(13);
                while (!ct.empty() && ct[0] == ' ')
                    ct.erase(0, 1);
            }
        }
        while (body.size() < length)
            if (!read_some(c, body)) return;

        if (path == "/hello") return respond(c, 200, "hello");
        if (path == "/echo") return respond(c, 200, method + "|" + ct + "|" + body);
        if (path == "/status/404") return respond(c, 404, "not here");
        if (path.rfind("/redirect/", 0) == 0)
            return respond(c, std::stoi(path.substr(10)), "", "Location: /echo\r\n");
        if (path == "/loop") return respond(c, 302, "", "Location: /loop\r\n");
        if (path == "/big") return respond(c, 200, std::string(http::kMaxBodyBytes + 1, 'a'));
        if (path == "/big404") return respond(c, 404, std::string(http::kMaxBodyBytes + 1, 'a'));
        if (path == "/gzip")
            return respond(c, 200, compress::gzip("compressed hello", 6),
                           "Content-Encoding: gzip\r\n");
        if (path == "/binary") return respond(c, 200, "ok\xff");
        if (path == "/accept-encoding") return respond(c, 200, accept.empty() ? "-" : accept);
        if (path == "/wait") {
            // Bounded: a client that never releases gets "timeout" instead.
            for (int i = 0; i < 2000 && !release.load(); ++i)
                std::this_thread::sleep_for(10ms);
            return respond(c, 200, release.load() ? "released" : "timeout");
        }
        respond(c, 404, "unknown");
    }
};

class Http : public ::testing::Test {
  protected:
    void SetUp() override { http::set_allow_private_addresses(true); }
    void TearDown() override { http::set_allow_private_addresses(false); }
    TestServer server;
};

TEST_F(Http, LibcurlIsLoaded) {
    ASSERT_TRUE(http::available());
}

TEST_F(Http, GetReturnsStatusBodyOk) {
    auto r = http::request(k54, "GET", server.url("/hello"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_TRUE(r.ok);
    EXPECT_FALSE(r.error);
}

TEST_F(Http, MethodsBodiesAndContentTypes) {
    EXPECT_EQ(http::request(k54, "POST", server.url("/echo"), "{\"a\":1}", "application/json").body,
              "POST|application/json|{\"a\":1}");
    EXPECT_EQ(http::request(k54, "PUT", server.url("/echo"), "x=1", "text/plain").body,
              "PUT|text/plain|x=1");
    EXPECT_EQ(http::request(k54, "DELETE", server.url("/echo")).body, "DELETE||");
    EXPECT_EQ(http::request(k54, "GET", server.url("/echo")).body, "GET||");
    // A large body goes out whole, without an Expect: 100-continue stall.
    std::string big(2 << 20, 'z');
    EXPECT_EQ(http::request(k54, "POST", server.url("/echo"), big, "a/b").body.size(),
              big.size() + std::string("POST|a/b|").size());
    // Header injection through the content type is refused.
    auto bad = http::request(k54, "POST", server.url("/echo"), "x", "text/plain\r\nX-Evil: 1");
    EXPECT_EQ(bad.status, 0);
    EXPECT_TRUE(bad.error);
}

TEST_F(Http, ErrorStatusKeepsBodyAndAddsError) {
    auto r = http::request(k54, "GET", server.url("/status/404"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "not here");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "HTTP error: 404");
}

TEST_F(Http, RedirectsFollowUreqRules) {
    // 301/302/303 turn a POST into a GET (body dropped).
    for (const char* code : {"301", "302", "303"})
        EXPECT_EQ(
            http::request(k54, "POST", server.url(std::string("/redirect/") + code), "b", "t/p")
                .body.substr(0, 4),
            "GET|")
            << code;
    // 307/308 keep GET, but are not followed for a method with a body.
    EXPECT_EQ(http::request(k54, "GET", server.url("/redirect/307")).body, "GET||");
    auto r = http::request(k54, "POST", server.url("/redirect/308"), "b", "t/p");
    EXPECT_EQ(r.status, 308);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.error);
    // DELETE is never resent on 307/308 either.
    EXPECT_EQ(http::request(k54, "DELETE", server.url("/redirect/307")).status, 307);
    // At most five redirects: the sixth response is the answer.
    int before = server.connections.load();
    auto loop = http::request(k54, "GET", server.url("/loop"));
    EXPECT_EQ(loop.status, 302);
    EXPECT_FALSE(loop.ok);
    EXPECT_EQ(server.connections.load() - before, 1 + http::kMaxRedirects);
}

TEST_F(Http, BodyLimitAndDecoding) {
    auto big = http::request(k54, "GET", server.url("/big"));
    EXPECT_EQ(big.status, 0);
    EXPECT_FALSE(big.ok);
    ASSERT_TRUE(big.error);
    EXPECT_NE(big.error->find("too big"), std::string::npos);
    EXPECT_TRUE(big.body.empty());
    auto big404 = http::request(k54, "GET", server.url("/big404"));
    EXPECT_EQ(big404.status, 404);
    EXPECT_TRUE(big404.body.empty());

    EXPECT_EQ(http::request(k54, "GET", server.url("/gzip")).body, "compressed hello");
    EXPECT_EQ(http::request(k54, "GET", server.url("/binary")).body, "ok\uFFFD");
}

// seq-runtime 7.x's client: no redirect is followed, compression is not
// asked for, an error status is only the status, the body is its bytes, and
// too large a body fails the request.
TEST_F(Http, Rules7) {
    const http::Rules& k7 = http::rules7();
    EXPECT_EQ(k7.max_redirects, 0);
    auto moved = http::request(k7, "GET", server.url("/redirect/302"));
    EXPECT_EQ(moved.status, 302);
    EXPECT_FALSE(moved.ok);
    EXPECT_FALSE(moved.error);
    EXPECT_EQ(http::request(k7, "GET", server.url("/accept-encoding")).body, " identity");
    EXPECT_EQ(http::request(k54, "GET", server.url("/accept-encoding")).body, " gzip");
    auto missing = http::request(k7, "GET", server.url("/status/404"));
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, "not here");
    EXPECT_FALSE(missing.ok);
    EXPECT_FALSE(missing.error);
    EXPECT_EQ(http::request(k7, "GET", server.url("/binary")).body, "ok\xff");
    auto big = http::request(k7, "GET", server.url("/big404"));
    EXPECT_EQ(big.status, 0);
    ASSERT_TRUE(big.error);
    EXPECT_NE(big.error->find("Response body too large"), std::string::npos);
    EXPECT_TRUE(big.body.empty());
}

TEST_F(Http, ConnectionRefusedIsAnErrorResponse) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);  // nothing listens there now
    auto r =
        http::request(k54, "GET", "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/");
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.ok);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->rfind("Connection error: ", 0), 0u) << *r.error;
}

TEST_F(Http, SsrfRefusalsSendNothing) {
    http::set_allow_private_addresses(false);
    int before = server.connections.load();
    auto lit = http::request(k54, "GET", server.url("/hello"));
    EXPECT_EQ(lit.status, 0);
    EXPECT_EQ(lit.error, "Blocked: 127.0.0.1 resolves to private/internal IP 127.0.0.1");
    // Other spellings of a loopback address are refused too.
    auto odd = http::request(k54, "GET", "http://127.1:" + std::to_string(server.port) + "/hello");
    EXPECT_EQ(odd.status, 0);
    ASSERT_TRUE(odd.error);
    EXPECT_NE(odd.error->find("private/internal IP 127.0.0.1"), std::string::npos) << *odd.error;
    EXPECT_EQ(
        http::request(k54, "GET", "http://localhost:" + std::to_string(server.port) + "/").error,
        "Blocked: localhost access not allowed");
    EXPECT_EQ(server.connections.load(), before);

    // The checks alone (no request is made for these).
    for (const char* u : {"http://localhost/",
                          "http://LOCALHOST:8080/",
                          "http://test.localhost/",
                          "http://127.1.2.3/",
                          "http://10.0.0.1/",
                          "http://10.255.255.255/",
                          "http://172.16.0.1/",
                          "http://172.31.255.255/",
                          "http://192.168.0.1/",
                          "http://169.254.169.254/",
                          "http://[::1]/",
                          "http://[fe80::1]/",
                          "http://[fc00::1]/",
                          "http://[fd00::1]/",
                          "http://[::ffff:127.0.0.1]/",
                          "http://0.0.0.0/",
                          "file:///etc/passwd",
                          "ftp://example.com/",
                          "gopher://example.com/",
                          "not a url"})
        EXPECT_TRUE(http::check_url(u)) << u;
    EXPECT_EQ(http::check_url("ftp://example.com/"),
              "Blocked scheme 'ftp': only http/https allowed");
    EXPECT_EQ(http::check_url("http://169.254.169.254/latest"),
              "Blocked: 169.254.169.254 resolves to private/internal IP 169.254.169.254");
    EXPECT_EQ(http::check_url("not a url")->rfind("Invalid URL", 0), 0u);
    for (const char* u : {"https://example.com/", "https://httpbin.org/get", "http://8.8.8.8/",
                          "http://172.15.0.1/", "http://172.32.0.1/", "http://[2001:4860::8888]/"})
        EXPECT_FALSE(http::check_url(u)) << u;
}

// A host name is judged on the address the connection would use, after DNS.
// This machine's own name resolves to a loopback address in /etc/hosts on
// Debian (127.0.1.1 or 127.0.0.1); where it does not, there is nothing to test.
TEST_F(Http, NamesAreJudgedOnTheAddressTheyResolveTo) {
    char name[256] = {};
    ASSERT_EQ(gethostname(name, sizeof name - 1), 0);
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    bool loopback = false;
    if (getaddrinfo(name, nullptr, &hints, &res) == 0) {
        for (addrinfo* a = res; a; a = a->ai_next)
            loopback |=
                (ntohl(reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
        freeaddrinfo(res);
    }
    if (!loopback) GTEST_SKIP() << name << " does not resolve to a loopback address here";
    http::set_allow_private_addresses(false);
    std::string url = "http://" + std::string(name) + ":" + std::to_string(server.port) + "/hello";
    EXPECT_FALSE(http::check_url(url));  // the name itself passes
    int before = server.connections.load();
    auto r = http::request(k54, "GET", url);
    EXPECT_EQ(r.status, 0);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->rfind(
                  "Blocked: " + std::string(name) + " resolves to private/internal IP 127.", 0),
              0u)
        << *r.error;
    EXPECT_EQ(server.connections.load(), before);
    // With the check off, the same request goes through.
    http::set_allow_private_addresses(true);
    EXPECT_EQ(http::request(k54, "GET", url).body, "hello");
}

TEST_F(Http, DangerousAddressRanges) {
    auto v4 = [](const char* s) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        inet_pton(AF_INET, s, &a.sin_addr);
        return http::is_dangerous_address(reinterpret_cast<sockaddr*>(&a));
    };
    auto v6 = [](const char* s) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        inet_pton(AF_INET6, s, &a.sin6_addr);
        return http::is_dangerous_address(reinterpret_cast<sockaddr*>(&a));
    };
    for (const char* s : {"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255",
                          "192.168.0.1", "169.254.169.254", "255.255.255.255", "0.0.0.0"})
        EXPECT_TRUE(v4(s)) << s;
    for (const char* s : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.0.1", "172.32.0.1"})
        EXPECT_FALSE(v4(s)) << s;
    for (const char* s : {"::1", "fe80::1", "fc00::1", "fd00::1", "::ffff:10.0.0.1", "::"})
        EXPECT_TRUE(v6(s)) << s;
    EXPECT_FALSE(v6("2001:4860:4860::8888"));
    EXPECT_FALSE(v6("::ffff:8.8.8.8"));
}

// ---- the words -------------------------------------------------------------------------------

StackValue map_get(StackValue map, const char* key) {
    StackValue k = make_string(key);
    auto& t = map_of(map)->table;
    auto it = t.find(k);
    drop_value(k);
    return it == t.end() ? StackValue{0xdead0} : it->second;
}

TEST_F(Http, WordsPushTheResponseMap) {
    test::TestStack st;
    st.sp = push(st.sp, make_string(server.url("/hello")));
    st.sp = patch_seq_http_get(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    StackValue m = st.top();
    ASSERT_TRUE(is_kind(m, Kind::Map));
    EXPECT_EQ(map_of(m)->table.size(), 3u);
    EXPECT_EQ(map_get(m, "status"), make_int(200));
    EXPECT_EQ(string_of(map_get(m, "body"))->view(), "hello");
    EXPECT_EQ(map_get(m, "ok"), kTrue);

    st.sp = push(st.sp, make_string(server.url("/echo")));
    st.sp = push(st.sp, make_string("body"));
    st.sp = push(st.sp, make_string("text/plain"));
    st.sp = patch_seq_http_put(st.sp);
    EXPECT_EQ(string_of(map_get(st.top(), "body"))->view(), "PUT|text/plain|body");

    st.sp = push(st.sp, make_string("ftp://example.com/"));
    st.sp = patch_seq_http_delete(st.sp);
    StackValue e = st.top();
    EXPECT_EQ(map_of(e)->table.size(), 4u);
    EXPECT_EQ(map_get(e, "status"), make_int(0));
    EXPECT_EQ(map_get(e, "ok"), kFalse);
    EXPECT_EQ(string_of(map_get(e, "body"))->view(), "");
    EXPECT_EQ(string_of(map_get(e, "error"))->view(),
              "Blocked scheme 'ftp': only http/https allowed");

    st.sp = push(st.sp, make_string(server.url("/echo")));
    st.sp = push(st.sp, make_string("{}"));
    st.sp = push(st.sp, make_string("application/json"));
    st.sp = patch_seq_http_post(st.sp);
    EXPECT_EQ(string_of(map_get(st.top(), "body"))->view(), "POST|application/json|{}");
    EXPECT_EQ(st.depth(), 4u);
}

// The words use their archive's rules: a redirect is followed for seqc 5.4.0
// (test_http_client_54), returned for 7.x (this binary).
TEST_F(Http, WordsFollowTheCompilersContract) {
    test::TestStack st;
    st.sp = push(st.sp, make_string(server.url("/redirect/302")));
    st.sp = patch_seq_http_get(st.sp);
    StackValue m = st.top();
    ASSERT_TRUE(is_kind(m, Kind::Map));
    EXPECT_EQ(map_get(m, "status"), make_int(kAbi7 ? 302 : 200));
    EXPECT_EQ(string_of(map_get(m, "body"))->view(), kAbi7 ? "" : "GET||");
    st.sp = push(st.sp, make_string(server.url("/status/404")));
    st.sp = patch_seq_http_get(st.sp);
    EXPECT_EQ(map_of(st.top())->table.size(), kAbi7 ? 3u : 4u);  // 5.4: "error"
    st.sp = push(st.sp, make_string(server.url("/binary")));
    st.sp = patch_seq_http_get(st.sp);
    EXPECT_EQ(string_of(map_get(st.top(), "body"))->view(), kAbi7 ? "ok\xff" : "ok\uFFFD");
}

TEST_F(Http, TypeMismatchAborts) {
    // The client's thread may be running: re-execute instead of a bare fork.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            test::TestStack st;
            st.sp = push(st.sp, make_int(3));
            patch_seq_http_get(st.sp);
        },
        "http.get");
}

// ---- strands park while a request is in flight -------------------------------------------------

std::atomic<int> g_ok{0};
std::atomic<bool> g_b_ran{false};
TestServer* g_server = nullptr;

Stack get_hello(Stack sp) {
    auto r = http::request(k54, "GET", g_server->url("/hello"));
    if (r.ok && r.body == "hello") g_ok.fetch_add(1);
    return sp;
}

Stack wait_request(Stack sp) {
    auto r = http::request(k54, "GET", g_server->url("/wait"));
    if (r.body == "released") g_ok.fetch_add(1);
    return sp;
}

Stack releaser(Stack sp) {
    // Runs only if the strand waiting on /wait let go of the worker.
    g_b_ran = true;
    g_server->release = true;
    return sp;
}

using HttpStrands = test::WithScheduler<Http>;

TEST_F(HttpStrands, ManyStrandsShareTheClient) {
    g_server = &server;
    g_ok = 0;
    constexpr int kStrands = 32;
    for (int i = 0; i < kStrands; ++i)
        spawn_strand(get_hello, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_ok.load(), kStrands);
}

TEST_F(HttpStrands, AWaitingStrandDoesNotHoldItsWorker) {
    g_server = &server;
    g_ok = 0;
    g_b_ran = false;
    single_worker();
    spawn_strand(wait_request, nullptr);
    // Give the first strand time to start its request; the test is correct
    // either way (the releaser may also run first).
    std::this_thread::sleep_for(50ms);
    spawn_strand(releaser, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_TRUE(g_b_ran.load());
    EXPECT_EQ(g_ok.load(), 1);
}

}  // namespace
}  // namespace seq
