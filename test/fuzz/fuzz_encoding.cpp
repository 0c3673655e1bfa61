// Fuzz target: the encoding words (encoding_abi.cpp, core/words/encoding).
// Decoding is strict (canonical input only), so whatever decodes must encode
// back to exactly the input (hex: up to letter case), and whatever is encoded
// must decode back to the bytes.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "core/words/encoding.hpp"
#include "fuzz_support.hpp"
#include "seq/runtime_strings.h"

using namespace seq;
using encoding::Base64;
using seq::fuzz::FuzzStack;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void round_trips(std::string_view bytes) {
    for (Base64 alphabet : {Base64::Standard, Base64::UrlNoPad}) {
        std::string text = encoding::base64_encode(bytes, alphabet);
        std::string back;
        SEQ_FUZZ_CHECK(encoding::base64_decode(text, alphabet, back));
        SEQ_FUZZ_CHECK(back == bytes);
        // What decodes was canonical: it encodes back to the same text.
        std::string decoded;
        if (encoding::base64_decode(bytes, alphabet, decoded)) {
            SEQ_FUZZ_CHECK(encoding::base64_encode(decoded, alphabet) == bytes);
        } else {
            SEQ_FUZZ_CHECK(decoded.empty());
        }
    }
    std::string hex = encoding::hex_encode(bytes);
    std::string back;
    SEQ_FUZZ_CHECK(hex.size() == 2 * bytes.size());
    SEQ_FUZZ_CHECK(encoding::hex_decode(hex, back) && back == bytes);
    std::string decoded;
    if (encoding::hex_decode(bytes, decoded)) {
        SEQ_FUZZ_CHECK(encoding::hex_encode(decoded) == lower(std::string(bytes)));
    } else {
        SEQ_FUZZ_CHECK(decoded.empty());
    }
}

// The words: ( String -- String ) encoders, ( String -- String Bool ) decoders.
void words(std::string_view bytes) {
    FuzzStack st;
    using Word = seq_stack_t (*)(seq_stack_t);
    struct Pair {
        Word encode, decode;
    };
    for (Pair p : {Pair{patch_seq_base64_encode, patch_seq_base64_decode},
                   Pair{patch_seq_base64url_encode, patch_seq_base64url_decode},
                   Pair{patch_seq_hex_encode, patch_seq_hex_decode}}) {
        st.push_string(bytes);
        st.sp = p.encode(st.sp);
        st.sp = p.decode(st.sp);
        bool ok = st.pop_bool();
        std::string back = st.pop_string();
        // 7.x strings are byte-clean: any bytes come back.
        SEQ_FUZZ_CHECK(ok && back == bytes);
        st.push_string(bytes);
        st.sp = p.decode(st.sp);
        ok = st.pop_bool();
        std::string out = st.pop_string();
        SEQ_FUZZ_CHECK(ok || out.empty());
    }
    SEQ_FUZZ_CHECK(st.depth() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    round_trips(bytes);
    words(bytes);
    return 0;
}
