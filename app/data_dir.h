#pragma once
// The data directory: the RocksDB store and, beside it, the key that token secrets are hashed
// with. Both must be backed up together: without the key no token can be checked.
//
//   DIR/store/            the event log (RocksDB)
//   DIR/keys/token.key    32 random bytes, mode 0600

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "security/keyed_hash.h"

namespace keyledger::app {

struct OpenedStore {
    std::unique_ptr<engine::Engine> engine;
    security::SecretHasher hasher;
};

// Creates a new store with its key, the first event and the account `admin`; returns the
// first admin token as the JSON line that init prints.
[[nodiscard]] std::expected<std::string, std::string> initialise(const std::filesystem::path& dir,
                                                                 domain::Instant window_ms,
                                                                 const engine::Clock& clock);

// Opens an existing store for the server or a local operator command. The error is one line
// fit for an operator (not a store, held by a running server, corrupt record, missing key).
[[nodiscard]] std::expected<OpenedStore, std::string> open_data_dir(
    const std::filesystem::path& dir, const engine::Clock& clock, engine::EngineOptions options,
    bool sync = true);

}  // namespace keyledger::app
