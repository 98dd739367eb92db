// The failed-authentication limiter on its own: windows, Retry-After, the bound on its memory,
// and which address a request is counted under.

#include "api/rate_limit.h"

#include <gtest/gtest.h>

namespace keyledger::api {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0{};

TEST(FailureLimiterTest, LimitsAfterExactlyTheLimitWithinTheWindow) {
    FailureLimiter limiter({3, 1000ms, 100});
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(limiter.limited("a", t0 + 10ms)) << i;
        limiter.note_failure("a", t0 + 10ms);
    }
    const auto wait = limiter.limited("a", t0 + 10ms);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, 1000ms);
    EXPECT_EQ(*limiter.limited("a", t0 + 510ms), 500ms);
    EXPECT_FALSE(limiter.limited("b", t0 + 10ms)) << "another key is not limited";
}

TEST(FailureLimiterTest, WindowEndLiftsTheLimitAndAFailureOpensANewOne) {
    FailureLimiter limiter({2, 1000ms, 100});
    limiter.note_failure("a", t0);
    limiter.note_failure("a", t0 + 1ms);
    EXPECT_TRUE(limiter.limited("a", t0 + 999ms));
    EXPECT_FALSE(limiter.limited("a", t0 + 1000ms));
    limiter.note_failure("a", t0 + 1500ms);
    EXPECT_FALSE(limiter.limited("a", t0 + 1500ms)) << "one failure in the new window";
    limiter.note_failure("a", t0 + 1600ms);
    EXPECT_EQ(*limiter.limited("a", t0 + 1600ms), 900ms);
}

TEST(FailureLimiterTest, ZeroLimitIsOff) {
    FailureLimiter limiter({0, 1000ms, 100});
    for (int i = 0; i < 100; ++i) {
        limiter.note_failure("a", t0);
    }
    EXPECT_FALSE(limiter.limited("a", t0));
    EXPECT_EQ(limiter.size(), 0u);
}

TEST(FailureLimiterTest, TableNeverHoldsMoreThanItsBound) {
    FailureLimiter limiter({2, 60'000ms, 50});
    limiter.note_failure("victim", t0);
    limiter.note_failure("victim", t0);
    for (int i = 0; i < 10'000; ++i) {
        limiter.note_failure("attacker-" + std::to_string(i), t0 + 1ms);
        ASSERT_LE(limiter.size(), 50u);
    }
    // The oldest window went first.
    EXPECT_FALSE(limiter.limited("victim", t0 + 2ms));
}

TEST(FailureLimiterTest, ExpiredWindowsAreDroppedBeforeLiveOnes) {
    FailureLimiter limiter({1, 100ms, 2});
    limiter.note_failure("old", t0);
    limiter.note_failure("live", t0 + 150ms);
    limiter.note_failure("new", t0 + 160ms);  // the table is full: "old" is over, it goes
    EXPECT_TRUE(limiter.limited("live", t0 + 160ms));
    EXPECT_TRUE(limiter.limited("new", t0 + 160ms));
    EXPECT_EQ(limiter.size(), 2u);
}

TEST(RetryAfterTest, WholeSecondsRoundedUpAtLeastOne) {
    EXPECT_EQ(retry_after_seconds(0ms), 1);
    EXPECT_EQ(retry_after_seconds(1ms), 1);
    EXPECT_EQ(retry_after_seconds(1000ms), 1);
    EXPECT_EQ(retry_after_seconds(1001ms), 2);
    EXPECT_EQ(retry_after_seconds(60'000ms), 60);
}

TEST(ClientAddressTest, PeerWithoutItsPort) {
    EXPECT_EQ(client_address("127.0.0.1:5555", {}, std::nullopt), "127.0.0.1");
    EXPECT_EQ(client_address("[::1]:5555", {}, std::nullopt), "::1");
}

TEST(ClientAddressTest, ForwardedForIsIgnoredWithoutATrustedProxy) {
    EXPECT_EQ(client_address("127.0.0.1:5555", {"203.0.113.9"}, std::nullopt), "127.0.0.1");
    EXPECT_EQ(client_address("127.0.0.1:5555", {"203.0.113.9"}, std::string("127.0.0.2")),
              "127.0.0.1")
        << "a peer that is not the trusted proxy";
}

TEST(ClientAddressTest, TrustedProxyGivesTheRightMostForwardedAddress) {
    const std::optional<std::string> proxy = "127.0.0.1";
    EXPECT_EQ(client_address("127.0.0.1:5555", {"203.0.113.9"}, proxy), "203.0.113.9");
    EXPECT_EQ(client_address("127.0.0.1:5555", {"1.1.1.1, 203.0.113.9"}, proxy), "203.0.113.9")
        << "what the client wrote left of the proxy's item proves nothing";
    EXPECT_EQ(client_address("127.0.0.1:5555", {"1.1.1.1", "198.51.100.7"}, proxy), "198.51.100.7");
    EXPECT_EQ(client_address("127.0.0.1:5555", {" 2001:db8::1 "}, proxy), "2001:db8::1");
    EXPECT_EQ(client_address("127.0.0.1:5555", {}, proxy), "127.0.0.1");
    EXPECT_EQ(client_address("127.0.0.1:5555", {"1.1.1.1, garbage"}, proxy), "127.0.0.1")
        << "an invalid last item falls back to the peer, never to the client's own items";
    EXPECT_EQ(client_address("[::1]:80", {"192.0.2.1"}, std::string("0:0::1")), "192.0.2.1");
}

TEST(ClientKeyTest, Ipv6IsCountedPerSlash64) {
    EXPECT_EQ(client_key("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_key("2001:db8:1:2:bbbb::7"), client_key("2001:db8:1:2:aaaa::1"));
    EXPECT_NE(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
    EXPECT_EQ(client_key("::ffff:192.0.2.1"), "192.0.2.1");
}

}  // namespace
}  // namespace keyledger::api
