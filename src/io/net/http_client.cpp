#include "io/net/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "core/sched/strand.hpp"
#include "core/sys/env_number.hpp"
#include "core/text/utf8.hpp"

namespace seq::http {

namespace {

// ---- libcurl, loaded at run time ------------------------------------------------------

struct Curl {
    CURLcode (*global_init)(long);
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    void (*easy_cleanup)(CURL*);
    const char* (*easy_strerror)(CURLcode);
    CURLM* (*multi_init)();
    CURLMcode (*multi_add_handle)(CURLM*, CURL*);
    CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
    CURLMcode (*multi_perform)(CURLM*, int*);
    CURLMcode (*multi_poll)(CURLM*, struct curl_waitfd*, unsigned, int, int*);
    CURLMcode (*multi_wakeup)(CURLM*);
    CURLMsg* (*multi_info_read)(CURLM*, int*);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
    CURLU* (*url)();
    CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned);
    CURLUcode (*url_get)(CURLU*, CURLUPart, char**, unsigned);
    void (*url_cleanup)(CURLU*);
    void (*free)(void*);
};

// Returns the API, or null (with the reason in *why) when libcurl is missing
// or too old (curl_multi_wakeup needs 7.68).
const Curl* curl_api(std::string* why = nullptr) {
    static std::string failure;
    static const Curl* api = []() -> const Curl* {
        void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* e = dlerror();
            failure = e ? e : "libcurl.so.4 not found";
            return nullptr;
        }
        static Curl c;
        bool ok = true;
        auto load = [&](auto& fn, const char* name) {
            void* sym = dlsym(lib, name);
            if (!sym) {
                ok = false;
                if (failure.empty()) failure = std::string("libcurl lacks ") + name;
            }
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
        };
        load(c.global_init, "curl_global_init");
        load(c.easy_init, "curl_easy_init");
        load(c.easy_setopt, "curl_easy_setopt");
        load(c.easy_getinfo, "curl_easy_getinfo");
        load(c.easy_cleanup, "curl_easy_cleanup");
        load(c.easy_strerror, "curl_easy_strerror");
        load(c.multi_init, "curl_multi_init");
        load(c.multi_add_handle, "curl_multi_add_handle");
        load(c.multi_remove_handle, "curl_multi_remove_handle");
        load(c.multi_perform, "curl_multi_perform");
        load(c.multi_poll, "curl_multi_poll");
        load(c.multi_wakeup, "curl_multi_wakeup");
        load(c.multi_info_read, "curl_multi_info_read");
        load(c.slist_append, "curl_slist_append");
        load(c.slist_free_all, "curl_slist_free_all");
        load(c.url, "curl_url");
        load(c.url_set, "curl_url_set");
        load(c.url_get, "curl_url_get");
        load(c.url_cleanup, "curl_url_cleanup");
        load(c.free, "curl_free");
        if (!ok) return nullptr;
        // Once, before any other thread uses curl (curl_global_init is not
        // thread-safe); static initialisation serialises this lambda.
        if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            failure = "curl_global_init failed";
            return nullptr;
        }
        return &c;
    }();
    if (!api && why) *why = failure;
    return api;
}

std::atomic<bool> g_allow_private{false};

// ---- SSRF ---------------------------------------------------------------------------------

bool dangerous_v4(const uint8_t* o) {
    if (o[0] == 127 || o[0] == 10) return true;                // loopback, private
    if (o[0] == 172 && o[1] >= 16 && o[1] <= 31) return true;  // private
    if (o[0] == 192 && o[1] == 168) return true;               // private
    if (o[0] == 169 && o[1] == 254) return true;               // link-local, cloud metadata
    if (o[0] == 255 && o[1] == 255 && o[2] == 255 && o[3] == 255) return true;  // broadcast
    // Not in upstream's list: 0.0.0.0/8 reaches this host on Linux.
    if (o[0] == 0) return true;
    return false;
}

bool dangerous_v6(const uint8_t* a) {
    static const uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t any[16] = {};
    if (std::memcmp(a, loopback, 16) == 0) return true;
    if (std::memcmp(a, any, 16) == 0) return true;           // :: (not in upstream's list)
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
    if ((a[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, mapped, 12) == 0) return dangerous_v4(a + 12);
    return false;
}

std::string address_text(const sockaddr* addr) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf, sizeof buf);
    else if (addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, buf,
                  sizeof buf);
    return buf;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct UrlParts {
    std::string scheme, host;
};

