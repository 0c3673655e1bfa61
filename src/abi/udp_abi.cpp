// UDP words (Seq 7.x net.udp.*): argument checks and translation; the work
// is in io/net/udp.cpp.
//
// Every word's effect ends in a Bool, so an argument of the wrong kind is a
// failure (neutral values, false), never an abort; the arguments are always
// all consumed, so the stack effect holds either way (upstream returns early
// on the first bad argument and leaves the ones below it on the stack).
#include "abi/abi.hpp"
#include "io/net/udp.hpp"
#include "seq/runtime_tcp.h"

using namespace seq;

namespace {

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

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_udp_bind(seq_stack_t sp) {
    int64_t port = 0;
    UdpBindResult r;
    if (pop_int_arg(sp, &port)) r = udp_bind(port);
    sp = push(sp, make_int(r.ok ? r.id : 0));
    sp = push(sp, make_int(r.ok ? r.port : 0));
    return push(sp, make_bool(r.ok));
}

SEQ_API seq_stack_t patch_seq_udp_send_to(seq_stack_t sp) {
    int64_t id = 0, port = 0;
    bool id_ok = pop_int_arg(sp, &id);
    bool port_ok = pop_int_arg(sp, &port);
    StackValue host = *--sp;
    StackValue bytes = *--sp;
    bool ok = false;
    // Both strings stay referenced (their bytes in place) until the send is
    // done, even while the strand is parked.
    if (id_ok && port_ok && is_kind(host, Kind::String) && is_kind(bytes, Kind::String))
        ok = udp_send_to(id, string_of(host)->view(), port, string_of(bytes)->view());
    drop_value(host);
    drop_value(bytes);
    return push(sp, make_bool(ok));
}

SEQ_API seq_stack_t patch_seq_udp_receive_from(seq_stack_t sp) {
    int64_t id = 0;
    UdpDatagram d;
    if (pop_int_arg(sp, &id)) d = udp_receive_from(id);
    sp = push(sp, d.ok ? d.bytes : make_string(""));
    sp = push(sp, make_string(d.ok ? d.host : std::string()));
    sp = push(sp, make_int(d.ok ? d.port : 0));
    return push(sp, make_bool(d.ok));
}

SEQ_API seq_stack_t patch_seq_udp_close(seq_stack_t sp) {
    int64_t id = 0;
    bool ok = pop_int_arg(sp, &id) && udp_close(id);
    return push(sp, make_bool(ok));
}

}  // extern "C"
