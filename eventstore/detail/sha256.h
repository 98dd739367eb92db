#pragma once
// SHA-256, the hash of the event chain.

#include <string_view>

#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

// The SHA-256 of `bytes`. Throws std::runtime_error only if OpenSSL itself is broken.
[[nodiscard]] Hash sha256(std::string_view bytes);

}  // namespace keyledger::eventstore::detail
