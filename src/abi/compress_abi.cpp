// compress.* words (seq-runtime 5.4.0 compress.rs). Compressed data travels
// as standard Base64 text; decompressed bytes must be valid UTF-8 (Seq
// strings are text). Failures give "" false; a type mismatch aborts.
#include <algorithm>
#include <optional>
#include <string>

#include "abi/abi.hpp"
#include "core/words/compress.hpp"
#include "core/words/encoding.hpp"
#include "core/text/utf8.hpp"
#include "seq/runtime_optional.h"

using namespace seq;
using encoding::Base64;

namespace {

Stack push_result(Stack sp, const std::optional<std::string>& r) {
    sp = push(sp, make_string(r ? std::string_view(*r) : std::string_view()));
    return push(sp, make_bool(r.has_value()));
}

template <typename Compress>
Stack compress_word(Stack sp, const char* word, Compress compress) {
    StackValue data = pop_kind(sp, Kind::String, word);
    std::string b64 = encoding::base64_encode(compress(string_of(data)->view()), Base64::Standard);
    drop_value(data);
    return push_result(sp, b64);
}

// ( String Int -- String Bool ): the level is popped first (it is on top).
template <typename Compress>
Stack compress_level_word(Stack sp, const char* word, Compress compress) {
    int64_t level = pop_int(sp, word);
    StackValue data = pop_kind(sp, Kind::String, word);
    // Clamp in 64 bits before narrowing: upstream clamps the i64.
    int lv = static_cast<int>(std::clamp<int64_t>(level, -1000, 1000));
    std::string b64 =
        encoding::base64_encode(compress(string_of(data)->view(), lv), Base64::Standard);
    drop_value(data);
    return push_result(sp, b64);
}

template <typename Decompress>
Stack decompress_word(Stack sp, const char* word, Decompress decompress) {
    StackValue data = pop_kind(sp, Kind::String, word);
    std::string raw;
    std::optional<std::string> out;
    if (encoding::base64_decode(string_of(data)->view(), Base64::Standard, raw)) {
        out = decompress(std::string_view(raw));
        if (out && !utf8::is_valid(*out)) out.reset();
    }
    drop_value(data);
    return push_result(sp, out);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_compress_gzip(seq_stack_t sp) {
    return compress_word(sp, "compress.gzip", [](std::string_view d) {
        return compress::gzip(d, compress::kGzipDefaultLevel);
    });
}

SEQ_API seq_stack_t patch_seq_compress_gzip_level(seq_stack_t sp) {
    return compress_level_word(sp, "compress.gzip-level", compress::gzip);
}

SEQ_API seq_stack_t patch_seq_compress_gunzip(seq_stack_t sp) {
    return decompress_word(sp, "compress.gunzip",
                           [](std::string_view d) { return compress::gunzip(d); });
}

SEQ_API seq_stack_t patch_seq_compress_zstd(seq_stack_t sp) {
    return compress_word(sp, "compress.zstd", [](std::string_view d) {
        return compress::zstd(d, compress::kZstdDefaultLevel);
    });
}

SEQ_API seq_stack_t patch_seq_compress_zstd_level(seq_stack_t sp) {
    return compress_level_word(sp, "compress.zstd-level", compress::zstd);
}

SEQ_API seq_stack_t patch_seq_compress_unzstd(seq_stack_t sp) {
    return decompress_word(sp, "compress.unzstd",
                           [](std::string_view d) { return compress::unzstd(d); });
}

}  // extern "C"
