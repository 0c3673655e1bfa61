// utf8::valid_prefix: how much of a piece of input is whole characters, and
// whether the rest may be completed by a later read (the TCP and stdin
// readers rely on both answers).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/text/utf8.hpp"

namespace seq {
namespace {

struct Case {
    std::string_view bytes;
    size_t valid;
    bool incomplete;
};

TEST(Utf8ValidPrefix, WholeAndCutOffAndIllFormed) {
    const Case cases[] = {
        {"", 0, false},
        {"plain ascii", 11, false},
        {"h\xC3\xA9", 3, false},         // é
        {"\xF0\x9F\x8E\x89", 4, false},  // 🎉
        {"\xEF\xBF\xBD", 3, false},      // a real U+FFFD is valid
        {"ab\xC3", 2, true},             // first byte of é
        {"\xE2\x82", 0, true},           // two of the three bytes of €
        {"\xF0\x9F\x98", 0, true},       // three of four
        {"\xEF\xBF", 0, true},           // the start of U+FFFD
        {"a\x80", 1, false},             // a lone continuation byte
        {"\xC0\x80", 0, false},          // overlong NUL
        {"\xC3", 0, true},               // nothing but a lead byte
        {"\xFF", 0, false},              // never a lead byte
        {"\xE2\x28\xA1", 0, false},      // wrong second byte
        {"\xE2\x82\x28", 0, false},      // wrong third byte
        {"\xED\xA0", 0, false},          // a surrogate, even cut off
        {"\xF4\x90", 0, false},          // above U+10FFFF, even cut off
        {"\xE0\x80", 0, false},          // overlong, even cut off
        {"12345678\xC3", 8, true},       // after the eight-byte ASCII run
        {"123456789\xFF", 9, false},     // ill-formed after it
        {"1234567\xC3\xA9"
         "89",
         11, false},  // a character across the run
        {"\xC3\xA9\xC3", 2, true},
        {"\xC3\xA9\xC3x", 2, false},  // cut off, but not at the end
    };
    for (const Case& c : cases) {
        utf8::Prefix p = utf8::valid_prefix(c.bytes);
        std::string hex;
        for (unsigned char b : c.bytes)
            hex += std::to_string(b) + " ";
        EXPECT_EQ(p.valid, c.valid) << hex;
        EXPECT_EQ(p.incomplete, c.incomplete) << hex;
        EXPECT_EQ(utf8::is_valid(c.bytes), c.valid == c.bytes.size()) << hex;
    }
}

// A character split anywhere is reported cut off until its last byte arrives.
TEST(Utf8ValidPrefix, EverySplitOfEveryLength) {
    for (std::string_view ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x8E\x89"}) {
        std::string text = "ab" + std::string(ch);
        for (size_t cut = 3; cut < text.size(); ++cut) {
            utf8::Prefix p = utf8::valid_prefix(std::string_view(text).substr(0, cut));
            EXPECT_EQ(p.valid, 2u);
            EXPECT_TRUE(p.incomplete);
        }
        EXPECT_EQ(utf8::valid_prefix(text).valid, text.size());
    }
}

}  // namespace
}  // namespace seq
