/*
 * seq-runtime: the optional word families of seq-runtime 5.4.0 (part of the
 * C ABI; included by seq/runtime.h): crypto, regex, compression and the HTTP
 * client. See docs/abi-optional.md for encodings, limits, failure behaviour
 * and the deliberate differences from upstream. A type mismatch aborts with a
 * message naming the word; bad input to a word that ends in a Bool status
 * gives a neutral value and false.
 */
#ifndef SEQ_RUNTIME_OPTIONAL_H
#define SEQ_RUNTIME_OPTIONAL_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- crypto (OpenSSL 3) ---------------------------------------------------
 * Digests, keys and signatures are lowercase hex; AES-GCM ciphertext is
 * Base64(nonce[12] || ciphertext || tag[16]). */

SEQ_API seq_stack_t patch_seq_sha256(seq_stack_t sp);           /* ( String -- hex ) */
SEQ_API seq_stack_t patch_seq_hmac_sha256(seq_stack_t sp);      /* ( msg key -- hex ) */
SEQ_API seq_stack_t patch_seq_constant_time_eq(seq_stack_t sp); /* ( String String -- Bool ) */
SEQ_API seq_stack_t
patch_seq_crypto_pbkdf2_sha256(seq_stack_t sp); /* ( pw salt Int -- hex Bool ) */
SEQ_API seq_stack_t
patch_seq_crypto_aes_gcm_encrypt(seq_stack_t sp); /* ( text hexkey -- b64 Bool ) */
SEQ_API seq_stack_t
patch_seq_crypto_aes_gcm_decrypt(seq_stack_t sp); /* ( b64 hexkey -- text Bool ) */
SEQ_API seq_stack_t patch_seq_crypto_ed25519_keypair(seq_stack_t sp); /* ( -- public private ) */
SEQ_API seq_stack_t patch_seq_crypto_ed25519_sign(seq_stack_t sp); /* ( msg private -- sig Bool ) */
SEQ_API seq_stack_t
patch_seq_crypto_ed25519_verify(seq_stack_t sp); /* ( msg sig public -- Bool ) */

/* ---- regex (RE2, patterns translated to Rust `regex` meaning) -------------- */

SEQ_API seq_stack_t patch_seq_regex_match(seq_stack_t sp); /* ( String pattern -- Bool ) */
SEQ_API seq_stack_t patch_seq_regex_find(seq_stack_t sp);  /* ( String pattern -- String Bool ) */
SEQ_API seq_stack_t patch_seq_regex_find_all(seq_stack_t sp); /* ( String pattern -- List Bool ) */
SEQ_API seq_stack_t
patch_seq_regex_replace(seq_stack_t sp); /* ( String pattern rep -- String Bool ) */
SEQ_API seq_stack_t
patch_seq_regex_replace_all(seq_stack_t sp); /* ( String pattern rep -- String Bool ) */
SEQ_API seq_stack_t patch_seq_regex_captures(seq_stack_t sp); /* ( String pattern -- List Bool ) */
SEQ_API seq_stack_t patch_seq_regex_split(seq_stack_t sp);    /* ( String pattern -- List Bool ) */
SEQ_API seq_stack_t patch_seq_regex_valid(seq_stack_t sp);    /* ( pattern -- Bool ) */

/* ---- compression (zlib, zstd); compressed data is Base64 text ---------------- */

SEQ_API seq_stack_t patch_seq_compress_gzip(seq_stack_t sp);       /* ( String -- b64 Bool ) */
SEQ_API seq_stack_t patch_seq_compress_gzip_level(seq_stack_t sp); /* ( String Int -- b64 Bool ) */
SEQ_API seq_stack_t patch_seq_compress_gunzip(seq_stack_t sp);     /* ( b64 -- String Bool ) */
SEQ_API seq_stack_t patch_seq_compress_zstd(seq_stack_t sp);       /* ( String -- b64 Bool ) */
SEQ_API seq_stack_t patch_seq_compress_zstd_level(seq_stack_t sp); /* ( String Int -- b64 Bool ) */
SEQ_API seq_stack_t patch_seq_compress_unzstd(seq_stack_t sp);     /* ( b64 -- String Bool ) */

/* ---- HTTP client (libcurl, loaded at run time); the response is a Map with
 * "status" Int, "body" String, "ok" Bool and, on failure, "error" String ---- */

SEQ_API seq_stack_t patch_seq_http_get(seq_stack_t sp);    /* ( url -- Map ) */
SEQ_API seq_stack_t patch_seq_http_post(seq_stack_t sp);   /* ( url body content-type -- Map ) */
SEQ_API seq_stack_t patch_seq_http_put(seq_stack_t sp);    /* ( url body content-type -- Map ) */
SEQ_API seq_stack_t patch_seq_http_delete(seq_stack_t sp); /* ( url -- Map ) */

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_OPTIONAL_H */
