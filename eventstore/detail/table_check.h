#pragma once
// Reading a family's table files whole, each block against its checksum: the data blocks and the
// index, filter and properties blocks an iteration never reads, and a file cut short.

#include <rocksdb/db.h>

#include <string>
#include <vector>

namespace keyledger::eventstore::detail {

// One sentence per table file that cannot be read whole: the live ones of the families named in
// `families`, and any table file of the database's directory that RocksDB left out of every
// family (it could not load it). A file gone since it was listed (a server beside a secondary
// compacted it away) is not damage.
[[nodiscard]] std::vector<std::string> damaged_tables(rocksdb::DB& db,
                                                      const std::vector<std::string>& families);

}  // namespace keyledger::eventstore::detail
