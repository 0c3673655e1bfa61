// encoding.* words (seq-runtime encoding.rs): Base64, URL-safe Base64 and hex.
// Decoders end in a Bool: bad input gives "" false, and so do decoded bytes
// that are not valid UTF-8 for seqc 5.4.0; for 7.x they are the String.
#include <string>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/words/encoding.hpp"
#include "seq/runtime_strings.h"

using namespace seq;
using encoding::Base64;

namespace {

template <typename Encode>
Stack encode_word(Stack sp, const char* word, Encode encode) {
    std::string out = with_string(sp, word, encode);
    return push(sp, make_string(out));
}

// ( String -- String Bool )
template <typename Decode>
Stack decode_word(Stack sp, const char* word, Decode decode) {
    auto bytes = with_string(sp, word, [&](std::string_view s) -> std::optional<std::string> {
        std::string out;
        if (!decode(s, out)) return std::nullopt;
        return out;
    });
    return push_text_result(sp, bytes, kStringBytes);
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
