// audit::explain on stores built through the real engine with a manual clock: every reason of
// AuthenticateCall's checks 3 to 8, each with the chain of recorded facts behind it, the order
// of the checks, and the explanation of recorded calls.

#include <gtest/gtest.h>

#include "audit/explain.h"
#include "domain/rules.h"
#include "engine/rebuild.h"
#include "tests/audit/ledger.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

using namespace domain;
using nlohmann::json;

class Explain : public ::testing::Test {
  protected:
    json at(const std::string& token, Instant t,
            std::optional<std::string> webhook = std::nullopt) {
        auto out = audit::explain(ledger.store(), audit::plan_at(ledger.model(), ledger.window(),
                                                                 token, std::move(webhook), t));
        EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
        return out ? *out : json();
    }
    json call(const std::string& call_id) {
        auto out = audit::explain_call(ledger.store(), ledger.model(), ledger.window(), call_id);
        EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
        return out ? *out : json();
    }
    // The cited fact of `type` with `role`, or null.
    static json cited(const json& out, const std::string& type, const std::string& role) {
        for (const auto& fact : out["facts"]) {
            if (fact["type"] == type) {
                for (const auto& r : fact["roles"]) {
                    if (r == role)
                        return fact;
                }
            }
        }
        return json();
    }

    TempDir dir{memory_backed_temp()};
    Ledger ledger{dir.path()};
};

TEST_F(Explain, ValidNamesTheLastActivityAndWhenTheOwnerWouldGoInactive) {
    ledger.shop();
    ledger.clock.advance(10 * kDay);
    const std::string call_id = ledger.call("s-shop", "whk_shop");
    const std::uint64_t call_position = ledger.head();
    ledger.clock.advance(10 * kDay);
    ledger.must(IssueApiToken{"usr_admin", "tok_other", "", std::nullopt, digest_of("x")});

    json out = at("tok_shop", kStart + 20 * kDay, "whk_shop");
    EXPECT_EQ(out["status"], "valid");
    EXPECT_EQ(out["token_status"], "valid");
    EXPECT_EQ(out["position"], ledger.head());
    json activity = cited(out, "CallDecided", "owner_last_activity");
    ASSERT_FALSE(activity.is_null()) << out.dump(2);
    EXPECT_EQ(activity["position"], call_position);
    EXPECT_EQ(activity["at"], "2026-01-11T00:00:00.000Z");
    EXPECT_NE(activity["says"].get<std::string>().find(call_id), std::string::npos);
    EXPECT_FALSE(cited(out, "TokenIssued", "issued").is_null());
    EXPECT_FALSE(cited(out, "WebhookInstalled", "webhook_installed").is_null());
    EXPECT_NE(out["because"].get<std::string>().find("active until 2026-03-12T00:00:00.000Z"),
              std::string::npos)
        << out["because"];
}

TEST_F(Explain, OwnerInactiveSinceTheLastActivityPlusTheWindow) {
    ledger.shop();
    ledger.clock.advance(10 * kDay);
    ledger.call("s-shop", "whk_shop");
    const std::uint64_t call_position = ledger.head();

    // One millisecond before the window ends: still valid; at its end: inactive.
    EXPECT_EQ(at("tok_shop", kStart + 70 * kDay - 1)["status"], "valid");
    json out = at("tok_shop", kStart + 70 * kDay, "whk_shop");
    EXPECT_EQ(out["status"], "owner_inactive");
    const std::string because = out["because"];
    SCOPED_TRACE(out.dump(2));
    EXPECT_NE(because.find("owner usr_alice inactive since 2026-03-12T00:00:00.000Z"),
              std::string::npos)
        << because;
    EXPECT_NE(because.find("CallDecided at 2026-01-11T00:00:00.000Z (position " +
                           std::to_string(call_position) + ")"),
              std::string::npos)
        << because;
    EXPECT_NE(because.find("the window is 60 days"), std::string::npos) << because;
    EXPECT_EQ(cited(out, "CallDecided", "owner_last_activity")["position"], call_position);
}

