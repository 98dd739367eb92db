#pragma once
// A directory for one benchmark's stores, removed when the object goes. Lives under
// $KEYLEDGER_BENCH_DIR (default: the system temporary directory), which should be on the disk
// being measured: a tmpfs would make every fsync free.

#include <filesystem>
#include <string_view>

namespace keyledger::bench {

class ScratchDir {
  public:
    explicit ScratchDir(std::string_view name);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// Bytes of every regular file under `dir`.
std::uintmax_t disk_bytes(const std::filesystem::path& dir);

// Resident set size of this process, in bytes (from /proc/self/statm).
std::size_t resident_bytes();

}  // namespace keyledger::bench
