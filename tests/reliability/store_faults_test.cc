// The store on a disk that fails: a failed fsync or a full disk never acknowledges a batch; a
// full disk is survived (writes resume once space returns), a failed fsync is not (the store
// refuses writes until it is reopened). Faults come from FaultyFileSystem, under RocksDB.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/testing/faulty_file_system.h"
#include "eventstore/testing/open_with_env.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

class StoreFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = open_rocksdb_store_with_env(dir_.path(), {.create = true}, env_.get());
        ASSERT_TRUE(opened) << opened.error().message;
        store_ = std::move(*opened);
    }

    // Closes the faulty store and opens the directory on the plain file system, as a restart.
    std::unique_ptr<EventStore> restart() {
        store_.reset();
        auto opened = open_rocksdb_store(dir_.path(), {});
        EXPECT_TRUE(opened) << opened.error().message;
        return opened ? std::move(*opened) : nullptr;
    }

    // Appends one event to stream "s" carrying `payload`.
    Result<AppendResult> append(const std::string& payload) {
        return store_->append(
            events_batch({make_event("s", store_->stream_version("s"), payload)}));
    }

    // After space returned: RocksDB resumes by itself, polling the free space every 5 s, so
    // the first writes may still be refused with no_space. Retries for up to 20 s.
    Result<AppendResult> append_once_space_returns(const std::string& payload) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            Result<AppendResult> result = append(payload);
            if (result || result.error().code != ErrorCode::no_space ||
                std::chrono::steady_clock::now() > deadline) {
                return result;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    static void expect_chain_holds(const EventStore& store, std::uint64_t events) {
        auto report = store.verify();
        ASSERT_TRUE(report) << report.error().message;
        EXPECT_TRUE(report->ok) << report->reason;
        EXPECT_EQ(report->events, events);
    }

    static std::vector<std::string> payloads(const EventStore& store) {
        std::vector<std::string> found;
        auto events = store.read_all(0, 100'000);
        EXPECT_TRUE(events) << events.error().message;
        if (events) {
            for (const StoredEvent& event : *events) {
                found.push_back(event.payload);
            }
        }
        return found;
    }

    TempDir dir_;
    std::shared_ptr<FaultyFileSystem> file_system_ = std::make_shared<FaultyFileSystem>();
    std::unique_ptr<rocksdb::Env> env_ = make_env(file_system_);
    std::unique_ptr<EventStore> store_;
};

TEST_F(StoreFaults, AFailedFsyncIsNeverAcknowledgedAndTheStoreRefusesUntilReopened) {
    ASSERT_TRUE(append("first"));
    const Hash head = store_->head_hash();

    file_system_->fail_syncs(true);
    auto failed = append("second");
    ASSERT_FALSE(failed) << "a batch whose fsync failed was acknowledged";
    EXPECT_EQ(failed.error().code, ErrorCode::io_error) << failed.error().message;
    EXPECT_GT(file_system_->injected(), 0u);
    EXPECT_EQ(store_->head_position(), 1u);
    EXPECT_EQ(store_->head_hash(), head);

    // The disk works again, but pages that failed to sync may be gone: no more writes.
    file_system_->fail_syncs(false);
    auto refused = append("third");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::io_error);
    EXPECT_FALSE(store_->put_meta("marker", "x"));
    EXPECT_FALSE(store_->prune_deliveries(0));
    EXPECT_EQ(payloads(*store_), std::vector<std::string>{"first"});

    std::unique_ptr<EventStore> restarted = restart();
    ASSERT_TRUE(restarted);
    // "second" may or may not have reached the disk; "third" never was written.
    const std::vector<std::string> after = payloads(*restarted);
    ASSERT_GE(after.size(), 1u);
    EXPECT_EQ(after.front(), "first");
    EXPECT_LE(after.size(), 2u);
    expect_chain_holds(*restarted, after.size());
    EXPECT_TRUE(restarted->append(events_batch({make_event("s", after.size())})));
}

