// Cryptographic primitives behind the crypto.* words (seq-runtime 5.4.0
// crypto.rs), on OpenSSL 3's libcrypto.
//
// Encodings are those of upstream and are part of the language's contract:
// digests, derived keys, Ed25519 keys and signatures are lowercase hex (keys
// are accepted in either case); AES-256-GCM ciphertext is standard Base64 of
// nonce (12 bytes) || ciphertext || tag (16 bytes), the layout of the Rust
// `aes-gcm` crate. Functions that can fail return std::nullopt; callers turn
// that into the word's neutral value and false.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/text/utf8.hpp"

namespace seq::crypto {

inline constexpr size_t kAesKeyBytes = 32;
inline constexpr size_t kAesNonceBytes = 12;
inline constexpr size_t kAesTagBytes = 16;
inline constexpr int64_t kMinPbkdf2Iterations = 1000;
// PKCS5_PBKDF2_HMAC takes an int; upstream casts to u32 (wrapping).
inline constexpr int64_t kMaxPbkdf2Iterations = INT32_MAX;

// From this many iterations PBKDF2 takes milliseconds, worth running off the
// worker thread (io/blocking.hpp) so the worker's other strands keep running;
// below it the hand-off would cost more than the work. Counts outside the
// valid range fail at once, so they are never slow.
inline constexpr int64_t kPbkdf2SlowIterations = 10000;
constexpr bool pbkdf2_is_slow(int64_t iterations) {
    return iterations >= kPbkdf2SlowIterations && iterations <= kMaxPbkdf2Iterations;
}

// From this many input bytes sha256 and hmac-sha256 run off the worker
// thread too (docs/architecture.md, "Long words off the worker").
inline constexpr size_t kSlowHashBytes = size_t{256} << 10;
constexpr bool hash_runs_long(size_t input_bytes) {
    return input_bytes >= kSlowHashBytes;
}

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view message, std::string_view key);
// Constant time in the contents; a length mismatch answers false at once (the
// length is not secret, as in the `subtle` crate).
bool constant_time_eq(std::string_view a, std::string_view b);

// 32-byte PBKDF2-HMAC-SHA256 key as hex; nullopt when iterations is outside
// [kMinPbkdf2Iterations, kMaxPbkdf2Iterations].
std::optional<std::string> pbkdf2_sha256_hex(std::string_view password, std::string_view salt,
                                             int64_t iterations);

// Encrypts with a fresh random nonce. nullopt: the key is not 64 hex digits.
std::optional<std::string> aes_gcm_encrypt(std::string_view plaintext, std::string_view key_hex);
// Same with a caller-chosen nonce (kAesNonceBytes bytes): for known-answer tests.
std::optional<std::string> aes_gcm_encrypt_with_nonce(std::string_view plaintext,
                                                      std::string_view key_hex,
                                                      std::string_view nonce);
// nullopt: bad Base64, too short, bad key, authentication failure, or (with
// `accept` Utf8Only, seqc 5.4.0's text strings) a plaintext that is not valid
// UTF-8.
std::optional<std::string> aes_gcm_decrypt(std::string_view ciphertext_b64,
                                           std::string_view key_hex, utf8::Bytes accept);

struct Ed25519Keypair {
    std::string public_hex;
    std::string private_hex;  // the 32-byte seed (RFC 8032 "secret key")
};
Ed25519Keypair ed25519_keypair();
// 64-byte signature as hex; nullopt when the key is not 32 bytes of hex.
std::optional<std::string> ed25519_sign(std::string_view message, std::string_view private_hex);
// False on any malformed input as well as on a bad signature.
bool ed25519_verify(std::string_view message, std::string_view signature_hex,
                    std::string_view public_hex);

// Cryptographically secure random bytes (OpenSSL's DRBG, seeded by the OS).
void random_fill(unsigned char* out, size_t n);

}  // namespace seq::crypto
