// The servers, word by word as compiled Seq code performs them. The Seq
// source each function stands for is in its comment. A compiled `if` pops
// its Bool inline, so the C code reads the flag and decrements sp itself.
//
// Two small helpers stand in for string words (string.empty?, and
// string.concat + string.find for HTTP framing); they are marked "stand-in"
// and do what those words would do, without the extra allocations, so the
// comparison with the raw libuv server measures the runtime's I/O path.
#include "seq_servers.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

#include "core/value/value.hpp"  // stand-ins only: a String's bytes
#include "seq/runtime.h"
#include "seq/runtime_tcp.h"

namespace examples {

namespace {

Stats g_stats;

constexpr char kHttpReply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
// A literal as the compiler emits it (copied onto the stack when pushed).
const seq_string_parts kHttpReplyLit = {kHttpReply, sizeof kHttpReply - 1, 0, true};

// `if`: pops the Bool on top.
inline bool pop_flag(seq_stack_t& sp) {
    return *--sp == SEQ_TRUE;
}

// stand-in for string.empty? (without consuming the string)
inline size_t string_len(seq_value_t v) {
    return seq::string_of(v)->len;
}

// Caps every server copied from this one should have: a request head larger
// than kMaxHead is answered 431 and a body larger than kMaxBody 413, then the
// connection is closed; without them one client with a 100 MB request line
// holds 100 MB and the CPU (issue 13 measured 21 s and 244 MB).
constexpr size_t kMaxHead = 8 * 1024;
constexpr int64_t kMaxBody = 1 << 20;
constexpr char kReply431[] =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: "
    "close\r\n\r\n";
constexpr char kReply413[] =
    "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

// The Content-Length of a request head (case-insensitive name), 0 if none,
// -1 if it is not a number.
int64_t content_length(std::string_view head) {
    static constexpr std::string_view kName = "\r\ncontent-length:";
    for (size_t i = 0; i + kName.size() <= head.size(); ++i) {
        size_t k = 0;
        while (k < kName.size() &&
               std::tolower(static_cast<unsigned char>(head[i + k])) == kName[k])
            ++k;
        if (k < kName.size()) continue;
        size_t at = i + kName.size();
        while (at < head.size() && head[at] == ' ')
            ++at;
        int64_t v = 0;
        size_t digits = 0;
        for (; at < head.size() && head[at] >= '0' && head[at] <= '9'; ++at, ++digits) {
            if (v > kMaxBody) return v;  // already too large: stop before overflow
            v = v * 10 + (head[at] - '0');
        }
        return digits ? v : -1;
    }
    return 0;
}

// stand-in for `string.concat` + `string.find` + substring, incremental:
// ( buf skip s -- rest n status ) appends s to the unparsed rest `buf`,
// first dropping `skip` body bytes still owed by the previous request, and
// takes off the n complete requests (a head ending with an empty line, then
// Content-Length bytes of body). status: 0, or 431/413 when the caps were
// passed. Only the unparsed rest (< kMaxHead) is ever copied again, and the
// search resumes where the last one stopped, so a request costs O(its size)
// however it is split across reads.
seq_stack_t http_take_requests(seq_stack_t sp) {
    seq_value_t s = *--sp;
    int64_t skip = SEQ_INT_VALUE(*--sp);
    seq_value_t buf = *--sp;
    std::string_view in = seq::string_of(s)->view();
    size_t owed = std::min(static_cast<size_t>(skip), in.size());
    in.remove_prefix(owed);
    skip -= static_cast<int64_t>(owed);
    std::string_view old = seq::string_of(buf)->view();
    std::string all;
    all.reserve(old.size() + in.size());
    all.append(old);
    all.append(in);
    // "\r\n\r\n" cannot end inside the old rest (it was searched): start
    // three bytes before its end.
    size_t scan = old.size() >= 3 ? old.size() - 3 : 0;
    seq::drop_value(s);
    seq::drop_value(buf);
    int64_t n = 0, status = 0;
    size_t pos = 0;
    while (skip == 0) {
        size_t end = all.find("\r\n\r\n", std::max(pos, scan));
        if (end == std::string::npos) break;
        if (end - pos > kMaxHead) {
            status = 431;
            break;
        }
        int64_t body = content_length(std::string_view(all).substr(pos, end - pos));
        if (body < 0 || body > kMaxBody) {
            status = 413;
            break;
        }
        ++n;
        pos = end + 4;
        size_t here = std::min(static_cast<size_t>(body), all.size() - pos);
        pos += here;
        skip = body - static_cast<int64_t>(here);
    }
    if (status == 0 && all.size() - pos > kMaxHead) status = 431;
    seq_string_parts rest = {all.data() + pos, status ? 0 : all.size() - pos, 0, true};
    sp = patch_seq_push_seqstring(sp, &rest);
    sp = patch_seq_push_int(sp, skip);
    sp = patch_seq_push_int(sp, n);
    return patch_seq_push_int(sp, status);
}

// : echo-connection ( listener client -- )
//   nip
//   [ dup tcp.read swap string.empty? not and ]   # read something?
//   [ over tcp.write ] while ...                  # echo it back
//   tcp.close drop ;
seq_stack_t echo_connection(seq_stack_t sp) {
    sp = patch_seq_nip(sp);  // ( client )
    g_stats.connections.fetch_add(1, std::memory_order_relaxed);
    for (;;) {
        sp = patch_seq_dup(sp);       // ( c c )
        sp = patch_seq_tcp_read(sp);  // ( c s ok )
        bool ok = pop_flag(sp);       // ( c s )
        if (!ok || string_len(sp[-1]) == 0) {
            if (!ok) g_stats.failures.fetch_add(1, std::memory_order_relaxed);
            sp = patch_seq_drop_op(sp);  // ( c )
            break;
        }
        g_stats.requests.fetch_add(1, std::memory_order_relaxed);
        g_stats.bytes_in.fetch_add(string_len(sp[-1]), std::memory_order_relaxed);
        sp = patch_seq_over(sp);       // ( c s c )
        sp = patch_seq_tcp_write(sp);  // ( c ok )
        if (!pop_flag(sp)) {
            g_stats.failures.fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    sp = patch_seq_tcp_close(sp);  // ( ok )
    return patch_seq_drop_op(sp);
}

// : http-connection ( listener client -- )
//   nip "" 0 rot                                  # ( buf skip client )
//   loop: dup tcp.read ...                        # a read that fails (reset,
//                                                 # SEQ_TCP_READ_TIMEOUT_MS) ends it
//         3 roll 3 roll rot http-take             # ( client rest skip n status )
//         n times: HTTP-REPLY over tcp.write      # keep-alive replies
//         status 0 <> if: 431/413 reply, close
//   tcp.close drop drop drop ;
seq_stack_t http_connection(seq_stack_t sp) {
    sp = patch_seq_nip(sp);  // ( client )
    g_stats.connections.fetch_add(1, std::memory_order_relaxed);
    sp = patch_seq_push_string(sp, "");  // ( client "" )
    sp = patch_seq_push_int(sp, 0);      // ( client "" 0 )
    sp = patch_seq_rot(sp);              // ( buf skip client )
    for (;;) {
        sp = patch_seq_dup(sp);       // ( buf skip c c )
        sp = patch_seq_tcp_read(sp);  // ( buf skip c s ok )
        bool ok = pop_flag(sp);
        if (!ok || string_len(sp[-1]) == 0) {
            if (!ok) g_stats.failures.fetch_add(1, std::memory_order_relaxed);
            sp = patch_seq_drop_op(sp);  // ( buf skip c )
            break;
        }
        g_stats.bytes_in.fetch_add(string_len(sp[-1]), std::memory_order_relaxed);
        sp = patch_seq_push_int(sp, 3);
        sp = patch_seq_roll(sp);  // ( skip c s buf )
        sp = patch_seq_push_int(sp, 3);
        sp = patch_seq_roll(sp);                // ( c s buf skip )
        sp = patch_seq_rot(sp);                 // ( c buf skip s )
        sp = http_take_requests(sp);            // ( c rest skip n status )
        int64_t status = SEQ_INT_VALUE(*--sp);  // ( c rest skip n )
        int64_t n = SEQ_INT_VALUE(*--sp);       // ( c rest skip )
        sp = patch_seq_rot(sp);                 // ( rest skip c )
        bool wrote = true;
        for (int64_t i = 0; i < n && wrote; ++i) {
            sp = patch_seq_push_seqstring(sp, &kHttpReplyLit);  // ( rest skip c reply )
            sp = patch_seq_over(sp);                            // ( rest skip c reply c )
            sp = patch_seq_tcp_write(sp);                       // ( rest skip c ok )
            wrote = pop_flag(sp);
            if (wrote) g_stats.requests.fetch_add(1, std::memory_order_relaxed);
        }
        if (!wrote) {
            g_stats.failures.fetch_add(1, std::memory_order_relaxed);
            break;
        }
        if (status) {
            g_stats.refused.fetch_add(1, std::memory_order_relaxed);
            sp = patch_seq_push_string(sp, status == 431 ? kReply431 : kReply413);
            sp = patch_seq_over(sp);
            sp = patch_seq_tcp_write(sp);  // ( rest skip c ok )
            sp = patch_seq_drop_op(sp);
            break;
        }
    }
    sp = patch_seq_tcp_close(sp);  // ( buf skip ok )
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_drop_op(sp);
    return patch_seq_drop_op(sp);
}

struct StartRequest {
    Kind kind;
    std::string host;
    int port;
    int64_t serve;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Started result;
};
StartRequest* g_request = nullptr;  // read once by the main strand

void report(StartRequest* r, int64_t listener, int port) {
    std::lock_guard<std::mutex> lock(r->mu);
    r->result = {listener, port};
    r->done = true;
    r->cv.notify_all();
}

// : main ( -- )
//   HOST PORT tcp.listen-on not if drop "cannot listen" ... then
//   accept-loop ;
// : accept-loop ( listener -- )
//   dup tcp.accept if [ handle-connection ] strand.spawn drop drop
//   else drop (listener closed? stop) then accept-loop ;
seq_stack_t server_main(seq_stack_t) {
    StartRequest* req = g_request;
    Kind kind = req->kind;
    int64_t serve = req->serve;
    seq_value_stack* st = seq_stack_new_default();
    seq_stack_t base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    seq_stack_t sp = base;
    sp = patch_seq_push_string(sp, req->host.c_str());
    sp = patch_seq_push_int(sp, req->port);
    sp = patch_seq_tcp_listen_on(sp);  // ( l ok )
    if (!pop_flag(sp)) {
        report(req, 0, 0);  // `req` may be gone after this
        seq_stack_set_sp(st, static_cast<size_t>(sp - base));
        seq_stack_free(st);
        return nullptr;
    }
    sp = patch_seq_dup(sp);             // ( l l )
    sp = patch_seq_tcp_local_port(sp);  // ( l port ok )
    pop_flag(sp);
    int port = static_cast<int>(SEQ_INT_VALUE(*--sp));
    report(req, SEQ_INT_VALUE(sp[-1]), port);

    auto handler = kind == Kind::Echo ? echo_connection : http_connection;
    for (int64_t served = 0; serve == 0 || served < serve;) {
        sp = patch_seq_dup(sp);         // ( l l )
        sp = patch_seq_tcp_accept(sp);  // ( l c ok )
        if (!pop_flag(sp)) {
            sp = patch_seq_drop_op(sp);  // ( l )
            // A closed listener ends the loop; anything else (socket limit)
            // cost one connection and we keep accepting.
            sp = patch_seq_dup(sp);
            sp = patch_seq_tcp_local_port(sp);  // ( l port ok )
            bool open = pop_flag(sp);
            sp = patch_seq_drop_op(sp);
            if (!open) break;
            continue;
        }
        sp = patch_seq_push_quotation(sp, reinterpret_cast<uintptr_t>(handler),
                                      reinterpret_cast<uintptr_t>(handler));
        sp = patch_seq_spawn(sp);    // ( l c strand-id ); the child got ( l c )
        sp = patch_seq_drop_op(sp);  // ( l c )
        sp = patch_seq_drop_op(sp);  // ( l )
        ++served;
    }
    sp = patch_seq_tcp_close(sp);  // ( ok )
    sp = patch_seq_drop_op(sp);
    seq_stack_set_sp(st, static_cast<size_t>(sp - base));
    seq_stack_free(st);
    return nullptr;
}

}  // namespace

Stats& stats() {
    return g_stats;
}

Started start(Kind kind, const std::string& host, int port, int64_t serve) {
    StartRequest req;
    req.kind = kind;
    req.host = host;
    req.port = port;
    req.serve = serve;
    g_request = &req;
    patch_seq_strand_spawn(server_main, nullptr);
    std::unique_lock<std::mutex> lock(req.mu);
    req.cv.wait(lock, [&] { return req.done; });
    return req.result;
}

void stop_accepting(int64_t listener) {
    seq_value_t buf[4];
    seq_stack_t sp = patch_seq_push_int(buf, listener);
    sp = patch_seq_tcp_close(sp);
    (void)sp;
}

}  // namespace examples
