#pragma once
// The checkpoint key pair of a data directory, kept outside the event log:
//
//   DIR/keys/checkpoint.key   the 32-byte Ed25519 seed, mode 0600
//   DIR/keys/checkpoint.pub   the public key line (see checkpoint.h), named after the store
//
// `keyledger init` creates them; a store made before checkpoints existed has none, and every
// command that needs them says so. Whoever can read checkpoint.key can sign any history: the
// protection comes from checkpoints kept elsewhere (docs/PROOFS.md).

#include <expected>
#include <filesystem>
#include <string>

#include "audit/transparency/checkpoint.h"

namespace keyledger::transparency {

[[nodiscard]] std::filesystem::path checkpoint_key_path(const std::filesystem::path& data_dir);
[[nodiscard]] std::filesystem::path checkpoint_public_key_path(
    const std::filesystem::path& data_dir);

// The origin naming a store in its checkpoints: "keyledger/<store id>".
[[nodiscard]] std::string store_origin(std::string_view store_id);

// Creates the key pair for a new store whose origin is `origin`. Refuses if either file exists.
[[nodiscard]] std::expected<PublicKey, std::string> create_checkpoint_key(
    const std::filesystem::path& data_dir, const std::string& origin);

// Loads the signer; the error says plainly when the store has no checkpoint key, or when the
// private and public halves do not belong together.
[[nodiscard]] std::expected<CheckpointSigner, std::string> load_checkpoint_signer(
    const std::filesystem::path& data_dir);

// Reads a public key file (DIR/keys/checkpoint.pub, or the copy an auditor keeps).
[[nodiscard]] std::expected<PublicKey, std::string> load_public_key(
    const std::filesystem::path& path);

}  // namespace keyledger::transparency
