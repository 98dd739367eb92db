#pragma once
// Compacts key ranges of one of the delivery families (the deliveries, or their time index) on a
// thread of its own, so that the caller of a pruning pass (the engine's decider) never waits for
// the tables to be rewritten.

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyledger::eventstore::detail {

class DeliveryCompactor {
  public:
    // `db`, `family` and `flushed_first` must outlive the compactor. Before each compaction the
    // families of `flushed_first` are flushed together: otherwise the write-ahead log files that
    // the compaction's own flush leaves behind stay pinned by those families' small memtables on
    // a quiet server, each taking about a memtable's size on disk.
    DeliveryCompactor(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
                      std::vector<rocksdb::ColumnFamilyHandle*> flushed_first = {});
    // Cancels a compaction under way (its deletions are durable already; only disk space waits
    // for the next one) and joins the thread.
    ~DeliveryCompactor();

    DeliveryCompactor(const DeliveryCompactor&) = delete;
    DeliveryCompactor& operator=(const DeliveryCompactor&) = delete;

    // Asks for [from, to] to be compacted, widening a range still waiting. Returns at once; the
    // thread starts with the first request.
    void request(const std::string& from, const std::string& to);

    // Waits until no request waits or runs. Returns the number of compactions finished so far
    // that RocksDB refused (each one's range is asked for again with the next request).
    std::size_t wait_idle();

  private:
    void run();
    // Makes [from_, to_] cover [from, to] too. REQUIRES: mutex_ held.
    void widen(const std::string& from, const std::string& to);

    rocksdb::DB& db_;
    rocksdb::ColumnFamilyHandle* const family_;
    const std::vector<rocksdb::ColumnFamilyHandle*> flushed_first_;
    std::atomic<bool> canceled_{false};

    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;     // guarded by mutex_
    bool running_ = false;      // a compaction is under way; guarded by mutex_
    bool pending_ = false;      // the thread is to compact [from_, to_]; guarded by mutex_
    bool held_ = false;         // [from_, to_] is a range not yet compacted; guarded by mutex_
    std::string from_;          // guarded by mutex_
    std::string to_;            // guarded by mutex_
    std::size_t failures_ = 0;  // guarded by mutex_
    std::thread thread_;        // started by the first request
};

}  // namespace keyledger::eventstore::detail
