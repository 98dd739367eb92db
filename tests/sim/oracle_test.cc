// Engine and model agree on every step of ordinary runs, boundary probes included; the runs see
// the rules at work (webhooks break, deletions are blocked, accounts go inactive).

#include <gtest/gtest.h>

#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

TEST(SimOracle, EngineAndModelAgreeOnEveryStepOfAHalfYear) {
    SimDir dir;
    ASSERT_EQ(
        run_sim({"run", "--seed", "4", "--days", "180", "--preset", "small", "--out", dir.str()}),
        0);
    const auto s = summary_of(dir.path());
    EXPECT_TRUE(s["model_agrees"].get<bool>());
    EXPECT_EQ(s["steps_compared_with_the_model"], s["steps"]);
    EXPECT_GT(s["boundary_probes"].get<int>(), 5);
    // The world exercised the rules the comparison is about.
    EXPECT_GT(s["calls_by_result"]["accepted"].get<int>(), 1000);
    EXPECT_GT(s["calls_by_result"].value("unknown_token", 0), 0);
    EXPECT_GT(s["calls_by_result"].value("owner_inactive", 0), 0);
    EXPECT_GT(s["accounts_gone_inactive"].get<int>(), 0);
    EXPECT_GT(s["broken_webhook_incidents"].get<int>(), 0);
    EXPECT_GT(s["deletions_blocked"].get<int>(), 0);
}

TEST(SimOracle, MediumPresetAgreesWithTheModel) {
    SimDir dir;
    ASSERT_EQ(
        run_sim({"run", "--seed", "11", "--days", "100", "--preset", "medium", "--out", dir.str()}),
        0);
    const auto s = summary_of(dir.path());
    EXPECT_TRUE(s["model_agrees"].get<bool>());
    EXPECT_GT(s["deletions_blocked"].get<int>(), 0);
    EXPECT_GT(s["management_by_result"].value("user_has_active_tokens", 0), 0);
}

TEST(SimOracle, ComparePolicyRunsTheSameWorldTwice) {
    SimDir dir;
    ASSERT_EQ(run_sim({"run", "--seed", "5", "--days", "150", "--preset", "small",
                       "--compare-policy", "--out", dir.str()}),
              0);
    const auto compare = nlohmann::json::parse(slurp(dir.path() / "compare.json"));
    ASSERT_TRUE(compare.contains("tokens_on_personal_accounts"));
    ASSERT_TRUE(compare.contains("tokens_on_service_accounts"));
    const auto personal = summary_of(dir.path() / "personal");
    const auto service = summary_of(dir.path() / "service");
    // The same world (people, webhooks, rhythms), only the owners of the tokens differ.
    EXPECT_EQ(personal["accounts"], service["accounts"]);
    EXPECT_EQ(personal["webhooks"], service["webhooks"]);
    EXPECT_EQ(personal["policy"], "personal");
    EXPECT_EQ(service["policy"], "service");
    EXPECT_NE(personal["log_head_hash"], service["log_head_hash"]);
    EXPECT_EQ(compare["tokens_on_personal_accounts"]["broken_webhook_days"],
              personal["broken_webhook_days"]);
    EXPECT_TRUE(summary_of(dir.path() / "personal")["model_agrees"].get<bool>());
    EXPECT_TRUE(summary_of(dir.path() / "service")["model_agrees"].get<bool>());
    EXPECT_FALSE(slurp(dir.path() / "compare.svg").empty());
}

// The point of the comparison: tokens on people's accounts break when the people go quiet, take
// leave or leave (and get caught in their offboarding); tokens on service accounts do not.
TEST(SimOracle, TokensOnPersonalAccountsBreakMoreWebhooksThanOnServiceAccounts) {
    SimDir dir;
    ASSERT_EQ(run_sim({"run", "--seed", "2", "--days", "180", "--preset", "small",
                       "--compare-policy", "--out", dir.str()}),
              0);
    const auto personal = summary_of(dir.path() / "personal");
    const auto service = summary_of(dir.path() / "service");
    auto days = [](const nlohmann::json& s) {
        return std::stod(s["broken_webhook_days"].get<std::string>());
    };
    auto refused = [](const nlohmann::json& s, const char* reason) {
        return s["calls_by_result"].value(reason, 0);
    };
    EXPECT_GT(days(personal), 2 * days(service));
    EXPECT_GT(refused(personal, "owner_inactive"), refused(service, "owner_inactive"));
}

}  // namespace
}  // namespace keyledger::testing
