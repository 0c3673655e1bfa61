// encoding.* words: Base64 (standard, padded), URL-safe Base64 (no padding)
// and hex, with the strictness of the Rust crates upstream uses.
#include <gtest/gtest.h>

#include <string>

#include "abi/abi_version.hpp"  // which compiler's contract the words under test speak
#include "core/words/encoding.hpp"
#include "seq/runtime_strings.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::TestStack;

std::string encode(Stack (*word)(Stack), std::string_view in) {
    TestStack st;
    st.sp = word(push(st.sp, make_string(in)));
    EXPECT_EQ(st.depth(), 1u);
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_kind(v, Kind::String));
    std::string out(string_of(v)->view());
    drop_value(v);
    return out;
}

// ( String -- String Bool ) as a pair; the string must be "" when false.
std::pair<std::string, bool> decode(Stack (*word)(Stack), std::string_view in) {
    TestStack st;
    st.sp = word(push(st.sp, make_string(in)));
    EXPECT_EQ(st.depth(), 2u);
    StackValue ok = *--st.sp;
    StackValue s = *--st.sp;
    EXPECT_TRUE(is_bool(ok));
    EXPECT_TRUE(is_kind(s, Kind::String));
    std::string out(string_of(s)->view());
    drop_value(s);
    if (ok != kTrue) {
        EXPECT_EQ(out, "");
    }
    return {out, ok == kTrue};
}

using R = std::pair<std::string, bool>;
const R kFail{"", false};

TEST(Base64, Encode) {
    auto enc = [](std::string_view s) { return encode(patch_seq_base64_encode, s); };
    EXPECT_EQ(enc("hello"), "aGVsbG8=");
    EXPECT_EQ(enc(""), "");
    // RFC 4648 test vectors.
    EXPECT_EQ(enc("f"), "Zg==");
    EXPECT_EQ(enc("fo"), "Zm8=");
    EXPECT_EQ(enc("foo"), "Zm9v");
    EXPECT_EQ(enc("foob"), "Zm9vYg==");
    EXPECT_EQ(enc("fooba"), "Zm9vYmE=");
    EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
    EXPECT_EQ(enc("é"), "w6k=");
    EXPECT_EQ(enc("hello?"
                  "?>"),
              "aGVsbG8/Pz4=");           // uses '/' ...
    EXPECT_EQ(enc("\xfb\xff"), "+/8=");  // ... and '+'
    EXPECT_EQ(enc(std::string_view("\0", 1)), "AA==");
}

TEST(Base64, Decode) {
    auto dec = [](std::string_view s) { return decode(patch_seq_base64_decode, s); };
    EXPECT_EQ(dec("aGVsbG8="), (R{"hello", true}));
    EXPECT_EQ(dec(""), (R{"", true}));
    EXPECT_EQ(dec("Zg=="), (R{"f", true}));
    EXPECT_EQ(dec("Zm8="), (R{"fo", true}));
    EXPECT_EQ(dec("Zm9vYmFy"), (R{"foobar", true}));
    EXPECT_EQ(dec("w6k="), (R{"é", true}));
    EXPECT_EQ(dec("AA=="), (R{std::string("\0", 1), true}));
    EXPECT_EQ(dec("not valid base64!!!"), kFail);
    // Padding must be canonical.
    EXPECT_EQ(dec("aGVsbG8"), kFail);
    EXPECT_EQ(dec("aGVsbG8=="), kFail);
    EXPECT_EQ(dec("Zg="), kFail);
    EXPECT_EQ(dec("Zg"), kFail);
    EXPECT_EQ(dec("Z==="), kFail);
    EXPECT_EQ(dec("===="), kFail);
    EXPECT_EQ(dec("="), kFail);
    EXPECT_EQ(dec("Zg==Zg=="), kFail);  // padding only at the end
    EXPECT_EQ(dec("Z=g="), kFail);
    // Non-zero unused bits in the last symbol are not canonical.
    EXPECT_EQ(dec("aGVsbG9="), kFail);
    EXPECT_EQ(dec("Zh=="), kFail);
    // No whitespace, no URL-safe symbols.
    EXPECT_EQ(dec("aGVs bG8="), kFail);
    EXPECT_EQ(dec("aGVsbG8=\n"), kFail);
    EXPECT_EQ(dec("-_8="), kFail);
    // Valid Base64 whose bytes are not UTF-8: seqc 7.x strings are bytes;
    // 5.4.0 gave "" false.
    EXPECT_EQ(dec("/w=="), (kAbi7 ? R{"\xff", true} : kFail));
    EXPECT_EQ(dec("+/8="), (kAbi7 ? R{"\xfb\xff", true} : kFail));
}