TEST_F(Explain, RevokedNamesTheRevocationAndComesBeforeInactivity) {
    ledger.shop();
    ledger.clock.advance(5 * kDay);
    ledger.must(RevokeToken{"tok_shop"});
    const std::uint64_t revoked_at = ledger.head();

    EXPECT_EQ(at("tok_shop", kStart + 5 * kDay - 1)["status"], "valid");
    json out = at("tok_shop", kStart + 5 * kDay);
    EXPECT_EQ(out["status"], "token_revoked");
    EXPECT_EQ(cited(out, "TokenRevoked", "revoked")["position"], revoked_at);
    EXPECT_NE(out["because"].get<std::string>().find("(position " + std::to_string(revoked_at)),
              std::string::npos);
    // Long after, the owner is inactive as well: check 4 still comes first.
    EXPECT_EQ(at("tok_shop", kStart + 200 * kDay)["status"], "token_revoked");
}

TEST_F(Explain, ExpiredExactlyAtExpiresAtAndBeforeInactivity) {
    ledger.shop();
    ledger.must(IssueApiToken{"usr_alice", "tok_api", "ci", kStart + 3 * kDay, digest_of("s-api")});
    const std::uint64_t issued_at = ledger.head();

    EXPECT_EQ(at("tok_api", kStart + 3 * kDay - 1)["status"], "valid");
    json out = at("tok_api", kStart + 3 * kDay);
    EXPECT_EQ(out["status"], "token_expired");
    EXPECT_EQ(cited(out, "TokenIssued", "issued")["position"], issued_at);
    EXPECT_NE(out["because"].get<std::string>().find("expired at 2026-01-04T00:00:00.000Z"),
              std::string::npos);
    EXPECT_EQ(at("tok_api", kStart + 100 * kDay)["status"], "token_expired");
}

TEST_F(Explain, AnAppTokenAtAnotherWebhookIsWrongWebhook) {
    ledger.shop();
    ledger.must(InstallWebhook{"whk_crm", "crm", WebhookAuth::basic, std::nullopt, "tok_crm",
                               digest_of("s-crm")});
    json out = at("tok_shop", ledger.clock.now(), "whk_crm");
    EXPECT_EQ(out["status"], "wrong_webhook");
    EXPECT_NE(out["because"].get<std::string>().find("app token of webhook whk_shop"),
              std::string::npos);
    EXPECT_EQ(at("tok_shop", ledger.clock.now(), "whk_shop")["status"], "valid");
    // Without a webhook, nothing checks where the token is presented.
    EXPECT_EQ(at("tok_shop", ledger.clock.now())["status"], "valid");
}

TEST_F(Explain, OwnerDeletedIsExplainedFromAHistoryTheRulesWouldNotWrite) {
    // The delete rule makes owner_deleted unreachable; an altered or older history may still
    // hold it, and explain must say so rather than call the token valid.
    ledger.shop();
    ledger.clock.advance(kDay);
    ledger.record(UserDeleted{"usr_alice"});
    const std::uint64_t deleted_at = ledger.head();
    json out = at("tok_shop", ledger.clock.now(), "whk_shop");
    EXPECT_EQ(out["status"], "owner_deleted");
    EXPECT_EQ(cited(out, "UserDeleted", "owner_deleted")["position"], deleted_at);
}

TEST_F(Explain, AnUninstalledWebhookAnswersBeforeTheToken) {
    ledger.shop();
    ledger.clock.advance(kDay);
    ledger.must(UninstallWebhook{"whk_shop"});
    json out = at("tok_shop", ledger.clock.now(), "whk_shop");
    EXPECT_EQ(out["status"], "webhook_uninstalled");
    EXPECT_EQ(out["token_status"], "token_revoked");  // uninstalling revokes its app tokens
    EXPECT_FALSE(cited(out, "WebhookUninstalled", "webhook_uninstalled").is_null());
}