// nullopt + message in *err when the URL does not parse.
std::optional<UrlParts> parse_url(const Curl& c, std::string_view url, std::string* err) {
    std::string u(url);
    CURLU* h = c.url();
    if (!h) {
        *err = "Invalid URL: out of memory";
        return std::nullopt;
    }
    UrlParts parts;
    CURLUcode rc = c.url_set(h, CURLUPART_URL, u.c_str(), CURLU_NON_SUPPORT_SCHEME);
    if (rc != CURLUE_OK || u.find_first_of("\r\n") != std::string::npos) {
        *err = "Invalid URL: " + (rc == CURLUE_OK ? std::string("control character")
                                                  : "curl URL error " + std::to_string(rc));
        c.url_cleanup(h);
        return std::nullopt;
    }
    char* part = nullptr;
    if (c.url_get(h, CURLUPART_SCHEME, &part, 0) == CURLUE_OK && part) {
        parts.scheme = lower(part);
        c.free(part);
    }
    part = nullptr;
    if (c.url_get(h, CURLUPART_HOST, &part, 0) == CURLUE_OK && part) {
        parts.host = part;
        c.free(part);
    }
    c.url_cleanup(h);
    return parts;
}

std::optional<std::string> check_parts(const UrlParts& p) {
    if (p.scheme != "http" && p.scheme != "https")
        return "Blocked scheme '" + p.scheme + "': only http/https allowed";
    if (p.host.empty()) return std::string("URL has no host");
    std::string host = lower(p.host);
    if (host == "localhost" || host == "localhost.localdomain" ||
        (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0))
        return std::string("Blocked: localhost access not allowed");
    if (g_allow_private.load(std::memory_order_relaxed)) return std::nullopt;
    // A literal address is judged here; names are judged when connecting.
    std::string literal = host;
    if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']')
        literal = literal.substr(1, literal.size() - 2);
    sockaddr_in6 sa6{};
    sockaddr_in sa4{};
    const sockaddr* sa = nullptr;
    if (inet_pton(AF_INET, literal.c_str(), &sa4.sin_addr) == 1) {
        sa4.sin_family = AF_INET;
        sa = reinterpret_cast<const sockaddr*>(&sa4);
    } else if (inet_pton(AF_INET6, literal.c_str(), &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        sa = reinterpret_cast<const sockaddr*>(&sa6);
    }
    if (sa && is_dangerous_address(sa))
        return "Blocked: " + p.host + " resolves to private/internal IP " + address_text(sa);
    return std::nullopt;
}

// ---- requests and the engine thread -----------------------------------------------------

struct Request {
    // What to send (owned copies: the caller's strings may live in a strand arena).
    Rules rules;
    std::string method, url, body, content_type;
    std::string host;  // for the "blocked" message

    // Driven by the engine thread only.
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string received;
    bool too_large = false;
    std::string blocked;  // set by the socket callback when it refused an address
    int redirects = 0;
    char errbuf[CURL_ERROR_SIZE] = {};

