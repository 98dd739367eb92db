// A store written before the related index existed gets it built, from the log, the first time
// an engine opens it, equal to the index the engine writes as it goes.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/related_backfill.h"
#include "eventstore/detail/database.h"
#include "tests/engine/random_story.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z
using Index = std::map<std::string, std::vector<std::uint64_t>>;

std::unique_ptr<engine::Engine> open_engine(const std::filesystem::path& dir, bool create,
                                            const engine::Clock& clock) {
    auto store = eventstore::open_rocksdb_store(dir, {.create = create, .sync = false});
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    auto engine = engine::Engine::open(std::move(*store), clock, {});
    EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error());
    return engine ? std::move(*engine) : nullptr;
}

// The related positions of every id the state knows.
Index related_index(const engine::Engine& engine) {
    Index index;
    const domain::State& state = engine.model().state();
    for (std::uint32_t i = 0; i < state.ids.size(); ++i) {
        const std::string id(state.id(i));
        auto positions = engine.store().related_positions(id, engine.model().position());
        EXPECT_TRUE(positions.has_value()) << id;
        if (positions && !positions->empty()) {
            index[id] = *positions;
        }
    }
    return index;
}

// What a store of the earlier format looks like, or one whose index was lost: no family (and
// so no mark of completeness, which lives in it).
void forget_the_index(const std::filesystem::path& dir) {
    std::unique_ptr<eventstore::detail::Database> raw;
    ASSERT_TRUE(eventstore::detail::Database::open(dir, {}, &raw).ok());
    ASSERT_TRUE(
        raw->db().DropColumnFamily(raw->family(eventstore::detail::Family::related_index)).ok());
}

TEST(RelatedBackfill, ANewStoreIsMarkedComplete) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    auto engine = open_engine(dir.path(), true, clock);
    ASSERT_NE(engine, nullptr);
    EXPECT_TRUE(engine->store().related_index_complete().value());
}

TEST(RelatedBackfill, AnOldStoreGetsTheIndexTheEngineWouldHaveWritten) {
    std::uint64_t related_entries = 0;
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        TempDir dir(memory_backed_temp());
        engine::ManualClock clock(kStart);
        Index written;
        {
            auto engine = open_engine(dir.path(), true, clock);
            ASSERT_NE(engine, nullptr);
            RandomStory story(seed, clock);
            story.bootstrap(*engine, 60 * domain::kDayMs);
            for (int i = 0; i < 80; ++i) {
                story.step(*engine);
            }
            written = related_index(*engine);
        }
        for (const auto& [id, positions] : written) {
            related_entries += positions.size();
        }
        forget_the_index(dir.path());
        if (HasFatalFailure()) {
            return;
        }
        auto reopened = open_engine(dir.path(), false, clock);
        ASSERT_NE(reopened, nullptr);
        EXPECT_TRUE(reopened->store().related_index_complete().value());
        EXPECT_EQ(related_index(*reopened), written) << "seed " << seed;
    }
    // The stories did transfer, issue and call: the index was not trivially empty.
    EXPECT_GT(related_entries, 60u * 5);
}

}  // namespace
}  // namespace keyledger::testing
