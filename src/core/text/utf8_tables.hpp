// Unicode data for the string words, generated from the Rust standard library
// by tools/unicode/gen_utf8_tables.rs (see there for how and which version).
// Only src/core/utf8.cpp reads these; everything else uses its functions.
#pragma once

#include <cstdint>
#include <span>

namespace seq::utf8::tables {

// `count` code points start, start + stride, ... each map to cp + delta.
struct CaseRange {
    uint32_t start;
    uint16_t count;
    uint8_t stride;
    int32_t delta;
};

// A code point whose mapping is two or three characters (unused slots are 0).
struct CaseMulti {
    uint32_t cp;
    uint32_t to[3];
};

struct CodeRange {
    uint32_t first;
    uint32_t last;
};

// Full case mappings of non-ASCII code points (SpecialCasing included, no
// language tailoring), sorted by code point.
extern const std::span<const CaseRange> upper_ranges;
extern const std::span<const CaseMulti> upper_multi;
extern const std::span<const CaseRange> lower_ranges;
extern const std::span<const CaseMulti> lower_multi;
// Properties that decide Greek final sigma (Case_Ignorable; Cased restricted
// to characters that are not Case_Ignorable, the only ones where it matters).
extern const std::span<const CodeRange> case_ignorable;
extern const std::span<const CodeRange> cased_not_ignorable;
// Characters Rust's str Debug writes as \u{..}: not printable or grapheme
// extending (the short escapes \0 \t \r \n \\ \" excluded).
extern const std::span<const CodeRange> debug_escaped;

}  // namespace seq::utf8::tables
