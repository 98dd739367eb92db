#pragma once
// The RocksDB implementation of EventStore. Built by open_rocksdb_store(), which has already
// checked the format marker and loaded the head; this class only runs the store.
//
// Sources: rocksdb_event_store.cc (writes: append, meta), rocksdb_event_reads.cc (reads of the
// log), rocksdb_deliveries.cc (the delivery store), chain_verifier.cc (verify).

#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "eventstore/detail/codec.h"
#include "eventstore/detail/database.h"
#include "eventstore/detail/delivery_compactor.h"
#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

// Hashes a std::string or a std::string_view alike, for lookups by view in maps keyed by string.
struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
        return std::hash<std::string_view>{}(name);
    }
};

class RocksDbEventStore final : public EventStore {
  public:
    RocksDbEventStore(std::unique_ptr<Database> database, const OpenOptions& options, Head head);

    Result<AppendResult> append(const AppendBatch& batch) override;
    // Writable opens only, before any other use: gives every delivery written before the
    // delivery time index existed its entry, then marks the index complete (at once for a store
    // that has none). A delivery that cannot be decoded gets no entry: it is never pruned.
    Result<void> complete_delivery_time_index();
    Result<std::vector<StoredEvent>> read_all(std::uint64_t after_position,
                                              std::size_t limit) const override;
    Result<std::uint64_t> for_each_event(std::uint64_t after_position, std::uint64_t limit,
                                         Hashes hashes, const EventVisitor& visit) const override;
    Result<std::vector<StoredEvent>> read_stream(std::string_view stream,
                                                 std::uint64_t after_version,
                                                 std::size_t limit) const override;
    Result<StoredEvent> read_at(std::uint64_t position) const override;
    std::uint64_t head_position() const override;
    Hash head_hash() const override;
    std::uint64_t stream_version(std::string_view stream) const override;
    Result<std::uint64_t> read_stream_version(std::string_view stream) const override;
    Result<std::vector<std::uint64_t>> stream_positions(std::string_view stream,
                                                        std::uint64_t up_to) const override;
    Result<std::vector<std::uint64_t>> related_positions(std::string_view id,
                                                         std::uint64_t up_to) const override;
    Result<std::uint64_t> position_at(std::int64_t at_ms, std::uint64_t up_to) const override;
    Result<void> add_related(
        const std::vector<std::pair<std::uint64_t, std::string>>& related) override;
    Result<bool> related_index_complete() const override;
    Result<void> mark_related_index_complete() override;
    Result<VerifyReport> verify() const override;
    Result<std::uint64_t> read_last_delivery_seq(std::string_view webhook_id) const override;
    Result<std::vector<StoredDelivery>> read_deliveries(std::string_view webhook_id,
                                                        std::uint64_t after_seq,
                                                        std::size_t limit) const override;
    Result<std::vector<std::string>> damaged_tables(bool every_family) const override;
    Result<std::vector<DeliveryEntry>> read_delivery_entries(
        const std::optional<std::string>& after, std::size_t limit) const override;
    Result<std::size_t> prune_deliveries(std::int64_t received_before_ms,
                                         std::size_t* undecodable = nullptr) override;
    Result<void> put_meta(std::string_view key, std::string_view value) override;
    Result<std::optional<std::string>> get_meta(std::string_view key) const override;

    // Waits for the compaction pruning asked for, which runs on a thread of the store's own;
    // returns how many such compactions RocksDB refused so far. For tests and benchmarks.
    std::size_t wait_for_pruning_compaction() { return compactor_.wait_idle(); }

  private:
    // The version of each stream the batch touches, before (as stored) and after the batch.
    using BatchVersions = std::unordered_map<std::string_view, std::uint64_t>;
    // version_conflict unless every event's expected_version matches its stream as stored and
    // as moved by the earlier events of the batch; fills `versions` with each stream's version
    // after the batch. REQUIRES: write_mutex_ held.
    Result<void> check_versions(const std::vector<NewEvent>& events, BatchVersions& versions);
    // The stored version of `stream`: from stream_versions_, or else from the stream index.
    // REQUIRES: write_mutex_ held.
    Result<std::uint64_t> stored_version(std::string_view stream);
    // Remembers the versions of a batch RocksDB accepted. REQUIRES: write_mutex_ held.
    void remember_versions(const BatchVersions& versions);
    // RocksDB's estimate of the deliveries kept, for compact_pruned_deliveries().
    std::size_t kept_deliveries() const;
    // Chains `events` after `head` into `batch` (envelopes, index entries, the new head record)
    // and returns the new head. REQUIRES: write_mutex_ held.
    Result<Head> add_events(const std::vector<NewEvent>& events, Head head,
                            rocksdb::WriteBatch& batch) const;
    // Appends the batch's deliveries to `batch`, numbering them from the last seq of each
    // webhook; `seqs` receives the new last seq of each webhook touched.
    // REQUIRES: write_mutex_ held.
    Result<void> add_deliveries(const std::vector<NewDelivery>& deliveries,
                                rocksdb::WriteBatch& batch,
                                std::unordered_map<std::string, std::uint64_t>& seqs);
    // The last seq given to `webhook_id`, from memory or else from disk.
    // REQUIRES: write_mutex_ held.
    Result<std::uint64_t> last_delivery_seq(const std::string& webhook_id);

