// The delivery store beside the log: webhook bodies numbered per webhook, outside the chain,
// kept until pruned.

#include <fmt/format.h>
#include <rocksdb/db.h>

#include <limits>
#include <string>
#include <vector>

#include "eventstore/detail/errors.h"
#include "eventstore/detail/rocksdb_event_store.h"
#include "eventstore/pruning.h"

namespace keyledger::eventstore::detail {

Result<std::uint64_t> RocksDbEventStore::read_last_delivery_seq(std::string_view webhook_id) const {
    std::string value;
    rocksdb::Status status = database_->db().Get(
        rocksdb::ReadOptions(), database_->family(Family::delivery_seq), webhook_id, &value);
    if (status.IsNotFound()) {
        return 0;
    }
    if (!status.ok()) {
        return fail(status,
                    fmt::format("reading the last delivery seq of webhook '{}'", webhook_id));
    }
    std::optional<std::uint64_t> stored = decode_u64(value);
    if (!stored) {
        return fail(ErrorCode::corruption,
                    fmt::format("the last delivery seq of webhook '{}' is not an 8-byte number",
                                webhook_id));
    }
    return *stored;
}

Result<std::uint64_t> RocksDbEventStore::last_delivery_seq(const std::string& webhook_id) {
    if (auto known = delivery_seqs_.find(webhook_id); known != delivery_seqs_.end()) {
        return known->second;
    }

    // Not the last delivery key: pruning may have removed every delivery of the webhook, and
    // its seqs must still never be reused.
    std::string value;
    rocksdb::Status status = database_->db().Get(
        rocksdb::ReadOptions(), database_->family(Family::delivery_seq), webhook_id, &value);
    std::uint64_t seq = 0;
    if (status.ok()) {
        std::optional<std::uint64_t> stored = decode_u64(value);
        if (!stored) {
            return fail(ErrorCode::corruption,
                        fmt::format("the last delivery seq of webhook '{}' is not an 8-byte number",
                                    webhook_id));
        }
        seq = *stored;
    } else if (!status.IsNotFound()) {
        return fail(status,
                    fmt::format("reading the last delivery seq of webhook '{}'", webhook_id));
    }
    delivery_seqs_.emplace(webhook_id, seq);
    return seq;
}

Result<void> RocksDbEventStore::add_deliveries(
    const std::vector<NewDelivery>& deliveries, rocksdb::WriteBatch& batch,
    std::unordered_map<std::string, std::uint64_t>& seqs) {
    rocksdb::Status status;
    for (const NewDelivery& delivery : deliveries) {
        auto last = seqs.find(delivery.webhook_id);
        if (last == seqs.end()) {
            auto stored = last_delivery_seq(delivery.webhook_id);
            if (!stored) {
                return std::unexpected(stored.error());
            }
            last = seqs.emplace(delivery.webhook_id, *stored).first;
        }

        const std::uint64_t seq = ++last->second;
        const std::string key = delivery_key(delivery.webhook_id, seq);
        status =
            batch.Put(database_->family(Family::deliveries), key, encode_delivery(seq, delivery));
        if (status.ok()) {
            status = batch.Put(database_->family(Family::delivery_time),
                               delivery_time_key(delivery.received_at_ms, key), "");
        }
        if (!status.ok()) {
            return fail(status, fmt::format("preparing delivery {} of webhook '{}'", seq,
                                            delivery.webhook_id));
        }
    }

    for (const auto& [webhook_id, seq] : seqs) {
        status = batch.Put(database_->family(Family::delivery_seq), webhook_id, encode_u64(seq));
        if (!status.ok()) {
            return fail(status, fmt::format("preparing the seq of webhook '{}'", webhook_id));
        }
    }
    return {};
}

Result<std::vector<StoredDelivery>> RocksDbEventStore::read_deliveries(std::string_view webhook_id,
                                                                       std::uint64_t after_seq,
                                                                       std::size_t limit) const {
    if (!is_valid_name(webhook_id)) {
        return fail(ErrorCode::invalid_argument,
                    "a webhook id must be non-empty and free of NUL bytes");
    }
    std::vector<StoredDelivery> deliveries;
    if (limit == 0 || after_seq == std::numeric_limits<std::uint64_t>::max()) {
        return deliveries;
    }

    const std::string prefix = delivery_prefix(webhook_id);
    auto it = iterate(Family::deliveries);
    for (it->Seek(delivery_key(webhook_id, after_seq + 1));
         it->Valid() && it->key().starts_with(prefix) && deliveries.size() < limit; it->Next()) {
        const std::uint64_t seq = decode_u64_suffix(it->key().ToStringView()).value_or(0);
        auto delivery = decode_delivery(webhook_id, seq, it->value().ToStringView());
        if (!delivery) {
            return std::unexpected(delivery.error());
        }
        deliveries.push_back(std::move(*delivery));
    }
    if (!it->status().ok()) {
        return fail(it->status(), fmt::format("reading deliveries of webhook '{}'", webhook_id));
    }
    return deliveries;
}

Result<std::vector<DeliveryEntry>> RocksDbEventStore::read_delivery_entries(
    const std::optional<std::string>& after, std::size_t limit) const {
    std::vector<DeliveryEntry> entries;
    auto it = iterate(Family::deliveries);
    if (after) {
        it->Seek(*after);
        if (it->Valid() && it->key() == rocksdb::Slice(*after)) {
            it->Next();
        }
    } else {
        it->SeekToFirst();
    }
    for (; it->Valid() && entries.size() < limit; it->Next()) {
        DeliveryEntry entry{it->key().ToString(), std::unexpected(std::string())};
        if (std::optional<NamedKey> key = parse_named_key(entry.key); !key) {
            entry.delivery = std::unexpected("the key is not a webhook id and a seq");
        } else if (auto delivery =
                       decode_delivery(key->name, key->number, it->value().ToStringView());
                   !delivery) {
            entry.delivery = std::unexpected(delivery.error().message);
        } else {
            entry.delivery = std::move(*delivery);
        }
        entries.push_back(std::move(entry));
    }
    if (!it->status().ok()) {
        return fail(it->status(), "reading the deliveries family");
    }
    return entries;
}

Result<std::size_t> RocksDbEventStore::prune_deliveries(std::int64_t received_before_ms,
                                                        std::size_t* undecodable) {
    std::lock_guard lock(write_mutex_);
    if (auto writable = check_writable(); !writable) {
        return std::unexpected(writable.error());
    }

    // The time index lists every delivery by the instant it was received, so a pass reads
    // exactly the deliveries older than the cutoff, then stops: its cost is what it removes,
    // whatever the number of webhooks (reading each webhook's oldest delivery instead cost
    // ~0.55 ms a webhook on a big store: a 9-minute pass at 1M webhooks).
    rocksdb::WriteBatch batch;
    std::size_t removed = 0;
    std::string first_removed;
    std::string last_removed;
    std::string first_time_removed;
    std::string last_time_removed;
    std::string first_kept;  // the first time index entry this pass leaves in place
    std::size_t unread = 0;
    // The deliveries of a chunk of index entries are read with one MultiGet: the keys of a
    // pass are spread over every webhook, and read one at a time each looked up the table
    // index and the block cache again (most of a big pass's CPU).
    constexpr std::size_t kChunk = 512;
    std::vector<std::string> chunk;  // time index entries, each a parsable DeliveryTimeKey
    chunk.reserve(kChunk);
    auto prune_chunk = [&]() -> Result<void> {
        std::vector<DeliveryTimeKey> entries;
        std::vector<rocksdb::Slice> keys;
        entries.reserve(chunk.size());
        keys.reserve(chunk.size());
        for (const std::string& time_key : chunk) {
            entries.push_back(*parse_delivery_time_key(time_key));
            keys.emplace_back(entries.back().delivery_key.data(),
                              entries.back().delivery_key.size());
        }
        std::vector<rocksdb::PinnableSlice> values(keys.size());
        std::vector<rocksdb::Status> statuses(keys.size());
        database_->db().MultiGet(rocksdb::ReadOptions(), database_->family(Family::deliveries),
                                 keys.size(), keys.data(), values.data(), statuses.data());
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            const DeliveryTimeKey& entry = entries[i];
            // The delivery itself decides, not its index entry: what cannot be read is kept
            // (deleting it would destroy the evidence `audit verify` reports), and so is one
            // received at or after the cutoff whatever its entry says.
            rocksdb::Status status = statuses[i];
            if (status.IsNotFound()) {
                // Gone already (an index entry left behind): only the entry goes.
                status = batch.Delete(database_->family(Family::delivery_time), chunk[i]);
                if (!status.ok()) {
                    return fail(status, "preparing the removal of old deliveries");
                }
                continue;
            }
            if (!status.ok()) {
                return fail(status, "reading a delivery to prune");
            }
            auto delivery = decode_delivery(entry.delivery.name, entry.delivery.number,
                                            values[i].ToStringView());
            if (!delivery) {
                ++unread;
            }
            if (!delivery || delivery->received_at_ms >= received_before_ms) {
                if (first_kept.empty()) {
                    first_kept = chunk[i];
                }
                continue;
            }
            status = batch.Delete(database_->family(Family::deliveries), keys[i]);
            if (status.ok()) {
                status = batch.Delete(database_->family(Family::delivery_time), chunk[i]);
            }
            if (!status.ok()) {
                return fail(status, "preparing the removal of old deliveries");
            }
            const std::string delivery_key(entry.delivery_key);
            if (removed == 0) {
                first_time_removed = chunk[i];
            }
            last_time_removed = chunk[i];
            if (removed++ == 0 || delivery_key < first_removed) {
                first_removed = delivery_key;
            }
            if (delivery_key > last_removed) {
                last_removed = delivery_key;
            }
        }
        chunk.clear();
        return {};
    };

