#include "core/words/encoding.hpp"

#include <array>
#include <cstdint>

namespace seq::encoding {

namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> reverse(const char* alphabet) {
    std::array<uint8_t, 256> t{};
    for (auto& v : t)
        v = kInvalid;
    for (uint8_t i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(alphabet[i])] = i;
    return t;
}

constexpr auto kStandardRev = reverse(kStandard);
constexpr auto kUrlRev = reverse(kUrl);

int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes, Base64 alphabet) {
    const char* sym = alphabet == Base64::Standard ? kStandard : kUrl;
    const bool pad = alphabet == Base64::Standard;
    const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size();
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
        out.push_back(sym[v >> 18]);
        out.push_back(sym[(v >> 12) & 63]);
        out.push_back(sym[(v >> 6) & 63]);
        out.push_back(sym[v & 63]);
    }
    if (n - i == 1) {
        uint32_t v = uint32_t{in[i]} << 16;
        out.push_back(sym[v >> 18]);
        out.push_back(sym[(v >> 12) & 63]);
        if (pad) out += "==";
    } else if (n - i == 2) {
        uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
        out.push_back(sym[v >> 18]);
        out.push_back(sym[(v >> 12) & 63]);
        out.push_back(sym[(v >> 6) & 63]);
        if (pad) out.push_back('=');
    }
    return out;
}

bool base64_decode(std::string_view text, Base64 alphabet, std::string& out) {
    out.clear();
    const auto& rev = alphabet == Base64::Standard ? kStandardRev : kUrlRev;
    size_t n = text.size();
    size_t pads = 0;
    while (pads < n && text[n - 1 - pads] == '=')
        ++pads;
    const size_t symbols = n - pads;
    if (alphabet == Base64::UrlNoPad) {
        if (pads != 0) return false;
    } else if (n % 4 != 0 || pads > 2) {
        return false;
    }
    // A lone symbol in the last quad carries fewer than 8 bits.
    if (symbols % 4 == 1) return false;

    out.reserve(symbols / 4 * 3 + 2);
    uint32_t acc = 0;
    size_t held = 0;
    for (size_t i = 0; i < symbols; ++i) {
        uint8_t v = rev[static_cast<unsigned char>(text[i])];
        if (v == kInvalid) {  // includes '=' before the end
            out.clear();
            return false;
        }
        acc = (acc << 6) | v;
        if (++held == 4) {
            out.push_back(static_cast<char>(acc >> 16));
            out.push_back(static_cast<char>((acc >> 8) & 0xFF));
            out.push_back(static_cast<char>(acc & 0xFF));
            acc = 0;
            held = 0;
        }
    }
    // Non-canonical encodings set bits that no output byte uses.
    if (held == 2) {
        if (acc & 0x0F) {
            out.clear();
            return false;
        }
        out.push_back(static_cast<char>(acc >> 4));
    } else if (held == 3) {
        if (acc & 0x03) {
            out.clear();
            return false;
        }
        out.push_back(static_cast<char>(acc >> 10));
        out.push_back(static_cast<char>((acc >> 2) & 0xFF));
    }
    return true;
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 15]);
    }
    return out;
}

bool hex_decode(std::string_view text, std::string& out) {
    out.clear();
    if (text.size() % 2 != 0) return false;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(static_cast<unsigned char>(text[i]));
        int lo = hex_value(static_cast<unsigned char>(text[i + 1]));
        if (hi < 0 || lo < 0) {
            out.clear();
            return false;
        }
        out.push_back(static_cast<char>(hi << 4 | lo));
    }
    return true;
}

}  // namespace seq::encoding
