// encoding.* words (seq-runtime 5.4.0 encoding.rs): Base64, URL-safe Base64
// and hex. Decoders end in a Bool: bad input, or decoded bytes that are not
// valid UTF-8, give "" false.
#include <string>

#include "abi/abi.hpp"
#include "core/words/encoding.hpp"
#include "core/text/utf8.hpp"
#include "seq/runtime_strings.h"

using namespace seq;
using encoding::Base64;

namespace {

template <typename Encode>
Stack encode_word(Stack sp, const char* word, Encode encode) {
    StringObj* s = string_of(pop_kind(sp, Kind::String, word));
    std::string out = encode(s->view());
    release(s);
    return push(sp, make_string(out));
}

template <typename Decode>
Stack decode_word(Stack sp, const char* word, Decode decode) {
    StringObj* s = string_of(pop_kind(sp, Kind::String, word));
    std::string out;
    bool ok = decode(s->view(), out) && utf8::is_valid(out);
    release(s);
    sp = push(sp, make_string(ok ? std::string_view(out) : std::string_view()));
    return push(sp, make_bool(ok));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_base64_encode(seq_stack_t sp) {
    return encode_word(sp, "base64-encode", [](std::string_view s) {
        return encoding::base64_encode(s, Base64::Standard);
    });
}

SEQ_API seq_stack_t patch_seq_base64_decode(seq_stack_t sp) {
    return decode_word(sp, "base64-decode", [](std::string_view s, std::string& out) {
        return encoding::base64_decode(s, Base64::Standard, out);
    });
}

SEQ_API seq_stack_t patch_seq_base64url_encode(seq_stack_t sp) {
    return encode_word(sp, "base64url-encode", [](std::string_view s) {
        return encoding::base64_encode(s, Base64::UrlNoPad);
    });
}

SEQ_API seq_stack_t patch_seq_base64url_decode(seq_stack_t sp) {
    return decode_word(sp, "base64url-decode", [](std::string_view s, std::string& out) {
        return encoding::base64_decode(s, Base64::UrlNoPad, out);
    });
}

SEQ_API seq_stack_t patch_seq_hex_encode(seq_stack_t sp) {
    return encode_word(sp, "hex-encode",
                       [](std::string_view s) { return encoding::hex_encode(s); });
}

SEQ_API seq_stack_t patch_seq_hex_decode(seq_stack_t sp) {
    return decode_word(sp, "hex-decode", [](std::string_view s, std::string& out) {
        return encoding::hex_decode(s, out);
    });
}

}  // extern "C"
