#pragma once
// The preconditions of append(), checked before anything is looked up or written.

#include <string>
#include <string_view>

#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

// invalid_argument naming the first event or delivery (1-based, in batch order) that breaks a
// rule of NewEvent, NewDelivery or kMaxPayloadBytes.
[[nodiscard]] Result<void> validate_batch(const AppendBatch& batch);

// invalid_argument unless `key` may be written with put_meta: not empty, not the store's own.
[[nodiscard]] Result<void> validate_meta_key(std::string_view key);

// What is wrong with an id of NewEvent::related, in plain words; empty if nothing.
[[nodiscard]] std::string related_id_problem(std::string_view id);

}  // namespace keyledger::eventstore::detail
