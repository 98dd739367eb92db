#include "audit/transparency/log_reader.h"

#include <algorithm>

namespace keyledger::transparency {
namespace {

// Events per read_all call: large enough to amortise the iterator, small enough to bound memory
// (payloads are read along with the hashes).
constexpr std::uint64_t kBatch = 1024;

}  // namespace

std::expected<std::uint64_t, LogReadError> for_each_event_hash(
    const eventstore::EventStore& store, std::uint64_t after_position, std::uint64_t up_to,
    const std::function<void(const Hash&)>& leaf) {
    std::uint64_t position = after_position;
    while (position < up_to) {
        const std::uint64_t want = std::min(kBatch, up_to - position);
        auto events = store.read_all(position, static_cast<std::size_t>(want));
        if (!events) {
            return std::unexpected(
                LogReadError{events.error().position, events.error().position == 0
                                                          ? "cannot read the log after position " +
                                                                std::to_string(position) + ": " +
                                                                events.error().message
                                                          : events.error().message});
        }
        if (events->empty()) {
            break;
        }
        for (const auto& event : *events) {
            if (event.position != position + 1) {
                return std::unexpected(
                    LogReadError{position + 1, "position " + std::to_string(position + 1) +
                                                   " is missing: the next event stored is " +
                                                   std::to_string(event.position)});
            }
            leaf(event.hash);
            ++position;
        }
    }
    return position - after_position;
}

std::expected<MerkleTree, LogReadError> read_log_tree(const eventstore::EventStore& store,
                                                      std::uint64_t up_to) {
    MerkleTree tree;
    auto read = for_each_event_hash(store, 0, up_to, [&](const Hash& hash) { tree.append(hash); });
    if (!read) {
        return std::unexpected(read.error());
    }
    return tree;
}

}  // namespace keyledger::transparency