TEST_F(Explain, TheOwnerAfterATransferIsTheOneWhoseActivityCounts) {
    ledger.shop();
    ledger.must(CreateUser{"usr_bot", "bot", AccountKind::service, 0, ""});
    ledger.clock.advance(50 * kDay);
    ledger.call("s-admin", "");  // keeps the admin active; alice stays silent
    ledger.must(TransferToken{"tok_shop", "usr_bot"});
    const std::uint64_t moved_at = ledger.head();
    // Alice would be inactive from day 60; the bot was created on day 0 and is inactive from
    // day 60 too; a call through the token on day 55 keeps the bot, not alice, active.
    ledger.clock.advance(5 * kDay);
    ledger.call("s-shop", "whk_shop");
    json out = at("tok_shop", kStart + 100 * kDay);
    EXPECT_EQ(out["status"], "valid");
    EXPECT_FALSE(cited(out, "TokenTransferred", "owner_changed").is_null());
    EXPECT_EQ(cited(out, "TokenTransferred", "owner_changed")["position"], moved_at);
    EXPECT_NE(out["because"].get<std::string>().find("owner usr_bot active until"),
              std::string::npos)
        << out["because"];
}

TEST_F(Explain, AtPositionEvaluatesAtThatEventsInstant) {
    ledger.shop();
    const std::uint64_t before_revoke = ledger.head();
    ledger.clock.advance(kDay);
    ledger.must(RevokeToken{"tok_shop"});
    auto plan = audit::plan_at_position(ledger.model(), ledger.window(), "tok_shop", std::nullopt,
                                        before_revoke);
    ASSERT_TRUE(plan.has_value());
    auto out = audit::explain(ledger.store(), *plan);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ((*out)["at"], format_instant(kStart));
    EXPECT_EQ((*out)["status"], "valid");
    EXPECT_EQ((*out)["position"], before_revoke);

    auto zero =
        audit::plan_at_position(ledger.model(), ledger.window(), "tok_shop", std::nullopt, 0);
    ASSERT_FALSE(zero.has_value());
    EXPECT_EQ(zero.error().failure, audit::Failure::not_found);
    auto past_head = audit::plan_at_position(ledger.model(), ledger.window(), "tok_shop",
                                             std::nullopt, ledger.head() + 1);
    ASSERT_FALSE(past_head.has_value());
    EXPECT_EQ(past_head.error().failure, audit::Failure::bad_request);
}

TEST_F(Explain, ATokenOrWebhookThatDidNotExistYetIsNotFound) {
    ledger.clock.advance(kDay);
    ledger.shop();
    auto early = audit::explain(ledger.store(), audit::plan_at(ledger.model(), ledger.window(),
                                                               "tok_shop", std::nullopt, kStart));
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().failure, audit::Failure::not_found);
    auto no_webhook =
        audit::explain(ledger.store(), audit::plan_at(ledger.model(), ledger.window(), "tok_shop",
                                                      std::string("whk_none"), ledger.clock.now()));
    ASSERT_FALSE(no_webhook.has_value());
    EXPECT_EQ(no_webhook.error().failure, audit::Failure::not_found);
}

TEST_F(Explain, ARecordedCallIsExplainedAndRecomputedOnTheStateBeforeIt) {
    ledger.shop();
    ledger.clock.advance(kDay);
    const std::string accepted = ledger.call("s-shop", "whk_shop");
    ledger.clock.advance(61 * kDay);
    const std::string refused = ledger.call("s-shop", "whk_shop");
    const std::uint64_t refused_at = ledger.head();

    json a = call(accepted);
    EXPECT_EQ(a["call"]["outcome"], "accepted");
    EXPECT_EQ(a["recomputed"], "valid");
    EXPECT_EQ(a["agrees"], true);

    json r = call(refused);
    EXPECT_EQ(r["call"]["outcome"], "owner_inactive");
    EXPECT_EQ(r["call"]["position"], refused_at);
    EXPECT_EQ(r["position"], refused_at - 1);  // the state the call was decided on
    EXPECT_EQ(r["recomputed"], "owner_inactive");
    EXPECT_EQ(r["agrees"], true);

    auto unknown =
        audit::explain_call(ledger.store(), ledger.model(), ledger.window(), "call_nope");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().failure, audit::Failure::not_found);
}

