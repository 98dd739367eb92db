#pragma once
// Stores written before the related index existed (eventstore::NewEvent::related) get it built
// once, from the log, the first time an engine opens them.

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>

#include "engine/rebuild.h"
#include "eventstore/event_store.h"

namespace keyledger::engine {

// Present (value "complete") in stores whose related index covers every event: written by
// ensure_related_index, and by tools that write a log with NewEvent::related filled.
inline constexpr std::string_view kRelatedIndexMetaKey = "related_index";

// Called with each related id of each event (domain::related_ids), in position order; returns
// false to stop.
using RelatedVisitor = std::function<bool(std::uint64_t position, std::string id)>;
[[nodiscard]] std::expected<void, std::string> for_each_related(const eventstore::EventStore& store,
                                                                const RelatedVisitor& visit,
                                                                const Progress& progress = {});

// Builds the related index of every event if the store lacks the marker, then writes it. A new
// (empty) store only gets the marker. An error names the event that could not be read.
[[nodiscard]] std::expected<void, std::string> ensure_related_index(eventstore::EventStore& store,
                                                                    const Progress& progress = {});

}  // namespace keyledger::engine
