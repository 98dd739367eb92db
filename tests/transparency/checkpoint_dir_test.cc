// Thinning the checkpoint directory: the newest always stay, older ones one per hour for a week
// and one per day before, each bucket keeping its last written (biggest tree).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/transparency/checkpoint_dir.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::transparency {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kNowMs = 1'800'000'000'000;

std::int64_t written_at(const std::filesystem::path& path) {
    return std::stoll(path.filename().string().substr(21, 16));
}

TEST(CheckpointDir, ThinningKeepsTheNewestAndOnePerHourThenPerDay) {
    testing::TempDir dir{testing::memory_backed_temp()};
    // 60 checkpoints 6 hours apart, 30 to 15 days ago; then 400 ten minutes apart up to now.
    std::uint64_t size = 0;
    std::vector<std::int64_t> times;
    for (int i = 0; i < 60; ++i) {
        times.push_back(kNowMs - 30 * kDayMs + i * 6 * kHourMs);
    }
    for (int i = 399; i >= 0; --i) {
        times.push_back(kNowMs - i * 10 * kMinuteMs);
    }
    for (const std::int64_t at : times) {
        ASSERT_TRUE(store_checkpoint(dir.path(), size += 10'000, at, "text"));
    }
    const std::vector<std::filesystem::path> before = list_checkpoints(dir.path());
    ASSERT_EQ(before.size(), 460u);

    const std::size_t removed = thin_checkpoints(dir.path(), kNowMs);
    const std::vector<std::filesystem::path> after = list_checkpoints(dir.path());
    EXPECT_EQ(removed + after.size(), before.size());

    // The newest 100 all stay, the newest of all included.
    ASSERT_GE(after.size(), kKeepEveryCheckpoint);
    EXPECT_TRUE(std::equal(before.end() - kKeepEveryCheckpoint, before.end(),
                           after.end() - kKeepEveryCheckpoint));
    // Of the older ones, exactly one per hour (within the week) or per day (before it), and it
    // is the last written there.
    std::vector<std::filesystem::path> older(after.begin(), after.end() - kKeepEveryCheckpoint);
    const std::vector<std::filesystem::path> thinned_from(before.begin(),
                                                          before.end() - kKeepEveryCheckpoint);
    auto bucket = [](std::int64_t at) {
        return at >= kNowMs - 7 * kDayMs ? at / kHourMs : -(at / kDayMs) - 1;
    };
    for (const auto& kept : older) {
        for (const auto& other : thinned_from) {
            if (bucket(written_at(other)) == bucket(written_at(kept))) {
                EXPECT_LE(other.filename(), kept.filename()) << "a later one of its bucket exists";
            }
        }
    }
    std::vector<std::int64_t> buckets;
    for (const auto& path : thinned_from) {
        buckets.push_back(bucket(written_at(path)));
    }
    std::sort(buckets.begin(), buckets.end());
    buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
    EXPECT_EQ(older.size(), buckets.size());
    EXPECT_GT(removed, 250u);

    // Thinning again removes nothing more.
    EXPECT_EQ(thin_checkpoints(dir.path(), kNowMs), 0u);
}

TEST(CheckpointDir, AFewCheckpointsAreAllKept) {
    testing::TempDir dir{testing::memory_backed_temp()};
    for (std::uint64_t i = 1; i <= kKeepEveryCheckpoint; ++i) {
        ASSERT_TRUE(store_checkpoint(dir.path(), i, kNowMs - 40 * kDayMs, "text"));
    }
    EXPECT_EQ(thin_checkpoints(dir.path(), kNowMs), 0u);
    EXPECT_EQ(list_checkpoints(dir.path()).size(), kKeepEveryCheckpoint);
}

}  // namespace
}  // namespace keyledger::transparency
