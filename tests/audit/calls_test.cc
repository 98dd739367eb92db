// audit::calls: every recorded decision on one webhook in [from, to), nothing else.

#include <gtest/gtest.h>

#include "audit/calls.h"
#include "audit/range.h"
#include "tests/audit/ledger.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

using namespace domain;
using nlohmann::json;

class Calls : public ::testing::Test {
  protected:
    void SetUp() override {
        ledger.shop();
        ledger.must(InstallWebhook{"whk_crm", "crm", WebhookAuth::bearer, std::nullopt, "tok_crm",
                                   digest_of("s-crm")});
        for (int day = 1; day <= 5; ++day) {
            ledger.clock.set(kStart + day * kDay);
            shop_calls.push_back(ledger.call("s-shop", "whk_shop"));
            ledger.call("s-crm", "whk_crm");
        }
        // An app token of the crm presented at the shop: recorded on the shop, refused.
        ledger.clock.set(kStart + 6 * kDay);
        shop_calls.push_back(ledger.call("s-crm", "whk_shop"));
    }
    json ask(std::optional<Instant> from, std::optional<Instant> to,
             const std::string& webhook = "whk_shop") {
        auto out = audit::calls(ledger.store(), {webhook, from, to});
        EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
        return out ? *out : json();
    }
    static std::vector<std::string> ids(const json& out) {
        std::vector<std::string> ids;
        for (const auto& call : out["calls"])
            ids.push_back(call["call_id"]);
        return ids;
    }

    TempDir dir{memory_backed_temp()};
    Ledger ledger{dir.path()};
    std::vector<std::string> shop_calls;
};

TEST_F(Calls, EveryCallOnTheWebhookAndNoOther) {
    json out = ask(std::nullopt, std::nullopt);
    EXPECT_EQ(ids(out), shop_calls);
    EXPECT_EQ(out["count"], 6);
    EXPECT_EQ(out["accepted"], 5);
    EXPECT_EQ(out["refused"], 1);
    EXPECT_EQ(out["calls"][5]["outcome"], "wrong_webhook");
    EXPECT_EQ(out["calls"][5]["token_id"], "tok_crm");
    EXPECT_EQ(out["calls"][0]["at"], "2026-01-02T00:00:00.000Z");
    EXPECT_EQ(out["calls"][0]["body_length"], 11);
}

TEST_F(Calls, FromIsInclusiveAndToExclusive) {
    // Calls at day 2, 3 and 4 at exactly midnight: [day 2, day 4) holds days 2 and 3.
    json out = ask(kStart + 2 * kDay, kStart + 4 * kDay);
    EXPECT_EQ(ids(out), (std::vector<std::string>{shop_calls[1], shop_calls[2]}));
    EXPECT_EQ(out["from"], "2026-01-03T00:00:00.000Z");
    EXPECT_EQ(out["to"], "2026-01-05T00:00:00.000Z");
    // One millisecond more on each side moves each end by one call.
    EXPECT_EQ(ids(ask(kStart + 2 * kDay + 1, kStart + 4 * kDay + 1)),
              (std::vector<std::string>{shop_calls[2], shop_calls[3]}));
    EXPECT_EQ(ids(ask(kStart + 5 * kDay, std::nullopt)),
              (std::vector<std::string>{shop_calls[4], shop_calls[5]}));
    EXPECT_EQ(ids(ask(std::nullopt, kStart + 2 * kDay)), (std::vector<std::string>{shop_calls[0]}));
    EXPECT_TRUE(ids(ask(kStart + 100 * kDay, std::nullopt)).empty());
    EXPECT_TRUE(ids(ask(kStart - kDay, kStart)).empty());
}

TEST_F(Calls, TheRangeIsFoundByInstantNotByScanningFromTheStart) {
    auto range = audit::positions_between(ledger.store(), kStart + 3 * kDay, kStart + 4 * kDay);
    ASSERT_TRUE(range.has_value());
    // Day 3 holds exactly the shop's and the crm's call.
    EXPECT_EQ(range->last - range->first + 1, 2u);
    auto first = ledger.store().read_at(range->first);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->at_ms, kStart + 3 * kDay);
}

TEST_F(Calls, AnUnknownWebhookIsNotFoundAndAnEmptyRangeIsABadRequest) {
    auto unknown = audit::calls(ledger.store(), {"whk_none", std::nullopt, std::nullopt});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().failure, audit::Failure::not_found);
    auto backwards = audit::calls(ledger.store(), {"whk_shop", kStart + kDay, kStart + kDay});
    ASSERT_FALSE(backwards.has_value());
    EXPECT_EQ(backwards.error().failure, audit::Failure::bad_request);
}

}  // namespace
}  // namespace keyledger::testing
