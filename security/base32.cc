#include "security/base32.h"

#include <cstdint>

namespace keyledger::security {

std::string base32_lower_encode(std::string_view bytes) {
    constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);

    // Shift bytes into a bit buffer and emit five bits whenever at least five are waiting.
    std::uint32_t buffer = 0;
    int buffered_bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8) | static_cast<std::uint8_t>(c);
        buffered_bits += 8;
        while (buffered_bits >= 5) {
            buffered_bits -= 5;
            out.push_back(kAlphabet[(buffer >> buffered_bits) & 0x1f]);
        }
    }
    if (buffered_bits > 0) {
        out.push_back(kAlphabet[(buffer << (5 - buffered_bits)) & 0x1f]);
    }
    return out;
}

}  // namespace keyledger::security