    // Completion, handed over under `mu`.
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Strand* strand = nullptr;
    Response result;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* r = static_cast<Request*>(user);
    size_t len = size * n;
    if (r->received.size() + len > kMaxBodyBytes) {
        r->too_large = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    r->received.append(data, len);
    return len;
}

curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* a) {
    auto* r = static_cast<Request*>(user);
    const auto* sa = reinterpret_cast<const sockaddr*>(&a->addr);
    if (!g_allow_private.load(std::memory_order_relaxed) && is_dangerous_address(sa)) {
        if (r->blocked.empty())
            r->blocked =
                "Blocked: " + r->host + " resolves to private/internal IP " + address_text(sa);
        return CURL_SOCKET_BAD;
    }
    // A request that hit a blocked address fails as a whole, as upstream's
    // check of every resolved address does.
    if (!r->blocked.empty()) return CURL_SOCKET_BAD;
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

class Engine {
  public:
    explicit Engine(const Curl& c) : c_(c), multi_(c.multi_init()) {
        if (!multi_) return;
        thread_ = std::thread([this] { run(); });
        thread_.detach();  // lives as long as the process
    }
    bool ok() const { return multi_ != nullptr; }

    void submit(Request* r) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            pending_.push_back(r);
        }
        c_.multi_wakeup(multi_);
    }

  private:
    const Curl& c_;
    CURLM* multi_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<Request*> pending_;

    void run() {
        std::vector<Request*> incoming;
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(mu_);
                incoming.swap(pending_);
            }
            for (Request* r : incoming)
                start(r);
            incoming.clear();
            int running = 0;
            c_.multi_perform(multi_, &running);
            int queued = 0;
            while (CURLMsg* m = c_.multi_info_read(multi_, &queued)) {
                if (m->msg != CURLMSG_DONE) continue;
                Request* r = nullptr;
                c_.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&r));
                CURLcode code = m->data.result;
                finished(r, code);
            }
            c_.multi_poll(multi_, nullptr, 0, 1000, nullptr);
        }
    }

    void start(Request* r) {
        CURL* e = c_.easy_init();
        if (!e) {
            complete(r, Response{0, {}, false, std::string("Connection error: out of memory")});
            return;
        }
        r->easy = e;
        r->received.clear();
        r->too_large = false;
        r->errbuf[0] = 0;
        auto set = c_.easy_setopt;
        set(e, CURLOPT_PRIVATE, static_cast<void*>(r));
        set(e, CURLOPT_URL, r->url.c_str());
        set(e, CURLOPT_NOSIGNAL, 1L);
        set(e, CURLOPT_TIMEOUT_MS, r->rules.total_timeout_ms);
        if (long stall = r->rules.stall_timeout_ms) {
            // Less than a byte a second for that long: a stalled peer.
            set(e, CURLOPT_CONNECTTIMEOUT_MS, stall);
            set(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
            set(e, CURLOPT_LOW_SPEED_TIME, std::max(1L, (stall + 999) / 1000));
        }
        set(e, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are ours (ureq's rules)
        set(e, CURLOPT_PROTOCOLS_STR, "http,https");
        set(e, CURLOPT_PROXY, "");  // environment proxies ignored, as ureq does
        if (r->rules.gzip)
            set(e, CURLOPT_ACCEPT_ENCODING, "gzip");
        else
            r->headers = c_.slist_append(r->headers, "Accept-Encoding: identity");
        set(e, CURLOPT_USERAGENT, "seq-runtime");
        set(e, CURLOPT_ERRORBUFFER, r->errbuf);
        set(e, CURLOPT_WRITEFUNCTION, on_body);
        set(e, CURLOPT_WRITEDATA, static_cast<void*>(r));
        set(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        set(e, CURLOPT_OPENSOCKETDATA, static_cast<void*>(r));
        if (r->method == "POST" || r->method == "PUT") {
            set(e, CURLOPT_POST, 1L);
            set(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r->body.size()));
            set(e, CURLOPT_POSTFIELDS, r->body.c_str());
            if (r->method == "PUT") set(e, CURLOPT_CUSTOMREQUEST, "PUT");
            std::string ct =
                r->content_type.empty() ? "Content-Type;" : "Content-Type: " + r->content_type;
            r->headers = c_.slist_append(r->headers, ct.c_str());
            r->headers = c_.slist_append(r->headers, "Expect:");  // no 100-continue round trip
        } else {
            set(e, CURLOPT_HTTPGET, 1L);
            if (r->method != "GET") set(e, CURLOPT_CUSTOMREQUEST, r->method.c_str());
        }
        if (r->headers) set(e, CURLOPT_HTTPHEADER, r->headers);
        if (c_.multi_add_handle(multi_, e) != CURLM_OK) {
            release_easy(r);
            complete(r, Response{0, {}, false, std::string("Connection error: curl refused")});
        }
    }

    void release_easy(Request* r) {
        if (r->easy) {
            c_.multi_remove_handle(multi_, r->easy);
            c_.easy_cleanup(r->easy);
            r->easy = nullptr;
        }
        if (r->headers) {
            c_.slist_free_all(r->headers);
            r->headers = nullptr;
        }
    }

    void finished(Request* r, CURLcode code) {
        long status = 0;
        c_.easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        char* location = nullptr;
        c_.easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &location);
        std::string next = location ? location : "";
        release_easy(r);

        if (!r->blocked.empty()) {
            complete(r, Response{0, {}, false, r->blocked});
            return;
        }
        if (r->too_large) {
            // 7.x's client fails the request; ureq's into_string refuses
            // bodies over its limit, and for an error status 5.4.0 keeps the
            // status with an empty body.
            if (!r->rules.status_is_error) {
                complete(r, Response{0,
                                     {},
                                     false,
                                     "Connection error: Response body too large (>" +
                                         std::to_string(kMaxBodyBytes) + " bytes)"});
            } else if (status >= 400) {
                complete(r, Response{status, {}, false, "HTTP error: " + std::to_string(status)});
            } else {
                complete(r, Response{0,
                                     {},
                                     false,
                                     "Failed to read response body: response too big (over " +
                                         std::to_string(kMaxBodyBytes) + " bytes)"});
            }
            return;
        }
        if (code != CURLE_OK) {
            std::string why = r->errbuf[0] ? r->errbuf : c_.easy_strerror(code);
            complete(r, Response{0, {}, false, "Connection error: " + why});
            return;
        }
        if (status >= 300 && status < 400 && r->redirects < r->rules.max_redirects &&
            !next.empty()) {
            if (follow(r, status, next)) return;
        }
        Response resp;
        resp.status = status;
        resp.ok = status >= 200 && status < 300;
        resp.body = r->rules.text_body ? utf8::lossy(r->received) : std::move(r->received);
        if (status >= 400 && r->rules.status_is_error)
            resp.error = "HTTP error: " + std::to_string(status);
        complete(r, std::move(resp));
    }

    // ureq 2's redirect rules; false when the 3xx response is the answer.
    bool follow(Request* r, long status, const std::string& next) {
        std::string method = r->method;
        if (status == 301 || status == 302 || status == 303) {
            if (method != "GET" && method != "HEAD") method = "GET";
        } else if (status == 307 || status == 308) {
            if (method != "GET" && method != "HEAD") return false;
        } else {
            return false;
        }
        std::string err;
        auto parts = parse_url(c_, next, &err);
        if (!parts) {
            complete(r, Response{0, {}, false, "Connection error: Bad redirection: " + next});
            return true;
        }
        if (auto blocked = check_parts(*parts)) {
            complete(r, Response{0, {}, false, *blocked});
            return true;
        }
        ++r->redirects;
        r->url = next;
        r->host = parts->host;
        if (method != r->method) {
            r->method = method;
            r->body.clear();
        }
        start(r);
        return true;
    }

    static void complete(Request* r, Response resp) {
        std::lock_guard<std::mutex> lock(r->mu);
        r->result = std::move(resp);
        r->done = true;
        // Under the lock: the requester reads `done` under it too, so it
        // cannot return (and free `r`, or end the strand) before this
        // notification is over.
        if (r->strand)
            wake(r->strand);
        else
            r->cv.notify_one();
    }
};

Engine* engine(std::string* why) {
    static Engine* e = []() -> Engine* {
        const Curl* c = curl_api();
        if (!c) return nullptr;
        auto* en = new Engine(*c);  // immortal: the thread may still be polling at exit
        return en->ok() ? en : nullptr;
    }();
    if (!e && why && why->empty()) {
        curl_api(why);
        if (why->empty()) *why = "curl_multi_init failed";
    }
    return e;
}

}  // namespace

