#pragma once
// A progress bar on stderr for long work, drawn only when stderr is a terminal (so logs, pipes
// and tests never see it) and only once the work turns out to be long.

#include <chrono>
#include <cstdint>
#include <string>

namespace keyledger::audit {

class ProgressBar {
  public:
    // `total` may be 0 when unknown; the bar then shows a count.
    ProgressBar(std::string label, std::uint64_t total);
    ~ProgressBar();  // clears the line it drew
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(std::uint64_t done);

  private:
    std::string label_;
    std::uint64_t total_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace keyledger::audit
