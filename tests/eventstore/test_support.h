#pragma once
// Fixtures for the event store tests: a fresh directory per test, small builders, and raw
// access to a closed store's records for tampering.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "eventstore/detail/codec.h"
#include "eventstore/detail/database.h"
#include "eventstore/event_store.h"

namespace keyledger::eventstore::testing {

// A new, empty directory under the system's temporary directory, removed with its contents.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "keyledger-es-XXXXXX");
        if (mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed for " << pattern;
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline NewEvent make_event(std::string stream, std::uint64_t expected_version,
                           std::string payload = "payload") {
    return NewEvent{.stream = std::move(stream),
                    .expected_version = expected_version,
                    .type = "Tested",
                    .at_ms = 1'700'000'000'000,
                    .actor = "operator",
                    .correlation_id = "corr-1",
                    .payload = std::move(payload)};
}

inline NewDelivery make_delivery(std::string webhook_id, std::int64_t received_at_ms,
                                 std::string body = "{}") {
    return NewDelivery{.webhook_id = std::move(webhook_id),
                       .call_id = "call-" + std::to_string(received_at_ms),
                       .received_at_ms = received_at_ms,
                       .content_type = "application/json",
                       .body = std::move(body)};
}

inline AppendBatch events_batch(std::vector<NewEvent> events) {
    return AppendBatch{.events = std::move(events), .deliveries = {}};
}

// A store in a fresh directory, and helpers to reopen it.
class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = open_rocksdb_store(dir_.path(), {.create = true});
        ASSERT_TRUE(opened) << opened.error().message;
        store_ = std::move(*opened);
    }

    // Closes the store, then opens it again with `options`.
    void reopen(OpenOptions options = {}) {
        store_.reset();
        auto opened = open_rocksdb_store(dir_.path(), options);
        ASSERT_TRUE(opened) << opened.error().message;
        store_ = std::move(*opened);
    }

    // Appends events 1..count as versions 1..count of `stream`, payloads "payload-<n>".
    void append_stream(const std::string& stream, int count) {
        for (int i = 0; i < count; ++i) {
            const std::uint64_t version = store_->stream_version(stream);
            auto appended = store_->append(events_batch(
                {make_event(stream, version, "payload-" + std::to_string(version + 1))}));
            ASSERT_TRUE(appended) << appended.error().message;
        }
    }

    TempDir dir_;
    std::unique_ptr<EventStore> store_;
};

// The raw records of a closed store, for tests that play the attacker or the failing disk.
class RawStore {
  public:
    explicit RawStore(const std::filesystem::path& dir) {
        rocksdb::Status status = detail::Database::open(dir, {}, &database_);
        EXPECT_TRUE(status.ok()) << status.ToString();
    }

    std::string get(detail::Family family, const std::string& key) const {
        std::string value;
        rocksdb::Status status =
            database_->db().Get(rocksdb::ReadOptions(), database_->family(family), key, &value);
        EXPECT_TRUE(status.ok()) << status.ToString();
        return value;
    }
    void put(detail::Family family, const std::string& key, const std::string& value) {
        rocksdb::Status status =
            database_->db().Put(rocksdb::WriteOptions(), database_->family(family), key, value);
        EXPECT_TRUE(status.ok()) << status.ToString();
    }
    void remove(detail::Family family, const std::string& key) {
        rocksdb::Status status =
            database_->db().Delete(rocksdb::WriteOptions(), database_->family(family), key);
        EXPECT_TRUE(status.ok()) << status.ToString();
    }

    // Every key of `family`, in order.
    std::vector<std::string> keys(detail::Family family) const {
        std::vector<std::string> out;
        std::unique_ptr<rocksdb::Iterator> it(
            database_->db().NewIterator(rocksdb::ReadOptions(), database_->family(family)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            out.push_back(it->key().ToString());
        }
        EXPECT_TRUE(it->status().ok()) << it->status().ToString();
        return out;
    }

    // Drops a whole family, as a store written before it existed lacks it.
    void drop(detail::Family family) {
        rocksdb::Status status = database_->db().DropColumnFamily(database_->family(family));
        EXPECT_TRUE(status.ok()) << status.ToString();
    }

    // Writes every memtable to table files and returns the table files of `family`.
    std::vector<std::filesystem::path> flushed_table_files(detail::Family family) {
        rocksdb::Status status =
            database_->db().Flush(rocksdb::FlushOptions(), database_->family(family));
        EXPECT_TRUE(status.ok()) << status.ToString();
        std::vector<rocksdb::LiveFileMetaData> files;
        database_->db().GetLiveFilesMetaData(&files);
        std::vector<std::filesystem::path> out;
        for (const auto& file : files) {
            if (file.column_family_name == detail::kFamilyNames[static_cast<std::size_t>(family)]) {
                out.emplace_back(file.db_path + "/" + file.name);
            }
        }
        return out;
    }

  private:
    std::unique_ptr<detail::Database> database_;
};

}  // namespace keyledger::eventstore::testing
