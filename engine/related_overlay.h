#pragma once
// Auditors read copies of stores that may predate the related index, and they open them
// read-only, so the index cannot be built in the store. For those, the index is built in memory
// by one pass over the log and answers EventStore::related_positions; everything else goes to
// the store.

#include <expected>
#include <memory>
#include <string>

#include "engine/rebuild.h"
#include "eventstore/event_store.h"

namespace keyledger::engine {

// `store` itself when its related index is complete (the marker of related_backfill.h);
// otherwise `store` behind an in-memory related index read from its log. An error names the
// event that could not be read.
[[nodiscard]] std::expected<std::unique_ptr<eventstore::EventStore>, std::string>
with_related_index(std::unique_ptr<eventstore::EventStore> store, const Progress& progress = {});

}  // namespace keyledger::engine