    const std::string bound = delivery_time_bound(received_before_ms);
    auto it = iterate(Family::delivery_time);
    // Past the entries earlier passes of this store removed (a new delivery is never received
    // before a cutoff already passed: the decision clock does not go back).
    if (prune_resume_key_.empty()) {
        it->SeekToFirst();
    } else {
        it->Seek(prune_resume_key_);
    }
    for (; it->Valid() && it->key().compare(bound) < 0; it->Next()) {
        const std::string_view time_key = it->key().ToStringView();
        if (!parse_delivery_time_key(time_key)) {
            continue;  // the completeness mark, or an entry the store never wrote
        }
        chunk.emplace_back(time_key);
        if (chunk.size() == kChunk) {
            if (auto pruned = prune_chunk(); !pruned) {
                return std::unexpected(pruned.error());
            }
        }
    }
    if (!it->status().ok()) {
        return fail(it->status(), "reading deliveries to prune");
    }
    if (auto pruned = prune_chunk(); !pruned) {
        return std::unexpected(pruned.error());
    }
    if (undecodable != nullptr) {
        *undecodable += unread;
    }

    // How far pruning has gone, in the batch of its deletes, never moved back, recorded by every
    // pass that moves it (one small write a minute on a server): a readable delivery received
    // before it that is still kept was never reached, which verify reports (decision 121).
    {
        std::string stored;
        rocksdb::Status status =
            database_->db().Get(rocksdb::ReadOptions(), database_->family(Family::meta),
                                kDeliveriesPrunedBeforeKey, &stored);
        if (!status.ok() && !status.IsNotFound()) {
            return fail(status, "reading how far deliveries were pruned");
        }
        std::optional<std::int64_t> before;
        if (status.ok()) {
            before = decode_pruned_before(stored);
        }
        if (!before || received_before_ms > *before) {
            status = batch.Put(database_->family(Family::meta), kDeliveriesPrunedBeforeKey,
                               encode_pruned_before(received_before_ms));
            if (!status.ok()) {
                return fail(status, "preparing the mark of how far deliveries were pruned");
            }
        }
    }
    if (batch.Count() > 0) {
        if (auto written = write(batch, options_.sync); !written) {
            return std::unexpected(written.error());
        }
    }
    if (!first_kept.empty()) {
        prune_resume_key_ = std::move(first_kept);
    } else if (bound > prune_resume_key_) {
        prune_resume_key_ = bound;
    }
    if (removed > 0) {
        pruned_.add(first_removed, last_removed, removed);
        pruned_times_.add(first_time_removed, last_time_removed, removed);
        compact_pruned_deliveries(kept_deliveries());
    }
    return removed;
}

