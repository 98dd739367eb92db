#pragma once
// Stores written before the related index existed (eventstore::NewEvent::related) get it built
// once, from the log, the first time an engine opens them.

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "engine/rebuild.h"
#include "eventstore/event_store.h"

namespace keyledger::engine {

// Called with each related id of each event (domain::related_ids), in position order; returns
// false to stop.
using RelatedVisitor = std::function<bool(std::uint64_t position, std::string id)>;
[[nodiscard]] std::expected<void, std::string> for_each_related(const eventstore::EventStore& store,
                                                                const RelatedVisitor& visit,
                                                                const Progress& progress = {});

// Builds the related index of every event unless the store says it is complete
// (EventStore::related_index_complete), then marks it so; a new (empty) store is only marked.
// An error names the event that could not be read.
[[nodiscard]] std::expected<void, std::string> ensure_related_index(eventstore::EventStore& store,
                                                                    const Progress& progress = {});

}  // namespace keyledger::engine
