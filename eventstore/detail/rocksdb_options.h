#pragma once
// How the store tunes RocksDB. The reasons are in rocksdb_options.cc.

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstddef>
#include <vector>

namespace keyledger::eventstore::detail {

// Options for the whole database. `env` may be null (the default environment); a non-null env
// must outlive the database. `write_buffer_bytes`: OpenOptions::write_buffer_bytes.
[[nodiscard]] rocksdb::DBOptions make_db_options(bool create, rocksdb::Env* env,
                                                 std::size_t write_buffer_bytes);

// The default family (unused, but RocksDB always has it) followed by the store's families in
// the order of detail::Family, sharing one block cache of `block_cache_bytes`, each with a
// memtable of half of `write_buffer_bytes`.
[[nodiscard]] std::vector<rocksdb::ColumnFamilyDescriptor> make_family_descriptors(
    std::size_t block_cache_bytes, std::size_t write_buffer_bytes);

}  // namespace keyledger::eventstore::detail
