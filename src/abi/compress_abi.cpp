// compress.* words (seq-runtime 5.4.0 compress.rs). Compressed data travels
// as standard Base64 text; decompressed bytes must be valid UTF-8 (Seq
// strings are text). Failures give "" false; a type mismatch aborts.
#include <algorithm>
#include <optional>
#include <string>

#include "abi/abi.hpp"
#include "core/words/compress.hpp"
#include "core/words/encoding.hpp"
#include "io/blocking.hpp"
#include "seq/runtime_optional.h"

using namespace seq;
using encoding::Base64;

namespace {

// Runs job() off the worker when `slow` (compress::compress_runs_long and
// friends): the job reads only the popped string's bytes, alive
// and unchanged while the strand is parked, and returns a std::string; the
// Seq value is made afterwards on the strand.
template <typename Job>
auto run_compress(bool slow, Job job) {
    return slow ? run_blocking(job) : job();
}

// ( String -- String Bool ): compressing never fails, the flag is always true.
template <typename Compress>
Stack compress_word(Stack sp, const char* word, Compress compress) {
    std::string b64 = with_string(sp, word, [&](std::string_view data) {
        return run_compress(compress::compress_runs_long(data.size()), [&] {
            return encoding::base64_encode(compress(data), Base64::Standard);
        });
    });
    return push_with_flag(sp, make_string(b64), true);
}

// ( String Int -- String Bool ): the level is popped first (it is on top).
template <typename Compress>
Stack compress_level_word(Stack sp, const char* word, Compress compress) {
    int64_t level = pop_int(sp, word);
    // Clamp in 64 bits before narrowing: upstream clamps the i64.
    int lv = static_cast<int>(std::clamp<int64_t>(level, -1000, 1000));
    return compress_word(sp, word, [&](std::string_view data) { return compress(data, lv); });
}

// The Base64 text is decoded on the strand when it is short; then
// `runs_long(raw)` (compress::gunzip_runs_long, unzstd_runs_long) says
// whether the decompression goes off the worker. A long text goes off it
// whole, decoding included.
template <typename Decompress, typename RunsLong>
Stack decompress_word(Stack sp, const char* word, Decompress decompress, RunsLong runs_long) {
    auto out = with_string(sp, word, [&](std::string_view data) -> std::optional<std::string> {
        auto decode_and_decompress = [&]() -> std::optional<std::string> {
            std::string raw;
            if (!encoding::base64_decode(data, Base64::Standard, raw)) return std::nullopt;
            return decompress(std::string_view(raw));
        };
        if (compress::compress_runs_long(data.size())) return run_blocking(decode_and_decompress);
        std::string raw;
        if (!encoding::base64_decode(data, Base64::Standard, raw)) return std::nullopt;
        return run_compress(runs_long(raw), [&] { return decompress(std::string_view(raw)); });
    });
    // Text in both contracts: seq-runtime 7.x still rejects a decompressed
    // payload that is not UTF-8 (compress.rs: read_to_string, from_utf8).
    return push_text_result(sp, out, utf8::Bytes::Utf8Only);
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
    return decompress_word(
        sp, "compress.gunzip", [](std::string_view d) { return compress::gunzip(d); },
        compress::gunzip_runs_long);
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
    return decompress_word(
        sp, "compress.unzstd", [](std::string_view d) { return compress::unzstd(d); },
        compress::unzstd_runs_long);
}

}  // extern "C"
