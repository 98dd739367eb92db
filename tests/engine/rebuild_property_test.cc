// Property: for thousands of random command sequences with random clock steps, the projections
// rebuilt from the stored events alone equal the live ones, a projection snapshot decodes back to
// them and a reopen from it (with or without a tail to fold) gives them again, and every as-of
// answer folded from the history index equals the answer of the full log replayed up to that
// point.

#include <cstdlib>

#include <gtest/gtest.h>

#include "api/views.h"
#include "engine/engine.h"
#include "projections/at_risk.h"
#include "projections/snapshot.h"
#include "tests/engine/random_story.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

int seeds() {
    const char* text = std::getenv("KEYLEDGER_PROPERTY_SEEDS");
    return text ? std::atoi(text) : 2000;
}

std::unique_ptr<engine::Engine> open_engine(const std::filesystem::path& dir, bool create,
                                            const engine::Clock& clock,
                                            bool snapshot_at_stop = true) {
    // fsync is off here: durability is not what this property is about.
    auto store = eventstore::open_rocksdb_store(dir, {.create = create, .sync = false});
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    engine::EngineOptions options;
    options.snapshot_at_stop = snapshot_at_stop;
    options.warn = [](std::string_view, const std::string& message) { ADD_FAILURE() << message; };
    auto engine = engine::Engine::open(std::move(*store), clock, options);
    EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error());
    return std::move(*engine);
}

// The state after exactly the first `position` events, replayed in full.
projections::ReadModel replay_prefix(const eventstore::EventStore& store, std::uint64_t position) {
    projections::ReadModel model;
    auto events = store.read_all(0, position);
    EXPECT_TRUE(events.has_value());
    for (const auto& stored : *events) {
        model.apply(stored.position, *engine::decode_fact(stored));
    }
    return model;
}

void expect_as_of_matches(const engine::Engine& engine, Instant t, std::uint64_t seed) {
    const auto& model = engine.model();
    const auto& history = model.history();
    auto point = projections::point_as_of(engine.store(), t, model.position());
    ASSERT_TRUE(point.has_value());
    const std::uint64_t position = point->position;
    auto positions_of = [&](const projections::HistorySources& sources) {
        auto positions = projections::read_positions(engine.store(), sources, position);
        EXPECT_TRUE(positions.has_value());
        return positions.value_or(std::vector<std::uint64_t>{});
    };
    projections::ReadModel prefix = replay_prefix(engine.store(), position);
    const domain::State& full = prefix.state();
    for (const domain::Account& account : full.accounts) {
        const std::string& id = account.id;
        auto partial =
            engine::fold_positions(engine.store(), engine.window_ms(),
                                   positions_of(history.sources_for_account(model.state(), id)));
        ASSERT_TRUE(partial.has_value());
        ASSERT_NE(partial->account(id), nullptr);
        EXPECT_EQ(api::user_json(*partial, *partial->account(id), t),
                  api::user_json(full, account, t))
            << "seed " << seed << " account " << id << " at " << domain::format_instant(t);
    }
    for (const domain::Token& token : full.tokens) {
        const std::string id(full.token_id(token));
        auto partial =
            engine::fold_positions(engine.store(), engine.window_ms(),
                                   positions_of(history.sources_for_token(model.state(), id)));
        ASSERT_TRUE(partial.has_value());
        ASSERT_NE(partial->token(id), nullptr);
        const std::optional<std::string> webhook =
            token.webhook_index == domain::kNoId
                ? std::nullopt
                : std::optional(std::string(full.webhook_id(token)));
        for (const auto& check :
             {std::optional<std::string>{}, webhook, std::optional<std::string>{"elsewhere"}}) {
            nlohmann::json expected = api::token_json(full, token, check, t);
            nlohmann::json actual = api::token_json(*partial, *partial->token(id), check, t);
            // Which webhooks an API token serves needs every webhook's calls, not only its own
            // history: compared separately below from the live model.
            expected.erase("serves_webhook_ids");
            actual.erase("serves_webhook_ids");
            EXPECT_EQ(actual, expected)
                << "seed " << seed << " token " << id << " at " << domain::format_instant(t);
        }
    }
}

