#pragma once
// Compares an event log with a signed checkpoint kept outside it: the check that catches a
// history rewritten consistently (a truncated or re-chained log is still a valid hash chain).
//
// Link keyledger_transparency.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "eventstore/event_store.h"

namespace keyledger::transparency {

// The outcome of comparing a log with one checkpoint. When ok is false, `reason` says what is
// wrong in plain words, for example "log truncated: checkpoint covers 120 events, log has 80",
// and first_bad_position names the first event found wrong when it can be named (0 otherwise).
struct CheckpointVerdict {
    bool ok = false;
    std::string origin;                    // the store the checkpoint names
    std::uint64_t checkpoint_size = 0;     // events the checkpoint covers
    std::uint64_t log_size = 0;            // events in the log now
    std::uint64_t first_bad_position = 0;  // 0 when none or not known
    std::string reason;                    // empty when ok
};

// Checks that the checkpoint's signature is valid under the public key, that the log holds at
// least as many events as the checkpoint covers, and that the Merkle root of the log's first
// `size` events equals the checkpoint's. A log that disagrees is a verdict with ok = false; the
// error is for a check that could not be made (unreadable or malformed checkpoint or key file,
// a store that cannot be read at all). A corrupt record in the covered range is a verdict naming
// its position. Reads every event once: O(events).
[[nodiscard]] std::expected<CheckpointVerdict, std::string> check_log_against_checkpoint(
    const eventstore::EventStore& store, const std::filesystem::path& checkpoint_file,
    const std::filesystem::path& public_key_file);

// The newest checkpoint written in DATA_DIR/checkpoints/ (the largest tree size, the latest
// written among equal sizes); nullopt when there is none.
[[nodiscard]] std::optional<std::filesystem::path> latest_checkpoint(
    const std::filesystem::path& data_dir);

// DATA_DIR/keys/checkpoint.pub, the key every checkpoint of the store is signed with.
[[nodiscard]] std::filesystem::path checkpoint_public_key_path(
    const std::filesystem::path& data_dir);

}  // namespace keyledger::transparency
