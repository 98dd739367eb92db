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

// As fold_log to the end of the log, and also checks the chain of what it folds: the first
// event's prev_hash is `anchor` (the hash of the event at model.position(); zeros before the
// first event), each next one's the hash of the event before, and the last event's hash the
// stored head's. The engine's start-up fold: an event altered after it was written is refused
// before its content enters the state. Costs a SHA-256 of each event folded.
[[nodiscard]] std::expected<void, std::string> fold_log_linked(const eventstore::EventStore& store,
                                                               projections::ReadModel& model,
                                                               const eventstore::Hash& anchor,
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
