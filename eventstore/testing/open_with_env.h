#pragma once
// Opening the store on a RocksDB Env of the test's choosing (a FaultyFileSystem, say). For tests
// only: production code opens with open_rocksdb_store(), which keeps RocksDB out of its headers.

#include <rocksdb/env.h>

#include <filesystem>
#include <memory>

#include "eventstore/event_store.h"

namespace keyledger::eventstore::testing {

// As open_rocksdb_store(dir, options), with RocksDB running on `env` (null: the default). A
// non-null env must outlive the returned store.
[[nodiscard]] Result<std::unique_ptr<EventStore>> open_rocksdb_store_with_env(
    const std::filesystem::path& dir, const OpenOptions& options, rocksdb::Env* env);

}  // namespace keyledger::eventstore::testing
