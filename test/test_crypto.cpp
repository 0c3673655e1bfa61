// crypto.* words: known-answer tests (FIPS 180-2, RFC 4231, RFC 7914 /
// published PBKDF2-SHA256 vectors, McGrew-Viega GCM test cases, RFC 8032),
// upstream's own unit tests (seq-runtime 5.4.0 crypto.rs), failure flags,
// and PBKDF2 run off the worker from a strand.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "abi/abi_version.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/words/crypto.hpp"
#include "core/words/encoding.hpp"
#include "off_worker.hpp"
#include "seq/runtime_optional.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::TestStack;

std::string str(StackValue v) {
    EXPECT_TRUE(is_kind(v, Kind::String));
    return std::string(string_of(v)->view());
}

// Pops the top value as a string (dropping it).
std::string pop_str(TestStack& st) {
    StackValue v = *--st.sp;
    std::string s = str(v);
    drop_value(v);
    return s;
}
bool pop_flag(TestStack& st) {
    StackValue v = *--st.sp;
    EXPECT_TRUE(is_bool(v));
    return v == kTrue;
}
void push_str(TestStack& st, std::string_view s) {
    st.sp = push(st.sp, make_string(s));
}
std::string unhex(std::string_view h) {
    std::string out;
    EXPECT_TRUE(encoding::hex_decode(h, out));
    return out;
}

std::string sha256(std::string_view s) {
    TestStack st;
    push_str(st, s);
    st.sp = patch_seq_sha256(st.sp);
    return pop_str(st);
}

