#include "core/words/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>

#include "core/fatal.hpp"
#include "core/text/utf8.hpp"
#include "core/words/encoding.hpp"

namespace seq::crypto {

namespace {

const unsigned char* bytes(std::string_view s) {
    // OpenSSL wants a non-null pointer even for zero-length input.
    static const unsigned char empty = 0;
    return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

[[noreturn]] void openssl_failure(const char* what) {
    // Only allocation failure or a broken OpenSSL installation gets here:
    // none of these operations can fail on well-formed arguments.
    fatal("crypto", "OpenSSL %s failed", what);
}

// Hex key of exactly `n` bytes (either case), or nullopt.
std::optional<std::string> decode_key(std::string_view hex, size_t n) {
    std::string key;
    if (!encoding::hex_decode(hex, key) || key.size() != n) return std::nullopt;
    return key;
}

// EVP_*Update takes an int length: feed large inputs in slices.
template <typename Update>
bool update_in_slices(std::string_view in, unsigned char* out, size_t& written, Update update) {
    constexpr size_t kSlice = size_t{1} << 30;
    size_t off = 0;
    do {
        size_t n = std::min(kSlice, in.size() - off);
        int outl = 0;
        if (update(out + written, &outl, bytes(in.substr(off, n)), static_cast<int>(n)) != 1)
            return false;
        written += static_cast<size_t>(outl);
        off += n;
    } while (off < in.size());
    return true;
}

}  // namespace

void random_fill(unsigned char* out, size_t n) {
    while (n > 0) {
        int chunk = static_cast<int>(std::min<size_t>(n, INT_MAX));
        if (RAND_bytes(out, chunk) != 1) fatal("crypto", "the random generator failed");
        out += chunk;
        n -= static_cast<size_t>(chunk);
    }
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes(data), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
        openssl_failure("SHA-256");
    return encoding::hex_encode({reinterpret_cast<const char*>(md), len});
}

std::string hmac_sha256_hex(std::string_view message, std::string_view key) {
    // HMAC hashes keys longer than the block (64 bytes) itself; doing it here
    // keeps the length within HMAC()'s int parameter for any key.
    unsigned char hashed[32];
    if (key.size() > 64) {
        unsigned int n = 0;
        if (EVP_Digest(bytes(key), key.size(), hashed, &n, EVP_sha256(), nullptr) != 1)
            openssl_failure("SHA-256");
        key = {reinterpret_cast<const char*>(hashed), n};
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), bytes(key), static_cast<int>(key.size()), bytes(message),
              message.size(), md, &len))
        openssl_failure("HMAC-SHA256");
    return encoding::hex_encode({reinterpret_cast<const char*>(md), len});
}

bool constant_time_eq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(bytes(a), bytes(b), a.size()) == 0;
}

std::optional<std::string> pbkdf2_sha256_hex(std::string_view password, std::string_view salt,
                                             int64_t iterations) {
    if (iterations < kMinPbkdf2Iterations || iterations > kMaxPbkdf2Iterations) return std::nullopt;
    if (password.size() > INT_MAX || salt.size() > INT_MAX) return std::nullopt;
    unsigned char key[kAesKeyBytes];
    if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(bytes(password)),
                          static_cast<int>(password.size()), bytes(salt),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          sizeof key, key) != 1)
        openssl_failure("PBKDF2");
    return encoding::hex_encode({reinterpret_cast<const char*>(key), sizeof key});
}

std::optional<std::string> aes_gcm_encrypt_with_nonce(std::string_view plaintext,
                                                      std::string_view key_hex,
                                                      std::string_view nonce) {
    auto key = decode_key(key_hex, kAesKeyBytes);
    if (!key || nonce.size() != kAesNonceBytes) return std::nullopt;
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) openssl_failure("EVP_CIPHER_CTX_new");
    // nonce || ciphertext || tag, as the aes-gcm crate's callers in upstream lay it out.
    std::string combined(kAesNonceBytes + plaintext.size() + kAesTagBytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(combined.data());
    std::copy(nonce.begin(), nonce.end(), combined.begin());
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(*key), bytes(nonce)) != 1)
        openssl_failure("AES-GCM init");
    size_t written = kAesNonceBytes;
    if (!update_in_slices(plaintext, out, written,
                          [&](unsigned char* o, int* ol, const unsigned char* in, int n) {
                              return EVP_EncryptUpdate(ctx.get(), o, ol, in, n);
                          }))
        openssl_failure("AES-GCM encrypt");
    int fin = 0;
    if (EVP_EncryptFinal_ex(ctx.get(), out + written, &fin) != 1) openssl_failure("AES-GCM final");
    written += static_cast<size_t>(fin);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesTagBytes, out + written) != 1)
        openssl_failure("AES-GCM tag");
    combined.resize(written + kAesTagBytes);
    return encoding::base64_encode(combined, encoding::Base64::Standard);
}

