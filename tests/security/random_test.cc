#include "security/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace keyledger::security {
namespace {

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";

TEST(RandomBytes, HasTheAskedLength) {
    EXPECT_EQ(random_bytes(0).size(), 0u);
    EXPECT_EQ(random_bytes(1).size(), 1u);
    EXPECT_EQ(random_bytes(4096).size(), 4096u);
    EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(RandomBytes, SetsEveryBitSomewhere) {
    std::uint8_t seen_ones = 0;
    std::uint8_t seen_zeros = 0;
    for (const char c : random_bytes(256)) {
        seen_ones |= static_cast<std::uint8_t>(c);
        seen_zeros |= static_cast<std::uint8_t>(~c);
    }
    EXPECT_EQ(seen_ones, 0xff);
    EXPECT_EQ(seen_zeros, 0xff);
}

TEST(RandomBelow, StaysBelowTheBoundAndReachesIt) {
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const std::uint32_t value = random_below(10);
        ASSERT_LT(value, 10u);
        seen.insert(value);
    }
    EXPECT_EQ(seen.size(), 10u);
    EXPECT_EQ(random_below(1), 0u);
}

TEST(NewId, IsPrefixUnderscoreAndTwentySixBase32Characters) {
    for (const std::string_view prefix : {"usr", "tok", "whk", "call"}) {
        const std::string id = new_id(prefix);
        ASSERT_EQ(id.size(), prefix.size() + 1 + 26) << id;
        EXPECT_EQ(id.substr(0, prefix.size() + 1), std::string(prefix) + "_");
        const std::string body = id.substr(prefix.size() + 1);
        EXPECT_EQ(body.find_first_not_of(kBase32), std::string::npos) << id;
        // 128 bits fill 25 characters and 3 bits of the last; its 2 low bits are zero padding.
        EXPECT_EQ(kBase32.find(body.back()) % 4, 0u) << id;
    }
}

TEST(NewId, IdsAreUniqueAcrossThreads) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 5000;
    std::vector<std::vector<std::string>> ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&ids, t] {
            for (int i = 0; i < kPerThread; ++i) {
                ids[t].push_back(new_id("tok"));
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    std::set<std::string> unique;
    for (const auto& batch : ids) {
        unique.insert(batch.begin(), batch.end());
    }
    EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace keyledger::security
