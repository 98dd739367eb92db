// The engine remembers the versions of the streams it writes only up to a bound, so its memory
// does not grow with every stream ever written; forgetting must never make it propose a stale
// version (the store would refuse the batch and the engine would stop).

#include <gtest/gtest.h>

#include <string>

#include "engine/engine.h"
#include "engine/rebuild.h"
#include "tests/engine/random_story.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

std::unique_ptr<engine::Engine> open_engine(const std::filesystem::path& dir,
                                            const engine::Clock& clock, std::size_t remembered) {
    auto store = eventstore::open_rocksdb_store(dir, {.create = true, .sync = false});
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    engine::EngineOptions options;
    options.remembered_streams = remembered;
    options.snapshot_at_stop = false;
    auto engine = engine::Engine::open(std::move(*store), clock, options);
    EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error());
    return engine ? std::move(*engine) : nullptr;
}

TEST(StreamVersions, StreamsForgottenBetweenBatchesAreReadBackFromTheStore) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    auto engine = open_engine(dir.path(), clock, 2);
    ASSERT_NE(engine, nullptr);
    RandomStory story(7, clock);
    story.bootstrap(*engine, 60 * domain::kDayMs);
    for (int i = 0; i < 400; ++i) {
        story.step(*engine);
        ASSERT_FALSE(engine->failed()) << "step " << i;
    }
    // Many streams, each written again long after it was forgotten: every batch was accepted,
    // and the live model is what the log folds to.
    EXPECT_GT(engine->stats().batches.load(), 200u);
    auto store = eventstore::open_rocksdb_store(dir.path(), {.read_only = true});
    ASSERT_TRUE(store.has_value());
    auto rebuilt = engine::rebuild(**store);
    ASSERT_TRUE(rebuilt.has_value()) << rebuilt.error();
    EXPECT_TRUE(rebuilt->state() == engine->model().state());
}

TEST(StreamVersions, ABatchThatWritesMoreStreamsThanTheBoundKeepsItsOwnVersions) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    auto engine = open_engine(dir.path(), clock, 1);
    ASSERT_NE(engine, nullptr);
    // One batch touching five streams, twice each: the bound is applied only between batches.
    const bool durable = engine->run_now([](engine::Transaction& tx) {
        tx.record(domain::StoreCreated{60 * domain::kDayMs, "store_test"}, "operator", "c");
        for (int round = 0; round < 2; ++round) {
            for (int i = 0; i < 5; ++i) {
                const std::string user = "usr_" + std::to_string(i);
                if (round == 0) {
                    tx.record(domain::UserCreated{user, "name" + std::to_string(i),
                                                  domain::AccountKind::service, 0, ""},
                              "operator", "c");
                } else {
                    tx.record(domain::UserReactivated{user}, "operator", "c");
                }
            }
        }
    });
    EXPECT_TRUE(durable);
    EXPECT_FALSE(engine->failed());
    // And the next batch, after the versions were forgotten, goes on from the stored ones.
    EXPECT_TRUE(engine->run_now([](engine::Transaction& tx) {
        tx.record(domain::UserReactivated{"usr_0"}, "operator", "c");
    }));
    EXPECT_FALSE(engine->failed());
}

}  // namespace
}  // namespace keyledger::testing
