// The HTTP client behind the http.* words (seq-runtime 5.4.0 http_client.rs,
// which uses ureq and blocks the calling OS thread).
//
// Here a request never blocks a worker: one background thread drives every
// in-flight request with a libcurl multi handle (curl_multi_poll), and the
// strand that asked parks until that thread wakes it. Any number of strands
// can wait on HTTP at once; connections are pooled by the multi handle.
// Called outside a strand (a host thread), request() blocks that thread.
//
// libcurl is loaded with dlopen("libcurl.so.4") on first use rather than
// linked: Debian's static libcurl needs Kerberos, LDAP and others that exist
// only as shared libraries, so it cannot go into the self-contained
// libseq_runtime.a. Without libcurl every request answers status 0 and an
// "error" saying so.
//
// Upstream's rules, kept: http/https only; bodies over 10 MiB are refused; no
// proxy from the environment. Where seq-runtime 5.4.0 (ureq 2) and 7.x (its
// own HTTP/1.1 client) differ, the caller passes the Rules of the compiler it
// serves: 5.4.0 follows up to 5 redirects with ureq's method rules, accepts
// gzip, adds "HTTP error: N" for a status >= 400, decodes the body as UTF-8
// with invalid bytes replaced, and gives the whole request 30 s; 7.x follows
// no redirect, asks for `Accept-Encoding: identity`, returns the body's
// bytes, and fails a request that makes no progress for
// SEQ_HTTP_REQUEST_TIMEOUT_MS (default 30 s; curl's low-speed check, so
// whole seconds). SSRF protection (localhost, private,
// link-local, loopback addresses refused) is enforced on the address each
// connection actually uses, including after redirects and DNS changes,
// where upstream checks only the first URL's DNS answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace seq::http {

inline constexpr long kTimeoutMs = 30000;
inline constexpr size_t kMaxBodyBytes = size_t{10} << 20;
inline constexpr int kMaxRedirects = 5;

// What the compilers' http.* contracts disagree on (see above).
struct Rules {
    int max_redirects;
    bool gzip;              // else Accept-Encoding: identity
    bool status_is_error;   // "error" = "HTTP error: N" for a status >= 400
    bool text_body;         // lossy UTF-8, else the bytes
    long total_timeout_ms;  // 0: none
    long stall_timeout_ms;  // no progress for this long fails; 0: none
};
inline constexpr Rules kRules54{kMaxRedirects, true, true, true, kTimeoutMs, 0};
// 7.x's rules, SEQ_HTTP_REQUEST_TIMEOUT_MS read once.
const Rules& rules7();

struct Response {
    int64_t status = 0;  // 0: no HTTP response (blocked, connection error, ...)
    std::string body;
    bool ok = false;  // status is 2xx
    std::optional<std::string> error;
};

// method: "GET", "POST", "PUT" or "DELETE"; body and content_type are sent
// for POST and PUT only.
Response request(const Rules& rules, std::string_view method, std::string_view url,
                 std::string_view body = {}, std::string_view content_type = {});

// The SSRF checks (see above). Tests, and hosts that need to reach their own
// network, may turn off the address checks; scheme and URL checks remain.
void set_allow_private_addresses(bool allow);
bool is_dangerous_address(const sockaddr* addr);
// Checks scheme and host name of `url`; returns the error message a blocked
// URL gets, or nullopt when the request may proceed.
std::optional<std::string> check_url(std::string_view url);

// False when libcurl.so.4 could not be loaded.
bool available();

}  // namespace seq::http
