// net.dns.resolve: argument check and translation; the work is in
// io/net/dns.cpp.
#include "abi/abi.hpp"
#include "core/value/list.hpp"
#include "io/net/dns.hpp"
#include "seq/runtime_tcp.h"

using namespace seq;

extern "C" {

// ( host -- List Bool ): the addresses as Strings, or an empty list and
// false (not a String, empty, unresolvable), as upstream.
SEQ_API seq_stack_t patch_seq_dns_resolve(seq_stack_t sp) {
    StackValue host = *--sp;
    std::vector<std::string> addrs;
    if (is_kind(host, Kind::String)) addrs = dns_resolve(string_of(host)->view());
    drop_value(host);
    VariantObj* list = new_list(addrs.size());
    for (const std::string& a : addrs)
        list = variant_push(list, make_string(a), "dns.resolve");
    sp = push(sp, from_heap(list));
    return push(sp, make_bool(!addrs.empty()));
}

}  // extern "C"
