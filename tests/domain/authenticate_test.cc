#include <gtest/gtest.h>

#include "tests/domain/world.h"

namespace keyledger::testing {
namespace {

class Authenticate : public ::testing::Test {
  protected:
    void SetUp() override {
        owner = w.create_person("owner", static_cast<Roles>(Role::webhook_admin));
        hook = w.install(w.as(owner));
        other = w.install(w.as(owner));
        api = w.issue_api(owner, w.as_admin(), kStart + 10 * kDayMs);
    }
    Reason refused(const std::string& secret, const std::string& webhook) {
        auto d = w.call(secret, webhook);
        EXPECT_NE(d.outcome, CallDecision::Outcome::accepted);
        return d.outcome == CallDecision::Outcome::unknown ? Reason::unknown_token : d.reason;
    }
    World w;
    std::string owner;
    World::Installed hook;
    World::Installed other;
    std::string api;
};

TEST_F(Authenticate, AcceptsAnAppTokenOnItsWebhookAndAnApiTokenEverywhere) {
    EXPECT_EQ(w.call(hook.token, hook.webhook).outcome, CallDecision::Outcome::accepted);
    EXPECT_EQ(w.call(api, hook.webhook).outcome, CallDecision::Outcome::accepted);
    EXPECT_EQ(w.call(api, other.webhook).outcome, CallDecision::Outcome::accepted);
    EXPECT_EQ(w.call(api, "").outcome, CallDecision::Outcome::accepted);
}

TEST_F(Authenticate, UnknownSecretIsNotRecorded) {
    auto d = w.call("no-such-secret", hook.webhook);
    EXPECT_EQ(d.outcome, CallDecision::Outcome::unknown);
    EXPECT_TRUE(d.events.empty());
}

TEST_F(Authenticate, BasicUserIdMustBeEmptyOrTheTokensOwnId) {
    AuthenticateCall call;
    call.secret.secret_hash = digest_of(hook.token);
    call.webhook_id = hook.webhook;
    call.secret.basic_user_id = "";
    EXPECT_EQ(decide_call(w.state, call, w.now).outcome, CallDecision::Outcome::accepted);
    call.secret.basic_user_id = hook.token;
    EXPECT_EQ(decide_call(w.state, call, w.now).outcome, CallDecision::Outcome::accepted);
    call.secret.basic_user_id = api;
    EXPECT_EQ(decide_call(w.state, call, w.now).outcome, CallDecision::Outcome::unknown);
}

TEST_F(Authenticate, WrongWebhookForAppTokenElsewhereOrOnManagement) {
    EXPECT_EQ(refused(hook.token, other.webhook), Reason::wrong_webhook);
    EXPECT_EQ(refused(hook.token, ""), Reason::wrong_webhook);
}

TEST_F(Authenticate, ExpiredExactlyAtExpiresAt) {
    w.now = kStart + 10 * kDayMs - 1;
    EXPECT_EQ(w.call(api, hook.webhook).outcome, CallDecision::Outcome::accepted);
    w.now = kStart + 10 * kDayMs;
    EXPECT_EQ(refused(api, hook.webhook), Reason::token_expired);
}

TEST_F(Authenticate, RevokedBeforeExpiredBeforeWrongWebhookBeforeOwner) {
    // Make every later check fail too, then peel them off in order.
    w.now = kStart + 70 * kDayMs;  // expired, owner inactive
    ASSERT_TRUE(w.run(w.as_admin(), RevokeToken{api}).accepted());
    EXPECT_EQ(refused(api, hook.webhook), Reason::token_revoked);
    const std::string fresh = w.fresh("tok_");
    w.run(w.as_admin(), ReactivateUser{owner});
    w.run(w.as_admin(), IssueApiToken{owner, fresh, "x", w.now + 1, digest_of(fresh)});
    w.now += 61 * kDayMs;
    EXPECT_EQ(refused(fresh, hook.webhook), Reason::token_expired);
    EXPECT_EQ(refused(hook.token, other.webhook), Reason::wrong_webhook);
    EXPECT_EQ(refused(hook.token, hook.webhook), Reason::owner_inactive);
}

TEST_F(Authenticate, OwnerDeletedIsASafeguard) {
    // Unreachable through DeleteUser; forced through a fact to prove the check holds.
    w.apply({UserDeleted{owner}}, "operator");
    EXPECT_EQ(refused(hook.token, hook.webhook), Reason::owner_deleted);
}

TEST_F(Authenticate, RotationGraceThenSecretRotatedThenUnknown) {
    const std::string second = "second-secret";
    ASSERT_TRUE(
        w.run(w.as_admin(), RotateToken{hook.token, digest_of(second), kHourMs}).accepted());
    w.now += kHourMs - 1;
    auto within = w.call(hook.token, hook.webhook);
    EXPECT_EQ(within.outcome, CallDecision::Outcome::accepted);
    EXPECT_TRUE(within.previous_secret);
    w.now += 1;
    EXPECT_EQ(refused(hook.token, hook.webhook), Reason::secret_rotated);
    EXPECT_EQ(w.call(second, hook.webhook).outcome, CallDecision::Outcome::accepted);
    // A second rotation ends the first grace at once and forgets the oldest secret.
    ASSERT_TRUE(
        w.run(w.as_admin(), RotateToken{hook.token, digest_of("third"), kDayMs}).accepted());
    EXPECT_EQ(w.call(hook.token, hook.webhook).outcome, CallDecision::Outcome::unknown);
    EXPECT_EQ(w.call(second, hook.webhook).outcome, CallDecision::Outcome::accepted);
}

TEST_F(Authenticate, ZeroGraceEndsThePreviousSecretAtOnce) {
    ASSERT_TRUE(w.run(w.as_admin(), RotateToken{hook.token, digest_of("new"), 0}).accepted());
    EXPECT_EQ(refused(hook.token, hook.webhook), Reason::secret_rotated);
}

TEST_F(Authenticate, SecretRotatedComesBeforeRevoked) {
    ASSERT_TRUE(w.run(w.as_admin(), RotateToken{hook.token, digest_of("new"), 0}).accepted());
    ASSERT_TRUE(w.run(w.as_admin(), RevokeToken{hook.token}).accepted());
    EXPECT_EQ(refused(hook.token, hook.webhook), Reason::secret_rotated);
    EXPECT_EQ(refused("new", hook.webhook), Reason::token_revoked);
}

TEST_F(Authenticate, RefusedCallsOnGenuineSecretsAreRecordedWithTheReason) {
    ASSERT_TRUE(w.run(w.as_admin(), RevokeToken{hook.token}).accepted());
    auto d = w.call(hook.token, hook.webhook);
    ASSERT_EQ(d.events.size(), 1u);
    const auto& event = std::get<CallDecided>(d.events.front());
    EXPECT_EQ(event.refusal, Reason::token_revoked);
    EXPECT_EQ(event.token_id, hook.token);
    EXPECT_EQ(event.owner_id, owner);
}

TEST_F(Authenticate, ApiTokenServesAWebhookForAWindowAfterItsLastAcceptedCall) {
    ASSERT_EQ(w.call(api, hook.webhook).outcome, CallDecision::Outcome::accepted);
    const Token& token = w.token(api);
    EXPECT_TRUE(token_serves(w.state, token, hook.webhook, w.now + kDefaultWindowMs - 1));
    EXPECT_FALSE(token_serves(w.state, token, hook.webhook, w.now + kDefaultWindowMs));
    EXPECT_FALSE(token_serves(w.state, token, other.webhook, w.now));
}

}  // namespace
}  // namespace keyledger::testing
