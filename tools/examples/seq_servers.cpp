// The servers, word by word as compiled Seq code performs them. The Seq
// source each function stands for is in its comment. A compiled `if` pops
// its Bool inline, so the C code reads the flag and decrements sp itself.
//
// Two small helpers stand in for string words (string.empty?, and
// string.concat + string.find for HTTP framing); they are marked "stand-in"
// and do what those words would do, without the extra allocations, so the
// comparison with the raw libuv server measures the runtime's I/O path.
#include "seq_servers.hpp"

#include <condition_variable>
#include <cstring>
#include <mutex>

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

// stand-in for `swap string.concat` + scanning for "\r\n\r\n" + substring:
// ( buf s -- rest n ) appends s to buf and takes off the n complete requests
// (GET requests end with an empty line).
seq_stack_t http_take_requests(seq_stack_t sp) {
    seq_value_t s = *--sp;
    seq_value_t buf = *--sp;
    std::string all(seq::string_of(buf)->view());
    all += seq::string_of(s)->view();
    seq::drop_value(s);
    seq::drop_value(buf);
    int64_t n = 0;
    size_t pos = 0, end;
    while ((end = all.find("\r\n\r\n", pos)) != std::string::npos) {
        ++n;
        pos = end + 4;
    }
    seq_string_parts rest = {all.data() + pos, all.size() - pos, 0, true};
    sp = patch_seq_push_seqstring(sp, &rest);
    return patch_seq_push_int(sp, n);
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
//   nip "" swap                                   # ( buf client )
//   loop: dup tcp.read ... rot swap http-take     # ( client rest n )
//         n times: HTTP-REPLY over tcp.write      # keep-alive replies
//   tcp.close drop drop ;
seq_stack_t http_connection(seq_stack_t sp) {
    sp = patch_seq_nip(sp);  // ( client )
    g_stats.connections.fetch_add(1, std::memory_order_relaxed);
    sp = patch_seq_push_string(sp, "");  // ( client "" )
    sp = patch_seq_swap(sp);             // ( buf client )
    for (;;) {
        sp = patch_seq_dup(sp);       // ( buf c c )
        sp = patch_seq_tcp_read(sp);  // ( buf c s ok )
        bool ok = pop_flag(sp);
        if (!ok || string_len(sp[-1]) == 0) {
            if (!ok) g_stats.failures.fetch_add(1, std::memory_order_relaxed);
            sp = patch_seq_drop_op(sp);  // ( buf c )
            break;
        }
        g_stats.bytes_in.fetch_add(string_len(sp[-1]), std::memory_order_relaxed);
        sp = patch_seq_rot(sp);            // ( c s buf )
        sp = patch_seq_swap(sp);           // ( c buf s )
        sp = http_take_requests(sp);       // ( c rest n )
        int64_t n = SEQ_INT_VALUE(*--sp);  // ( c rest )
        sp = patch_seq_swap(sp);           // ( rest c )
        bool wrote = true;
        for (int64_t i = 0; i < n && wrote; ++i) {
            sp = patch_seq_push_seqstring(sp, &kHttpReplyLit);  // ( rest c reply )
            sp = patch_seq_over(sp);                            // ( rest c reply c )
            sp = patch_seq_tcp_write(sp);                       // ( rest c ok )
            wrote = pop_flag(sp);
            if (wrote) g_stats.requests.fetch_add(1, std::memory_order_relaxed);
        }
        if (!wrote) {
            g_stats.failures.fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    sp = patch_seq_tcp_close(sp);  // ( buf ok )
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
