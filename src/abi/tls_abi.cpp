// TLS words: argument checks and translation; the work is in io/net/tls.cpp.
//
// As every TCP word, the arguments are always consumed and a wrong kind is a
// failure ( 0 false ), so the stack effect holds either way.
#include "abi/abi.hpp"
#include "io/net/tls.hpp"
#include "seq/runtime_tls.h"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_tls_client(seq_stack_t sp) {
    StackValue host = *--sp;
    StackValue sock = *--sp;
    bool ok = false;
    int64_t id = 0;
    if (is_int(sock) && is_kind(host, Kind::String)) {
        id = int_of(sock);
        ok = tls_client(id, string_of(host)->view());
    }
    drop_value(host);
    drop_value(sock);
    sp = push(sp, make_int(ok ? id : 0));
    return push(sp, make_bool(ok));
}

}  // extern "C"
