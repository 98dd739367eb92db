#pragma once
// A real data directory for the transparency tests: a RocksDB store filled through the real
// engine, its checkpoint key as init makes it, and raw RocksDB access for playing the insider.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/transparency/keys.h"
#include "engine/engine.h"
#include "eventstore/detail/codec.h"
#include "eventstore/detail/database.h"
#include "eventstore/detail/layout.h"
#include "eventstore/event_store.h"

namespace keyledger::transparency::testing {

namespace fs = std::filesystem;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "keyledger-tr-XXXXXX");
        if (mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed for " << pattern;
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

inline fs::path store_dir(const fs::path& data_dir) {
    return data_dir / "store";
}

// Opens (creating it the first time) the data directory's store under the real engine. Not
// synced: durability is not under test here.
inline std::unique_ptr<engine::Engine> open_engine(const fs::path& data_dir,
                                                   const engine::Clock& clock, bool create) {
    auto store =
        eventstore::open_rocksdb_store(store_dir(data_dir), {.create = create, .sync = false});
    EXPECT_TRUE(store) << store.error().message;
    if (!store) {
        return nullptr;
    }
    auto opened = engine::Engine::open(std::move(*store), clock, {});
    EXPECT_TRUE(opened) << opened.error();
    return opened ? std::move(*opened) : nullptr;
}

// Records `count` account creations, one job (one batch) each.
inline void add_users(engine::Engine& engine, int count, int first_number = 0) {
    for (int i = first_number; i < first_number + count; ++i) {
        const bool durable = engine.run_now([&](engine::Transaction& tx) {
            const std::string id = "usr_" + std::to_string(i);
            tx.record(domain::UserCreated{id, "user" + std::to_string(i),
                                          domain::AccountKind::person, 0, ""},
                      "operator", "corr-" + std::to_string(i));
        });
        EXPECT_TRUE(durable);
    }
}

// A data directory with its checkpoint key and `events` events (1 store creation, then users).
inline void make_data_dir(const fs::path& data_dir, int events) {
    fs::create_directories(data_dir / "keys");
    auto key = create_checkpoint_key(data_dir, store_origin("kls_test"));
    ASSERT_TRUE(key) << key.error();
    engine::ManualClock clock(1'780'000'000'000);
    auto engine = open_engine(data_dir, clock, true);
    ASSERT_TRUE(engine);
    ASSERT_TRUE(engine->run_now([](engine::Transaction& tx) {
        tx.record(domain::StoreCreated{60 * domain::kDayMs, "kls_test"}, "operator", "corr");
    }));
    add_users(*engine, events - 1);
    ASSERT_EQ(engine->store().head_position(), static_cast<std::uint64_t>(events));
}

inline std::unique_ptr<eventstore::EventStore> open_store(const fs::path& data_dir,
                                                          eventstore::OpenOptions options = {}) {
    auto store = eventstore::open_rocksdb_store(store_dir(data_dir), options);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
}

// The raw records of a closed store: what an insider with the files can do.
class Insider {
  public:
    explicit Insider(const fs::path& data_dir) {
        rocksdb::Status status =
            eventstore::detail::Database::open(store_dir(data_dir), {}, &database_);
        EXPECT_TRUE(status.ok()) << status.ToString();
    }

    std::string event_bytes(std::uint64_t position) const {
        return get(Family::events, eventstore::detail::event_key(position));
    }
    eventstore::StoredEvent event(std::uint64_t position) const {
        auto decoded = eventstore::detail::decode_envelope(position, event_bytes(position));
        EXPECT_TRUE(decoded) << decoded.error().message;
        return *decoded;
    }
    void put_event_bytes(std::uint64_t position, const std::string& bytes) {
        put(Family::events, eventstore::detail::event_key(position), bytes);
    }
    void delete_event(std::uint64_t position) {
        remove(Family::events, eventstore::detail::event_key(position));
    }
    // Re-encodes event `position` from `event` chained to `prev_hash`, as the store would have
    // written it; returns the new record's own hash.
    eventstore::Hash write_event(std::uint64_t position, const eventstore::StoredEvent& event,
                                 const eventstore::Hash& prev_hash) {
        const eventstore::NewEvent fresh{event.stream, event.version - 1, event.type,
                                         event.at_ms,  event.actor,       event.correlation_id,
                                         event.payload};
        const std::string bytes = eventstore::detail::encode_envelope(position, fresh, prev_hash);
        put_event_bytes(position, bytes);
        return eventstore::detail::decode_envelope(position, bytes)->hash;
    }
    void delete_stream_entry(const eventstore::StoredEvent& event) {
        remove(Family::stream_index, eventstore::detail::stream_key(event.stream, event.version));
    }
    void put_head(std::uint64_t position, const eventstore::Hash& hash) {
        put(Family::meta, std::string(eventstore::detail::kHeadKey),
            eventstore::detail::encode_head({position, hash}));
    }

  private:
    using Family = eventstore::detail::Family;
    std::string get(Family family, const std::string& key) const {
        std::string value;
        rocksdb::Status status =
            database_->db().Get(rocksdb::ReadOptions(), database_->family(family), key, &value);
        EXPECT_TRUE(status.ok()) << status.ToString();
        return value;
    }
    void put(Family family, const std::string& key, const std::string& value) {
        rocksdb::Status status =
            database_->db().Put(rocksdb::WriteOptions(), database_->family(family), key, value);
        EXPECT_TRUE(status.ok()) << status.ToString();
    }
    void remove(Family family, const std::string& key) {
        rocksdb::Status status =
            database_->db().Delete(rocksdb::WriteOptions(), database_->family(family), key);
        EXPECT_TRUE(status.ok()) << status.ToString();
    }

    std::unique_ptr<eventstore::detail::Database> database_;
};

}  // namespace keyledger::transparency::testing
