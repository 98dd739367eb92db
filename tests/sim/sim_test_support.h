#pragma once
// Shared helpers of the simulation tests: temporary directories and reading report files.

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace keyledger::testing {

class SimDir {
  public:
    SimDir() {
        std::random_device rd;
        std::error_code ec;
        // Durability is under test in the fault test only, which uses the real disk.
        const auto base = std::filesystem::is_directory("/dev/shm", ec)
                              ? std::filesystem::path("/dev/shm")
                              : std::filesystem::temp_directory_path();
        path_ = base / ("keyledger-sim-test-" + std::to_string(rd()) + std::to_string(rd()));
    }
    explicit SimDir(const std::filesystem::path& base) {
        std::random_device rd;
        path_ = base / ("keyledger-sim-test-" + std::to_string(rd()) + std::to_string(rd()));
    }
    ~SimDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    SimDir(const SimDir&) = delete;
    SimDir& operator=(const SimDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline nlohmann::json summary_of(const std::filesystem::path& dir) {
    return nlohmann::json::parse(slurp(dir / "summary.json"));
}

}  // namespace keyledger::testing