TEST(Crypto, Sha256KnownAnswers) {
    EXPECT_EQ(sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

std::string hmac(std::string_view msg, std::string_view key) {
    TestStack st;
    push_str(st, msg);
    push_str(st, key);
    st.sp = patch_seq_hmac_sha256(st.sp);
    EXPECT_EQ(st.depth(), 1u);
    return pop_str(st);
}

TEST(Crypto, HmacSha256KnownAnswers) {
    // RFC 4231 test cases 1, 2 and 6 (131-byte key: hashed first).
    EXPECT_EQ(hmac("Hi There", std::string(20, '\x0b')),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(hmac("what do ya want for nothing?", "Jefe"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(
        hmac("Test Using Larger Than Block-Size Key - Hash Key First", std::string(131, '\x7f')),
        hmac("Test Using Larger Than Block-Size Key - Hash Key First",
             unhex(crypto::sha256_hex(std::string(131, '\x7f')))));
    // Upstream's test and the empty case.
    EXPECT_EQ(hmac("message", "secret"),
              "8b5f48702995c1598c573db1e21866a9b825d4a794d169d7060a03605796360b");
    EXPECT_EQ(hmac("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Crypto, HmacRfc4231LongKeyVector) {
    // RFC 4231 test case 6 uses 131 bytes of 0xaa, which are not UTF-8 but
    // are still valid bytes for the core function.
    EXPECT_EQ(crypto::hmac_sha256_hex("Test Using Larger Than Block-Size Key - Hash Key First",
                                      std::string(131, '\xaa')),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

bool ct_eq(std::string_view a, std::string_view b) {
    TestStack st;
    push_str(st, a);
    push_str(st, b);
    st.sp = patch_seq_constant_time_eq(st.sp);
    return pop_flag(st);
}

TEST(Crypto, ConstantTimeEq) {
    EXPECT_TRUE(ct_eq("hello", "hello"));
    EXPECT_FALSE(ct_eq("hello", "world"));
    EXPECT_FALSE(ct_eq("hello", "hi"));
    EXPECT_FALSE(ct_eq("hello", "hello "));
    EXPECT_TRUE(ct_eq("", ""));
}

std::pair<std::string, bool> pbkdf2(std::string_view pw, std::string_view salt, int64_t n) {
    TestStack st;
    push_str(st, pw);
    push_str(st, salt);
    st.sp = push(st.sp, make_int(n));
    st.sp = patch_seq_crypto_pbkdf2_sha256(st.sp);
    bool ok = pop_flag(st);
    return {pop_str(st), ok};
}

TEST(Crypto, Pbkdf2KnownAnswers) {
    EXPECT_EQ(
        pbkdf2("password", "salt", 4096),
        std::make_pair(
            std::string("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"), true));
    // RFC 7914 section 11 (the first 32 of its 64 bytes).
    EXPECT_EQ(pbkdf2("Password", "NaCl", 80000).first,
              "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
}

TEST(Crypto, Pbkdf2RejectsIterationCounts) {
    EXPECT_EQ(pbkdf2("password", "salt", 0), std::make_pair(std::string(), false));
    EXPECT_EQ(pbkdf2("password", "salt", 999), std::make_pair(std::string(), false));
    EXPECT_EQ(pbkdf2("password", "salt", -5), std::make_pair(std::string(), false));
    EXPECT_EQ(pbkdf2("password", "salt", int64_t{1} << 40), std::make_pair(std::string(), false));
    EXPECT_TRUE(pbkdf2("password", "salt", 1000).second);
    // Deterministic, and salt-dependent (upstream's tests).
    EXPECT_EQ(pbkdf2("password", "salt", 10000), pbkdf2("password", "salt", 10000));
    EXPECT_NE(pbkdf2("password", "salt", 10000), pbkdf2("password", "different-salt", 10000));
}

const std::string kZeroKey(64, '0');

TEST(Crypto, AesGcmKnownAnswers) {
    // McGrew-Viega test case 13 (empty plaintext) and 14 (16 zero bytes),
    // 256-bit zero key, zero IV: ciphertext || tag after the nonce.
    std::string nonce(12, '\0');
    auto c13 = crypto::aes_gcm_encrypt_with_nonce("", kZeroKey, nonce);
    ASSERT_TRUE(c13);
    std::string raw;
    ASSERT_TRUE(encoding::base64_decode(*c13, encoding::Base64::Standard, raw));
    EXPECT_EQ(encoding::hex_encode(raw),
              "000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b");
    auto c14 = crypto::aes_gcm_encrypt_with_nonce(std::string(16, '\0'), kZeroKey, nonce);
    ASSERT_TRUE(c14);
    ASSERT_TRUE(encoding::base64_decode(*c14, encoding::Base64::Standard, raw));
    EXPECT_EQ(encoding::hex_encode(raw),
              "000000000000000000000000cea7403d4d606b6e074ec5d3baf39d18"
              "d0d1c8a799996bf0265b98b5d48ab919");
    // And the decrypt word reads exactly that layout.
    TestStack st;
    push_str(st, *c14);
    push_str(st, kZeroKey);
    st.sp = patch_seq_crypto_aes_gcm_decrypt(st.sp);
    EXPECT_TRUE(pop_flag(st));
    EXPECT_EQ(pop_str(st), std::string(16, '\0'));
}

std::pair<std::string, bool> aes(bool encrypt, std::string_view text, std::string_view key) {
    TestStack st;
    push_str(st, text);
    push_str(st, key);
    st.sp =
        encrypt ? patch_seq_crypto_aes_gcm_encrypt(st.sp) : patch_seq_crypto_aes_gcm_decrypt(st.sp);
    EXPECT_EQ(st.depth(), 2u);
    bool ok = pop_flag(st);
    return {pop_str(st), ok};
}

TEST(Crypto, AesGcmRoundTripAndFailures) {
    const std::string key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    for (std::string_view text :
         {"", "Hello, World!", "Hello\nWorld\tTab\"Quote\\Backslash", "ünïcödé ✓"}) {
        auto [ct, ok] = aes(true, text, key);
        ASSERT_TRUE(ok);
        std::string raw;
        ASSERT_TRUE(encoding::base64_decode(ct, encoding::Base64::Standard, raw));
        EXPECT_EQ(raw.size(), 12 + text.size() + 16);
        EXPECT_EQ(aes(false, ct, key), std::make_pair(std::string(text), true));
        // Upper-case hex keys are the same key (hex crate accepts both).
        std::string upper = key;
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_EQ(aes(false, ct, upper), std::make_pair(std::string(text), true));
    }
    // Fresh nonces: the same plaintext encrypts differently.
    EXPECT_NE(aes(true, "same", key).first, aes(true, "same", key).first);
    // Wrong key, tampering, bad base64, too short, bad keys.
    auto [ct, ok] = aes(true, "secret", key);
    ASSERT_TRUE(ok);
    const std::pair<std::string, bool> fail{"", false};
    EXPECT_EQ(aes(false, ct, kZeroKey), fail);
    std::string raw;
    ASSERT_TRUE(encoding::base64_decode(ct, encoding::Base64::Standard, raw));
    raw[14] ^= 1;
    EXPECT_EQ(aes(false, encoding::base64_encode(raw, encoding::Base64::Standard), key), fail);
    EXPECT_EQ(aes(false, "not-valid-base64!!!", key), fail);
    EXPECT_EQ(
        aes(false, encoding::base64_encode(std::string(27, 'x'), encoding::Base64::Standard), key),
        fail);
    EXPECT_EQ(aes(true, "x", "short"), fail);
    EXPECT_EQ(aes(true, "x", key.substr(0, 62)), fail);
    EXPECT_EQ(aes(true, "x", key + "00"), fail);
    EXPECT_EQ(aes(true, "x", std::string(63, '0') + "g"), fail);
    EXPECT_EQ(aes(false, ct, "short"), fail);
}

// A binary plaintext is where the contracts differ: 7.x returns its bytes
// (this binary), 5.4.0 fails (test_crypto_54).
TEST(Crypto, AesGcmBinaryPlaintextFollowsTheCompilersContract) {
    // McGrew-Viega test case 15: a valid ciphertext whose plaintext is binary.
    std::string combined = unhex(
        "cafebabefacedbaddecaf888"
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
        "b094dac5d93471bdec1a502270e3cc6c");
    std::string key = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    std::string plain = unhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
    auto ok = crypto::aes_gcm_encrypt_with_nonce(plain, key, unhex("cafebabefacedbaddecaf888"));
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, encoding::base64_encode(combined, encoding::Base64::Standard));
    EXPECT_EQ(aes(false, *ok, key),
              kAbi7 ? std::make_pair(plain, true) : std::make_pair(std::string(), false));
    EXPECT_EQ(crypto::aes_gcm_decrypt(*ok, key, utf8::Bytes::Any), plain);
    EXPECT_EQ(crypto::aes_gcm_decrypt(*ok, key, utf8::Bytes::Utf8Only), std::nullopt);
}

struct Rfc8032 {
    const char* secret;
    const char* pub;
    std::string message;
    const char* signature;
};

TEST(Crypto, Ed25519Rfc8032Vectors) {
    const Rfc8032 vectors[] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3"
         "9701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "r",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f36"
         "13d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    };
    for (const auto& v : vectors) {
        TestStack st;
        push_str(st, v.message);
        push_str(st, v.secret);
        st.sp = patch_seq_crypto_ed25519_sign(st.sp);
        EXPECT_TRUE(pop_flag(st));
        std::string sig = pop_str(st);
        EXPECT_EQ(sig, v.signature);

        push_str(st, v.message);
        push_str(st, sig);
        push_str(st, v.pub);
        st.sp = patch_seq_crypto_ed25519_verify(st.sp);
        EXPECT_TRUE(pop_flag(st));

        push_str(st, v.message + "x");
        push_str(st, sig);
        push_str(st, v.pub);
        st.sp = patch_seq_crypto_ed25519_verify(st.sp);
        EXPECT_FALSE(pop_flag(st));
    }
}

TEST(Crypto, Ed25519KeypairSignsAndVerifies) {
    TestStack st;
    st.sp = patch_seq_crypto_ed25519_keypair(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    std::string priv = pop_str(st);
    std::string pub = pop_str(st);
    EXPECT_EQ(priv.size(), 64u);
    EXPECT_EQ(pub.size(), 64u);
    EXPECT_NE(priv, pub);
    // The public key is the one RFC 8032 derives from the private seed.
    auto sig = crypto::ed25519_sign("Hello, World!", priv);
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->size(), 128u);
    EXPECT_TRUE(crypto::ed25519_verify("Hello, World!", *sig, pub));
    EXPECT_TRUE(crypto::ed25519_verify("", *crypto::ed25519_sign("", priv), pub));

    st.sp = patch_seq_crypto_ed25519_keypair(st.sp);
    std::string priv2 = pop_str(st);
    std::string pub2 = pop_str(st);
    EXPECT_NE(priv, priv2);
    EXPECT_FALSE(crypto::ed25519_verify("Hello, World!", *sig, pub2));
}

TEST(Crypto, Ed25519MalformedInputs) {
    const std::string pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    TestStack st;
    push_str(st, "msg");
    push_str(st, "tooshort");
    st.sp = patch_seq_crypto_ed25519_sign(st.sp);
    EXPECT_FALSE(pop_flag(st));
    EXPECT_EQ(pop_str(st), "");
    EXPECT_FALSE(crypto::ed25519_verify("", std::string(128, '0'), pub));
    EXPECT_FALSE(crypto::ed25519_verify("", "zz", pub));
    EXPECT_FALSE(crypto::ed25519_verify("", std::string(128, '0'), "abcd"));
    // y = 2 is not the encoding of a curve point.
    EXPECT_FALSE(crypto::ed25519_verify("", std::string(128, '0'), "02" + std::string(62, '0')));
}

// PBKDF2 with many iterations runs on libuv's thread pool while the strand
// parks; the answer is the same as inline.
std::atomic<int> g_done{0};
std::string g_key;

Stack derive_in_strand(Stack sp) {
    TestStack st;
    push_str(st, "Password");
    push_str(st, "NaCl");
    st.sp = push(st.sp, make_int(80000));
    st.sp = patch_seq_crypto_pbkdf2_sha256(st.sp);
    bool ok = pop_flag(st);
    g_key = ok ? pop_str(st) : "failed";
    g_done.store(1);
    return sp;
}

using CryptoStrands = test::SchedulerTest;

TEST_F(CryptoStrands, Pbkdf2InStrandMatchesInline) {
    g_done = 0;
    spawn_strand(derive_in_strand, nullptr);
    patch_seq_wait_all_strands();
    EXPECT_EQ(g_done.load(), 1);
    EXPECT_EQ(g_key, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
}

// Hashing a big input runs off the worker (crypto::hash_runs_long): with one
// worker, a ticker strand takes its short sleeps while sha256 of 64 MiB is in
// progress, and the digest is the one computed inline.
TEST_F(CryptoStrands, BigSha256LeavesTheWorkerFree) {
    single_worker();
    std::string big(size_t{64} << 20, 'q');
    ASSERT_TRUE(crypto::hash_runs_long(big.size()));
    const std::string expected = crypto::sha256_hex(big);
    auto r = test::run_beside_ticker(
        [&] {
            TestStack st;
            push_str(st, big);
            st.sp = patch_seq_sha256(st.sp);
            EXPECT_EQ(pop_str(st), expected);
        },
        5, 10);  // inline, 10 calls would take seconds
    EXPECT_TRUE(r.ticker_finished);
    EXPECT_GT(r.ticks_during_word, 0) << "the ticker never ran while the word was in progress";
    EXPECT_LT(r.words, 10) << "the ticker only ran after the word strand gave up";
}

// The other words that offload big inputs answer as they do inline (the
// test thread is no strand, so its calls run inline).
TEST_F(CryptoStrands, BigInputsAnswerTheSameOffTheWorker) {
    const std::string big(crypto::kSlowHashBytes + 17, 'm');
    const std::string key(64, 'a');  // 32 bytes, hex
    const std::string seed_priv =
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const std::string pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    auto words = [&] {
        std::vector<std::string> out;
        TestStack st;
        push_str(st, big);
        push_str(st, "key");
        st.sp = patch_seq_hmac_sha256(st.sp);
        out.push_back(pop_str(st));
        push_str(st, big);
        push_str(st, key);
        st.sp = patch_seq_crypto_aes_gcm_encrypt(st.sp);
        out.push_back(pop_flag(st) ? "ok" : "failed");
        push_str(st, key);
        st.sp = patch_seq_crypto_aes_gcm_decrypt(st.sp);
        bool decrypted = pop_flag(st);
        out.push_back(decrypted && pop_str(st) == big ? "round trip" : "failed");
        push_str(st, big);
        push_str(st, seed_priv);
        st.sp = patch_seq_crypto_ed25519_sign(st.sp);
        EXPECT_TRUE(pop_flag(st));
        std::string sig = pop_str(st);
        out.push_back(sig);
        push_str(st, big);
        push_str(st, sig);
        push_str(st, pub);
        st.sp = patch_seq_crypto_ed25519_verify(st.sp);
        out.push_back(pop_flag(st) ? "verified" : "failed");
        return out;
    };
    std::vector<std::string> inline_answers = words(), strand_answers;
    test::spawn_fn([&] { strand_answers = words(); });
    patch_seq_wait_all_strands();
    EXPECT_EQ(strand_answers, inline_answers);
    ASSERT_EQ(inline_answers.size(), 5u);
    EXPECT_EQ(inline_answers[2], "round trip");
    EXPECT_EQ(inline_answers[4], "verified");
}

}  // namespace
}  // namespace seq
