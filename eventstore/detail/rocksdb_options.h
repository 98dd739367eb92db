#pragma once
// How the store tunes RocksDB. The reasons are in rocksdb_options.cc.

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <vector>

namespace keyledger::eventstore::detail {

// Options for the whole database. `env` may be null (the default environment); a non-null env
// must outlive the database.
[[nodiscard]] rocksdb::DBOptions make_db_options(bool create, rocksdb::Env* env);

// The default family (unused, but RocksDB always has it) followed by the store's families in
// the order of detail::Family.
[[nodiscard]] std::vector<rocksdb::ColumnFamilyDescriptor> make_family_descriptors();

}  // namespace keyledger::eventstore::detail
