#pragma once
// Proof files: what `keyledger audit prove|consistency` writes and `keyledger-verify` checks,
// one JSON object each. Hashes are 64 lower-case hex digits; checkpoints are their whole signed
// text (see checkpoint.h), so a proof file alone carries all it needs but the public key.
//
// Inclusion proof: that the event at `position` (its stored hash `event_hash`) is leaf
// position - 1 of the tree the checkpoint signs.
//   {"format":"keyledger-inclusion-proof/1","position":N,"event_hash":HEX,
//    "tree_size":S,"path":[HEX,...],"checkpoint":TEXT}
// Consistency proof: that the old checkpoint's tree is a prefix of the new one's.
//   {"format":"keyledger-consistency-proof/1","old_size":M,"new_size":N,"path":[HEX,...],
//    "old_checkpoint":TEXT,"new_checkpoint":TEXT}
// `path` is RFC 9162's inclusion_path or consistency_path, in the order the RFC's verifier
// consumes it.
//
// Link keyledger_transparency_core.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/transparency/checkpoint.h"
#include "audit/transparency/merkle.h"

namespace keyledger::transparency {

inline constexpr std::string_view kInclusionFormat = "keyledger-inclusion-proof/1";
inline constexpr std::string_view kConsistencyFormat = "keyledger-consistency-proof/1";

struct InclusionProof {
    std::uint64_t position = 0;  // from 1
    Hash event_hash{};
    std::uint64_t tree_size = 0;
    std::vector<Hash> path;
    std::string checkpoint;
};

struct ConsistencyProof {
    std::uint64_t old_size = 0;
    std::uint64_t new_size = 0;
    std::vector<Hash> path;
    std::string old_checkpoint;
    std::string new_checkpoint;
};

// Pretty-printed JSON with a final newline.
[[nodiscard]] std::string to_json(const InclusionProof& proof);
[[nodiscard]] std::string to_json(const ConsistencyProof& proof);
// The error names the field that is missing or malformed.
[[nodiscard]] std::expected<InclusionProof, std::string> parse_inclusion_proof(
    std::string_view json);
[[nodiscard]] std::expected<ConsistencyProof, std::string> parse_consistency_proof(
    std::string_view json);

// The outcome of checking a proof: valid, or why not in one sentence.
struct Verification {
    bool valid = false;
    std::string message;
};

// Checks the checkpoint's signature under `key` (the `trusted` checkpoint text the auditor kept
// when given, otherwise the one in the proof), that the proof is for that checkpoint's tree size,
// and the RFC 9162 inclusion of the event hash under its root. With `expected_event_hash` the
// leaf must also be that hash.
[[nodiscard]] Verification verify_inclusion_proof(
    const InclusionProof& proof, const PublicKey& key,
    const std::optional<std::string>& trusted = std::nullopt,
    const std::optional<Hash>& expected_event_hash = std::nullopt);

// Checks both checkpoints' signatures (the trusted texts when given, otherwise the proof's), that
// the sizes are theirs, and the RFC 9162 consistency proof between them.
[[nodiscard]] Verification verify_consistency_proof(
    const ConsistencyProof& proof, const PublicKey& key,
    const std::optional<std::string>& trusted_old = std::nullopt,
    const std::optional<std::string>& trusted_new = std::nullopt);

}  // namespace keyledger::transparency