void set_allow_private_addresses(bool allow) {
    g_allow_private.store(allow, std::memory_order_relaxed);
}

bool is_dangerous_address(const sockaddr* addr) {
    if (addr->sa_family == AF_INET)
        return dangerous_v4(reinterpret_cast<const uint8_t*>(
            &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr));
    if (addr->sa_family == AF_INET6)
        return dangerous_v6(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr.s6_addr);
    return true;  // not an IP socket: never for an HTTP client
}

std::optional<std::string> check_url(std::string_view url) {
    std::string why;
    const Curl* c = curl_api(&why);
    if (!c) return "HTTP client unavailable: " + why;
    std::string err;
    auto parts = parse_url(*c, url, &err);
    if (!parts) return err;
    return check_parts(*parts);
}

bool available() {
    return engine(nullptr) != nullptr;
}

const Rules& rules7() {
    static const Rules rules = [] {
        long ms = static_cast<long>(env_number_in_range("SEQ_HTTP_REQUEST_TIMEOUT_MS",
                                                        std::getenv("SEQ_HTTP_REQUEST_TIMEOUT_MS"),
                                                        1, 3'600'000, kTimeoutMs));
        return Rules{0, false, false, false, 0, ms};
    }();
    return rules;
}

Response request(const Rules& rules, std::string_view method, std::string_view url,
                 std::string_view body, std::string_view content_type) {
    std::string why;
    Engine* e = engine(&why);
    if (!e) return Response{0, {}, false, "HTTP client unavailable: " + why};
    std::string err;
    auto parts = parse_url(*curl_api(), url, &err);
    if (!parts) return Response{0, {}, false, err};
    if (auto blocked = check_parts(*parts)) return Response{0, {}, false, *blocked};
    if (content_type.find_first_of("\r\n") != std::string_view::npos)
        return Response{0, {}, false, std::string("Connection error: invalid header value")};

    Request r;
    r.rules = rules;
    r.method = method;
    r.url = url;
    r.host = parts->host;
    r.body = body;
    r.content_type = content_type;
    r.strand = current_strand();
    e->submit(&r);
    if (r.strand) {
        // Park until the engine completes the request (spurious wakes loop).
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(r.mu);
                if (r.done) break;
            }
            park(ParkReason::Http);
        }
    } else {
        std::unique_lock<std::mutex> lock(r.mu);
        r.cv.wait(lock, [&] { return r.done; });
    }
    std::lock_guard<std::mutex> lock(r.mu);
    return std::move(r.result);
}

}  // namespace seq::http
