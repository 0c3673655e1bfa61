// crypto.* words (seq-runtime 5.4.0 crypto.rs): SHA-256, HMAC-SHA256,
// constant-time comparison, PBKDF2, AES-256-GCM and Ed25519. Words without a
// status flag abort on a type mismatch; the others answer "" false on bad
// input. random-bytes, random-int and uuid4 live with the system words.
#include <optional>
#include <string>

#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/words/crypto.hpp"
#include "io/blocking.hpp"
#include "seq/runtime_optional.h"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_sha256(seq_stack_t sp) {
    std::string hex = with_string(sp, "sha256", crypto::sha256_hex);
    return push(sp, make_string(hex));
}

SEQ_API seq_stack_t patch_seq_hmac_sha256(seq_stack_t sp) {
    // ( message key -- hex )
    std::string hex = with_strings(sp, "hmac-sha256", crypto::hmac_sha256_hex);
    return push(sp, make_string(hex));
}

SEQ_API seq_stack_t patch_seq_constant_time_eq(seq_stack_t sp) {
    bool eq = with_strings(sp, "constant-time-eq", crypto::constant_time_eq);
    return push(sp, make_bool(eq));
}

SEQ_API seq_stack_t patch_seq_crypto_pbkdf2_sha256(seq_stack_t sp) {
    const char* word = "crypto.pbkdf2-sha256";
    int64_t iterations = pop_int(sp, word);
    StackValue salt = pop_kind(sp, Kind::String, word);
    StackValue password = pop_kind(sp, Kind::String, word);
    auto derive = [&] {
        return crypto::pbkdf2_sha256_hex(string_of(password)->view(), string_of(salt)->view(),
                                         iterations);
    };
    auto key = crypto::pbkdf2_is_slow(iterations) ? run_blocking(derive) : derive();
    drop_value(password);
    drop_value(salt);
    return push_result(sp, key);
}

SEQ_API seq_stack_t patch_seq_crypto_aes_gcm_encrypt(seq_stack_t sp) {
    // ( plaintext key -- String Bool )
    auto r = with_strings(sp, "crypto.aes-gcm-encrypt", crypto::aes_gcm_encrypt);
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_aes_gcm_decrypt(seq_stack_t sp) {
    // ( ciphertext key -- String Bool )
    auto r = with_strings(sp, "crypto.aes-gcm-decrypt", [](std::string_view c, std::string_view k) {
        return crypto::aes_gcm_decrypt(c, k, kStringBytes);
    });
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_ed25519_keypair(seq_stack_t sp) {
    crypto::Ed25519Keypair kp = crypto::ed25519_keypair();
    sp = push(sp, make_string(kp.public_hex));
    return push(sp, make_string(kp.private_hex));
}

SEQ_API seq_stack_t patch_seq_crypto_ed25519_sign(seq_stack_t sp) {
    // ( message private-key -- String Bool )
    auto r = with_strings(sp, "crypto.ed25519-sign", crypto::ed25519_sign);
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_ed25519_verify(seq_stack_t sp) {
    const char* word = "crypto.ed25519-verify";
    StackValue pub = pop_kind(sp, Kind::String, word);
    StackValue sig = pop_kind(sp, Kind::String, word);
    StackValue msg = pop_kind(sp, Kind::String, word);
    bool ok = crypto::ed25519_verify(string_of(msg)->view(), string_of(sig)->view(),
                                     string_of(pub)->view());
    drop_value(pub);
    drop_value(sig);
    drop_value(msg);
    return push(sp, make_bool(ok));
}

}  // extern "C"