std::size_t RocksDbEventStore::kept_deliveries() const {
    std::uint64_t keys = 0;
    if (!database_->db().GetIntProperty(database_->family(Family::deliveries),
                                        "rocksdb.estimate-num-keys", &keys)) {
        return 0;
    }
    return static_cast<std::size_t>(keys);
}

Result<void> RocksDbEventStore::complete_delivery_time_index() {
    std::string mark;
    rocksdb::Status status =
        database_->db().Get(rocksdb::ReadOptions(), database_->family(Family::delivery_time),
                            kDeliveryTimeCompleteKey, &mark);
    if (status.ok()) {
        return {};
    }
    if (!status.IsNotFound()) {
        return fail(status, "reading the mark of the delivery time index");
    }

    // In batches, so that a store with millions of deliveries needs no batch of millions.
    constexpr std::size_t kEntriesPerBatch = 10'000;
    rocksdb::WriteBatch batch;
    auto it = iterate(Family::deliveries);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::optional<NamedKey> key = parse_named_key(it->key().ToStringView());
        if (!key) {
            continue;
        }
        auto delivery = decode_delivery(key->name, key->number, it->value().ToStringView());
        if (!delivery) {
            continue;
        }
        status =
            batch.Put(database_->family(Family::delivery_time),
                      delivery_time_key(delivery->received_at_ms, it->key().ToStringView()), "");
        if (!status.ok()) {
            return fail(status, "preparing the delivery time index");
        }
        if (batch.Count() >= kEntriesPerBatch) {
            if (auto written = write(batch, options_.sync); !written) {
                return std::unexpected(written.error());
            }
            batch.Clear();
        }
    }
    if (!it->status().ok()) {
        return fail(it->status(), "reading deliveries to index them by time");
    }
    status = batch.Put(database_->family(Family::delivery_time), kDeliveryTimeCompleteKey, "");
    if (!status.ok()) {
        return fail(status, "preparing the mark of the delivery time index");
    }
    return write(batch, options_.sync);
}

void RocksDbEventStore::PrunedRange::add(const std::string& first, const std::string& last,
                                         std::size_t count) {
    if (deliveries == 0 || first < from) {
        from = first;
    }
    if (deliveries == 0 || last > to) {
        to = last;
    }
    deliveries += count;
}

void RocksDbEventStore::compact_pruned_deliveries(std::size_t kept) {
    // Deleted deliveries keep their bytes on disk until a compaction drops them. Keys go by
    // webhook, then seq, so the range of what was pruned also holds what was kept, and a
    // compaction rewrites that. So it waits until the deliveries pruned since the last one are
    // as many as those kept: the disk then holds at most about twice the retention's worth, and
    // compaction writes about one kept delivery per delivery pruned. It runs on the compactor's
    // thread: the caller, the engine's decider, goes on deciding meanwhile.
    if (pruned_.deliveries == 0 || pruned_.deliveries < kept) {
        return;
    }
    compactor_.request(pruned_.from, pruned_.to);
    time_compactor_.request(pruned_times_.from, pruned_times_.to);
    pruned_ = {};
    pruned_times_ = {};
}

}  // namespace keyledger::eventstore::detail
