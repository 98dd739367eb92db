// Schema evolution: a store written by an earlier version (tests/fixtures/golden/store) must open,
// verify and replay to the answers recorded beside it (tests/fixtures/golden/answers.json) with
// today's code, forever. If this test fails after a change to the events, the change broke old
// stores: read docs/SCHEMA.md before touching the fixture.
//
// KEYLEDGER_WRITE_GOLDEN=<dir> makes the test write a fresh fixture into <dir> instead; that is
// only for adding a new fixture beside the old ones, never for replacing one.

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/views.h"
#include "engine/engine.h"
#include "engine/rebuild.h"
#include "projections/at_risk.h"
#include "tests/engine/random_story.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

std::string hex(const eventstore::Hash& hash) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t byte : hash) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 15]);
    }
    return out;
}

// Everything a reader of the store can be asked, at the head and at earlier instants.
nlohmann::json answers(const eventstore::EventStore& store) {
    auto model = engine::rebuild(store);
    EXPECT_TRUE(model.has_value()) << (model ? "" : model.error());
    const domain::State& state = model->state();
    const Instant now = state.last_event_at;

    nlohmann::json out;
    out["events"] = store.head_position();
    out["head"] = hex(store.head_hash());
    std::map<std::string, nlohmann::json> users, tokens, webhooks;
    for (const domain::Account& account : state.accounts) {
        users[account.id] = api::user_json(state, account, now);
    }
    for (const domain::Token& token : state.tokens) {
        tokens[std::string(state.token_id(token))] =
            api::token_json(state, token, std::nullopt, now);
    }
    for (const domain::Webhook& webhook : state.webhooks) {
        webhooks[webhook.id] = api::webhook_json(state, webhook);
    }
    out["users"] = users;
    out["tokens"] = tokens;
    out["webhooks"] = webhooks;
    out["at_risk"] = api::at_risk_json(projections::at_risk(state, now, 30));

    // As of the middle of the history, folded from the history index.
    const Instant middle = kStart + (now - kStart) / 2;
    const std::uint64_t position =
        projections::point_as_of(store, middle, model->position()).value().position;
    std::map<std::string, nlohmann::json> users_then;
    for (const domain::Account& account : state.accounts) {
        const std::string& id = account.id;
        auto positions = projections::read_positions(
            store, model->history().sources_for_account(state, id), position);
        EXPECT_TRUE(positions.has_value());
        auto partial = engine::fold_positions(store, state.window_ms, positions.value());
        EXPECT_TRUE(partial.has_value());
        if (const auto* then = partial->account(id)) {
            users_then[id] = api::user_json(*partial, *then, middle);
        }
    }
    out["as_of_middle"] = {
        {"at", domain::format_instant(middle)}, {"position", position}, {"users", users_then}};
    return out;
}

void write_fixture(const std::filesystem::path& dir) {
    engine::ManualClock clock(kStart);
    {
        auto store = eventstore::open_rocksdb_store(dir / "store", {.create = true});
        ASSERT_TRUE(store.has_value());
        engine::EngineOptions options;
        options.snapshot_at_stop = false;  // the fixture is about events; snapshots are rebuilt
        auto engine = engine::Engine::open(std::move(*store), clock, options);
        ASSERT_TRUE(engine.has_value());
        RandomStory story(2026, clock);
        story.bootstrap(**engine, 60 * domain::kDayMs);
        for (int i = 0; i < 300; ++i) {
            story.step(**engine);
        }
    }
    auto store = eventstore::open_rocksdb_store(dir / "store", {.read_only = true});
    ASSERT_TRUE(store.has_value());
    std::ofstream(dir / "answers.json") << answers(**store).dump(1) << "\n";
}

TEST(Golden, AStoreWrittenByAnEarlierVersionReplaysToTheSameAnswers) {
    if (const char* out = std::getenv("KEYLEDGER_WRITE_GOLDEN")) {
        write_fixture(out);
        GTEST_SKIP() << "wrote a new fixture to " << out;
    }
    const std::filesystem::path fixture =
        std::filesystem::path(KEYLEDGER_SOURCE_DIR) / "tests/fixtures/golden";
    ASSERT_TRUE(std::filesystem::exists(fixture / "store")) << fixture;
    // A copy: opening a store may write to it, and the fixture must stay as committed.
    TempDir dir;
    std::filesystem::copy(fixture / "store", dir.path() / "store",
                          std::filesystem::copy_options::recursive);
    auto store = eventstore::open_rocksdb_store(dir.path() / "store", {});
    ASSERT_TRUE(store.has_value()) << store.error().message;

    auto verified = (*store)->verify();
    ASSERT_TRUE(verified.has_value());
    EXPECT_TRUE(verified->ok) << verified->reason;

    nlohmann::json expected;
    std::ifstream(fixture / "answers.json") >> expected;
    const nlohmann::json actual = answers(**store);
    EXPECT_EQ(actual["events"], expected["events"]);
    EXPECT_EQ(actual["head"], expected["head"]);
    for (const char* part : {"users", "tokens", "webhooks", "at_risk", "as_of_middle"}) {
        EXPECT_EQ(actual[part], expected[part])
            << part << " differ:\n"
            << nlohmann::json::diff(expected[part], actual[part]).dump(1);
    }
}

}  // namespace
}  // namespace keyledger::testing
