#pragma once
// The server's secret key on disk (the key of SecretHasher, see keyed_hash.h).
//
// The file holds exactly the raw key bytes, nothing else, and must be readable by its owner
// only. It is kept apart from the event store so that a copy of the store alone reveals nothing
// that could check a guessed secret; losing it makes every issued token unusable.

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>

namespace keyledger::security {

// Returns the `bytes` bytes of the key stored at `path`.
//
// If `create` is true and no file exists at `path`, first creates one (O_CREAT | O_EXCL, mode
// 0600, never following a symlink) holding `bytes` fresh random bytes, and fsyncs the file and
// its directory before returning, so a key that has been handed out survives a crash. If
// creation fails half-way the partial file is removed. If another process wins the race to
// create the file, its key is loaded instead.
//
// An existing file (symlinks followed) is refused unless it is a regular file, has no permission
// bits for group or others (mode & 077 == 0; chmod 600 fixes it), and is exactly `bytes` long.
// Every error is a sentence naming the path and what to do, fit to show an operator.
// Precondition (asserted): bytes > 0.
[[nodiscard]] std::expected<std::string, std::string> load_or_create_key(
    const std::filesystem::path& path, std::size_t bytes, bool create);

}  // namespace keyledger::security
