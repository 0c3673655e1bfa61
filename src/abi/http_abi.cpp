// http.* words (seq-runtime http_client.rs): GET, POST, PUT, DELETE. Each
// pushes a Map {"status" Int, "body" String, "ok" Bool[, "error" String]};
// failures are in the map, never an abort. Redirects, compression, error
// statuses, the body's bytes and the timeout follow the rules of the compiler
// this archive serves (io/net/http_client.hpp, docs/abi-versions.md). The strand parks while
// the request is in flight (io/http_client.hpp). A type mismatch aborts.
#include <string>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/value/map.hpp"
#include "io/net/http_client.hpp"
#include "seq/runtime_optional.h"

using namespace seq;

namespace {

const http::Rules& rules() {
    return kAbi7 ? http::rules7() : http::kRules54;
}

StackValue response_map(const http::Response& r) {
    MapObj* m = new_map();
    map_put(m, make_string("status"), make_int(r.status));
    map_put(m, make_string("body"), make_string(r.body));
    map_put(m, make_string("ok"), make_bool(r.ok));
    if (r.error) map_put(m, make_string("error"), make_string(*r.error));
    return from_heap(m);
}

Stack without_body(Stack sp, const char* word, const char* method) {
    StackValue url = pop_kind(sp, Kind::String, word);
    // The views stay valid: the strand keeps `url` alive while it is parked.
    http::Response r = http::request(rules(), method, string_of(url)->view());
    drop_value(url);
    return push(sp, response_map(r));
}

Stack with_body(Stack sp, const char* word, const char* method) {
    StackValue ct = pop_kind(sp, Kind::String, word);
    StackValue body = pop_kind(sp, Kind::String, word);
    StackValue url = pop_kind(sp, Kind::String, word);
    http::Response r = http::request(rules(), method, string_of(url)->view(),
                                     string_of(body)->view(), string_of(ct)->view());
    drop_value(ct);
    drop_value(body);
    drop_value(url);
    return push(sp, response_map(r));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_http_get(seq_stack_t sp) {
    return without_body(sp, "http.get", "GET");
}

SEQ_API seq_stack_t patch_seq_http_post(seq_stack_t sp) {
    return with_body(sp, "http.post", "POST");
}

SEQ_API seq_stack_t patch_seq_http_put(seq_stack_t sp) {
    return with_body(sp, "http.put", "PUT");
}

SEQ_API seq_stack_t patch_seq_http_delete(seq_stack_t sp) {
    return without_body(sp, "http.delete", "DELETE");
}

}  // extern "C"
