// Engine::prune_deliveries: an entry of the deliveries family that cannot be decoded no longer
// stops pruning in silence: the rest is pruned and the engine warns once per pass.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/engine/temp_dir.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::testing {
namespace {

constexpr domain::Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

TEST(Prune, AnUndecodableDeliveryIsKeptAndWarnedAboutWhileTheRestIsPruned) {
    TempDir dir(memory_backed_temp());
    {
        auto store = eventstore::open_rocksdb_store(dir.path(), {.create = true, .sync = false});
        ASSERT_TRUE(store.has_value());
        auto old = eventstore::testing::make_delivery("whk_old", kStart - 30 * domain::kDayMs);
        auto damaged =
            eventstore::testing::make_delivery("whk_damaged", kStart - 30 * domain::kDayMs);
        ASSERT_TRUE((*store)->append({.events = {}, .deliveries = {old, damaged}}).has_value());
    }
    {
        // An old delivery pruning meets through the time index, its bytes damaged.
        eventstore::testing::RawStore raw(dir.path());
        raw.put(eventstore::detail::Family::deliveries,
                eventstore::detail::delivery_key("whk_damaged", 1), "damaged");
    }
    auto store = eventstore::open_rocksdb_store(dir.path(), {.sync = false});
    ASSERT_TRUE(store.has_value());
    engine::ManualClock clock(kStart);
    std::vector<std::string> warnings;
    engine::EngineOptions options;
    options.snapshot_at_stop = false;
    std::vector<std::string> events;
    options.warn = [&](std::string_view event, const std::string& message) {
        events.emplace_back(event);
        warnings.push_back(message);
    };
    auto engine = engine::Engine::open(std::move(*store), clock, options);
    ASSERT_TRUE(engine.has_value()) << engine.error();
    (*engine)->start();
    // Pruning runs on the decider thread after a batch; stop() joins it.
    ASSERT_TRUE((*engine)->submit({[](engine::Transaction&) {}, [] {}}));
    (*engine)->stop();

    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(events, std::vector<std::string>{"undecodable_deliveries"});  // the log line's name
    EXPECT_NE(warnings[0].find("kept 1 entry of the deliveries family that cannot be decoded"),
              std::string::npos)
        << warnings[0];
    EXPECT_EQ((*engine)->stats().undecodable_deliveries.load(), 1u);  // keyledger_undecodable_...
    EXPECT_EQ((*engine)->stats().prune_failures.load(), 0u);
    auto left = (*engine)->store().read_delivery_entries(std::nullopt, 10);
    ASSERT_TRUE(left.has_value());
    ASSERT_EQ(left->size(), 1u);  // the old delivery is gone, the unreadable one kept
    EXPECT_EQ(left->front().key, eventstore::detail::delivery_key("whk_damaged", 1));
}

}  // namespace
}  // namespace keyledger::testing
