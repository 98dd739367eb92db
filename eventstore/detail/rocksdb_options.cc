#include "eventstore/detail/rocksdb_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <memory>
#include <string>

#include "eventstore/detail/layout.h"

namespace keyledger::eventstore::detail {
namespace {

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache,
                                            bool bloom_filter, std::size_t write_buffer_bytes) {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    // Index and filter blocks live in the block cache too, so their memory is bounded by it:
    // held outside it (RocksDB's default) they grow with every table file, that is with the log.
    // Level 0's stay pinned, as the newest tables are the ones the tail readers hit.
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    // TODO(perf): on a big store a table's whole index block (hundreds of KiB) is copied into
    // this small cache again on most seeks for the version of an existing stream the store does
    // not remember (a new stream is answered by the Bloom-filtered probe first). Partitioned
    // indexes cured that but made the server's resident memory climb under load
    // (docs/PERFORMANCE.md); OpenOptions::block_cache_bytes lets a bulk writer avoid it.
    // A Bloom filter pays off only for point lookups of keys that may be absent: the stream
    // index (the version probe, verify), the delivery seqs and meta. Events and deliveries are read
    // by keys that exist or by scans, where a filter only costs memory.
    if (bloom_filter) {
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    }

    rocksdb::ColumnFamilyOptions options;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Sizes levels from the bottom up: the space overhead stays near 10% as the log grows.
    options.level_compaction_dynamic_level_bytes = true;
    // One family's memtable (RocksDB allocates it in blocks of an eighth of this): half of all.
    options.write_buffer_size = write_buffer_bytes / 2;
    // Delivery bodies stay in the tables, not in blob files (enable_blob_files): RocksDB does not
    // support blob files with secondary instances, which `audit verify` opens beside a running
    // server, and one saw the deliveries family empty (decision 122).
    return options;
}

}  // namespace

rocksdb::DBOptions make_db_options(bool create, rocksdb::Env* env, std::size_t write_buffer_bytes) {
    rocksdb::DBOptions options;
    options.create_if_missing = create;
    // A store written before a family existed gets it at its next writable open.
    options.create_missing_column_families = true;
    if (env != nullptr) {
        options.env = env;
    }
    options.db_write_buffer_size = write_buffer_bytes;
    // RocksDB's own LOG files in the store directory: keep a few, not all of them forever.
    options.keep_log_file_num = 5;
    // Every acknowledged batch is synced, so the only damage a crash can leave in the
    // write-ahead log is an incomplete last record. Anything else (a flipped byte, a lost middle)
    // must stop the open: point-in-time recovery would silently drop every later, acknowledged
    // event and hand their positions out again.
    options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    // Left at their defaults on purpose: paranoid_checks (on: refuse to open damaged files) and
    // the write-ahead log (never disabled).
    return options;
}

// One block cache for all families of a store (OpenOptions::block_cache_bytes, 4 MiB by default).
// Readers mostly follow the tail of the log (projections catching up, the engine reloading a
// stream, the checkpoint writer), so a small cache holds the hot part and the operating system's
// page cache does the rest; a bigger one only fills with blocks read once and shows as resident
// memory that keeps growing.
std::vector<rocksdb::ColumnFamilyDescriptor> make_family_descriptors(
    std::size_t block_cache_bytes, std::size_t write_buffer_bytes) {
    auto cache = rocksdb::NewLRUCache(block_cache_bytes);

    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.emplace_back(rocksdb::kDefaultColumnFamilyName,
                          family_options(cache, false, write_buffer_bytes));
    for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
        const auto family = static_cast<Family>(i);
        const bool point_lookups = family == Family::stream_index ||
                                   family == Family::delivery_seq || family == Family::meta;
        families.emplace_back(std::string(kFamilyNames[i]),
                              family_options(cache, point_lookups, write_buffer_bytes));
    }
    return families;
}

}  // namespace keyledger::eventstore::detail
