#pragma once
// Strict UTF-8 validation (RFC 3629).

#include <string_view>

namespace keyledger::security {

// True when `bytes` is well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF), no
// code point above U+10FFFF, no truncated sequence. NUL and other control characters are
// well-formed and accepted; refusing them is the caller's business.
[[nodiscard]] bool valid_utf8(std::string_view bytes);

}  // namespace keyledger::security
