// crypto.* words (seq-runtime 5.4.0 crypto.rs): SHA-256, HMAC-SHA256,
// constant-time comparison, PBKDF2, AES-256-GCM and Ed25519. Words without a
// status flag abort on a type mismatch; the others answer "" false on bad
// input. random-bytes, random-int and uuid4 live with the system words.
#include <optional>
#include <string>

#include "abi/abi.hpp"
#include "core/words/crypto.hpp"
#include "io/blocking.hpp"
#include "seq/runtime_optional.h"

using namespace seq;

namespace {

// Pops a String, hands its bytes to `f` and releases it.
template <typename F>
auto with_string(Stack& sp, const char* word, F f) {
    StringObj* s = string_of(pop_kind(sp, Kind::String, word));
    auto r = f(s->view());
    release(s);
    return r;
}

Stack push_result(Stack sp, const std::optional<std::string>& r) {
    sp = push(sp, make_string(r ? std::string_view(*r) : std::string_view()));
    return push(sp, make_bool(r.has_value()));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_sha256(seq_stack_t sp) {
    std::string hex = with_string(sp, "sha256", crypto::sha256_hex);
    return push(sp, make_string(hex));
}

SEQ_API seq_stack_t patch_seq_hmac_sha256(seq_stack_t sp) {
    StackValue key = pop_kind(sp, Kind::String, "hmac-sha256");
    StackValue msg = pop_kind(sp, Kind::String, "hmac-sha256");
    std::string hex = crypto::hmac_sha256_hex(string_of(msg)->view(), string_of(key)->view());
    drop_value(key);
    drop_value(msg);
    return push(sp, make_string(hex));
}

SEQ_API seq_stack_t patch_seq_constant_time_eq(seq_stack_t sp) {
    StackValue b = pop_kind(sp, Kind::String, "constant-time-eq");
    StackValue a = pop_kind(sp, Kind::String, "constant-time-eq");
    bool eq = crypto::constant_time_eq(string_of(a)->view(), string_of(b)->view());
    drop_value(a);
    drop_value(b);
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
    const char* word = "crypto.aes-gcm-encrypt";
    StackValue key = pop_kind(sp, Kind::String, word);
    StackValue text = pop_kind(sp, Kind::String, word);
    auto r = crypto::aes_gcm_encrypt(string_of(text)->view(), string_of(key)->view());
    drop_value(key);
    drop_value(text);
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_aes_gcm_decrypt(seq_stack_t sp) {
    const char* word = "crypto.aes-gcm-decrypt";
    StackValue key = pop_kind(sp, Kind::String, word);
    StackValue text = pop_kind(sp, Kind::String, word);
    auto r = crypto::aes_gcm_decrypt(string_of(text)->view(), string_of(key)->view());
    drop_value(key);
    drop_value(text);
    return push_result(sp, r);
}

SEQ_API seq_stack_t patch_seq_crypto_ed25519_keypair(seq_stack_t sp) {
    crypto::Ed25519Keypair kp = crypto::ed25519_keypair();
    sp = push(sp, make_string(kp.public_hex));
    return push(sp, make_string(kp.private_hex));
}

SEQ_API seq_stack_t patch_seq_crypto_ed25519_sign(seq_stack_t sp) {
    const char* word = "crypto.ed25519-sign";
    StackValue key = pop_kind(sp, Kind::String, word);
    StackValue msg = pop_kind(sp, Kind::String, word);
    auto r = crypto::ed25519_sign(string_of(msg)->view(), string_of(key)->view());
    drop_value(key);
    drop_value(msg);
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
