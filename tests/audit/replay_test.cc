// audit::replay: the whole state at an instant, or only what a filter names.

#include <gtest/gtest.h>

#include "audit/calls.h"
#include "audit/explain.h"
#include "audit/history.h"
#include "audit/replay.h"
#include "tests/audit/ledger.h"
#include "tests/engine/temp_dir.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::testing {
namespace {

using namespace domain;
using nlohmann::json;

class Replay : public ::testing::Test {
  protected:
    void SetUp() override {
        ledger.shop();
        ledger.clock.set(kStart + 10 * kDay);
        ledger.must(CreateUser{"usr_bob", "bob", AccountKind::person, 0, ""});
        ledger.must(IssueApiToken{"usr_bob", "tok_bob", "bob's", std::nullopt, digest_of("b")});
        ledger.clock.set(kStart + 20 * kDay);
        ledger.must(RevokeToken{"tok_bob"});
    }
    audit::Answer<json> ask(audit::ReplayQuestion question) {
        return audit::replay(ledger.store(), ledger.model(), question);
    }
    static std::vector<std::string> ids(const json& list) {
        std::vector<std::string> ids;
        for (const auto& item : list)
            ids.push_back(item["id"]);
        return ids;
    }

    TempDir dir{memory_backed_temp()};
    Ledger ledger{dir.path()};
};

TEST_F(Replay, EverythingAsItWasAtTheInstant) {
    auto before_bob = ask({.as_of = kStart + 5 * kDay});
    ASSERT_TRUE(before_bob.has_value());
    EXPECT_EQ(ids((*before_bob)["accounts"]), (std::vector<std::string>{"usr_admin", "usr_alice"}));
    EXPECT_EQ(ids((*before_bob)["tokens"]), (std::vector<std::string>{"tok_admin", "tok_shop"}));
    EXPECT_EQ(ids((*before_bob)["webhooks"]), (std::vector<std::string>{"whk_shop"}));

    auto between = ask({.as_of = kStart + 15 * kDay});
    ASSERT_TRUE(between.has_value());
    EXPECT_EQ((*between)["tokens"][1]["id"], "tok_bob");
    EXPECT_EQ((*between)["tokens"][1]["status"], "valid");

    auto after = ask({.as_of = kStart + 20 * kDay});
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ((*after)["tokens"][1]["status"], "token_revoked");
    EXPECT_EQ((*after)["position"], ledger.head());
    // Sixty days after its creation with no activity, alice is inactive.
    auto late = ask({.as_of = kStart + 60 * kDay});
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ((*late)["accounts"][1]["status"], "inactive");
    EXPECT_EQ((*late)["accounts"][1]["inactive_since"], "2026-03-02T00:00:00.000Z");
}

TEST_F(Replay, FiltersByAccountUsernameTokenAndWebhook) {
    auto by_id = ask({.as_of = kStart + 15 * kDay, .account_id = "usr_bob"});
    ASSERT_TRUE(by_id.has_value());
    EXPECT_EQ(ids((*by_id)["accounts"]), (std::vector<std::string>{"usr_bob"}));
    EXPECT_EQ(ids((*by_id)["tokens"]), (std::vector<std::string>{"tok_bob"}));
    EXPECT_TRUE((*by_id)["webhooks"].empty());

    auto by_name = ask({.as_of = kStart + 15 * kDay, .username = "bob"});
    ASSERT_TRUE(by_name.has_value());
    EXPECT_EQ(*by_name, *by_id);

    auto token = ask({.as_of = kStart + 25 * kDay, .token_id = "tok_bob"});
    ASSERT_TRUE(token.has_value());
    EXPECT_TRUE((*token)["accounts"].empty());
    EXPECT_EQ(ids((*token)["tokens"]), (std::vector<std::string>{"tok_bob"}));
    EXPECT_EQ((*token)["tokens"][0]["status"], "token_revoked");

    auto webhook = ask({.as_of = kStart + 25 * kDay, .webhook_id = "whk_shop"});
    ASSERT_TRUE(webhook.has_value());
    EXPECT_EQ(ids((*webhook)["webhooks"]), (std::vector<std::string>{"whk_shop"}));
    EXPECT_EQ(ids((*webhook)["tokens"]), (std::vector<std::string>{"tok_shop"}));
    EXPECT_TRUE((*webhook)["accounts"].empty());
}

TEST_F(Replay, AFilteredReplayEqualsTheSameEntitiesOfTheFullOne) {
    for (Instant t : {kStart, kStart + 10 * kDay, kStart + 15 * kDay, kStart + 70 * kDay}) {
        auto full = ask({.as_of = t});
        ASSERT_TRUE(full.has_value());
        for (const std::string token : {"tok_shop", "tok_admin"}) {
            auto filtered = ask({.as_of = t, .token_id = token});
            ASSERT_TRUE(filtered.has_value());
            json same;
            for (const auto& item : (*full)["tokens"]) {
                if (item["id"] == token)
                    same = item;
            }
            EXPECT_EQ((*filtered)["tokens"][0], same) << token << " at " << format_instant(t);
        }
        auto alice = ask({.as_of = t, .account_id = "usr_alice"});
        ASSERT_TRUE(alice.has_value());
        EXPECT_EQ((*alice)["accounts"][0], (*full)["accounts"][1]) << format_instant(t);
    }
}

TEST_F(Replay, WhatDidNotExistYetIsNotFound) {
    auto early = ask({.as_of = kStart + 5 * kDay, .token_id = "tok_bob"});
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().failure, audit::Failure::not_found);
    auto nobody = ask({.as_of = kStart + 5 * kDay, .username = "carol"});
    ASSERT_FALSE(nobody.has_value());
    EXPECT_EQ(nobody.error().failure, audit::Failure::not_found);
    // Before the first event: an empty world, not an error.
    auto nothing = ask({.as_of = kStart - 1});
    ASSERT_TRUE(nothing.has_value());
    EXPECT_EQ((*nothing)["position"], 0);
    EXPECT_TRUE((*nothing)["accounts"].empty());
}

