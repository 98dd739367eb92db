// The delivery store beside the log: webhook bodies numbered per webhook, outside the chain,
// kept until pruned.

#include <fmt/format.h>
#include <rocksdb/db.h>

#include <limits>
#include <string>

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
        status = batch.Put(database_->family(Family::deliveries),
                           delivery_key(delivery.webhook_id, seq), encode_delivery(seq, delivery));
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

    // A webhook's deliveries are keyed by seq and received in seq order (the decision clock never
    // goes back), so the old ones are a prefix of its range: the scan stops at each webhook's
    // first kept delivery and jumps to the next webhook. A pass costs what it removes plus one
    // read per webhook, not a read of every delivery kept.
    rocksdb::WriteBatch batch;
    std::size_t removed = 0;
    std::size_t kept = 0;
    std::string first_removed;
    std::string last_removed;
    std::size_t unread = 0;
    auto it = iterate(Family::deliveries);
    for (it->SeekToFirst(); it->Valid();) {
        // What cannot be read is kept: deleting it would destroy the evidence `audit verify`
        // reports, and stopping here would keep every other body forever.
        std::optional<NamedKey> key = parse_named_key(it->key().ToStringView());
        if (!key) {
            ++unread;
            it->Next();
            continue;
        }
        auto delivery = decode_delivery(key->name, key->number, it->value().ToStringView());
        if (!delivery) {
            ++unread;
            it->Next();
            continue;
        }
        if (delivery->received_at_ms >= received_before_ms) {
            const std::uint64_t last = read_last_delivery_seq(key->name).value_or(key->number);
            kept += last >= key->number ? last - key->number + 1 : 1;
            // Past every key of this webhook ("name NUL seq"): the next webhook's first key.
            std::string next_webhook(key->name);
            next_webhook.push_back('\x01');
            it->Seek(next_webhook);
            continue;
        }
        if (rocksdb::Status status = batch.Delete(database_->family(Family::deliveries), it->key());
            !status.ok()) {
            return fail(status, "preparing the removal of old deliveries");
        }
        if (removed++ == 0) {
            first_removed = it->key().ToString();
        }
        last_removed = it->key().ToString();
        it->Next();
    }
    if (!it->status().ok()) {
        return fail(it->status(), "reading deliveries to prune");
    }
    if (undecodable != nullptr) {
        *undecodable += unread;
    }

    if (removed > 0) {
        // How far pruning has gone, in the batch of the deletes, never moved back.
        std::string stored;
        rocksdb::Status status =
            database_->db().Get(rocksdb::ReadOptions(), database_->family(Family::meta),
                                kDeliveriesPrunedBeforeKey, &stored);
        if (!status.ok() && !status.IsNotFound()) {
            return fail(status, "reading how far deliveries were pruned");
        }
        std::int64_t cutoff = received_before_ms;
        if (status.ok()) {
            if (auto before = decode_pruned_before(stored); before && *before > cutoff) {
                cutoff = *before;
            }
        }
        status = batch.Put(database_->family(Family::meta), kDeliveriesPrunedBeforeKey,
                           encode_pruned_before(cutoff));
        if (!status.ok()) {
            return fail(status, "preparing the mark of how far deliveries were pruned");
        }
        if (auto written = write(batch, options_.sync); !written) {
            return std::unexpected(written.error());
        }
        pruned_.add(first_removed, last_removed, removed);
        compact_pruned_deliveries(kept);
    }
    return removed;
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
    // compaction rewrites that. So it waits until the deliveries pruned since the last one
    // are as many as those kept: the disk then holds at most about twice the retention's
    // worth, and compaction writes about one kept delivery per delivery pruned.
    if (pruned_.deliveries == 0 || pruned_.deliveries < kept) {
        return;
    }
    rocksdb::CompactRangeOptions options;
    options.exclusive_manual_compaction = false;  // background compactions go on meanwhile
    const rocksdb::Slice from(pruned_.from);
    const rocksdb::Slice to(pruned_.to);
    // TODO(perf): runs on the caller's thread (the engine's decider): a large range pauses
    // deciding while it is rewritten. A compaction filter on received_at would spread the work
    // over RocksDB's own background compactions.
    rocksdb::Status status =
        database_->db().CompactRange(options, database_->family(Family::deliveries), &from, &to);
    if (status.ok()) {
        pruned_ = {};
    }
    // Otherwise the range stays pending and the next prune tries again: the deletions are
    // durable either way, only the disk space waits.
}

}  // namespace keyledger::eventstore::detail
