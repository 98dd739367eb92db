#include "security/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>
#include <system_error>

#include "security/random.h"

namespace keyledger::security {
namespace {

using Result = std::expected<std::string, std::string>;
namespace fs = std::filesystem;

// Owns a file descriptor and closes it when it goes out of scope.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    int get() const { return fd_; }

    // Closes now; false if close() reported an error (it can report a failed earlier write).
    bool close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

  private:
    int fd_;
};

std::string quoted(const fs::path& path) {
    return "'" + path.string() + "'";
}

std::string system_failure(std::string_view what, const fs::path& path, int error) {
    return std::string(what) + " " + quoted(path) + ": " + std::system_category().message(error);
}

std::string octal_mode(mode_t mode) {
    char text[16];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
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

// Reads exactly `count` bytes; nullopt on an error or if the file ends early (errno 0 then).
std::optional<std::string> read_exactly(int fd, std::size_t count) {
    std::string bytes(count, '\0');
    std::size_t filled = 0;
    while (filled < count) {
        const ssize_t got = ::read(fd, bytes.data() + filled, count - filled);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            if (got == 0) {
                errno = 0;
            }
            return std::nullopt;
        }
        filled += static_cast<std::size_t>(got);
    }
    return bytes;
}

// Makes the directory entry of `path` durable; returns 0 or an errno value.
int fsync_parent_directory(const fs::path& path) {
    const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
    FileDescriptor directory(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directory.get() < 0 || ::fsync(directory.get()) != 0) {
        return errno;
    }
    return 0;
}

// Fills a file just created (and still empty) with a fresh key and makes it durable. On failure
// the file is removed again, so that the next attempt starts from scratch.
Result write_new_key(FileDescriptor file, const fs::path& path, std::size_t bytes) {
    const std::string key = random_bytes(bytes);

    std::string_view failed_step;
    int error = 0;
    if (!write_all(file.get(), key)) {
        failed_step = "cannot write new key file";
    } else if (::fsync(file.get()) != 0) {
        failed_step = "cannot fsync new key file";
    } else if (!file.close()) {
        failed_step = "cannot close new key file";
    } else if ((error = fsync_parent_directory(path)) != 0) {
        failed_step = "cannot fsync the directory of new key file";
    }
    if (failed_step.empty()) {
        return key;
    }

    if (error == 0) {
        error = errno;
    }
    ::unlink(path.c_str());
    return std::unexpected(system_failure(failed_step, path, error));
}

Result load_key(const fs::path& path, std::size_t bytes) {
    // O_NONBLOCK: a FIFO planted at the path must not hang us; it is refused below.
    FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (file.get() < 0) {
        const int error = errno;
        if (error == ENOENT) {
            return std::unexpected("key file " + quoted(path) +
                                   " does not exist, and creating it was not asked for");
        }
        return std::unexpected(system_failure("cannot open key file", path, error));
    }

    // Refuse files that are not plain, private and of the right size before reading them.
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) {
        return std::unexpected(system_failure("cannot stat key file", path, errno));
    }
    if (!S_ISREG(status.st_mode)) {
        return std::unexpected("key file " + quoted(path) + " is not a regular file");
    }
    if ((status.st_mode & 077) != 0) {
        return std::unexpected("key file " + quoted(path) + " has mode " +
                               octal_mode(status.st_mode) +
                               ", which gives group or others access to the key; make it "
                               "private to its owner (chmod 600 " +
                               quoted(path) + ")");
    }
    if (static_cast<std::uintmax_t>(status.st_size) != bytes) {
        return std::unexpected("key file " + quoted(path) + " is " +
                               std::to_string(status.st_size) + " bytes long, but a key is " +
                               std::to_string(bytes) +
                               " bytes: it is the wrong file, or it is damaged");
    }

    std::optional<std::string> key = read_exactly(file.get(), bytes);
    if (!key) {
        const int error = errno;
        if (error == 0) {
            return std::unexpected("key file " + quoted(path) +
                                   " became shorter while it was being read");
        }
        return std::unexpected(system_failure("cannot read key file", path, error));
    }
    return std::move(*key);
}

}  // namespace

Result load_or_create_key(const fs::path& path, std::size_t bytes, bool create) {
    assert(bytes > 0);

    if (create) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                              S_IRUSR | S_IWUSR);
        if (fd >= 0) {
            return write_new_key(FileDescriptor(fd), path, bytes);
        }
        if (errno != EEXIST) {
            return std::unexpected(system_failure("cannot create key file", path, errno));
        }
        // It exists already (perhaps created a moment ago by another process): load it.
    }
    return load_key(path, bytes);
}

}  // namespace keyledger::security
