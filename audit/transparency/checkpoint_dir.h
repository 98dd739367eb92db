#pragma once
// DATA_DIR/checkpoints/: the signed checkpoints the server writes, one file each, named
// "<tree size, 20 digits>-<written at, ms since the epoch, 16 digits>.checkpoint" so that name
// order is size order, then time order. Copies kept elsewhere are what protects the log.
// TODO(ops): nothing removes old checkpoints (one per 10,000 events under load: ~1.6 files a
// second at 16k calls/s). Thin them after each write, keeping the newest and a spread of older
// sizes that still lets locate_rewrite (checkpoint_check.cc) narrow down a rewrite.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace keyledger::transparency {

[[nodiscard]] std::filesystem::path checkpoint_dir(const std::filesystem::path& data_dir);

// Every checkpoint file of `directory` in name order (smallest tree first); none if the
// directory does not exist. Other files are ignored.
[[nodiscard]] std::vector<std::filesystem::path> list_checkpoints(
    const std::filesystem::path& directory);

// Writes a signed checkpoint text for a tree of `size` events into `directory` (created if
// missing), atomically; returns its path.
[[nodiscard]] std::expected<std::filesystem::path, std::string> store_checkpoint(
    const std::filesystem::path& directory, std::uint64_t size, std::int64_t written_at_ms,
    const std::string& text);

}  // namespace keyledger::transparency
