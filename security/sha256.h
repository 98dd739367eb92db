#pragma once
// Plain SHA-256 (FIPS 180-4), for fingerprints that need no key, such as the digest of a request
// body recorded with an idempotency key. To look up secrets use keyed_hash.h instead.

#include <string_view>

#include "security/digest.h"

namespace keyledger::security {

[[nodiscard]] Digest sha256(std::string_view bytes);

}  // namespace keyledger::security
