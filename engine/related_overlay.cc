#include "engine/related_overlay.h"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/related_backfill.h"

namespace keyledger::engine {
namespace {

using eventstore::EventStore;
using eventstore::Result;

class RelatedOverlay final : public EventStore {
  public:
    RelatedOverlay(std::unique_ptr<EventStore> store,
                   std::unordered_map<std::string, std::vector<std::uint64_t>> related)
        : store_(std::move(store)), related_(std::move(related)) {}

    Result<std::vector<std::uint64_t>> related_positions(std::string_view id,
                                                         std::uint64_t up_to) const override {
        auto it = related_.find(std::string(id));
        if (it == related_.end()) {
            return std::vector<std::uint64_t>{};
        }
        const auto& all = it->second;  // ascending: the log was read in order
        return std::vector<std::uint64_t>(all.begin(),
                                          std::upper_bound(all.begin(), all.end(), up_to));
    }

    // Read-only by construction: the in-memory index would not follow a write.
    Result<eventstore::AppendResult> append(const eventstore::AppendBatch&) override {
        return read_only();
    }
    Result<std::size_t> prune_deliveries(std::int64_t, std::size_t*) override {
        return read_only();
    }
    Result<void> put_meta(std::string_view, std::string_view) override { return read_only(); }
    Result<void> add_related(const std::vector<std::pair<std::uint64_t, std::string>>&) override {
        return read_only();
    }
    Result<bool> related_index_complete() const override { return true; }
    Result<void> mark_related_index_complete() override { return read_only(); }

    Result<std::vector<eventstore::StoredEvent>> read_all(std::uint64_t after,
                                                          std::size_t limit) const override {
        return store_->read_all(after, limit);
    }
    Result<std::uint64_t> for_each_event(std::uint64_t after, std::uint64_t limit,
                                         eventstore::Hashes hashes,
                                         const eventstore::EventVisitor& visit) const override {
        return store_->for_each_event(after, limit, hashes, visit);
    }
    Result<std::vector<eventstore::StoredEvent>> read_stream(std::string_view stream,
                                                             std::uint64_t after,
                                                             std::size_t limit) const override {
        return store_->read_stream(stream, after, limit);
    }
    Result<eventstore::StoredEvent> read_at(std::uint64_t position) const override {
        return store_->read_at(position);
    }
    std::uint64_t head_position() const override { return store_->head_position(); }
    eventstore::Hash head_hash() const override { return store_->head_hash(); }
    std::uint64_t stream_version(std::string_view stream) const override {
        return store_->stream_version(stream);
    }
    Result<std::uint64_t> read_stream_version(std::string_view stream) const override {
        return store_->read_stream_version(stream);
    }
    Result<std::vector<std::uint64_t>> stream_positions(std::string_view stream,
                                                        std::uint64_t up_to) const override {
        return store_->stream_positions(stream, up_to);
    }
    Result<std::uint64_t> position_at(std::int64_t at_ms, std::uint64_t up_to) const override {
        return store_->position_at(at_ms, up_to);
    }
    Result<eventstore::VerifyReport> verify() const override { return store_->verify(); }
    Result<std::uint64_t> read_last_delivery_seq(std::string_view webhook_id) const override {
        return store_->read_last_delivery_seq(webhook_id);
    }
    Result<std::vector<std::string>> damaged_tables(bool every_family) const override {
        return store_->damaged_tables(every_family);
    }
    Result<std::vector<eventstore::DeliveryEntry>> read_delivery_entries(
        const std::optional<std::string>& after, std::size_t limit) const override {
        return store_->read_delivery_entries(after, limit);
    }
    Result<std::vector<eventstore::StoredDelivery>> read_deliveries(
        std::string_view webhook_id, std::uint64_t after, std::size_t limit) const override {
        return store_->read_deliveries(webhook_id, after, limit);
    }
    Result<std::optional<std::string>> get_meta(std::string_view key) const override {
        return store_->get_meta(key);
    }

  private:
    static std::unexpected<eventstore::Error> read_only() {
        return std::unexpected(eventstore::Error{
            eventstore::ErrorCode::invalid_argument,
            "this store is open for reading, with its related index built in memory", 0});
    }

    std::unique_ptr<EventStore> store_;
    std::unordered_map<std::string, std::vector<std::uint64_t>> related_;
};

}  // namespace

std::expected<std::unique_ptr<EventStore>, std::string> with_related_index(
    std::unique_ptr<EventStore> store, const Progress& progress) {
    auto complete = store->related_index_complete();
    if (!complete) {
        return std::unexpected(complete.error().message);
    }
    if (*complete) {
        return store;
    }
    std::unordered_map<std::string, std::vector<std::uint64_t>> related;
    auto read = for_each_related(
        *store,
        [&](std::uint64_t position, std::string id) {
            auto& positions = related[std::move(id)];
            if (positions.empty() || positions.back() != position) {
                positions.push_back(position);
            }
            return true;
        },
        progress);
    if (!read) {
        return std::unexpected(read.error());
    }
    return std::make_unique<RelatedOverlay>(std::move(store), std::move(related));
}

}  // namespace keyledger::engine
