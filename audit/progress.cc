#include "audit/progress.h"

#include <unistd.h>

#include <cstdio>

namespace keyledger::audit {
namespace {

using namespace std::chrono_literals;
constexpr auto kQuietFor = 500ms;  // work done sooner than this never shows a bar
constexpr auto kRedrawEvery = 100ms;
constexpr int kWidth = 30;

}  // namespace

ProgressBar::ProgressBar(std::string label, std::uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(::isatty(STDERR_FILENO) == 1),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_) {}

ProgressBar::~ProgressBar() {
    if (drawn_) {
        std::fprintf(stderr, "\r\033[2K");
        std::fflush(stderr);
    }
}

void ProgressBar::update(std::uint64_t done) {
    if (!enabled_) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - started_ < kQuietFor || now - last_draw_ < kRedrawEvery) {
        return;
    }
    last_draw_ = now;
    drawn_ = true;
    if (total_ == 0) {
        std::fprintf(stderr, "\r%s %llu", label_.c_str(), static_cast<unsigned long long>(done));
    } else {
        const std::uint64_t shown = done > total_ ? total_ : done;
        const int filled = static_cast<int>(shown * kWidth / total_);
        std::fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu", label_.c_str(), filled,
                     "##############################", kWidth - filled, "",
                     static_cast<unsigned long long>(shown),
                     static_cast<unsigned long long>(total_));
    }
    std::fflush(stderr);
}

}  // namespace keyledger::audit
