// Projection snapshots: a damaged, stale or foreign snapshot is noticed, reported and never
// trusted; a good one makes start-up fold only the tail of the log.

#include <random>

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "engine/engine.h"
#include "engine/rebuild.h"
#include "projections/snapshot.h"
#include "tests/engine/random_story.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

// Warnings land in a list owned by the caller, since the engine keeps the callback.
std::unique_ptr<engine::Engine> open(const std::filesystem::path& dir, const engine::Clock& clock,
                                     std::vector<std::string>& warnings, bool create = false,
                                     bool snapshot_at_stop = true) {
    auto store = eventstore::open_rocksdb_store(dir, {.create = create, .sync = false});
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    engine::EngineOptions options;
    options.snapshot_at_stop = snapshot_at_stop;
    options.warn = [&warnings](std::string_view, const std::string& message) {
        warnings.push_back(message);
    };
    auto engine = engine::Engine::open(std::move(*store), clock, options);
    EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error());
    return engine ? std::move(*engine) : nullptr;
}

// A store with some history, closed with a snapshot at its head.
void make_history(const std::filesystem::path& dir, engine::ManualClock& clock, std::uint64_t seed,
                  int steps) {
    std::vector<std::string> warnings;
    auto engine = open(dir, clock, warnings, /*create=*/true);
    RandomStory story(seed, clock);
    story.bootstrap(*engine, 60 * domain::kDayMs);
    for (int i = 0; i < steps; ++i) {
        story.step(*engine);
    }
}

std::string stored_snapshot(const std::filesystem::path& dir) {
    auto store = eventstore::open_rocksdb_store(dir, {.read_only = true});
    EXPECT_TRUE(store.has_value());
    auto bytes = (*store)->get_meta(projections::kSnapshotMetaKey);
    EXPECT_TRUE(bytes.has_value() && bytes->has_value());
    return **bytes;
}

void replace_snapshot(const std::filesystem::path& dir, std::string_view bytes) {
    auto store = eventstore::open_rocksdb_store(dir, {.sync = false});
    ASSERT_TRUE(store.has_value());
    ASSERT_TRUE((*store)->put_meta(projections::kSnapshotMetaKey, bytes).has_value());
}

projections::ReadModel rebuilt(const std::filesystem::path& dir) {
    auto store = eventstore::open_rocksdb_store(dir, {.read_only = true});
    EXPECT_TRUE(store.has_value());
    auto model = engine::rebuild(**store);
    EXPECT_TRUE(model.has_value()) << (model ? "" : model.error());
    return std::move(*model);
}

TEST(Snapshot, StartUpFoldsOnlyTheEventsAfterIt) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    make_history(dir.path(), clock, 7, 60);
    std::vector<std::string> warnings;
    auto engine = open(dir.path(), clock, warnings);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(engine->stats().started_from_snapshot, engine->store().head_position());
    EXPECT_TRUE(engine->model() == rebuilt(dir.path()));
}

TEST(Snapshot, AStaleSnapshotIsCompletedFromTheLog) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    make_history(dir.path(), clock, 11, 40);
    std::uint64_t snapshot_at = 0;
    {
        std::vector<std::string> warnings;
        auto engine = open(dir.path(), clock, warnings, false, /*snapshot_at_stop=*/false);
        snapshot_at = engine->stats().started_from_snapshot;
        RandomStory story(12, clock);
        for (int i = 0; i < 40; ++i) {
            story.step(*engine);
        }
        ASSERT_GT(engine->store().head_position(), snapshot_at);
    }
    std::vector<std::string> warnings;
    auto engine = open(dir.path(), clock, warnings);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(engine->stats().started_from_snapshot, snapshot_at);
    EXPECT_TRUE(engine->model() == rebuilt(dir.path()));
}

TEST(Snapshot, EveryDamagedByteIsNoticedAndTheLogIsUsedInstead) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    make_history(dir.path(), clock, 3, 30);
    const std::string good = stored_snapshot(dir.path());
    const projections::ReadModel expected = rebuilt(dir.path());

    // Every byte flipped, decoded directly: always an error, never a crash or a wrong model.
    for (std::size_t i = 0; i < good.size(); ++i) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ 0x5a);
        EXPECT_FALSE(projections::decode_snapshot(bad).has_value()) << "byte " << i;
    }
    // Every truncation too.
    for (std::size_t n = 0; n < good.size(); ++n) {
        EXPECT_FALSE(projections::decode_snapshot(good.substr(0, n)).has_value()) << n;
    }

    // Through the engine: a warning that says why, and the model from the log.
    std::string bad = good;
    bad[bad.size() / 2] ^= 1;
    replace_snapshot(dir.path(), bad);
    std::vector<std::string> warnings;
    auto engine = open(dir.path(), clock, warnings, false, /*snapshot_at_stop=*/false);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("checksum"), std::string::npos) << warnings[0];
    EXPECT_EQ(engine->stats().started_from_snapshot, 0u);
    EXPECT_TRUE(engine->model() == expected);
}

