#pragma once
// open_rocksdb_store() with a seam under the file system: tests pass an Env that fails writes
// on demand. Not for production code, which uses open_rocksdb_store().

#include <rocksdb/env.h>

#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

// As open_rocksdb_store(dir, options), with RocksDB running on `env` (null: the default
// environment). A non-null env must outlive the returned store.
[[nodiscard]] Result<std::unique_ptr<EventStore>> open_rocksdb_store(
    const std::filesystem::path& dir, const OpenOptions& options, rocksdb::Env* env);

}  // namespace keyledger::eventstore::detail
