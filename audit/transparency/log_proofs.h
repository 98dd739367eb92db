#pragma once
// What `keyledger audit checkpoint|prove|consistency` compute, on an opened store: a fresh
// signed checkpoint, an inclusion proof, a consistency proof. Each reads the log once (O(events),
// sequential) into an in-memory MerkleTree and then answers in O(log^2 events) hashes; see
// merkle_tree.h.
//
// TODO(transparency): keep the tree's complete subtree hashes on disk beside the checkpoints, so
// that a proof costs O(log events) reads instead of one pass over the whole log per command.
//
// Each refuses to sign for a log that disagrees with the checkpoints it is compared with (the
// newest one in DATA_DIR/checkpoints/, and the one given): the error then says what disagrees.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "audit/transparency/checkpoint.h"
#include "audit/transparency/proof_file.h"
#include "eventstore/event_store.h"

namespace keyledger::transparency {

// The log to prove from. `newest_stored` is the newest checkpoint of DATA_DIR/checkpoints/, listed
// BEFORE the store was opened: beside a running server, a checkpoint written after the open may
// cover events the open cannot see, and would look like a truncation.
struct ProofSource {
    const eventstore::EventStore& store;
    std::filesystem::path data_dir;
    std::optional<std::filesystem::path> newest_stored;
};

// The source for a store that no server writes to (tests, a stopped server): lists now.
[[nodiscard]] ProofSource stopped_store_source(const eventstore::EventStore& store,
                                               const std::filesystem::path& data_dir);

struct SignedTreeHead {
    Checkpoint checkpoint;
    std::string text;  // the signed checkpoint
};

// The store's current checkpoint, signed with DATA_DIR/keys/checkpoint.key.
[[nodiscard]] std::expected<SignedTreeHead, std::string> current_checkpoint(
    const ProofSource& source);

// The proof that the event at `position` is in the log: under `checkpoint_file`'s tree when
// given (which the log must still match), else under a fresh checkpoint of the whole log.
[[nodiscard]] std::expected<InclusionProof, std::string> prove_inclusion(
    const ProofSource& source, std::uint64_t position,
    const std::optional<std::filesystem::path>& checkpoint_file);

// The proof that `from_file`'s log is a prefix of `to_file`'s (when given; the log must match
// both) or of a fresh checkpoint of the whole log.
[[nodiscard]] std::expected<ConsistencyProof, std::string> prove_consistency(
    const ProofSource& source, const std::filesystem::path& from_file,
    const std::optional<std::filesystem::path>& to_file);

}  // namespace keyledger::transparency
