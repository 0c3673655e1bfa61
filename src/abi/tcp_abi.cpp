// TCP words: argument checks and translation; the work is in io/tcp.cpp.
//
// Every word's effect ends in a Bool, so per the failure policy an argument
// of the wrong kind is a failure (neutral value, false), not an abort; the
// arguments are always consumed, so the stack effect holds either way.
#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "io/net/tcp.hpp"
#include "seq/runtime_tcp.h"

using namespace seq;

namespace {

Stack push_result(Stack sp, TcpResult r) {
    return push_with_flag(sp, make_int(r.ok ? r.value : 0), r.ok);
}

// Pops the top value; an Int gives its value, anything else is dropped.
bool pop_int_arg(Stack& sp, int64_t* out) {
    StackValue v = *--sp;
    if (is_int(v)) {
        *out = int_of(v);
        return true;
    }
    drop_value(v);
    return false;
}

// ( host port -- id Bool ) for listen_on and connect.
template <typename Op>
Stack host_port_word(Stack sp, Op op) {
    int64_t port = 0;
    bool port_ok = pop_int_arg(sp, &port);
    StackValue host = *--sp;
    TcpResult r;
    if (port_ok && is_kind(host, Kind::String)) r = op(string_of(host)->view(), port);
    drop_value(host);
    return push_result(sp, r);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_tcp_listen(seq_stack_t sp) {
    int64_t port = 0;
    TcpResult r;
    if (pop_int_arg(sp, &port)) r = tcp_listen({}, port);
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_tcp_listen_on(seq_stack_t sp) {
    return host_port_word(sp, [](std::string_view h, int64_t p) {
        // An empty host would mean SEQ_BIND_ADDR in the C++ API; here the
        // caller named an address, so "" is simply invalid.
        return h.empty() ? TcpResult{} : tcp_listen(h, p);
    });
}

SEQ_API seq_stack_t patch_seq_tcp_accept(seq_stack_t sp) {
    int64_t id = 0;
    TcpResult r;
    if (pop_int_arg(sp, &id)) r = tcp_accept(id);
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_tcp_connect(seq_stack_t sp) {
    return host_port_word(sp, [](std::string_view h, int64_t p) { return tcp_connect(h, p); });
}

SEQ_API seq_stack_t patch_seq_tcp_read(seq_stack_t sp) {
    int64_t id = 0;
    TcpReadResult r;
    if (pop_int_arg(sp, &id)) r = tcp_read(id, kStringBytes);
    if (r.str == kFalse) r.str = make_string("");
    return push_with_flag(sp, r.str, r.ok);
}

SEQ_API seq_stack_t patch_seq_tcp_write(seq_stack_t sp) {
    int64_t id = 0;
    bool id_ok = pop_int_arg(sp, &id);
    StackValue data = *--sp;
    bool ok = false;
    // The string stays referenced (and its bytes in place) until the write
    // has completed, even while the strand is parked.
    if (id_ok && is_kind(data, Kind::String)) ok = tcp_write(id, string_of(data)->view());
    drop_value(data);
    return push(sp, make_bool(ok));
}

SEQ_API seq_stack_t patch_seq_tcp_close(seq_stack_t sp) {
    int64_t id = 0;
    bool ok = pop_int_arg(sp, &id) && tcp_close(id);
    return push(sp, make_bool(ok));
}

SEQ_API seq_stack_t patch_seq_tcp_local_port(seq_stack_t sp) {
    int64_t id = 0;
    TcpResult r;
    if (pop_int_arg(sp, &id)) r = tcp_local_port(id);
    return push_result(sp, r);
}

}  // extern "C"
