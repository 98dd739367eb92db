#pragma once
// DATA_DIR/checkpoints/: the signed checkpoints the server writes, one file each, named
// "<tree size, 20 digits>-<written at, ms since the epoch, 16 digits>.checkpoint" so that name
// order is size order, then time order. Copies kept elsewhere are what protects the log.

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

// Removes older checkpoint files of `directory` so that their number grows with the days, not
// with the events (the server writes one per 10,000 events under load: about 1.6 a second at
// 16,000 calls a second). Kept: the newest kKeepEveryCheckpoint, then, of the older ones, the last
// written in each hour of the week before `now_ms` and the last written in each day before that
// (name order: the biggest tree). The newest is what serve and verify read; the older ones let
// verify narrow down where a rewritten log changed, to within an hour's or a day's events.
// Returns how many files it removed; one it cannot remove is left in place.
inline constexpr std::size_t kKeepEveryCheckpoint = 100;
std::size_t thin_checkpoints(const std::filesystem::path& directory, std::int64_t now_ms);

// Writes a signed checkpoint text for a tree of `size` events into `directory` (created if
// missing), atomically; returns its path.
[[nodiscard]] std::expected<std::filesystem::path, std::string> store_checkpoint(
    const std::filesystem::path& directory, std::uint64_t size, std::int64_t written_at_ms,
    const std::string& text);

}  // namespace keyledger::transparency
