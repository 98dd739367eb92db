// The read side of the RocksDB store's log: by position, by stream, and stream versions.
// Every read may run on any thread, concurrently with the writer.

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "eventstore/detail/errors.h"
#include "eventstore/detail/rocksdb_event_store.h"
#include "eventstore/detail/validation.h"
#include "security/sha256.h"

namespace keyledger::eventstore::detail {
namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

Result<void> check_stream_name(std::string_view stream) {
    if (!is_valid_name(stream)) {
        return fail(ErrorCode::invalid_argument,
                    "a stream name must be non-empty and free of NUL bytes");
    }
    return {};
}

}  // namespace

std::unique_ptr<rocksdb::Iterator> RocksDbEventStore::iterate(
    Family family, const rocksdb::ReadOptions& read) const {
    return std::unique_ptr<rocksdb::Iterator>(
        database_->db().NewIterator(read, database_->family(family)));
}

Result<StoredEvent> RocksDbEventStore::load_event(const rocksdb::ReadOptions& read,
                                                  std::uint64_t position) const {
    std::string envelope;
    rocksdb::Status status = database_->db().Get(read, database_->family(Family::events),
                                                 event_key(position), &envelope);
    if (status.IsNotFound()) {
        return fail(ErrorCode::corruption, fmt::format("event {} is missing", position), position);
    }
    if (!status.ok()) {
        return fail(status, fmt::format("reading event {}", position), position);
    }
    return decode_envelope(position, envelope);
}

Result<std::uint64_t> RocksDbEventStore::for_each_event(std::uint64_t after_position,
                                                        std::uint64_t limit, Hashes hashes,
                                                        const EventVisitor& visit) const {
    std::uint64_t visited = 0;
    if (limit == 0 || after_position == kMaxU64) {
        return visited;
    }

    EnvelopeReader reader;
    std::uint64_t expected = after_position + 1;
    auto it = iterate(Family::events);
    for (it->Seek(event_key(expected)); it->Valid() && visited < limit; it->Next()) {
        // Positions are dense: the next key must be exactly the next position.
        std::optional<std::uint64_t> position = decode_u64(it->key().ToStringView());
        if (position != expected) {
            return fail(ErrorCode::corruption,
                        fmt::format("event {} is missing: the next stored key is {}", expected,
                                    position ? fmt::format("event {}", *position)
                                             : std::string("not a position")),
                        expected);
        }

        const std::string_view bytes = it->value().ToStringView();
        auto event = reader.read(expected, bytes);
        if (!event) {
            return std::unexpected(event.error());
        }
        if (hashes == Hashes::compute) {
            event->hash = security::sha256(bytes);
        }
        ++visited;
        ++expected;
        if (!visit(*event)) {
            return visited;
        }
    }
    if (!it->status().ok()) {
        return fail(it->status(), fmt::format("reading event {}", expected), expected);
    }
    return visited;
}

Result<std::vector<StoredEvent>> RocksDbEventStore::read_all(std::uint64_t after_position,
                                                             std::size_t limit) const {
    std::vector<StoredEvent> events;
    auto read = for_each_event(after_position, limit, Hashes::compute, [&](const EventView& event) {
        events.push_back(to_stored_event(event));
        return true;
    });
    if (!read) {
        return std::unexpected(read.error());
    }
    return events;
}

Result<std::vector<StoredEvent>> RocksDbEventStore::read_stream(std::string_view stream,
                                                                std::uint64_t after_version,
                                                                std::size_t limit) const {
    if (auto valid = check_stream_name(stream); !valid) {
        return std::unexpected(valid.error());
    }
    std::vector<StoredEvent> events;
    if (limit == 0 || after_version == kMaxU64) {
        return events;
    }

    // Events never change once written, so the index and the events need no common snapshot.
    const std::string prefix = stream_prefix(stream);
    const rocksdb::ReadOptions read;
    auto it = iterate(Family::stream_index, read);
    for (it->Seek(stream_key(stream, after_version + 1));
         it->Valid() && it->key().starts_with(prefix) && events.size() < limit; it->Next()) {
        const std::uint64_t version = decode_u64_suffix(it->key().ToStringView()).value_or(0);
        std::optional<std::uint64_t> position = decode_u64(it->value().ToStringView());
        if (!position) {
            return fail(ErrorCode::corruption,
                        fmt::format("the stream index entry of stream '{}' version {} is not a "
                                    "position",
                                    stream, version));
        }

        auto event = load_event(read, *position);
        if (!event) {
            return std::unexpected(event.error());
        }
        if (event->stream != stream || event->version != version) {
            return fail(ErrorCode::corruption,
                        fmt::format("event {}: the stream index lists it as stream '{}' version "
                                    "{}, but it is stream '{}' version {}",
                                    *position, stream, version, event->stream, event->version),
                        *position);
        }
        events.push_back(std::move(*event));
    }
    if (!it->status().ok()) {
        return fail(it->status(), fmt::format("reading the index of stream '{}'", stream));
    }
    return events;
}