// A replay as `keyledger audit replay` gives it, on a closed ledger's store.
audit::Answer<json> ask_store(const std::filesystem::path& path, audit::ReplayQuestion question) {
    auto store = eventstore::open_rocksdb_store(path, {.secondary = true});
    if (!store) {
        return audit::problem(audit::Failure::store, store.error().message);
    }
    auto model = audit::load_model(**store, {}, {});
    if (!model) {
        return std::unexpected(model.error());
    }
    return audit::replay(**store, *model, question);
}

// A replay folds an entity's events without their neighbours: each folded event must still be
// vouched for by the next event's prev_hash (or the stored head), else the answer is refused,
// naming the altered event in start-up's words (decision 110).
TEST(ReplayLinks, AnAlteredEventIsRefusedNotAnswered) {
    TempDir dir{memory_backed_temp()};
    std::uint64_t alice_created = 0;
    std::uint64_t head = 0;
    {
        Ledger ledger{dir.path()};
        ledger.shop();
        ledger.clock.set(kStart + 10 * kDay);
        ledger.must(RevokeToken{"tok_shop"});
        const auto& model = ledger.model();
        alice_created = projections::read_positions(
                            ledger.store(),
                            model.history().sources_for_account(model.state(), "usr_alice"), 1000)
                            ->front();
        head = ledger.head();
    }
    // Changes one byte of a text field (still decodable) of the event at `position`.
    std::string original;
    auto alter = [&](std::uint64_t position, std::string_view field) {
        eventstore::testing::RawStore raw(dir.path());
        const std::string key = eventstore::detail::event_key(position);
        std::string envelope = raw.get(eventstore::detail::Family::events, key);
        original = envelope;
        std::size_t at = envelope.rfind(field);
        ASSERT_NE(at, std::string::npos) << field;
        envelope[at + field.size() - 1] ^= 0x01;
        raw.put(eventstore::detail::Family::events, key, envelope);
    };
    const Instant now = kStart + 10 * kDay;
    alter(alice_created, "alice");
    for (audit::ReplayQuestion question :
         {audit::ReplayQuestion{.as_of = now, .account_id = "usr_alice"},
          audit::ReplayQuestion{.as_of = now}}) {
        auto answer = ask_store(dir.path(), question);
        ASSERT_FALSE(answer.has_value());
        EXPECT_EQ(answer.error().failure, audit::Failure::altered);
        EXPECT_NE(
            answer.error().message.find("event " + std::to_string(alice_created) +
                                        ": its hash does not match the prev_hash that event " +
                                        std::to_string(alice_created + 1) + " recorded"),
            std::string::npos)
            << answer.error().message;
    }
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(eventstore::detail::Family::events, eventstore::detail::event_key(alice_created),
                original);
    }
    ASSERT_TRUE(ask_store(dir.path(), {.as_of = now, .account_id = "usr_alice"}).has_value());

    // The last event has no successor: the stored head vouches for it.
    alter(head, "tok_shop");
    auto last = ask_store(dir.path(), {.as_of = now, .token_id = "tok_shop"});
    ASSERT_FALSE(last.has_value());
    EXPECT_NE(last.error().message.find("event " + std::to_string(head) +
                                        ": its hash does not match the stored head"),
              std::string::npos)
        << last.error().message;
}

