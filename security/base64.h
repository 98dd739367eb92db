#pragma once
// Standard base64 (RFC 4648 section 4): alphabet A-Z a-z 0-9 + /, padded with "=" to a multiple
// of four characters.

#include <optional>
#include <string>
#include <string_view>

namespace keyledger::security {

[[nodiscard]] std::string base64_encode(std::string_view bytes);

// Decodes `text` only if it is exactly what base64_encode would have produced for some input,
// so every byte string has one accepted spelling. Refused (nullopt): a length that is not a
// multiple of four, missing or extra "=", "=" anywhere but the last one or two places,
// non-zero bits in the unused low bits of the last character before the padding, characters of
// other alphabets (base64url "-" and "_"), whitespace and line breaks. The empty string decodes
// to the empty string.
[[nodiscard]] std::optional<std::string> base64_decode_canonical(std::string_view text);

}  // namespace keyledger::security
