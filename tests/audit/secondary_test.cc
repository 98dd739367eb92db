// The secondary open of the event store: beside a writer that holds the store, it reads what the
// writer committed before it was opened, takes no lock and refuses writes.

#include <gtest/gtest.h>

#include "eventstore/event_store.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

using namespace eventstore;

AppendBatch one_event(const std::string& stream, std::uint64_t version) {
    return {{{stream, version, "Test", 1'000, "operator", "c", "payload"}}, {}};
}

TEST(SecondaryOpen, ReadsBesideAWriterThatHoldsTheStore) {
    TempDir dir(memory_backed_temp());
    auto writer = open_rocksdb_store(dir.path(), {.create = true, .sync = false});
    ASSERT_TRUE(writer.has_value()) << writer.error().message;
    ASSERT_TRUE((*writer)->append(one_event("a", 0)).has_value());
    ASSERT_TRUE((*writer)->append(one_event("a", 1)).has_value());

    // A plain writable open is refused while the writer holds the lock; the secondary is not.
    auto second_writer = open_rocksdb_store(dir.path(), {});
    ASSERT_FALSE(second_writer.has_value());
    EXPECT_EQ(second_writer.error().code, ErrorCode::locked);

    auto reader = open_rocksdb_store(dir.path(), {.secondary = true});
    ASSERT_TRUE(reader.has_value()) << reader.error().message;
    EXPECT_EQ((*reader)->head_position(), 2u);
    EXPECT_EQ((*reader)->head_hash(), (*writer)->head_hash());
    auto events = (*reader)->read_all(0, 10);
    ASSERT_TRUE(events.has_value());
    EXPECT_EQ(events->size(), 2u);
    auto report = (*reader)->verify();
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->ok);

    // What the writer commits later is seen by the next secondary open, never half a batch.
    ASSERT_TRUE((*writer)
                    ->append({{{"b", 0, "Test", 2'000, "operator", "c", "x"},
                               {"b", 1, "Test", 2'000, "operator", "c", "y"}},
                              {}})
                    .has_value());
    auto later = open_rocksdb_store(dir.path(), {.secondary = true});
    ASSERT_TRUE(later.has_value());
    EXPECT_EQ((*later)->head_position(), 4u);
    EXPECT_EQ((*reader)->head_position(), 2u);  // the first one keeps its view
}

TEST(SecondaryOpen, RefusesWritesAndCreation) {
    TempDir dir(memory_backed_temp());
    {
        auto writer = open_rocksdb_store(dir.path(), {.create = true, .sync = false});
        ASSERT_TRUE(writer.has_value());
        ASSERT_TRUE((*writer)->append(one_event("a", 0)).has_value());
    }
    auto reader = open_rocksdb_store(dir.path(), {.secondary = true});
    ASSERT_TRUE(reader.has_value());
    auto append = (*reader)->append(one_event("a", 1));
    ASSERT_FALSE(append.has_value());
    EXPECT_EQ(append.error().code, ErrorCode::invalid_argument);
    EXPECT_FALSE((*reader)->put_meta("x", "y").has_value());

    TempDir empty(memory_backed_temp());
    auto created = open_rocksdb_store(empty.path() / "new", {.create = true, .secondary = true});
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, ErrorCode::invalid_argument);
}

TEST(SecondaryOpen, ADirectoryWithoutAStoreIsNotAStore) {
    TempDir dir(memory_backed_temp());
    auto reader = open_rocksdb_store(dir.path(), {.secondary = true});
    ASSERT_FALSE(reader.has_value());
    EXPECT_EQ(reader.error().code, ErrorCode::not_a_store);
}

}  // namespace
}  // namespace keyledger::testing
