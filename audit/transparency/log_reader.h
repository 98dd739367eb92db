#pragma once
// Reads the leaves of the Merkle tree (the events' stored hashes) out of an event store.

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "audit/transparency/merkle.h"
#include "audit/transparency/merkle_tree.h"
#include "eventstore/event_store.h"

namespace keyledger::transparency {

struct LogReadError {
    std::uint64_t position = 0;  // the event that could not be read; 0 when not known
    std::string message;
};

// Calls `leaf` with the hash of every event at positions after_position + 1 .. up_to, in order,
// reading in batches. Stops at the end of the log if it comes first (the caller compares the
// count with what it expected). Returns how many events it read. A record that cannot be decoded
// is an error naming its position, never a skip.
[[nodiscard]] std::expected<std::uint64_t, LogReadError> for_each_event_hash(
    const eventstore::EventStore& store, std::uint64_t after_position, std::uint64_t up_to,
    const std::function<void(const Hash&)>& leaf);

// The tree of events 1 .. up_to (fewer if the log is shorter). One pass over the log.
[[nodiscard]] std::expected<MerkleTree, LogReadError> read_log_tree(
    const eventstore::EventStore& store, std::uint64_t up_to = UINT64_MAX);

}  // namespace keyledger::transparency
