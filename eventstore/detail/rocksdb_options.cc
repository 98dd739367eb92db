#include "eventstore/detail/rocksdb_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <memory>
#include <string>

#include "eventstore/detail/layout.h"

namespace keyledger::eventstore::detail {
namespace {

// Which Bloom filters a family's tables carry.
enum class Filters {
    none,
    // Every level's: point lookups of keys that may be absent.
    all_levels,
    // All but the last level's: point lookups of keys that exist, most of them in the last level
    // (a filter there would cost memory and answer "maybe" every time).
    above_last_level,
};

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache,
                                            Filters filters, std::size_t write_buffer_bytes) {
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
    rocksdb::ColumnFamilyOptions options;
    if (filters != Filters::none) {
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        options.optimize_filters_for_hits = filters == Filters::above_last_level;
    }
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

// A filter pays off only for point lookups. The stream index (the version probe, verify), the
// delivery seqs and meta are asked for keys that may be absent. Pruning reads each delivery it
// removes by key (decision 120): the key exists, usually in the last level, but without filters
// every level-0 table (each spans all webhooks) and every upper level costs a block read first
// (decision 125). Events are read by scans and by keys that exist, where a filter only costs
// memory.
Filters filters_of(Family family) {
    switch (family) {
        case Family::stream_index:
        case Family::delivery_seq:
        case Family::meta:
            return Filters::all_levels;
        case Family::deliveries:
            return Filters::above_last_level;
        case Family::events:
        case Family::related_index:
        case Family::delivery_time:
            return Filters::none;
    }
    return Filters::none;
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
    // RocksDB's own LOG files in the store directory: a few, each of bounded size (without a
    // size, one file grew by ~45 KB a pruning pass, forever).
    options.keep_log_file_num = 5;
    options.max_log_file_size = 8 * 1024 * 1024;
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
                          family_options(cache, Filters::none, write_buffer_bytes));
    for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
        families.emplace_back(
            std::string(kFamilyNames[i]),
            family_options(cache, filters_of(static_cast<Family>(i)), write_buffer_bytes));
    }
    return families;
}

}  // namespace keyledger::eventstore::detail
