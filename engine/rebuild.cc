#include "engine/rebuild.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "domain/codec/codec.h"
#include "engine/engine.h"
#include "engine/history_check.h"

namespace keyledger::engine {
namespace {

constexpr std::uint64_t kProgressEvery = 100'000;

// Decodes the lent event into `fact`, reusing its strings' buffers: a replay decodes millions of
// events, and two of a fact's allocations (actor, correlation id) go away this way.
std::expected<void, std::string> decode_into(const eventstore::EventView& stored,
                                             domain::Fact& fact) {
    auto event = domain::codec::decode(stored.type, stored.payload);
    if (!event) {
        return std::unexpected("event " + std::to_string(stored.position) + " (" +
                               std::string(stored.type) + ") cannot be decoded: " + event.error());
    }
    fact.at = stored.at_ms;
    fact.actor.assign(stored.actor);
    fact.correlation_id.assign(stored.correlation_id);
    fact.event = std::move(*event);
    return {};
}

// The plain fold: each event lent, decoded and folded in turn, no hashes, no copies.
std::expected<void, std::string> fold(const eventstore::EventStore& store,
                                      projections::ReadModel& model, std::uint64_t upto,
                                      const Progress& progress) {
    const std::uint64_t after = model.position();
    if (upto != 0 && upto <= after) {
        return {};
    }
    const std::uint64_t limit = upto == 0 ? UINT64_MAX : upto - after;
    std::uint64_t folded = 0;
    std::string failure;
    domain::Fact fact;
    auto read = store.for_each_event(after, limit, eventstore::Hashes::skip,
                                     [&](const eventstore::EventView& stored) {
                                         if (auto decoded = decode_into(stored, fact); !decoded) {
                                             failure = std::move(decoded.error());
                                             return false;
                                         }
                                         model.apply(stored.position, fact);
                                         if (progress && ++folded % kProgressEvery == 0) {
                                             progress(folded);
                                         }
                                         return true;
                                     });
    if (!read) {
        // Every event before the one at fault was folded.
        return std::unexpected("event " + std::to_string(model.position() + 1) +
                               " cannot be read: " + read.error().message);
    }
    if (!failure.empty()) {
        return std::unexpected(failure);
    }
    if (upto != 0 && model.position() < upto) {
        return std::unexpected("the log ends at position " + std::to_string(model.position()) +
                               ", before position " + std::to_string(upto));
    }
    if (progress) {
        progress(folded);
    }
    return {};
}

}  // namespace

std::expected<void, std::string> fold_log(const eventstore::EventStore& store,
                                          projections::ReadModel& model, std::uint64_t upto,
                                          const Progress& progress) {
    return fold(store, model, upto, progress);
}

std::expected<void, std::string> fold_log_linked(const eventstore::EventStore& store,
                                                 projections::ReadModel& model,
                                                 const eventstore::Hash& anchor,
                                                 const Progress& progress) {
    // An event's own hash can only be judged by what comes after it (the next event's prev_hash,
    // or for the last one the stored head), so each event is held back, decoded, until its
    // successor vouches for it: nothing unchecked is folded.
    const std::uint64_t after = model.position();
    const eventstore::Hash head_hash = store.head_hash();
    eventstore::Hash last = anchor;
    std::uint64_t last_position = after;
    domain::Fact held;  // the last event read, not yet vouched for
    bool holding = false;
    domain::Fact fact;
    std::uint64_t folded = 0;
    std::string failure;
    auto read = store.for_each_event(after, UINT64_MAX, eventstore::Hashes::compute,
                                     [&](const eventstore::EventView& stored) {
                                         if (stored.prev_hash != last) {
                                             failure = altered_event(last_position);
                                             return false;
                                         }
                                         if (auto decoded = decode_into(stored, fact); !decoded) {
                                             failure = std::move(decoded.error());
                                             return false;
                                         }
                                         if (holding) {
                                             model.apply(last_position, held);
                                             if (progress && ++folded % kProgressEvery == 0) {
                                                 progress(folded);
                                             }
                                         }
                                         std::swap(held, fact);
                                         holding = true;
                                         last = stored.hash;
                                         last_position = stored.position;
                                         return true;
                                     });
    if (!read) {
        return std::unexpected("event " + std::to_string(last_position + 1) +
                               " cannot be read: " + read.error().message);
    }
    if (!failure.empty()) {
        return std::unexpected(failure);
    }
    if (last_position != 0 && last != head_hash) {
        return std::unexpected(altered_last_event(last_position));
    }
    if (holding) {
        model.apply(last_position, held);
        ++folded;
    }
    if (progress) {
        progress(folded);
    }
    return {};
}

std::expected<projections::ReadModel, std::string> rebuild(const eventstore::EventStore& store,
                                                           std::uint64_t upto,
                                                           const Progress& progress) {
    projections::ReadModel model;
    if (auto folded = fold_log(store, model, upto, progress); !folded) {
        return std::unexpected(folded.error());
    }
    return model;
}

std::expected<std::optional<projections::Snapshot>, std::string> load_snapshot(
    const eventstore::EventStore& store) {
    auto bytes = store.get_meta(projections::kSnapshotMetaKey);
    if (!bytes) {
        return std::unexpected("cannot read the snapshot: " + bytes.error().message);
    }
    if (!*bytes) {
        return std::nullopt;
    }
    auto snapshot = projections::decode_snapshot(**bytes);
    if (!snapshot) {
        return std::unexpected(snapshot.error());
    }
    const std::uint64_t position = snapshot->model.position();
    if (position == 0) {
        return std::unexpected("snapshot is at position 0");
    }
    if (position > store.head_position()) {
        return std::unexpected("snapshot is at position " + std::to_string(position) +
                               " but the log ends at " + std::to_string(store.head_position()));
    }
    auto stored = store.read_at(position);
    if (!stored) {
        return std::unexpected("cannot read event " + std::to_string(position) +
                               " to check the snapshot: " + stored.error().message);
    }
    if (stored->hash != snapshot->event_hash) {
        return std::unexpected("snapshot was taken at a different event " +
                               std::to_string(position) + " than the log holds now");
    }
    return std::move(*snapshot);
}

}  // namespace keyledger::engine
