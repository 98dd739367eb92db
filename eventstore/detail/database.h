#pragma once
// An open RocksDB database with the store's column families, and nothing else: no format
// check, no head, no rules. The store is built on it; tests and tools use it to look at (or
// tamper with) the raw records.

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>

#include "eventstore/detail/layout.h"
#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

struct DatabaseOptions {
    bool create = false;          // create the database and its families if missing
    bool read_only = false;       // RocksDB's read-only mode: no lock, no writes
    rocksdb::Env* env = nullptr;  // null: the default; otherwise must outlive the Database
    // Set: a secondary instance keeping its own files in this directory, which the Database
    // removes when it closes; it catches up with the primary when opened. Overrides read_only.
    std::filesystem::path secondary_dir;
    std::size_t block_cache_bytes = kDefaultBlockCacheBytes;    // see OpenOptions
    std::size_t write_buffer_bytes = kDefaultWriteBufferBytes;  // see OpenOptions
    int max_open_table_files = kDefaultMaxOpenTableFiles;       // see OpenOptions
};

class Database {
  public:
    // Opens the database in `dir` with all of the store's families. On failure `*out` is left
    // empty and RocksDB's status is returned unchanged, for the caller to map.
    static rocksdb::Status open(const std::filesystem::path& dir, const DatabaseOptions& options,
                                std::unique_ptr<Database>* out);

    // Releases the column family handles, then closes the database.
    ~Database();

    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Safe to call from any thread; the returned objects live as long as this Database.
    rocksdb::DB& db() const { return *db_; }
    // Null only for a family added_later that a read-only open found missing.
    rocksdb::ColumnFamilyHandle* family(Family family) const {
        return handles_[static_cast<std::size_t>(family) + 1];
    }
    // A secondary instance: its view changes only when it catches up, and it takes no
    // snapshots.
    bool secondary() const { return !secondary_dir_.empty(); }

  private:
    Database() = default;

    std::unique_ptr<rocksdb::DB> db_;
    std::filesystem::path secondary_dir_;  // removed after closing; empty for other opens
    // The default family first, then the store's families in the order of Family.
    std::array<rocksdb::ColumnFamilyHandle*, kFamilyNames.size() + 1> handles_{};
};

}  // namespace keyledger::eventstore::detail
