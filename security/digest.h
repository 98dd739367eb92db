#pragma once
// A 256-bit digest (SHA-256, HMAC-SHA-256) and its hexadecimal form.

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace keyledger::security {

using Digest = std::array<std::uint8_t, 32>;

// Lower-case hexadecimal, two characters per byte, most significant nibble first.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace keyledger::security
