#include "bench/support/scratch_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

namespace keyledger::bench {

ScratchDir::ScratchDir(std::string_view name) {
    const char* root = std::getenv("KEYLEDGER_BENCH_DIR");
    std::filesystem::path base = root != nullptr && *root != '\0'
                                     ? std::filesystem::path(root)
                                     : std::filesystem::temp_directory_path();
    std::random_device random;
    path_ = base / ("keyledger-bench-" + std::string(name) + "-" + std::to_string(getpid()) + "-" +
                    std::to_string(random()));
    std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::uintmax_t disk_bytes(const std::filesystem::path& dir) {
    std::uintmax_t total = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, error)) {
        if (entry.is_regular_file(error)) {
            total += entry.file_size(error);
        }
    }
    return total;
}

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages_total = 0;
    std::size_t pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return pages_resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace keyledger::bench
