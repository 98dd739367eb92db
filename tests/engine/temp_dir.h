#pragma once
// A fresh directory under the system's temporary directory, removed with its contents.

#include <filesystem>
#include <random>
#include <string>

namespace keyledger::testing {

// Where durability is not under test, a memory-backed file system keeps fsync cheap.
inline std::filesystem::path memory_backed_temp() {
    std::error_code ec;
    return std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                         : std::filesystem::temp_directory_path();
}

class TempDir {
  public:
    TempDir() : TempDir(std::filesystem::temp_directory_path()) {}
    explicit TempDir(const std::filesystem::path& base) {
        std::random_device rd;
        path_ = base / ("keyledger-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace keyledger::testing
