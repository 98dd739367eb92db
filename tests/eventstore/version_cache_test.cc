// The store remembers the versions it wrote, so that append need not seek the stream index for
// every event. What it remembers must never let a wrong expected_version through: not after a
// reopen, a refused batch, a full disk or a failed fsync.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "eventstore/testing/faulty_file_system.h"
#include "eventstore/testing/open_with_env.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using StreamVersions = StoreTest;

void expect_conflict(const Result<AppendResult>& result) {
    ASSERT_FALSE(result) << "a batch with a stale expected_version was written";
    EXPECT_EQ(result.error().code, ErrorCode::version_conflict) << result.error().message;
}

TEST_F(StreamVersions, StaleVersionsAreRefusedBeforeAndAfterReopen) {
    append_stream("s", 3);
    expect_conflict(store_->append(events_batch({make_event("s", 2)})));
    expect_conflict(store_->append(events_batch({make_event("s", 4)})));
    ASSERT_TRUE(store_->append(events_batch({make_event("s", 3)})));

    reopen();  // nothing remembered: the index answers
    expect_conflict(store_->append(events_batch({make_event("s", 3)})));
    ASSERT_TRUE(store_->append(events_batch({make_event("s", 4), make_event("s", 5)})));
    expect_conflict(store_->append(events_batch({make_event("s", 5)})));
    EXPECT_EQ(store_->stream_version("s"), 6u);
}

TEST_F(StreamVersions, ARefusedBatchMovesNoVersion) {
    append_stream("t", 1);
    // "s" would move to 1, but the batch is refused for "t": "s" must still be new.
    expect_conflict(store_->append(events_batch({make_event("s", 0), make_event("t", 0)})));
    ASSERT_TRUE(store_->append(events_batch({make_event("s", 0), make_event("t", 1)})));
    expect_conflict(store_->append(events_batch({make_event("s", 0)})));
    EXPECT_EQ(store_->stream_version("s"), 1u);
    EXPECT_EQ(store_->stream_version("t"), 2u);
}

TEST_F(StreamVersions, EveryStreamOfABatchIsRemembered) {
    ASSERT_TRUE(store_->append(events_batch(
        {make_event("a", 0), make_event("b", 0), make_event("a", 1), make_event("c", 0)})));
    expect_conflict(store_->append(events_batch({make_event("a", 1)})));
    expect_conflict(store_->append(events_batch({make_event("b", 0)})));
    ASSERT_TRUE(
        store_->append(events_batch({make_event("c", 1), make_event("b", 1), make_event("a", 2)})));
    auto report = store_->verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->ok) << report->reason;
}

TEST_F(StreamVersions, ForgottenVersionsAreReadAgainFromTheIndex) {
    // Remembering two streams at most: every third stream written forgets all of them.
    reopen({.remembered_streams = 2});
    for (std::uint64_t version = 0; version < 4; ++version) {
        for (const char* stream : {"a", "b", "c"}) {
            expect_conflict(store_->append(events_batch({make_event(stream, version + 1)})));
            ASSERT_TRUE(store_->append(events_batch({make_event(stream, version)})));
            expect_conflict(store_->append(events_batch({make_event(stream, version)})));
        }
    }
    // A stream never written is new whatever was forgotten; one written is not.
    expect_conflict(store_->append(events_batch({make_event("d", 1)})));
    expect_conflict(store_->append(events_batch({make_event("a", 0)})));
    EXPECT_EQ(store_->stream_version("a"), 4u);
    EXPECT_EQ(store_->stream_version("d"), 0u);
}

TEST_F(StreamVersions, AStreamWrittenBeforeTheReopenIsNeverTakenForANewOne) {
    // The version is read from the index after a reopen: its first key says the stream exists,
    // even when it sits in a table on disk (a reopen flushes what the write-ahead log held) and
    // later streams are only in the memtable.
    append_stream("old", 2);
    reopen();
    ASSERT_TRUE(store_->append(events_batch({make_event("new", 0)})));
    reopen({.remembered_streams = 1});
    expect_conflict(store_->append(events_batch({make_event("old", 0)})));
    expect_conflict(store_->append(events_batch({make_event("new", 0)})));
    ASSERT_TRUE(store_->append(events_batch({make_event("old", 2), make_event("new", 1)})));
}

class StreamVersionsOnAFaultyDisk : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = open_rocksdb_store_with_env(dir_.path(), {.create = true}, env_.get());
        ASSERT_TRUE(opened) << opened.error().message;
        store_ = std::move(*opened);
    }

    // RocksDB resumes after a full disk by itself, polling every few seconds: until it has,
    // writes still fail with no_space. Retries for up to 20 s.
    Result<AppendResult> append_once_space_returns(std::uint64_t expected_version) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            auto result = store_->append(events_batch({make_event("s", expected_version)}));
            if (result || result.error().code != ErrorCode::no_space ||
                std::chrono::steady_clock::now() > deadline) {
                return result;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    TempDir dir_;
    std::shared_ptr<FaultyFileSystem> file_system_ = std::make_shared<FaultyFileSystem>();
    std::unique_ptr<rocksdb::Env> env_ = make_env(file_system_);
    std::unique_ptr<EventStore> store_;
};

TEST_F(StreamVersionsOnAFaultyDisk, ABatchLostToAFullDiskMovesNoVersion) {
    ASSERT_TRUE(store_->append(events_batch({make_event("s", 0)})));
    file_system_->disk_full(true);
    auto refused = store_->append(events_batch({make_event("s", 1)}));
    ASSERT_FALSE(refused);
    ASSERT_EQ(refused.error().code, ErrorCode::no_space) << refused.error().message;
    file_system_->disk_full(false);

    // Had the lost batch been remembered, version 2 would be expected now.
    expect_conflict(append_once_space_returns(2));
    auto resumed = append_once_space_returns(1);
    ASSERT_TRUE(resumed) << resumed.error().message;
    EXPECT_EQ(resumed->last_position, 2u);
}

TEST_F(StreamVersionsOnAFaultyDisk, AfterAFailedFsyncTheReopenedStoreTrustsOnlyTheDisk) {
    ASSERT_TRUE(store_->append(events_batch({make_event("s", 0)})));
    file_system_->fail_syncs(true);
    ASSERT_FALSE(store_->append(events_batch({make_event("s", 1)})));
    file_system_->fail_syncs(false);

    store_.reset();
    auto reopened = open_rocksdb_store(dir_.path(), {});
    ASSERT_TRUE(reopened) << reopened.error().message;
    // The failed batch may or may not have reached the disk; the version says which.
    const std::uint64_t version = (*reopened)->stream_version("s");
    ASSERT_TRUE(version == 1 || version == 2) << version;
    expect_conflict((*reopened)->append(events_batch({make_event("s", version - 1)})));
    ASSERT_TRUE((*reopened)->append(events_batch({make_event("s", version)})));
}

}  // namespace
}  // namespace keyledger::eventstore::testing
