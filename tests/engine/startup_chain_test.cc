// Start-up checks the chain of every event it folds into the state: an event altered after it
// was written (bytes that still decode) stops the engine from opening, naming the position;
// events before a trusted snapshot are not read at start-up and are left to `audit verify`.

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/history_check.h"
#include "eventstore/detail/codec.h"
#include "projections/snapshot.h"
#include "tests/engine/random_story.h"
#include "tests/engine/temp_dir.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::testing {
namespace {

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

std::expected<std::unique_ptr<engine::Engine>, std::string> open(const std::filesystem::path& dir,
                                                                 const engine::Clock& clock,
                                                                 bool create = false,
                                                                 bool snapshot_at_stop = false) {
    auto store = eventstore::open_rocksdb_store(dir, {.create = create, .sync = false});
    if (!store) {
        return std::unexpected(store.error().message);
    }
    engine::EngineOptions options;
    options.snapshot_at_stop = snapshot_at_stop;
    return engine::Engine::open(std::move(*store), clock, options);
}

// `steps` random commands and calls; with `snapshot`, a snapshot at the head when it closes.
std::uint64_t add_history(const std::filesystem::path& dir, engine::ManualClock& clock,
                          std::uint64_t seed, int steps, bool create, bool snapshot) {
    auto engine = open(dir, clock, create, snapshot);
    EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error());
    RandomStory story(seed, clock);
    if (create) {
        story.bootstrap(**engine, 60 * domain::kDayMs);
    }
    for (int i = 0; i < steps; ++i) {
        story.step(**engine);
    }
    return (*engine)->store().head_position();
}

// Changes one character of the event's correlation id ("corr" in every event of the story after
// its first three): the envelope still decodes, and only its hash tells.
std::string alter(const std::filesystem::path& dir, std::uint64_t position) {
    eventstore::testing::RawStore raw(dir);
    const std::string key = eventstore::detail::event_key(position);
    std::string envelope = raw.get(eventstore::detail::Family::events, key);
    const std::string original = envelope;
    const std::size_t at = envelope.find("corr");
    EXPECT_NE(at, std::string::npos) << "event " << position << " is not one of the story's";
    if (at != std::string::npos) {
        envelope[at + 2] ^= 0x01;
    }
    raw.put(eventstore::detail::Family::events, key, envelope);
    return original;
}

// A meta value of the store ("" when absent).
std::string meta(const std::filesystem::path& dir, const std::string& key) {
    auto store = eventstore::open_rocksdb_store(dir, {.read_only = true});
    EXPECT_TRUE(store.has_value());
    auto value = (*store)->get_meta(key);
    EXPECT_TRUE(value.has_value());
    return value && *value ? **value : std::string();
}

void restore(const std::filesystem::path& dir, std::uint64_t position, const std::string& bytes) {
    eventstore::testing::RawStore raw(dir);
    raw.put(eventstore::detail::Family::events, eventstore::detail::event_key(position), bytes);
}

TEST(StartupChain, AnAlteredEventWithoutASnapshotStopsTheOpen) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    const std::uint64_t head = add_history(dir.path(), clock, 3, 40, true, false);
    ASSERT_GT(head, 10u);
    const std::uint64_t victim = head / 2;
    const std::string original = alter(dir.path(), victim);
    const std::string snapshot_before =
        meta(dir.path(), std::string(projections::kSnapshotMetaKey));
    auto engine = open(dir.path(), clock, false, /*snapshot_at_stop=*/true);
    ASSERT_FALSE(engine.has_value());
    EXPECT_NE(engine.error().find("event " + std::to_string(victim) +
                                  ": its hash does not match the prev_hash that event " +
                                  std::to_string(victim + 1) + " recorded"),
              std::string::npos)
        << engine.error();
    // A refused start leaves the store as it was: no snapshot of what it had folded.
    EXPECT_EQ(meta(dir.path(), std::string(projections::kSnapshotMetaKey)), snapshot_before);
    restore(dir.path(), victim, original);
    EXPECT_TRUE(open(dir.path(), clock).has_value());
}

// The store's own open checks the last event against the stored head.
TEST(StartupChain, TheLastEventIsCheckedAgainstTheStoredHead) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    const std::uint64_t head = add_history(dir.path(), clock, 5, 30, true, false);
    alter(dir.path(), head);
    auto engine = open(dir.path(), clock);
    ASSERT_FALSE(engine.has_value());
    EXPECT_NE(engine.error().find("does not match the stored head"), std::string::npos)
        << engine.error();
}

TEST(StartupChain, EventsAfterTheSnapshotAreCheckedAndThoseBeforeAreLeftToVerify) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    const std::uint64_t snapshot_at = add_history(dir.path(), clock, 9, 30, true, true);
    const std::uint64_t head = add_history(dir.path(), clock, 10, 30, false, false);
    ASSERT_GT(head, snapshot_at + 2);
    {
        auto engine = open(dir.path(), clock);
        ASSERT_TRUE(engine.has_value()) << engine.error();
        ASSERT_EQ((*engine)->stats().started_from_snapshot, snapshot_at);
    }
    const std::uint64_t after = snapshot_at + 1;
    std::string original = alter(dir.path(), after);
    auto refused = open(dir.path(), clock);
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().find("the log was altered"), std::string::npos) << refused.error();
    restore(dir.path(), after, original);

    alter(dir.path(), snapshot_at / 2);
    auto opened = open(dir.path(), clock);
    EXPECT_TRUE(opened.has_value()) << (opened ? "" : opened.error());
}

TEST(HistoryCheck, WalksTheEventsBeforeTheSnapshotToItsAnchor) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    const std::uint64_t snapshot_at = add_history(dir.path(), clock, 21, 40, true, true);
    add_history(dir.path(), clock, 22, 10, false, false);
    auto check = [&](const std::function<bool()>& keep_going = [] { return true; }) {
        auto engine = open(dir.path(), clock);
        EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error());
        EXPECT_EQ((*engine)->start_position(), snapshot_at);
        auto result = engine::check_history((*engine)->store(), (*engine)->start_position(),
                                            (*engine)->start_anchor(), keep_going);
        EXPECT_TRUE(result.has_value()) << (result ? "" : result.error());
        return *result;
    };
    EXPECT_FALSE(check().has_value());

    const std::uint64_t victim = snapshot_at / 2;
    const std::string original = alter(dir.path(), victim);
    const auto damage = check();
    ASSERT_TRUE(damage.has_value());
    EXPECT_EQ(damage->position, victim);
    EXPECT_NE(damage->reason.find("event " + std::to_string(victim) + ": its hash does not match"),
              std::string::npos)
        << damage->reason;
    EXPECT_FALSE(check([] { return false; }).has_value()) << "a stopped walk reports nothing";
    restore(dir.path(), victim, original);
    EXPECT_FALSE(check().has_value());
}

}  // namespace
}  // namespace keyledger::testing
