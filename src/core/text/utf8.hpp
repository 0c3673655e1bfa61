// UTF-8 text as the string words see it: characters are Unicode scalar
// values, indexes count characters, and the Unicode behaviour (whitespace,
// full case mapping, final sigma, Debug escaping) is that of Rust's `str`,
// which seq-runtime 5.4.0 uses.
//
// Strings normally hold valid UTF-8, but bytes read from files or sockets may
// not be. No function here trusts its input: an ill-formed sequence decodes
// as one U+FFFD per maximal subpart (the units Rust's from_utf8_lossy
// replaces), so counting, indexing and searching stay defined on any bytes.
// Functions that copy text (trim, case mapping) keep such bytes unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace seq::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// What a word that turns outside bytes (a socket, a file, a decoder) into a
// String accepts. seq-runtime 5.4.0 insisted on UTF-8 (anything else was the
// word's failure); since 7.x strings are byte-clean and such words return
// the bytes as they are. src/abi picks the rule of the compiler it serves.
enum class Bytes { Utf8Only, Any };

// True for the Unicode scalar values (a char in Rust): 0..0x10FFFF without
// the surrogates.
constexpr bool is_scalar(int64_t cp) {
    return cp >= 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
}

// Decodes the character at `p` (p < end) into `cp` and returns its length in
// bytes (at least 1). Ill-formed input gives U+FFFD and the length of the
// maximal subpart.
size_t decode(const char* p, const char* end, char32_t& cp);

// Decodes the character that ends at `p` (begin < p). A byte that does not
// end a well-formed character is a unit of its own (U+FFFD, length 1).
size_t decode_before(const char* begin, const char* p, char32_t& cp);

// Writes `cp` (a scalar value) as UTF-8; returns the length (1..4).
size_t encode(char32_t cp, char* out);
void append(std::string& out, char32_t cp);

// Number of characters.
size_t char_count(std::string_view s);
// Byte offset where character `index` starts; s.size() when index >= count.
size_t byte_offset(std::string_view s, size_t index);

// Strict validation (what Rust's String::from_utf8 accepts).
bool is_valid(std::string_view s);

// How much of `s` is whole, well-formed characters, for readers that get
// text in pieces (a socket, a pipe) and must not split a character.
struct Prefix {
    size_t valid;     // bytes of whole, well-formed characters from the start
    bool incomplete;  // the bytes after `valid` are the well-formed start of a
                      // character cut off by the end of `s` (a later read may
                      // complete it); false when they are ill-formed, or when
                      // valid == s.size()
};
Prefix valid_prefix(std::string_view s);

// Copy with every maximal ill-formed subpart replaced by U+FFFD.
std::string lossy(std::string_view s);

// Rust's char::is_whitespace: the Unicode White_Space property.
bool is_whitespace(char32_t cp);
// Unicode general category Cc (Rust's char::is_control).
constexpr bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Rust's str::trim: strips White_Space characters from both ends.
std::string_view trim(std::string_view s);

// Rust's str::to_uppercase / to_lowercase: full, language-independent case
// mapping (ß -> SS, İ -> i̇), with Σ -> ς at the end of a word. Appends to out.
void append_upper(std::string& out, std::string_view s);
void append_lower(std::string& out, std::string_view s);

// Appends Rust's Debug form of a str: quoted, with \0 \t \r \n \\ \" and
// \u{hex} for characters that are not printable or are grapheme extenders.
void append_debug_quoted(std::string& out, std::string_view s);

}  // namespace seq::utf8