Result<StoredEvent> RocksDbEventStore::read_at(std::uint64_t position) const {
    // Read first, judge after: an event that is there can be read even where the head is
    // damaged (read-only opens do not check it).
    auto event = load_event(rocksdb::ReadOptions(), position);
    const std::uint64_t head = head_position();
    if (!event && (position == 0 || position > head)) {
        return fail(
            ErrorCode::invalid_argument,
            fmt::format("there is no event {}: the log holds events 1 to {}", position, head));
    }
    return event;
}

std::uint64_t RocksDbEventStore::stream_version(std::string_view stream) const {
    return read_stream_version(stream).value_or(0);
}

Result<std::uint64_t> RocksDbEventStore::read_stream_version(std::string_view stream) const {
    if (auto valid = check_stream_name(stream); !valid) {
        return std::unexpected(valid.error());
    }

    // A stream's first index key exists exactly when the stream does (events are never deleted).
    // Probing it is a point lookup the family's Bloom filter answers for most tables without a
    // read, where the seek below visits every level: the usual case of an append that starts a
    // stream, and most of what a bulk load of new accounts and tokens did.
    std::string first;
    rocksdb::Status probed =
        database_->db().Get(rocksdb::ReadOptions(), database_->family(Family::stream_index),
                            stream_key(stream, 1), &first);
    if (probed.IsNotFound()) {
        return 0;
    }
    if (!probed.ok()) {
        return fail(probed, fmt::format("reading the version of stream '{}'", stream));
    }

    // The last index key of the stream holds its version.
    const std::string prefix = stream_prefix(stream);
    auto it = iterate(Family::stream_index);
    it->SeekForPrev(stream_key(stream, kMaxU64));
    if (it->Valid() && it->key().starts_with(prefix)) {
        return decode_u64_suffix(it->key().ToStringView()).value_or(0);
    }
    if (!it->status().ok()) {
        return fail(it->status(), fmt::format("reading the version of stream '{}'", stream));
    }
    return 0;
}

Result<std::vector<std::uint64_t>> RocksDbEventStore::positions_under(Family family,
                                                                      std::string_view prefix,
                                                                      std::uint64_t up_to,
                                                                      bool position_in_key,
                                                                      std::string_view what) const {
    std::vector<std::uint64_t> positions;
    auto it = iterate(family);
    // Positions grow along the keys of a prefix, so the first one past up_to ends the list.
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        std::optional<std::uint64_t> position = position_in_key
                                                    ? decode_u64_suffix(it->key().ToStringView())
                                                    : decode_u64(it->value().ToStringView());
        if (!position) {
            return fail(ErrorCode::corruption,
                        fmt::format("an entry of {} is not a position", what));
        }
        if (*position > up_to) {
            break;
        }
        positions.push_back(*position);
    }
    if (!it->status().ok()) {
        return fail(it->status(), fmt::format("reading {}", what));
    }
    return positions;
}

Result<std::vector<std::uint64_t>> RocksDbEventStore::stream_positions(std::string_view stream,
                                                                       std::uint64_t up_to) const {
    if (auto valid = check_stream_name(stream); !valid) {
        return std::unexpected(valid.error());
    }
    return positions_under(Family::stream_index, stream_prefix(stream), up_to, false,
                           fmt::format("the index of stream '{}'", stream));
}

Result<std::vector<std::uint64_t>> RocksDbEventStore::related_positions(std::string_view id,
                                                                        std::uint64_t up_to) const {
    if (std::string problem = related_id_problem(id); !problem.empty()) {
        return fail(ErrorCode::invalid_argument, problem);
    }
    if (database_->family(Family::related_index) == nullptr) {
        return fail(ErrorCode::not_a_store,
                    "this store was written before the related index existed and is open "
                    "read-only: start the server on it once to build the index");
    }
    return positions_under(Family::related_index, stream_prefix(id), up_to, true,
                           fmt::format("the related index of '{}'", id));
}

Result<std::int64_t> RocksDbEventStore::decided_at(std::uint64_t position) const {
    std::string envelope;
    rocksdb::Status status = database_->db().Get(
        rocksdb::ReadOptions(), database_->family(Family::events), event_key(position), &envelope);
    if (status.IsNotFound()) {
        return fail(ErrorCode::corruption, fmt::format("event {} is missing", position), position);
    }
    if (!status.ok()) {
        return fail(status, fmt::format("reading event {}", position), position);
    }
    EnvelopeReader reader;
    auto event = reader.read(position, envelope);
    if (!event) {
        return std::unexpected(event.error());
    }
    return event->at_ms;
}

Result<std::uint64_t> RocksDbEventStore::position_at(std::int64_t at_ms,
                                                     std::uint64_t up_to) const {
    // Invariant: every position in 1..low was decided at or before at_ms, every one in
    // high+1..up_to after it.
    std::uint64_t low = 0;
    std::uint64_t high = std::min(up_to, head_position());
    while (low < high) {
        const std::uint64_t middle = low + (high - low + 1) / 2;
        auto at = decided_at(middle);
        if (!at) {
            return std::unexpected(at.error());
        }
        if (*at <= at_ms) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    return low;
}

}  // namespace keyledger::eventstore::detail
