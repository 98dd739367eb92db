#include "audit/transparency/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace keyledger::transparency {
namespace {

std::string failure(std::string_view what, const std::filesystem::path& path) {
    return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

}  // namespace

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path,
                                                       std::string_view content, unsigned mode) {
    const std::filesystem::path temporary = path.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                          static_cast<mode_t>(mode));
    if (fd < 0) {
        return std::unexpected(failure("cannot create", temporary));
    }
    const bool written =
        write_all(fd, content) && ::fchmod(fd, static_cast<mode_t>(mode)) == 0 && ::fsync(fd) == 0;
    const std::string error = written ? std::string() : failure("cannot write", temporary);
    if (::close(fd) != 0 || !written) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        return std::unexpected(error.empty() ? failure("cannot write", temporary) : error);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string rename_error = failure("cannot rename into", path);
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        return std::unexpected(rename_error);
    }
    const std::filesystem::path directory =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        return std::unexpected(failure("cannot open", directory));
    }
    const bool synced = ::fsync(dir_fd) == 0;
    ::close(dir_fd);
    if (!synced) {
        return std::unexpected(failure("cannot sync", directory));
    }
    return {};
}

}  // namespace keyledger::transparency
