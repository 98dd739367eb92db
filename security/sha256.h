#pragma once
// Plain SHA-256 (FIPS 180-4): the hash of the event chain, the Merkle tree's nodes and the
// digest of a request body. To look up secrets use keyed_hash.h instead.
//
// One implementation for the whole program: OpenSSL's, which uses the CPU's SHA extensions where
// it has them (libsodium's portable code took ~3 us for a 512-byte body, about 5% of a webhook
// call's server CPU).

#include <cstdint>
#include <span>
#include <string_view>

#include "security/digest.h"

namespace keyledger::security {

// Throws std::runtime_error only if OpenSSL itself is broken.
[[nodiscard]] Digest sha256(std::string_view bytes);
[[nodiscard]] Digest sha256(std::span<const std::uint8_t> bytes);

}  // namespace keyledger::security