std::optional<std::string> aes_gcm_encrypt(std::string_view plaintext, std::string_view key_hex) {
    unsigned char nonce[kAesNonceBytes];
    random_fill(nonce, sizeof nonce);
    return aes_gcm_encrypt_with_nonce(plaintext, key_hex,
                                      {reinterpret_cast<const char*>(nonce), sizeof nonce});
}

std::optional<std::string> aes_gcm_decrypt(std::string_view ciphertext_b64,
                                           std::string_view key_hex, utf8::Bytes accept) {
    std::string combined;
    if (!encoding::base64_decode(ciphertext_b64, encoding::Base64::Standard, combined))
        return std::nullopt;
    if (combined.size() < kAesNonceBytes + kAesTagBytes) return std::nullopt;
    auto key = decode_key(key_hex, kAesKeyBytes);
    if (!key) return std::nullopt;
    std::string_view all(combined);
    std::string_view nonce = all.substr(0, kAesNonceBytes);
    std::string_view body = all.substr(kAesNonceBytes, all.size() - kAesNonceBytes - kAesTagBytes);
    std::string tag(all.substr(all.size() - kAesTagBytes));

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) openssl_failure("EVP_CIPHER_CTX_new");
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(*key), bytes(nonce)) != 1)
        openssl_failure("AES-GCM init");
    std::string plain(body.size() + kAesTagBytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    size_t written = 0;
    if (!update_in_slices(body, out, written,
                          [&](unsigned char* o, int* ol, const unsigned char* in, int n) {
                              return EVP_DecryptUpdate(ctx.get(), o, ol, in, n);
                          }))
        return std::nullopt;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesTagBytes, tag.data()) != 1)
        openssl_failure("AES-GCM tag");
    int fin = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), out + written, &fin) != 1) {  // forged or corrupted
        ERR_clear_error();
        return std::nullopt;
    }
    written += static_cast<size_t>(fin);
    plain.resize(written);
    if (accept == utf8::Bytes::Utf8Only && !utf8::is_valid(plain)) return std::nullopt;
    return plain;
}

Ed25519Keypair ed25519_keypair() {
    unsigned char seed[32];
    random_fill(seed, sizeof seed);
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed));
    OPENSSL_cleanse(seed, sizeof seed);
    if (!key) openssl_failure("Ed25519 key");
    unsigned char pub[32], priv[32];
    size_t pub_len = sizeof pub, priv_len = sizeof priv;
    if (EVP_PKEY_get_raw_public_key(key.get(), pub, &pub_len) != 1 ||
        EVP_PKEY_get_raw_private_key(key.get(), priv, &priv_len) != 1)
        openssl_failure("Ed25519 raw key");
    Ed25519Keypair kp{encoding::hex_encode({reinterpret_cast<const char*>(pub), pub_len}),
                      encoding::hex_encode({reinterpret_cast<const char*>(priv), priv_len})};
    OPENSSL_cleanse(priv, sizeof priv);
    return kp;
}

std::optional<std::string> ed25519_sign(std::string_view message, std::string_view private_hex) {
    auto seed = decode_key(private_hex, 32);
    if (!seed) return std::nullopt;
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(*seed), seed->size()));
    OPENSSL_cleanse(seed->data(), seed->size());
    if (!key) openssl_failure("Ed25519 key");
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx) openssl_failure("EVP_MD_CTX_new");
    unsigned char sig[64];
    size_t sig_len = sizeof sig;
    if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig, &sig_len, bytes(message), message.size()) != 1)
        openssl_failure("Ed25519 sign");
    return encoding::hex_encode({reinterpret_cast<const char*>(sig), sig_len});
}

bool ed25519_verify(std::string_view message, std::string_view signature_hex,
                    std::string_view public_hex) {
    auto sig = decode_key(signature_hex, 64);
    auto pub = decode_key(public_hex, 32);
    if (!sig || !pub) return false;
    // Fails for encodings that are not a curve point (as ed25519-dalek's
    // VerifyingKey::from_bytes does).
    Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(*pub), pub->size()));
    if (!key) {
        ERR_clear_error();
        return false;
    }
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx) openssl_failure("EVP_MD_CTX_new");
    bool ok =
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), bytes(*sig), sig->size(), bytes(message), message.size()) == 1;
    // A rejected signature leaves an entry in this thread's OpenSSL error
    // queue; strands migrate, so do not leave it for someone else to find.
    if (!ok) ERR_clear_error();
    return ok;
}

}  // namespace seq::crypto
