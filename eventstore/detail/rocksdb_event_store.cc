// The write side of the RocksDB store: append and meta, and the rule that a failed write
// closes the store to writers.

#include "eventstore/detail/rocksdb_event_store.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "eventstore/detail/chain_verifier.h"
#include "eventstore/detail/errors.h"
#include "eventstore/detail/layout.h"
#include "eventstore/detail/table_check.h"
#include "eventstore/detail/validation.h"
#include "security/sha256.h"

namespace keyledger::eventstore::detail {
namespace {

std::vector<rocksdb::ColumnFamilyHandle*> all_families(const Database& database) {
    std::vector<rocksdb::ColumnFamilyHandle*> families;
    for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
        if (auto* handle = database.family(static_cast<Family>(i)); handle != nullptr) {
            families.push_back(handle);
        }
    }
    return families;
}

}  // namespace

RocksDbEventStore::RocksDbEventStore(std::unique_ptr<Database> database, const OpenOptions& options,
                                     Head head)
    : database_(std::move(database)),
      options_(options),
      head_(head),
      compactor_(database_->db(), database_->family(Family::deliveries), all_families(*database_)),
      time_compactor_(database_->db(), database_->family(Family::delivery_time)) {}

std::uint64_t RocksDbEventStore::head_position() const {
    std::lock_guard lock(head_mutex_);
    return head_.position;
}

Hash RocksDbEventStore::head_hash() const {
    std::lock_guard lock(head_mutex_);
    return head_.hash;
}

Result<VerifyReport> RocksDbEventStore::verify() const {
    return verify_chain(*database_);
}

Result<std::vector<std::string>> RocksDbEventStore::damaged_tables(bool every_family) const {
    std::vector<std::string> families;
    for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
        const auto family = static_cast<Family>(i);
        if (every_family || family == Family::delivery_seq || family == Family::delivery_time ||
            family == Family::meta) {
            families.emplace_back(kFamilyNames[i]);
        }
    }
    return detail::damaged_tables(database_->db(), families);
}

Result<AppendResult> RocksDbEventStore::append(const AppendBatch& batch) {
    std::lock_guard lock(write_mutex_);
    if (auto writable = check_writable(); !writable) {
        return std::unexpected(writable.error());
    }
    if (auto valid = validate_batch(batch); !valid) {
        return std::unexpected(valid.error());
    }
    const Head before = head_;
    if (batch.events.empty() && batch.deliveries.empty()) {
        return AppendResult{before.position + 1, before.position, before.hash};
    }

    // One write batch: the events, their index entries, the head record and the deliveries.
    rocksdb::WriteBatch write_batch;
    BatchVersions versions;
    if (auto checked = check_versions(batch.events, versions); !checked) {
        return std::unexpected(checked.error());
    }
    auto head = add_events(batch.events, before, write_batch);
    if (!head) {
        return std::unexpected(head.error());
    }

    std::unordered_map<std::string, std::uint64_t> seqs;
    if (auto added = add_deliveries(batch.deliveries, write_batch, seqs); !added) {
        return std::unexpected(added.error());
    }

    if (auto written = write(write_batch, options_.sync); !written) {
        return std::unexpected(written.error());
    }

    // Publish only what RocksDB has accepted.
    {
        std::lock_guard head_lock(head_mutex_);
        head_ = *head;
    }
    for (auto& [webhook_id, seq] : seqs) {
        delivery_seqs_[webhook_id] = seq;
    }
    remember_versions(versions);
    return AppendResult{before.position + 1, head->position, head->hash};
}

Result<void> RocksDbEventStore::check_versions(const std::vector<NewEvent>& events,
                                               BatchVersions& versions) {
    // The version each stream has before the event at hand: as stored, then from the batch.
    for (std::size_t i = 0; i < events.size(); ++i) {
        const NewEvent& event = events[i];
        auto known = versions.find(event.stream);
        if (known == versions.end()) {
            auto stored = stored_version(event.stream);
            if (!stored) {
                return std::unexpected(stored.error());
            }
            known = versions.emplace(event.stream, *stored).first;
        }

        if (event.expected_version != known->second) {
            return fail(ErrorCode::version_conflict,
                        fmt::format("event {} of the batch expects stream '{}' at version {}, "
                                    "but it is at version {}; nothing was written",
                                    i + 1, event.stream, event.expected_version, known->second));
        }
        ++known->second;
    }
    return {};
}