    // Has the key range of the deliveries pruned so far compacted, in the background, once they
    // are many enough beside the `kept` ones, so that the disk follows the retention.
    // REQUIRES: write_mutex_ held.
    void compact_pruned_deliveries(std::size_t kept);

    // Writes `batch` unless an earlier write failed; a failure here makes every later write
    // fail too, except a full disk (no_space), after which writes resume once space returns.
    // REQUIRES: write_mutex_ held.
    Result<void> write(rocksdb::WriteBatch& batch, bool sync);
    // After a full disk, asks RocksDB to resume writing: no_space while the disk is still full,
    // io_error (and refusal of every later write) if RocksDB cannot resume.
    // REQUIRES: write_mutex_ held.
    Result<void> resume_after_full_disk();
    // invalid_argument for a read-only store, io_error after a failed write.
    // REQUIRES: write_mutex_ held.
    Result<void> check_writable() const;

    // The event stored at `position`; corruption if it is missing or damaged.
    Result<StoredEvent> load_event(const rocksdb::ReadOptions& read, std::uint64_t position) const;
    // The positions up to `up_to` of the entries of `family` under `prefix`, read from each
    // key's last 8 bytes (position_in_key) or from the value; `what` names the list in errors.
    Result<std::vector<std::uint64_t>> positions_under(Family family, std::string_view prefix,
                                                       std::uint64_t up_to, bool position_in_key,
                                                       std::string_view what) const;
    // The decision instant of the event at `position`, decoding nothing else.
    Result<std::int64_t> decided_at(std::uint64_t position) const;
    std::unique_ptr<rocksdb::Iterator> iterate(Family family,
                                               const rocksdb::ReadOptions& read = {}) const;

    const std::unique_ptr<Database> database_;
    const OpenOptions options_;

    // Serialises writers. Everything below that is not otherwise marked is guarded by it.
    std::mutex write_mutex_;
    std::string write_failure_;  // empty until a write fails; then why
    bool disk_full_ = false;     // the last write found the disk full; resume before the next
    std::unordered_map<std::string, std::uint64_t> delivery_seqs_;
    // The keys of the deliveries pruned since the last compaction of their range.
    struct PrunedRange {
        std::string from;  // smallest key removed
        std::string to;    // largest key removed
        std::size_t deliveries = 0;
        void add(const std::string& first, const std::string& last, std::size_t count);
    };
    PrunedRange pruned_;
    PrunedRange pruned_times_;  // the same deliveries' entries in the time index
    // Where the next pruning pass starts in the time index: every entry before it was removed by
    // this store, so a pass seeks past their deletion marks instead of stepping over them all
    // (each pass grew with everything pruned since the last compaction). Empty: from the start.
    std::string prune_resume_key_;
    // The version of streams this store wrote or looked up, so that an append does not seek the
    // stream index for every event: the store is the only writer, and learns every version it
    // writes. Only versions RocksDB accepted are kept; a miss falls back to the index. Emptied
    // when it reaches OpenOptions::remembered_streams, to bound its memory.
    std::unordered_map<std::string, std::uint64_t, NameHash, std::equal_to<>> stream_versions_;

    // Read by any thread; written only by the writer, after RocksDB accepted the batch.
    mutable std::mutex head_mutex_;
    Head head_;  // guarded by head_mutex_ (the writer may read it holding write_mutex_ only)

    // Declared after database_, so destroyed (their threads stopped) before the database closes.
    DeliveryCompactor compactor_;       // the deliveries family
    DeliveryCompactor time_compactor_;  // the delivery time index
};

}  // namespace keyledger::eventstore::detail
