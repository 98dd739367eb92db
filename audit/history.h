#pragma once
// The store of a data directory opened for auditing: a RocksDB secondary instance, so it works
// beside a running server without stopping it, and the read model (state and history index)
// folded from the store's projection snapshot when it can be trusted, else from position 1.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "audit/calls.h"
#include "audit/problem.h"
#include "eventstore/event_store.h"
#include "projections/read_model.h"

namespace keyledger::audit {

// How a store that lost (or never had) its related index's mark is opened: behind an index
// built in memory from the log (for answers), or as stored (for `audit verify`, which compares
// the stored entries with the log).
enum class RelatedIndex { in_memory_when_unmarked, as_stored };

// DIR/store, opened as a secondary. not_found when DIR holds no store; store otherwise.
[[nodiscard]] Answer<std::unique_ptr<eventstore::EventStore>> open_for_audit(
    const std::filesystem::path& data_dir,
    RelatedIndex related = RelatedIndex::in_memory_when_unmarked);

// The read model up to the store's head. `warn` hears, in plain words, about a snapshot that
// could not be trusted (the model is then folded from position 1).
[[nodiscard]] Answer<projections::ReadModel> load_model(
    const eventstore::EventStore& store, const std::function<void(const std::string&)>& warn,
    const ReadProgress& progress = {});

}  // namespace keyledger::audit
