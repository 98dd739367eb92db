#pragma once
// verify(): walks the whole chain and trusts nothing stored about it.

#include "eventstore/detail/database.h"
#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

// Checks, in one consistent snapshot of `database`: positions dense from 1, every envelope
// decodable and stored under its own position, every prev_hash link, every stream's versions
// dense from 1 and agreeing with the stream index (which holds nothing else), and the stored
// head naming the last event. Stops at the first problem. An Error only if reading failed.
[[nodiscard]] Result<VerifyReport> verify_chain(const Database& database);

}  // namespace keyledger::eventstore::detail