TEST(RebuildProperty, RebuiltProjectionsEqualTheLiveOnes) {
    const int count = seeds();
    std::uint64_t total_events = 0;
    for (int seed = 1; seed <= count; ++seed) {
        TempDir dir(memory_backed_temp());
        engine::ManualClock clock(kStart);
        std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
        // Seeds ending in 5 keep their part-way snapshot: no snapshot at stop overwrites it.
        auto engine = open_engine(dir.path(), true, clock, seed % 10 != 5);
        RandomStory story(static_cast<std::uint64_t>(seed), clock);
        story.bootstrap(*engine, (1 + rng() % 90) * domain::kDayMs);
        const int steps = 20 + static_cast<int>(rng() % 60);
        for (int i = 0; i < steps; ++i) {
            story.step(*engine);
            // On a sample, a snapshot part-way, so a reopen starts from it and folds the rest.
            if (seed % 10 == 5 && i == steps / 2) {
                ASSERT_TRUE(engine->write_snapshot()) << "seed " << seed;
            }
        }
        const projections::ReadModel live = engine->model();
        total_events += live.position();

        // Rebuilt from position 1 out of the stored bytes alone.
        projections::ReadModel rebuilt = replay_prefix(engine->store(), live.position());
        ASSERT_EQ(rebuilt.position(), live.position()) << "seed " << seed;
        ASSERT_TRUE(rebuilt == live) << "seed " << seed;
        // A snapshot is a function of the content alone and decodes back to the model.
        const std::string snapshot =
            projections::encode_snapshot(live, engine->store().head_hash());
        ASSERT_EQ(snapshot, projections::encode_snapshot(rebuilt, engine->store().head_hash()))
            << "seed " << seed;
        auto decoded = projections::decode_snapshot(snapshot);
        ASSERT_TRUE(decoded.has_value()) << "seed " << seed << ": " << decoded.error();
        ASSERT_TRUE(decoded->model == live) << "seed " << seed;
        // And, on a sample, by the engine itself after a reopen: from the snapshot written at
        // stop (1), from a snapshot part-way plus the rest of the log (5), from the log alone (9).
        if (seed % 10 == 1 || seed % 10 == 5 || seed % 10 == 9) {
            const std::uint64_t snapshot_at = engine->stats().snapshot_position;
            engine.reset();
            if (seed % 10 == 9) {
                auto store = eventstore::open_rocksdb_store(dir.path(), {.sync = false});
                ASSERT_TRUE(store.has_value());
                ASSERT_TRUE((*store)->put_meta(projections::kSnapshotMetaKey, "gone").has_value());
            }
            engine::EngineOptions options;
            std::vector<std::string> warnings;
            options.warn = [&](std::string_view, const std::string& message) {
                warnings.push_back(message);
            };
            auto store = eventstore::open_rocksdb_store(dir.path(), {.sync = false});
            ASSERT_TRUE(store.has_value());
            auto reopened = engine::Engine::open(std::move(*store), clock, options);
            ASSERT_TRUE(reopened.has_value()) << reopened.error();
            engine = std::move(*reopened);
            ASSERT_TRUE(engine->model() == rebuilt) << "seed " << seed;
            if (seed % 10 == 9) {
                EXPECT_EQ(engine->stats().started_from_snapshot, 0u) << "seed " << seed;
                EXPECT_EQ(warnings.size(), 1u) << "seed " << seed;
            } else {
                EXPECT_EQ(engine->stats().started_from_snapshot,
                          seed % 10 == 1 ? live.position() : snapshot_at)
                    << "seed " << seed;
                EXPECT_TRUE(warnings.empty()) << "seed " << seed;
            }
        }

        // Time-dependent answers agree too, at random instants now and ahead.
        const Instant now = clock.now();
        for (int k = 0; k < 3; ++k) {
            const Instant t = now + static_cast<Instant>(rng() % (120 * domain::kDayMs));
            EXPECT_EQ(api::at_risk_json(projections::at_risk(rebuilt.state(), t, 30)),
                      api::at_risk_json(projections::at_risk(engine->model().state(), t, 30)))
                << "seed " << seed;
        }
        // As-of answers from the history index, on a sample of seeds (each is a full replay).
        if (seed % 10 == 0) {
            for (int k = 0; k < 3; ++k) {
                const Instant t =
                    kStart +
                    static_cast<Instant>(rng() % static_cast<std::uint64_t>(now - kStart + 1));
                expect_as_of_matches(*engine, t, static_cast<std::uint64_t>(seed));
            }
        }
        if (HasFailure()) {
            return;
        }
    }
    RecordProperty("events", std::to_string(total_events));
    EXPECT_GT(total_events, static_cast<std::uint64_t>(count) * 10);
}

}  // namespace
}  // namespace keyledger::testing
