#pragma once
// Folding the log into a read model outside the engine: for auditors' tools, verify and tests.

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "eventstore/event_store.h"
#include "projections/read_model.h"
#include "projections/snapshot.h"

namespace keyledger::engine {

// Called now and then with the number of events folded so far.
using Progress = std::function<void(std::uint64_t folded)>;

// Folds the events after model.position() up to `upto` (0 = the end of the log) into `model`.
[[nodiscard]] std::expected<void, std::string> fold_log(const eventstore::EventStore& store,
                                                        projections::ReadModel& model,
                                                        std::uint64_t upto = 0,
                                                        const Progress& progress = {});

// Folds positions 1..upto (0 = the whole log) into a fresh read model. An error names the
// position that could not be read or decoded.
[[nodiscard]] std::expected<projections::ReadModel, std::string> rebuild(
    const eventstore::EventStore& store, std::uint64_t upto = 0, const Progress& progress = {});

// The store's snapshot, if it has one. nullopt when there is none; an error when there is one
// that cannot be trusted (undecodable, checksum, or the log has no such event at its position),
// in plain words for a warning.
[[nodiscard]] std::expected<std::optional<projections::Snapshot>, std::string> load_snapshot(
    const eventstore::EventStore& store);

}  // namespace keyledger::engine
