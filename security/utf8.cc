#include "security/utf8.h"

#include <cstdint>

namespace keyledger::security {

bool valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::uint8_t lead = static_cast<std::uint8_t>(bytes[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }

        // The lead byte fixes the length and the allowed range of the first continuation byte;
        // the narrowed ranges are what excludes overlong forms, surrogates and > U+10FFFF.
        std::size_t length = 0;
        std::uint8_t low = 0x80;
        std::uint8_t high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;  // a continuation byte, C0/C1 or F5..FF where a character must start
        }
        if (bytes.size() - i < length) {
            return false;
        }

        const std::uint8_t first = static_cast<std::uint8_t>(bytes[i + 1]);
        if (first < low || first > high) {
            return false;
        }
        for (std::size_t k = 2; k < length; ++k) {
            const std::uint8_t next = static_cast<std::uint8_t>(bytes[i + k]);
            if (next < 0x80 || next > 0xBF) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

}  // namespace keyledger::security
