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

namespace {

// f(a, b) off the worker when the inputs are large (crypto::hash_runs_long):
// it reads only the popped strings' bytes and returns plain C++ values.
template <typename F>
auto maybe_off_worker(std::string_view a, std::string_view b, F f) {
    auto job = [&] { return f(a, b); };
    return crypto::hash_runs_long(a.size() + b.size()) ? run_blocking(job) : job();
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_sha256(seq_stack_t sp) {
    std::string hex = with_string(sp, "sha256", [](std::string_view data) {
        auto hash = [&] { return crypto::sha256_hex(data); };
        return crypto::hash_runs_long(data.size()) ? run_blocking(hash) : hash();
    });
    return push(sp, make_string(hex));
}

SEQ_API seq_stack_t patch_seq_hmac_sha256(seq_stack_t sp) {
    // ( message key -- hex )
    std::string hex = with_strings(sp, "hmac-sha256", [](std::string_view m, std::string_view k) {
        return maybe_off_worker(m, k, crypto::hmac_sha256_hex);
    });
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
    auto r = with_strings(sp, "crypto.aes-gcm-encrypt", [](std::string_view p, std::string_view k) {
        return maybe_off_worker(p, k, crypto::aes_gcm_encrypt);
    });
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_aes_gcm_decrypt(seq_stack_t sp) {
    // ( ciphertext key -- String Bool )
    auto r = with_strings(sp, "crypto.aes-gcm-decrypt", [](std::string_view c, std::string_view k) {
        return maybe_off_worker(c, k, [](std::string_view c, std::string_view k) {
            return crypto::aes_gcm_decrypt(c, k, kStringBytes);
        });
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
    auto r = with_strings(sp, "crypto.ed25519-sign", [](std::string_view m, std::string_view k) {
        return maybe_off_worker(m, k, crypto::ed25519_sign);
    });
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_ed25519_verify(seq_stack_t sp) {
    const char* word = "crypto.ed25519-verify";
    StackValue pub = pop_kind(sp, Kind::String, word);
    StackValue sig = pop_kind(sp, Kind::String, word);
    StackValue msg = pop_kind(sp, Kind::String, word);
    std::string_view sig_v = string_of(sig)->view();
    bool ok = maybe_off_worker(string_of(msg)->view(), string_of(pub)->view(),
                               [&](std::string_view m, std::string_view p) {
                                   return crypto::ed25519_verify(m, sig_v, p);
                               });
    drop_value(pub);
    drop_value(sig);
    drop_value(msg);
    return push(sp, make_bool(ok));
}

}  // extern "C"