TEST_F(StoreFaults, AFullDiskRefusesEveryWriteAndWritesResumeWhenSpaceReturns) {
    ASSERT_TRUE(append("before"));

    file_system_->disk_full(true);
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto refused = append("refused");
        ASSERT_FALSE(refused) << "a batch was acknowledged on a full disk";
        EXPECT_EQ(refused.error().code, ErrorCode::no_space) << refused.error().message;
    }
    auto meta = store_->put_meta("marker", "x");
    ASSERT_FALSE(meta);
    EXPECT_EQ(meta.error().code, ErrorCode::no_space) << meta.error().message;
    auto delivery = store_->append({.events = {}, .deliveries = {make_delivery("whk", 5)}});
    ASSERT_FALSE(delivery);
    EXPECT_EQ(delivery.error().code, ErrorCode::no_space);
    // Reads go on while the disk is full.
    EXPECT_EQ(payloads(*store_), std::vector<std::string>{"before"});
    EXPECT_EQ(store_->head_position(), 1u);

    file_system_->disk_full(false);
    auto resumed = append_once_space_returns("after");
    ASSERT_TRUE(resumed) << resumed.error().message;
    EXPECT_EQ(resumed->first_position, 2u) << "a refused batch took a position";
    ASSERT_TRUE(store_->put_meta("marker", "y"));
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("whk", 6)}}));
    expect_chain_holds(*store_, 2);

    std::unique_ptr<EventStore> restarted = restart();
    ASSERT_TRUE(restarted);
    EXPECT_EQ(payloads(*restarted), (std::vector<std::string>{"before", "after"}));
    expect_chain_holds(*restarted, 2);
    auto deliveries = restarted->read_deliveries("whk", 0, 10);
    ASSERT_TRUE(deliveries);
    ASSERT_EQ(deliveries->size(), 1u);
    EXPECT_EQ((*deliveries)[0].seq, 1u) << "a refused delivery took a seq";
    EXPECT_EQ(restarted->get_meta("marker").value_or(std::nullopt), "y");
}

// A disk that fills up in the middle of a write leaves half a record in the write-ahead log.
// Records written after it, once space returns, must still be replayed after a restart: a torn
// record in the middle of the log would make the open refuse the store.
TEST_F(StoreFaults, AWriteTornByAFullDiskIsNeverReplayedAndHidesNothingAfterIt) {
    ASSERT_TRUE(append("one"));
    file_system_->torn_writes(true);
    file_system_->disk_full(true);
    ASSERT_FALSE(append("torn"));
    file_system_->disk_full(false);
    ASSERT_TRUE(append_once_space_returns("two"));
    ASSERT_TRUE(append("three"));

    std::unique_ptr<EventStore> restarted = restart();
    ASSERT_TRUE(restarted);
    EXPECT_EQ(payloads(*restarted), (std::vector<std::string>{"one", "two", "three"}));
    expect_chain_holds(*restarted, 3);
}

TEST_F(StoreFaults, WhileTheDiskStaysFullResumingKeepsSayingNoSpace) {
    ASSERT_TRUE(append("one"));
    file_system_->disk_full(true);
    ASSERT_FALSE(append("refused"));
    // The next writes try to resume RocksDB, which cannot flush on a full disk either.
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto refused = append("refused");
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, ErrorCode::no_space) << refused.error().message;
    }
    file_system_->disk_full(false);
    ASSERT_TRUE(append_once_space_returns("two"));
    EXPECT_EQ(payloads(*store_), (std::vector<std::string>{"one", "two"}));
}

// Batches with the disk filling up a few times (a clean or a torn refusal each time): after a
// restart the log holds exactly the acknowledged batches, in order, and the chain verifies.
TEST_F(StoreFaults, RepeatedFullDisksLoseNoAcknowledgedBatchAndAddNoRefusedOne) {
    std::vector<std::string> acknowledged;
    for (int episode = 0; episode < 3; ++episode) {
        for (int i = 0; i < 20; ++i) {
            const std::string payload =
                "batch-" + std::to_string(episode) + "-" + std::to_string(i);
            ASSERT_TRUE(append(payload));
            acknowledged.push_back(payload);
        }
        file_system_->torn_writes(episode % 2 == 1);
        file_system_->disk_full(true);
        for (int i = 0; i < 5; ++i) {
            auto refused = append("refused-" + std::to_string(episode));
            ASSERT_FALSE(refused);
            EXPECT_EQ(refused.error().code, ErrorCode::no_space) << refused.error().message;
        }
        file_system_->disk_full(false);
        const std::string resumed = "resumed-" + std::to_string(episode);
        auto result = append_once_space_returns(resumed);
        ASSERT_TRUE(result) << result.error().message;
        acknowledged.push_back(resumed);
        EXPECT_EQ(result->last_position, acknowledged.size());
    }

    std::unique_ptr<EventStore> restarted = restart();
    ASSERT_TRUE(restarted);
    EXPECT_EQ(payloads(*restarted), acknowledged);
    expect_chain_holds(*restarted, acknowledged.size());
}

}  // namespace
}  // namespace keyledger::eventstore::testing
