#pragma once
// Base32 (RFC 4648 section 6), written in lower case and without padding: the alphabet is
// "abcdefghijklmnopqrstuvwxyz234567". Used for public ids, where case-insensitive, URL-safe
// characters matter more than length.

#include <string>
#include <string_view>

namespace keyledger::security {

// Encodes `bytes` five bits per character, most significant bit first; the last character is
// padded with zero bits. n bytes give ceil(8n / 5) characters (16 bytes give 26).
[[nodiscard]] std::string base32_lower_encode(std::string_view bytes);

}  // namespace keyledger::security
