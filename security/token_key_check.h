#pragma once
// The store keeps a keyed hash of a fixed text under this meta key, written by `init`, so that a
// token key that is not the store's own (a damaged file, a backup from elsewhere) is found before
// it refuses every token: `serve` refuses to start and `audit verify` reports it.

#include <string>
#include <string_view>

#include "security/keyed_hash.h"

namespace keyledger::security {

inline constexpr std::string_view kTokenKeyCheckMeta = "token_key_check";

// What the store holds under kTokenKeyCheckMeta for the key `hasher` was made from.
[[nodiscard]] std::string token_key_check(const SecretHasher& hasher);

}  // namespace keyledger::security