TEST(Snapshot, ASnapshotOfAnEarlierFormatIsIgnoredAndTheLogIsUsed) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    make_history(dir.path(), clock, 13, 30);
    // The same bytes under the previous format number: the checksum covers the body only, so
    // the version alone must turn it away.
    std::string older = stored_snapshot(dir.path());
    ASSERT_GE(older[6], 2);
    older[6] = static_cast<char>(older[6] - 1);
    replace_snapshot(dir.path(), older);
    std::vector<std::string> warnings;
    auto engine = open(dir.path(), clock, warnings, false, /*snapshot_at_stop=*/false);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("format"), std::string::npos) << warnings[0];
    EXPECT_EQ(engine->stats().started_from_snapshot, 0u);
    EXPECT_TRUE(engine->model() == rebuilt(dir.path()));
}

TEST(Snapshot, ABodyThatPassesTheChecksumButDoesNotParseIsRefused) {
    // An insider could write any bytes with a matching checksum: the parser must still hold.
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    make_history(dir.path(), clock, 5, 20);
    const std::string good = stored_snapshot(dir.path());
    const std::size_t header = 6 + 1 + 32;
    std::mt19937_64 rng(42);
    int refused = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string body = good.substr(header);
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            body[rng() % body.size()] = static_cast<char>(rng());
        }
        if (rng() % 4 == 0) {
            body.resize(rng() % body.size());
        }
        std::array<std::uint8_t, 32> checksum{};
        SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), checksum.data());
        std::string bad = good.substr(0, 7);
        bad.append(reinterpret_cast<const char*>(checksum.data()), checksum.size());
        bad.append(body);
        auto decoded = projections::decode_snapshot(bad);
        if (!decoded) {
            ++refused;
        }
    }
    // Most mutations break the structure; the rest decode to some model, which the engine then
    // checks against the log's hash, and `audit verify` against a rebuild.
    EXPECT_GT(refused, 1000);
}

TEST(Snapshot, ASnapshotOfAnotherHistoryIsNotTrusted) {
    TempDir a(memory_backed_temp());
    TempDir b(memory_backed_temp());
    engine::ManualClock clock_a(kStart);
    engine::ManualClock clock_b(kStart);
    make_history(a.path(), clock_a, 21, 50);
    make_history(b.path(), clock_b, 22, 50);
    replace_snapshot(b.path(), stored_snapshot(a.path()));

    std::vector<std::string> warnings;
    auto engine = open(b.path(), clock_b, warnings, false, /*snapshot_at_stop=*/false);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(warnings[0].find("different event") != std::string::npos ||
                warnings[0].find("log ends at") != std::string::npos)
        << warnings[0];
    EXPECT_EQ(engine->stats().started_from_snapshot, 0u);
    EXPECT_TRUE(engine->model() == rebuilt(b.path()));
}

TEST(Snapshot, AFailedEngineWritesNoSnapshot) {
    TempDir dir(memory_backed_temp());
    engine::ManualClock clock(kStart);
    make_history(dir.path(), clock, 9, 10);
    // A read-only store refuses the batch, so the engine fails with its model ahead of the disk.
    auto store = eventstore::open_rocksdb_store(dir.path(), {.read_only = true});
    ASSERT_TRUE(store.has_value());
    std::vector<std::string> warnings;
    engine::EngineOptions options;
    options.warn = [&warnings](std::string_view, const std::string& message) {
        warnings.push_back(message);
    };
    auto engine = engine::Engine::open(std::move(*store), clock, options);
    ASSERT_TRUE(engine.has_value());
    const bool durable = (*engine)->run_now([](engine::Transaction& tx) {
        tx.record(domain::UserReactivated{"admin"}, "operator", "c");
    });
    EXPECT_FALSE(durable);
    EXPECT_TRUE((*engine)->failed());
    // Refused before any attempt to store it: no write was tried, so nothing to warn about.
    EXPECT_FALSE((*engine)->write_snapshot());
    engine->reset();
    EXPECT_TRUE(warnings.empty());
}

}  // namespace
}  // namespace keyledger::testing
