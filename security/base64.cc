#include "security/base64.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace keyledger::security {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::int8_t kInvalid = -1;

constexpr std::array<std::int8_t, 256> make_decode_table() {
    std::array<std::int8_t, 256> table{};
    table.fill(kInvalid);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        table[static_cast<std::uint8_t>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}

constexpr std::array<std::int8_t, 256> kDecode = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);

    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        // Up to three bytes make one 24-bit group, written as four 6-bit characters.
        const std::size_t present = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 3; ++j) {
            const std::uint8_t byte = j < present ? static_cast<std::uint8_t>(bytes[i + j]) : 0;
            group = (group << 8) | byte;
        }
        for (std::size_t j = 0; j < 4; ++j) {
            const bool carries_data = j <= present;  // n bytes need n + 1 characters
            out.push_back(carries_data ? kAlphabet[(group >> (18 - 6 * j)) & 0x3f] : '=');
        }
    }
    return out;
}

std::optional<std::string> base64_decode_canonical(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }

    // Padding: the last one or two characters of a non-empty text, nowhere else.
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') {
        padding = text[text.size() - 2] == '=' ? 2 : 1;
    }
    const std::string_view data = text.substr(0, text.size() - padding);

    std::string out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t buffer = 0;
    int buffered_bits = 0;
    for (const char c : data) {
        const std::int8_t value = kDecode[static_cast<std::uint8_t>(c)];
        if (value == kInvalid) {
            return std::nullopt;  // outside the alphabet, or "=" before the padding
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        buffered_bits += 6;
        if (buffered_bits >= 8) {
            buffered_bits -= 8;
            out.push_back(static_cast<char>((buffer >> buffered_bits) & 0xff));
        }
    }

    // What is left over are the unused low bits of the last character: 2 bits with one "=",
    // 4 bits with "==". The encoder writes zeros there; anything else is another spelling.
    if ((buffer & ((1u << buffered_bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

}  // namespace keyledger::security