Result<std::uint64_t> RocksDbEventStore::stored_version(std::string_view stream) {
    if (auto cached = stream_versions_.find(stream); cached != stream_versions_.end()) {
        return cached->second;
    }
    // Not remembered: a stream last written before this store was opened, or never.
    return read_stream_version(stream);
}

void RocksDbEventStore::remember_versions(const BatchVersions& versions) {
    if (stream_versions_.size() + versions.size() > options_.remembered_streams) {
        stream_versions_.clear();
    }
    for (const auto& [stream, version] : versions) {
        if (auto cached = stream_versions_.find(stream); cached != stream_versions_.end()) {
            cached->second = version;
        } else {
            stream_versions_.emplace(std::string(stream), version);
        }
    }
}

Result<Head> RocksDbEventStore::add_events(const std::vector<NewEvent>& events, Head head,
                                           rocksdb::WriteBatch& batch) const {
    for (const NewEvent& event : events) {
        ++head.position;
        const std::string envelope = encode_envelope(head.position, event, head.hash);
        head.hash = security::sha256(envelope);

        rocksdb::Status status =
            batch.Put(database_->family(Family::events), event_key(head.position), envelope);
        if (status.ok()) {
            status = batch.Put(database_->family(Family::stream_index),
                               stream_key(event.stream, event.expected_version + 1),
                               encode_u64(head.position));
        }
        for (const std::string& id : event.related) {
            if (status.ok()) {
                status = batch.Put(database_->family(Family::related_index),
                                   stream_key(id, head.position), rocksdb::Slice());
            }
        }
        if (!status.ok()) {
            return fail(status, fmt::format("preparing event {}", head.position));
        }
    }

    if (!events.empty()) {
        rocksdb::Status status =
            batch.Put(database_->family(Family::meta), kHeadKey, encode_head(head));
        if (!status.ok()) {
            return fail(status, "preparing the head");
        }
    }
    return head;
}

Result<void> RocksDbEventStore::put_meta(std::string_view key, std::string_view value) {
    std::lock_guard lock(write_mutex_);
    if (auto writable = check_writable(); !writable) {
        return writable;
    }
    if (auto valid = validate_meta_key(key); !valid) {
        return valid;
    }

    rocksdb::WriteBatch batch;
    if (rocksdb::Status status = batch.Put(database_->family(Family::meta), key, value);
        !status.ok()) {
        return fail(status, fmt::format("preparing meta '{}'", key));
    }
    return write(batch, /*sync=*/true);
}

Result<void> RocksDbEventStore::add_related(
    const std::vector<std::pair<std::uint64_t, std::string>>& related) {
    std::lock_guard lock(write_mutex_);
    if (auto writable = check_writable(); !writable) {
        return writable;
    }
    const std::uint64_t head = head_position();
    rocksdb::WriteBatch batch;
    for (const auto& [position, id] : related) {
        if (position == 0 || position > head) {
            return fail(ErrorCode::invalid_argument,
                        fmt::format("there is no event {} to relate '{}' to: the log holds "
                                    "events 1 to {}",
                                    position, id, head));
        }
        if (std::string problem = related_id_problem(id); !problem.empty()) {
            return fail(ErrorCode::invalid_argument,
                        fmt::format("event {} cannot be related: {}", position, problem));
        }
        rocksdb::Status status = batch.Put(database_->family(Family::related_index),
                                           stream_key(id, position), rocksdb::Slice());
        if (!status.ok()) {
            return fail(status, fmt::format("preparing the related index of event {}", position));
        }
    }
    return write(batch, /*sync=*/true);
}