TEST(Base64Url, EncodeHasNoPaddingAndUrlSymbols) {
    auto enc = [](std::string_view s) { return encode(patch_seq_base64url_encode, s); };
    std::string e = enc("hello??");
    EXPECT_EQ(e, "aGVsbG8_Pw");
    EXPECT_EQ(e.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(enc("\xfb\xff"), "-_8");
    EXPECT_EQ(enc(""), "");
    EXPECT_EQ(enc("f"), "Zg");
    EXPECT_EQ(enc("foo"), "Zm9v");
}

TEST(Base64Url, Decode) {
    auto dec = [](std::string_view s) { return decode(patch_seq_base64url_decode, s); };
    EXPECT_EQ(dec("aGVsbG8_Pw"), (R{"hello??", true}));
    EXPECT_EQ(dec("aGVsbG8"), (R{"hello", true}));
    EXPECT_EQ(dec(""), (R{"", true}));
    EXPECT_EQ(dec("Zg"), (R{"f", true}));
    EXPECT_EQ(dec("aGVsbG8="), kFail);  // any padding is rejected
    EXPECT_EQ(dec("Zg=="), kFail);
    EXPECT_EQ(dec("aGVsbG8/Pw"), kFail);  // standard alphabet
    EXPECT_EQ(dec("a"), kFail);           // a lone final symbol
    EXPECT_EQ(dec("aGVsb"), kFail);
    EXPECT_EQ(dec("aGVsbG9"), kFail);                         // unused bits set
    EXPECT_EQ(dec("_w"), (kAbi7 ? R{"\xff", true} : kFail));  // not UTF-8
    const std::string original = "hello world! 123 é🎉";
    std::string e = encode(patch_seq_base64url_encode, original);
    EXPECT_EQ(dec(e), (R{original, true}));
}

TEST(Hex, EncodeDecode) {
    auto enc = [](std::string_view s) { return encode(patch_seq_hex_encode, s); };
    auto dec = [](std::string_view s) { return decode(patch_seq_hex_decode, s); };
    EXPECT_EQ(enc("hello"), "68656c6c6f");
    EXPECT_EQ(enc(""), "");
    EXPECT_EQ(enc("é"), "c3a9");
    EXPECT_EQ(enc(std::string_view("\0\x7f", 2)), "007f");
    EXPECT_EQ(dec("68656c6c6f"), (R{"hello", true}));
    EXPECT_EQ(dec("68656C6C6F"), (R{"hello", true}));
    EXPECT_EQ(dec("C3a9"), (R{"é", true}));
    EXPECT_EQ(dec(""), (R{"", true}));
    EXPECT_EQ(dec("00"), (R{std::string("\0", 1), true}));
    EXPECT_EQ(dec("not hex!"), kFail);
    EXPECT_EQ(dec("686"), kFail);  // odd length
    EXPECT_EQ(dec("6g"), kFail);
    EXPECT_EQ(dec(" 68"), kFail);
    EXPECT_EQ(dec("0x68"), kFail);
    // Not UTF-8, or truncated UTF-8: bytes all the same in 7.x.
    EXPECT_EQ(dec("ff"), (kAbi7 ? R{"\xff", true} : kFail));
    EXPECT_EQ(dec("c3"), (kAbi7 ? R{"\xc3", true} : kFail));
    const std::string original = "Hello, World! 123";
    EXPECT_EQ(dec(enc(original)), (R{original, true}));
}

// Decoded bytes that are not UTF-8 are where the contracts differ: 7.x
// returns them (byte-clean strings; this binary), 5.4.0 fails
// (test_encoding_54).
TEST(Encoding, NonUtf8DecodedBytesFollowTheCompilersContract) {
    auto b64 = [](std::string_view s) { return decode(patch_seq_base64_decode, s); };
    auto url = [](std::string_view s) { return decode(patch_seq_base64url_decode, s); };
    auto hex = [](std::string_view s) { return decode(patch_seq_hex_decode, s); };
    auto bytes = [](std::string_view b) { return kAbi7 ? R{std::string(b), true} : kFail; };
    EXPECT_EQ(b64("/w=="), bytes("\xff"));
    EXPECT_EQ(b64("+/8="), bytes("\xfb\xff"));
    EXPECT_EQ(url("_w"), bytes("\xff"));
    EXPECT_EQ(hex("ff"), bytes("\xff"));
    EXPECT_EQ(hex("c3"), bytes("\xc3"));  // truncated UTF-8
    EXPECT_EQ(hex("00ff80"), bytes(std::string_view("\0\xff\x80", 3)));
    // Bad input fails under both.
    EXPECT_EQ(hex("f"), kFail);
    EXPECT_EQ(b64("/w="), kFail);
}

TEST(Encoding, RoundTripsEveryByteValue) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all.push_back(static_cast<char>(i));
    for (size_t n = 0; n <= all.size(); n += 37) {
        std::string_view in(all.data(), n);
        std::string out;
        for (auto alphabet : {encoding::Base64::Standard, encoding::Base64::UrlNoPad}) {
            ASSERT_TRUE(
                encoding::base64_decode(encoding::base64_encode(in, alphabet), alphabet, out));
            EXPECT_EQ(out, in);
        }
        ASSERT_TRUE(encoding::hex_decode(encoding::hex_encode(in), out));
        EXPECT_EQ(out, in);
    }
}

TEST(Encoding, TypeErrorsAbort) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = push(st.sp, make_int(1));
    EXPECT_DEATH(patch_seq_base64_encode(st.sp), "base64-encode: expected String, got Int");
    EXPECT_DEATH(patch_seq_base64_decode(st.sp), "base64-decode: expected String, got Int");
    EXPECT_DEATH(patch_seq_base64url_encode(st.sp), "base64url-encode: expected String, got Int");
    EXPECT_DEATH(patch_seq_base64url_decode(st.sp), "base64url-decode: expected String, got Int");
    EXPECT_DEATH(patch_seq_hex_encode(st.sp), "hex-encode: expected String, got Int");
    EXPECT_DEATH(patch_seq_hex_decode(st.sp), "hex-decode: expected String, got Int");
}

}  // namespace
}  // namespace seq
