// Base64 and hex codecs with the exact acceptance rules of the Rust crates
// seq-runtime 5.4.0 uses (base64 0.22 STANDARD / URL_SAFE_NO_PAD, hex 0.4).
#pragma once

#include <string>
#include <string_view>

namespace seq::encoding {

enum class Base64 {
    Standard,  // A-Z a-z 0-9 + /, '=' padding written and required (canonical)
    UrlNoPad,  // A-Z a-z 0-9 - _, no padding written, any '=' rejected
};

std::string base64_encode(std::string_view bytes, Base64 alphabet);
// Strict decoding: every byte must belong to the alphabet (no whitespace),
// padding must be canonical for Standard and absent for UrlNoPad, and the
// unused low bits of the last symbol must be zero. Returns false (and leaves
// `out` empty) on any violation.
bool base64_decode(std::string_view text, Base64 alphabet, std::string& out);

// Lowercase, two digits per byte.
std::string hex_encode(std::string_view bytes);
// Even length, digits 0-9 a-f A-F only; returns false (out empty) otherwise.
bool hex_decode(std::string_view text, std::string& out);

}  // namespace seq::encoding
