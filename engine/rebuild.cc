#include "engine/rebuild.h"

#include "engine/engine.h"

namespace keyledger::engine {
namespace {

constexpr std::size_t kChunk = 10'000;
constexpr std::uint64_t kProgressEvery = 100'000;

}  // namespace

std::expected<void, std::string> fold_log(const eventstore::EventStore& store,
                                          projections::ReadModel& model, std::uint64_t upto,
                                          const Progress& progress) {
    std::uint64_t after = model.position();
    std::uint64_t folded = 0;
    // Set once a chunk could not be read: from then on one event a read, so that
    // model.position() + 1 names the event at fault (at most one chunk is read this way).
    bool careful = false;
    while (upto == 0 || after < upto) {
        std::size_t limit = careful ? 1 : kChunk;
        if (upto != 0) {
            limit = static_cast<std::size_t>(std::min<std::uint64_t>(limit, upto - after));
        }
        auto chunk = store.read_all(after, limit);
        if (!chunk && !careful) {
            careful = true;
            continue;
        }
        if (!chunk) {
            return std::unexpected("event " + std::to_string(after + 1) +
                                   " cannot be read: " + chunk.error().message);
        }
        for (const auto& stored : *chunk) {
            auto fact = decode_fact(stored);
            if (!fact) {
                return std::unexpected(fact.error());
            }
            model.apply(stored.position, *fact);
            after = stored.position;
            if (progress && ++folded % kProgressEvery == 0) {
                progress(folded);
            }
        }
        if (chunk->size() < limit) {
            break;
        }
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
