#include <gtest/gtest.h>

#include "tests/domain/world.h"

namespace keyledger::testing {
namespace {

TEST(Inactivity, ActiveUntilTheLastMillisecondOfTheWindow) {
    World w;
    const std::string alice = w.create_person("alice");
    // Created 2026-01-01T00:00:00.000Z with W = 60 days.
    w.now = *parse_instant("2026-03-01T23:59:59.999Z");
    EXPECT_EQ(w.status(alice), AccountStatus::active);
    w.now = *parse_instant("2026-03-02T00:00:00.000Z");
    EXPECT_EQ(w.status(alice), AccountStatus::inactive);
    EXPECT_EQ(inactive_at(w.account(alice), w.state.window_ms), w.now);
}

TEST(Inactivity, WindowIsTheStoresOwn) {
    World w(3 * kDayMs);
    const std::string bob = w.create_person("bob");
    w.now = kStart + 3 * kDayMs - 1;
    EXPECT_EQ(w.status(bob), AccountStatus::active);
    w.now = kStart + 3 * kDayMs;
    EXPECT_EQ(w.status(bob), AccountStatus::inactive);
}

TEST(Inactivity, AcceptedCallKeepsTheOwnerActive) {
    World w;
    const std::string carol = w.create_person("carol", static_cast<Roles>(Role::webhook_admin));
    auto hook = w.install(w.as(carol));
    ASSERT_FALSE(hook.webhook.empty());
    w.now += 59 * kDayMs;
    ASSERT_EQ(w.call(hook.token, hook.webhook).outcome, CallDecision::Outcome::accepted);
    w.now += 59 * kDayMs;
    EXPECT_EQ(w.status(carol), AccountStatus::active);
    EXPECT_EQ(w.account(carol).last_activity_at, kStart + 59 * kDayMs);
    EXPECT_EQ(w.token(hook.token).last_used_at, kStart + 59 * kDayMs);
}

TEST(Inactivity, RefusedCallDoesNotBringTheAccountBack) {
    World w;
    const std::string dan = w.create_person("dan", static_cast<Roles>(Role::webhook_admin));
    auto hook = w.install(w.as(dan));
    w.now += 60 * kDayMs;
    auto refused = w.call(hook.token, hook.webhook);
    EXPECT_EQ(refused.outcome, CallDecision::Outcome::refused);
    EXPECT_EQ(refused.reason, Reason::owner_inactive);
    EXPECT_EQ(refused.events.size(), 1u);  // recorded, with the reason
    EXPECT_EQ(w.account(dan).last_activity_at, kStart);
    EXPECT_EQ(w.status(dan), AccountStatus::inactive);
}

TEST(Inactivity, ReactivationSetsTheClockToNowAndTokensWorkAgain) {
    World w;
    const std::string eve = w.create_person("eve", static_cast<Roles>(Role::webhook_admin));
    auto hook = w.install(w.as(eve));
    w.now += 61 * kDayMs;
    ASSERT_EQ(w.call(hook.token, hook.webhook).reason, Reason::owner_inactive);
    ASSERT_TRUE(w.run(w.as_admin(), ReactivateUser{eve}).accepted());
    EXPECT_EQ(w.account(eve).last_activity_at, w.now);
    EXPECT_EQ(w.call(hook.token, hook.webhook).outcome, CallDecision::Outcome::accepted);
}

TEST(Inactivity, ManagementReadsCountAtMostHourly) {
    World w;
    const std::string fay = w.create_person("fay", static_cast<Roles>(Role::auditor));
    const std::string token = w.issue_api(fay, w.as_admin());
    w.now += kHourMs - 1;
    auto quiet = w.call(token, "", true);
    EXPECT_EQ(quiet.outcome, CallDecision::Outcome::accepted);
    EXPECT_TRUE(quiet.events.empty());
    EXPECT_EQ(w.account(fay).last_activity_at, kStart);
    w.now += 1;
    auto recorded = w.call(token, "", true);
    EXPECT_EQ(recorded.events.size(), 1u);
    EXPECT_EQ(w.account(fay).last_activity_at, kStart + kHourMs);
    // A write is recorded however recent the last activity.
    auto write = w.call(token, "", false);
    EXPECT_EQ(write.events.size(), 1u);
}

TEST(Inactivity, ClockStepsBackNeitherReviveNorReorder) {
    World w;
    const std::string gus = w.create_person("gus");
    w.now += 61 * kDayMs;
    ASSERT_TRUE(w.run(w.as_admin(), ReactivateUser{w.admin}).accepted());
    const Instant last = w.state.last_event_at;
    w.now = kStart + kDayMs;  // the clock went back
    EXPECT_EQ(decision_instant(w.state, w.now), last);
    EXPECT_EQ(w.status(gus), AccountStatus::inactive);
}

TEST(Inactivity, ServiceAccountsGoInactiveLikePeople) {
    World w;
    const std::string svc = w.create("svc", AccountKind::service, 0, w.as_admin());
    w.now += 60 * kDayMs;
    EXPECT_EQ(w.status(svc), AccountStatus::inactive);
}

}  // namespace
}  // namespace keyledger::testing