Result<bool> RocksDbEventStore::related_index_complete() const {
    rocksdb::ColumnFamilyHandle* family = database_->family(Family::related_index);
    if (family == nullptr) {
        return false;
    }
    std::string value;
    rocksdb::Status status =
        database_->db().Get(rocksdb::ReadOptions(), family, kRelatedCompleteKey, &value);
    if (status.IsNotFound()) {
        return false;
    }
    if (!status.ok()) {
        return fail(status, "reading the related index's mark");
    }
    return true;
}

Result<void> RocksDbEventStore::mark_related_index_complete() {
    std::lock_guard lock(write_mutex_);
    if (auto writable = check_writable(); !writable) {
        return writable;
    }
    rocksdb::WriteBatch batch;
    if (rocksdb::Status status =
            batch.Put(database_->family(Family::related_index), kRelatedCompleteKey, "");
        !status.ok()) {
        return fail(status, "preparing the related index's mark");
    }
    return write(batch, /*sync=*/true);
}

Result<std::optional<std::string>> RocksDbEventStore::get_meta(std::string_view key) const {
    std::string value;
    rocksdb::Status status =
        database_->db().Get(rocksdb::ReadOptions(), database_->family(Family::meta), key, &value);
    if (status.IsNotFound()) {
        return std::nullopt;
    }
    if (!status.ok()) {
        return fail(status, fmt::format("reading meta '{}'", key));
    }
    return value;
}

Result<void> RocksDbEventStore::check_writable() const {
    if (options_.read_only) {
        return fail(ErrorCode::invalid_argument, "the store was opened read-only");
    }
    if (!write_failure_.empty()) {
        return fail(ErrorCode::io_error,
                    fmt::format("the store refuses writes since an earlier write failed ({}); "
                                "reopen it once the cause is fixed",
                                write_failure_));
    }
    return {};
}

Result<void> RocksDbEventStore::resume_after_full_disk() {
    if (!disk_full_) {
        return {};
    }
    // RocksDB's recovery from a full disk flushes every memtable and starts a new write-ahead
    // log, so a record torn by the full disk is never replayed in front of later ones. RocksDB
    // also runs that recovery by itself, polling the free space every few seconds; while it
    // does, Resume() answers Busy and writes keep failing with the full disk's error.
    rocksdb::Status status = database_->db().Resume();
    if (status.IsNoSpace() || status.IsBusy()) {
        return fail(ErrorCode::no_space,
                    fmt::format("the disk is full or was until just now ({}); nothing was "
                                "written, and writes resume within seconds of space returning",
                                status.ToString()));
    }
    if (!status.ok()) {
        write_failure_ = fmt::format("resuming after a full disk: {}", status.ToString());
        return fail(ErrorCode::io_error,
                    fmt::format("the store could not resume writing after a full disk ({}); it "
                                "now refuses further writes",
                                status.ToString()));
    }
    disk_full_ = false;
    return {};
}

Result<void> RocksDbEventStore::write(rocksdb::WriteBatch& batch, bool sync) {
    if (auto writable = check_writable(); !writable) {
        return writable;
    }
    if (auto resumed = resume_after_full_disk(); !resumed) {
        return resumed;
    }

    rocksdb::WriteOptions write_options;
    write_options.sync = sync;
    write_options.disableWAL = false;  // never: the log is the only copy of the history
    rocksdb::Status status = database_->db().Write(write_options, &batch);
    if (status.IsNoSpace()) {
        // Nothing of the batch is readable or will be replayed (see resume_after_full_disk), so
        // the store stays usable: the next write tries again once space may have returned.
        disk_full_ = true;
        return fail(ErrorCode::no_space,
                    fmt::format("the disk is full ({}); the write was not made, and writes "
                                "resume once space is freed",
                                status.ToString()));
    }
    if (!status.ok()) {
        // What reached the disk is now unknown: like LevelDB after a failed fsync, stop writing
        // rather than build on a state that may not survive a restart.
        write_failure_ = status.ToString();
        return fail(ErrorCode::io_error,
                    fmt::format("writing to the store failed ({}); it now refuses further writes",
                                write_failure_));
    }
    return {};
}

}  // namespace keyledger::eventstore::detail
