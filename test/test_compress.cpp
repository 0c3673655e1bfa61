// compress.* words: upstream's tests (seq-runtime 5.4.0 compress.rs),
// interoperability with the reference tools' formats, level clamping, and
// the failure cases: bad Base64, corrupt or truncated streams, non-UTF-8
// output and decompression bombs.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

#include "core/words/compress.hpp"
#include "core/words/encoding.hpp"
#include "off_worker.hpp"
#include "seq/runtime_optional.h"
#include "test_support.hpp"

namespace seq {
namespace {

using encoding::Base64;
using test::TestStack;
using Result = std::pair<std::string, bool>;

Result run(seq_stack_t (*word)(seq_stack_t), std::string_view input) {
    TestStack st;
    st.sp = push(st.sp, make_string(input));
    st.sp = word(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    StackValue flag = *--st.sp;
    StackValue s = *--st.sp;
    Result r{std::string(string_of(s)->view()), flag == kTrue};
    drop_value(s);
    return r;
}

Result run_level(seq_stack_t (*word)(seq_stack_t), std::string_view input, int64_t level) {
    TestStack st;
    st.sp = push(st.sp, make_string(input));
    st.sp = push(st.sp, make_int(level));
    st.sp = word(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    StackValue flag = *--st.sp;
    StackValue s = *--st.sp;
    Result r{std::string(string_of(s)->view()), flag == kTrue};
    drop_value(s);
    return r;
}

std::string b64(std::string_view raw) {
    return encoding::base64_encode(raw, Base64::Standard);
}
std::string unb64(std::string_view text) {
    std::string raw;
    EXPECT_TRUE(encoding::base64_decode(text, Base64::Standard, raw));
    return raw;
}

const Result kFail{"", false};

TEST(Compress, UpstreamRoundTrips) {
    for (std::string_view text : {"hello world", "", "ünïcödé ✓ 😀"}) {
        auto gz = run(patch_seq_compress_gzip, text);
        ASSERT_TRUE(gz.second);
        EXPECT_EQ(run(patch_seq_compress_gunzip, gz.first), Result(text, true));
        auto zs = run(patch_seq_compress_zstd, text);
        ASSERT_TRUE(zs.second);
        EXPECT_EQ(run(patch_seq_compress_unzstd, zs.first), Result(text, true));
    }
    std::string large(10000, 'x');
    auto zs = run(patch_seq_compress_zstd, large);
    EXPECT_LT(zs.first.size(), large.size() / 10);
    EXPECT_EQ(run(patch_seq_compress_unzstd, zs.first), Result(large, true));
}

TEST(Compress, LevelsAreClamped) {
    std::string text;
    for (int i = 0; i < 2000; ++i)
        text += "line " + std::to_string(i % 37) + " of some repetitive text\n";
    for (int64_t level : std::initializer_list<int64_t>{-5, 0, 1, 9, 10, int64_t{1} << 40}) {
        auto gz = run_level(patch_seq_compress_gzip_level, text, level);
        ASSERT_TRUE(gz.second);
        EXPECT_EQ(run(patch_seq_compress_gunzip, gz.first), Result(text, true));
    }
    // Out-of-range levels behave like the nearest valid one.
    EXPECT_EQ(run_level(patch_seq_compress_gzip_level, text, 0),
              run_level(patch_seq_compress_gzip_level, text, 1));
    EXPECT_EQ(run_level(patch_seq_compress_gzip_level, text, 99),
              run_level(patch_seq_compress_gzip_level, text, 9));
    EXPECT_EQ(run_level(patch_seq_compress_zstd_level, text, -3),
              run_level(patch_seq_compress_zstd_level, text, 1));
    EXPECT_EQ(run_level(patch_seq_compress_zstd_level, text, 50),
              run_level(patch_seq_compress_zstd_level, text, 22));
    for (int64_t level : std::initializer_list<int64_t>{1, 3, 19, 22}) {
        auto zs = run_level(patch_seq_compress_zstd_level, text, level);
        ASSERT_TRUE(zs.second);
        EXPECT_EQ(run(patch_seq_compress_unzstd, zs.first), Result(text, true));
    }
    EXPECT_EQ(run(patch_seq_compress_gzip, text),
              run_level(patch_seq_compress_gzip_level, text, 6));
    EXPECT_EQ(run(patch_seq_compress_zstd, text),
              run_level(patch_seq_compress_zstd_level, text, 3));
}

TEST(Compress, GzipHeaderAsFlate2WritesIt) {
    std::string raw = unb64(run(patch_seq_compress_gzip, "hello world").first);
    ASSERT_GE(raw.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
    EXPECT_EQ(raw[2], 8);                                // deflate
    EXPECT_EQ(raw[3], 0);                                // no flags
    EXPECT_EQ(raw.substr(4, 4), std::string(4, '\0'));   // mtime 0
    EXPECT_EQ(static_cast<unsigned char>(raw[9]), 255);  // OS unknown
}

// A gzip stream made by zlib directly (as gzip(1) would), with a file name.
std::string zlib_gzip(std::string_view text, const char* name) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    gz_header h{};
    h.name = reinterpret_cast<Bytef*>(const_cast<char*>(name));
    h.os = 3;
    deflateSetHeader(&zs, &h);
    std::string out(deflateBound(&zs, text.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

TEST(Compress, GunzipReadsForeignStreamsAndOnlyTheFirstMember) {
    std::string a = zlib_gzip("first member", "a.txt");
    EXPECT_EQ(run(patch_seq_compress_gunzip, b64(a)), Result("first member", true));
    // flate2's GzDecoder stops after the first member.
    EXPECT_EQ(run(patch_seq_compress_gunzip, b64(a + zlib_gzip("second", "b.txt"))),
              Result("first member", true));
}

TEST(Compress, DecompressFailures) {
    EXPECT_EQ(run(patch_seq_compress_gunzip, "not valid base64!!!"), kFail);
    EXPECT_EQ(run(patch_seq_compress_gunzip, "aGVsbG8gd29ybGQ="), kFail);  // not gzip
    EXPECT_EQ(run(patch_seq_compress_unzstd, "aGVsbG8gd29ybGQ="), kFail);  // not zstd
    EXPECT_EQ(run(patch_seq_compress_unzstd, "not valid base64!!!"), kFail);
    EXPECT_EQ(run(patch_seq_compress_gunzip, ""), kFail);
    EXPECT_EQ(run(patch_seq_compress_unzstd, ""), kFail);

    std::string text(5000, 'q');
    text += "tail";
    std::string gz = unb64(run(patch_seq_compress_gzip, text).first);
    std::string zs = unb64(run(patch_seq_compress_zstd, text).first);
    // Truncated streams.
    EXPECT_EQ(run(patch_seq_compress_gunzip, b64(gz.substr(0, gz.size() - 4))), kFail);
    EXPECT_EQ(run(patch_seq_compress_gunzip, b64(gz.substr(0, gz.size() / 2))), kFail);
    EXPECT_EQ(run(patch_seq_compress_unzstd, b64(zs.substr(0, zs.size() - 1))), kFail);
    // A corrupted CRC.
    std::string bad_crc = gz;
    bad_crc[bad_crc.size() - 6] ^= 1;
    EXPECT_EQ(run(patch_seq_compress_gunzip, b64(bad_crc)), kFail);
    // Trailing garbage after a zstd frame; two frames are fine.
    EXPECT_EQ(run(patch_seq_compress_unzstd, b64(zs + "garbage!")), kFail);
    EXPECT_EQ(run(patch_seq_compress_unzstd, b64(zs + zs)), Result(text + text, true));
}

TEST(Compress, NonUtf8OutputFails) {
    std::string binary = "\xff\xfe\x00\x01";
    binary.push_back('\0');
    EXPECT_EQ(run(patch_seq_compress_gunzip, b64(compress::gzip(binary, 6))), kFail);
    EXPECT_EQ(run(patch_seq_compress_unzstd, b64(compress::zstd(binary, 3))), kFail);
    // The core functions themselves handle any bytes.
    EXPECT_EQ(compress::gunzip(compress::gzip(binary, 6)), binary);
    EXPECT_EQ(compress::unzstd(compress::zstd(binary, 3)), binary);
}

TEST(Compress, OutputIsBounded) {
    // 1 MiB of zeros compresses to about 1 KiB (gzip) or less (zstd).
    std::string zeros(1 << 20, '\0');
    std::string gz = compress::gzip(zeros, 9);
    std::string zs = compress::zstd(zeros, 19);
    EXPECT_LT(gz.size(), 2000u);
    // (Compared as booleans first: a failure must not print a megabyte.)
    auto g = compress::gunzip(gz, zeros.size());
    auto z = compress::unzstd(zs, zeros.size());
    ASSERT_TRUE(g && z);
    EXPECT_TRUE(*g == zeros);
    EXPECT_TRUE(*z == zeros);
    EXPECT_FALSE(compress::gunzip(gz, zeros.size() - 1));
    EXPECT_FALSE(compress::unzstd(zs, zeros.size() - 1));
}

TEST(Compress, BombOverTheDefaultLimitFails) {
    // 65 MiB of 'a' (valid UTF-8): over kMaxDecompressedBytes by 1 MiB.
    std::string big(compress::kMaxDecompressedBytes + (1 << 20), 'a');
    std::string gz = b64(compress::gzip(big, 1));
    std::string zs = b64(compress::zstd(big, 1));
    big.clear();
    big.shrink_to_fit();
    EXPECT_LT(gz.size(), 1u << 20);
    EXPECT_EQ(run(patch_seq_compress_gunzip, gz), kFail);
    EXPECT_EQ(run(patch_seq_compress_unzstd, zs), kFail);
}

TEST(Compress, ZstdFramesCarryTheContentSize) {
    std::string zs = compress::zstd("hello world", 3);
    EXPECT_EQ(ZSTD_getFrameContentSize(zs.data(), zs.size()), 11u);
}

// Whether decompressing goes off the worker depends on what may come out:
// a small zstd frame that declares 32 MiB does, "hello" does not, and a
// malformed frame does (it may decode a lot before it fails).
TEST(Compress, DecompressionRunsLongByItsOutput) {
    std::string small = compress::zstd("hello", 3);
    std::string bomb = compress::zstd(std::string(size_t{32} << 20, 'a'), 3);
    EXPECT_LT(bomb.size(), compress::kSlowGunzipBytes * 4);
    EXPECT_FALSE(compress::unzstd_runs_long(small));
    EXPECT_TRUE(compress::unzstd_runs_long(bomb));
    EXPECT_TRUE(compress::unzstd_runs_long(bomb.substr(0, bomb.size() - 1)));
    EXPECT_FALSE(compress::gunzip_runs_long(compress::gzip("hello", 6)));
    EXPECT_TRUE(compress::gunzip_runs_long(std::string(compress::kSlowGunzipBytes, 'x')));
}

// Big outputs are made off the worker: with one worker, a ticker strand
// takes its short sleeps while a small zstd frame is being decompressed into
// 32 MiB, and the word's answer is the one expected.
using CompressStrands = test::SchedulerTest;

TEST_F(CompressStrands, BigDecompressLeavesTheWorkerFree) {
    single_worker();
    std::string big(size_t{32} << 20, 'a');
    std::string raw = compress::zstd(big, 3);
    std::string zs = b64(raw);
    ASSERT_FALSE(compress::compress_runs_long(zs.size()));  // decided by the output
    ASSERT_TRUE(compress::unzstd_runs_long(raw));
    auto r = test::run_beside_ticker(
        [&] {
            Result out = run(patch_seq_compress_unzstd, zs);
            EXPECT_TRUE(out.second);
            EXPECT_TRUE(out.first == big);
        },
        5, 10);  // inline, 10 calls would take seconds
    EXPECT_TRUE(r.ticker_finished);
    EXPECT_GT(r.ticks_during_word, 0) << "the ticker never ran while the word was in progress";
    EXPECT_LT(r.words, 10) << "the ticker only ran after the word strand gave up";
}

TEST_F(CompressStrands, BigCompressRoundTripsOffTheWorker) {
    std::string big(compress::kSlowCompressBytes * 2, 'x');
    for (size_t i = 0; i < big.size(); i += 7)
        big[i] = static_cast<char>('0' + i % 10);
    Result gz, back;
    test::spawn_fn([&] {
        gz = run(patch_seq_compress_gzip, big);
        back = run(patch_seq_compress_gunzip, gz.first);
    });
    patch_seq_wait_all_strands();
    EXPECT_TRUE(gz.second);
    EXPECT_TRUE(back.second);
    EXPECT_TRUE(back.first == big);
}

}  // namespace
}  // namespace seq