TEST_F(Explain, APreviousSecretPastItsGraceIsSecretRotated) {
    ledger.shop();
    ledger.must(RotateToken{"tok_shop", digest_of("s-shop-2"), kHourMs});
    const std::uint64_t rotated_at = ledger.head();
    ledger.clock.advance(kHourMs - 1);
    const std::string within = ledger.call("s-shop", "whk_shop");
    ledger.clock.advance(1);
    const std::string after = ledger.call("s-shop", "whk_shop");

    json w = call(within);
    EXPECT_EQ(w["call"]["outcome"], "accepted");
    EXPECT_EQ(w["call"]["previous_secret"], true);
    EXPECT_EQ(w["agrees"], true);

    json out = call(after);
    EXPECT_EQ(out["call"]["outcome"], "secret_rotated");
    EXPECT_EQ(out["status"], "secret_rotated");
    EXPECT_EQ(out["token_status"], "valid");
    EXPECT_EQ(out["agrees"], true);
    EXPECT_EQ(cited(out, "TokenRotated", "rotated")["position"], rotated_at);
    EXPECT_NE(out["because"].get<std::string>().find("grace ended at 2026-01-01T01:00:00.000Z"),
              std::string::npos)
        << out["because"];
}

TEST_F(Explain, AnAppTokenOnTheManagementApiIsWrongWebhook) {
    ledger.shop();
    const std::string call_id = ledger.call("s-shop", "");
    json out = call(call_id);
    EXPECT_EQ(out["call"]["outcome"], "wrong_webhook");
    EXPECT_EQ(out["status"], "wrong_webhook");
    EXPECT_EQ(out["agrees"], true);
}

// The partial fold explain uses answers as a fold of the whole log would, at every instant of
// a history with transfers, rotations, revocations, expiries and silences.
TEST_F(Explain, ThePartialFoldAgreesWithAFullRebuildEverywhere) {
    ledger.shop();
    ledger.must(CreateUser{"usr_bob", "bob", AccountKind::person, 0, ""});
    ledger.must(IssueApiToken{"usr_bob", "tok_bob", "", kStart + 90 * kDay, digest_of("s-bob")});
    for (int day = 1; day <= 150; day += 7) {
        ledger.clock.set(kStart + day * kDay);
        if (day % 3 == 0)
            ledger.call("s-shop", "whk_shop");
        if (day % 5 == 0)
            ledger.call("s-bob", "whk_shop");
        if (day == 43)
            ledger.must(TransferToken{"tok_shop", "usr_bob"});
        if (day == 71)
            ledger.must(RotateToken{"tok_bob", digest_of("s-bob-2"), kDay});
        if (day == 120)
            ledger.must(RevokeToken{"tok_shop"});
    }
    for (Instant t = kStart; t <= kStart + 160 * kDay; t += kDay / 2) {
        const std::uint64_t p =
            projections::point_as_of(ledger.store(), t, ledger.model().position())->position;
        auto full = engine::rebuild(ledger.store(), p);
        ASSERT_TRUE(full.has_value());
        for (const std::string token : {"tok_shop", "tok_bob"}) {
            const Token* k = full->state().token(token);
            if (k == nullptr)
                continue;
            auto expected = token_refusal(full->state(), *k, Target::webhook("whk_shop"), t);
            json out = at(token, t, "whk_shop");
            EXPECT_EQ(out["token_status"], expected ? to_string(*expected) : "valid")
                << token << " at " << format_instant(t);
        }
    }
}

}  // namespace
}  // namespace keyledger::testing
