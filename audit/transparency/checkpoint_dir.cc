#include "audit/transparency/checkpoint_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <system_error>

#include "audit/transparency/checkpoint_check.h"
#include "audit/transparency/file_io.h"

namespace keyledger::transparency {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kExtension = ".checkpoint";

bool is_checkpoint_name(const std::string& name) {
    // 20 digits, "-", 16 digits, the extension.
    if (name.size() != 20 + 1 + 16 + kExtension.size() || !name.ends_with(kExtension) ||
        name[20] != '-') {
        return false;
    }
    for (std::size_t i = 0; i < 37; ++i) {
        if (i != 20 && (name[i] < '0' || name[i] > '9')) {
            return false;
        }
    }
    return true;
}

}  // namespace

fs::path checkpoint_dir(const fs::path& data_dir) {
    return data_dir / "checkpoints";
}

std::vector<fs::path> list_checkpoints(const fs::path& directory) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && is_checkpoint_name(it->path().filename().string())) {
            found.push_back(it->path());
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::size_t thin_checkpoints(const fs::path& directory, std::int64_t now_ms) {
    constexpr std::int64_t kHourMs = 3'600'000;
    constexpr std::int64_t kDayMs = 24 * kHourMs;
    const std::vector<fs::path> all = list_checkpoints(directory);
    if (all.size() <= kKeepEveryCheckpoint) {
        return 0;
    }
    // Newest first; the first file seen in a bucket (hour or day) is its last written.
    std::set<std::int64_t> hours;
    std::set<std::int64_t> days;
    std::size_t removed = 0;
    for (std::size_t i = all.size() - kKeepEveryCheckpoint; i-- > 0;) {
        const std::string name = all[i].filename().string();
        const std::int64_t written_at = std::stoll(name.substr(21, 16));
        const bool kept = written_at >= now_ms - 7 * kDayMs
                              ? hours.insert(written_at / kHourMs).second
                              : days.insert(written_at / kDayMs).second;
        std::error_code ignored;
        if (!kept && fs::remove(all[i], ignored)) {
            ++removed;
        }
    }
    return removed;
}

std::expected<fs::path, std::string> store_checkpoint(const fs::path& directory, std::uint64_t size,
                                                      std::int64_t written_at_ms,
                                                      const std::string& text) {
    std::error_code ec;
    fs::create_directories(directory, ec);
    if (ec) {
        return std::unexpected("cannot create " + directory.string() + ": " + ec.message());
    }
    const fs::path path =
        directory /
        fmt::format("{:020}-{:016}{}", size, std::max<std::int64_t>(written_at_ms, 0), kExtension);
    auto written = write_file_atomically(path, text, 0644);
    if (!written) {
        return std::unexpected(written.error());
    }
    return path;
}

std::optional<fs::path> latest_checkpoint(const fs::path& data_dir) {
    auto all = list_checkpoints(checkpoint_dir(data_dir));
    if (all.empty()) {
        return std::nullopt;
    }
    return all.back();
}

}  // namespace keyledger::transparency
