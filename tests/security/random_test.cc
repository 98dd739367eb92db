#include "security/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Ids are drawn from a per-thread buffer: a forked child must not mint the ids its parent
// mints next from the same buffer.
TEST(NewId, AForkedChildMintsOtherIdsThanItsParent) {
    (void)new_id("tok");  // the buffer now holds bytes for the next ids
    int pipe_ends[2];
    ASSERT_EQ(pipe(pipe_ends), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const std::string id = new_id("tok");
        const ssize_t written = write(pipe_ends[1], id.data(), id.size());
        _exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
    }
    close(pipe_ends[1]);
    const std::string parent_id = new_id("tok");
    std::string child_id(parent_id.size(), '\0');
    const ssize_t got = read(pipe_ends[0], child_id.data(), child_id.size());
    close(pipe_ends[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_EQ(got, static_cast<ssize_t>(parent_id.size()));
    EXPECT_NE(child_id, parent_id);
}

TEST(NewId, ManyIdsFromOneThreadAreUniqueAndWellFormed) {
    std::set<std::string> unique;
    for (int i = 0; i < 20'000; ++i) {  // many times the buffer's worth
        std::string id = new_id("call");
        ASSERT_EQ(id.size(), 5u + 26u);
        ASSERT_EQ(id.substr(0, 5), "call_");
        ASSERT_EQ(id.find_first_not_of(kBase32, 5), std::string::npos) << id;
        unique.insert(std::move(id));
    }
    EXPECT_EQ(unique.size(), 20'000u);
}

}  // namespace
}  // namespace keyledger::security
