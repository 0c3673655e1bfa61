// Fuzz target: the compress words (compress_abi.cpp, core/words/compress).
// Random bytes go to both decoders (which must fail cleanly or stay within
// their output limit, never trusting sizes the input declares), and every
// input must survive compress -> decompress unchanged at the level the input
// picks, both through the core functions and through the words (Base64 text).
#include <cstdint>
#include <string>

#include "core/text/utf8.hpp"
#include "core/words/compress.hpp"
#include "core/words/encoding.hpp"
#include "fuzz_support.hpp"
#include "seq/runtime_optional.h"

using namespace seq;
using seq::fuzz::FuzzStack;

namespace {

// Small enough that a decompression bomb costs the fuzzer little time.
constexpr size_t kLimit = size_t{1} << 20;

void decoders(std::string_view bytes) {
    if (auto out = compress::gunzip(bytes, kLimit)) SEQ_FUZZ_CHECK(out->size() <= kLimit);
    if (auto out = compress::unzstd(bytes, kLimit)) SEQ_FUZZ_CHECK(out->size() <= kLimit);
}

void round_trips(std::string_view bytes, int gzip_level, int zstd_level) {
    auto g = compress::gunzip(compress::gzip(bytes, gzip_level));
    SEQ_FUZZ_CHECK(g && *g == bytes);
    auto z = compress::unzstd(compress::zstd(bytes, zstd_level));
    SEQ_FUZZ_CHECK(z && *z == bytes);
}

void words(std::string_view bytes, int level) {
    FuzzStack st;
    using Word = seq_stack_t (*)(seq_stack_t);
    struct Pair {
        Word compress, decompress;
    };
    for (Pair p : {Pair{patch_seq_compress_gzip_level, patch_seq_compress_gunzip},
                   Pair{patch_seq_compress_zstd_level, patch_seq_compress_unzstd}}) {
        st.push_string(bytes);
        st.push_int(level);
        st.sp = p.compress(st.sp);
        SEQ_FUZZ_CHECK(st.pop_bool());
        st.sp = p.decompress(st.sp);
        bool ok = st.pop_bool();
        std::string back = st.pop_string();
        // The words insist on UTF-8 text after decompressing.
        SEQ_FUZZ_CHECK(ok == utf8::is_valid(bytes));
        SEQ_FUZZ_CHECK(ok ? back == bytes : back.empty());
        // The raw input as (Base64 of) compressed data.
        st.push_string(encoding::base64_encode(bytes, encoding::Base64::Standard));
        st.sp = p.decompress(st.sp);
        ok = st.pop_bool();
        std::string out = st.pop_string();
        SEQ_FUZZ_CHECK(ok || out.empty());
    }
    SEQ_FUZZ_CHECK(st.depth() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view all(reinterpret_cast<const char*>(data), size);
    decoders(all);
    FuzzedDataProvider in(data, size);
    int gzip_level = in.ConsumeIntegralInRange<int>(-2, 11);
    int zstd_level = in.ConsumeIntegralInRange<int>(-2, 8);  // 8+: slow, nothing new
    std::string rest = in.ConsumeRemainingBytesAsString();
    round_trips(rest, gzip_level, zstd_level);
    words(rest, zstd_level);
    return 0;
}
