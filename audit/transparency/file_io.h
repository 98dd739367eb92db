#pragma once
// Writing small files so that a crash leaves either the old file or the whole new one.

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace keyledger::transparency {

// Writes `content` to a temporary file beside `path` with permission bits `mode`, fsyncs it,
// renames it over `path` and fsyncs the directory. The error names the path.
[[nodiscard]] std::expected<void, std::string> write_file_atomically(
    const std::filesystem::path& path, std::string_view content, unsigned mode);

}  // namespace keyledger::transparency