// explain and calls answer from a few scattered events too: the same links are checked before
// an answer is given, and an altered call is refused, never reported (decision 110).
TEST(ReplayLinks, ExplainAndCallsRefuseAnAlteredCall) {
    TempDir dir{memory_backed_temp()};
    std::uint64_t call_position = 0;
    std::string call_id;
    {
        Ledger ledger{dir.path()};
        ledger.shop();
        ledger.clock.set(kStart + kDay);
        call_id = ledger.call("s-shop", "whk_shop");
        call_position = ledger.head();
        ledger.clock.set(kStart + 2 * kDay);
        ledger.must(RevokeToken{"tok_shop"});
    }
    auto ask_both = [&] {
        auto store = eventstore::open_rocksdb_store(dir.path(), {.secondary = true});
        EXPECT_TRUE(store.has_value());
        auto model = audit::load_model(**store, {}, {});
        EXPECT_TRUE(model.has_value());
        auto plan = audit::plan_at(*model, 60 * kDay, "tok_shop", "whk_shop", kStart + kDay + 1);
        return std::pair(audit::explain(**store, plan),
                         audit::calls(**store, audit::CallsQuestion{"whk_shop", {}, {}}));
    };
    {
        auto [explained, calls] = ask_both();
        ASSERT_TRUE(explained.has_value()) << explained.error().message;
        ASSERT_TRUE(calls.has_value()) << calls.error().message;
        EXPECT_EQ((*calls)["calls"][0]["call_id"], call_id);
    }
    {
        eventstore::testing::RawStore raw(dir.path());
        const std::string key = eventstore::detail::event_key(call_position);
        std::string envelope = raw.get(eventstore::detail::Family::events, key);
        const std::size_t at = envelope.rfind(call_id);
        ASSERT_NE(at, std::string::npos);
        envelope[at + call_id.size() - 1] ^= 0x01;
        raw.put(eventstore::detail::Family::events, key, envelope);
    }
    auto [explained, calls] = ask_both();
    const std::string altered = "event " + std::to_string(call_position) + ": its hash does not";
    ASSERT_FALSE(explained.has_value());
    EXPECT_EQ(explained.error().failure, audit::Failure::altered);
    EXPECT_NE(explained.error().message.find(altered), std::string::npos)
        << explained.error().message;
    ASSERT_FALSE(calls.has_value());
    EXPECT_EQ(calls.error().failure, audit::Failure::altered);
    EXPECT_NE(calls.error().message.find(altered), std::string::npos) << calls.error().message;
}

}  // namespace
}  // namespace keyledger::testing
