#pragma once
// CRC-32 as used by zlib, PNG and Ethernet (CRC-32/ISO-HDLC: reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF; crc32("123456789") == 0xCBF43926).
//
// An error-detecting code, not a cryptographic one: it catches typos (every change confined to
// 32 consecutive bits, so every single wrong character), never tampering.

#include <cstdint>
#include <string_view>

namespace keyledger::security {

[[nodiscard]] std::uint32_t crc32(std::string_view bytes);

}  // namespace keyledger::security
