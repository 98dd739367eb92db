#include "audit/transparency/log_reader.h"

namespace keyledger::transparency {

std::expected<std::uint64_t, LogReadError> for_each_event_hash(
    const eventstore::EventStore& store, std::uint64_t after_position, std::uint64_t up_to,
    const std::function<void(const Hash&)>& leaf) {
    if (up_to <= after_position) {
        return 0;
    }
    // One pass; the store checks that positions are dense, and lends each event without a copy.
    auto read =
        store.for_each_event(after_position, up_to - after_position, eventstore::Hashes::compute,
                             [&](const eventstore::EventView& event) {
                                 leaf(event.hash);
                                 return true;
                             });
    if (!read) {
        const eventstore::Error& error = read.error();
        return std::unexpected(LogReadError{
            error.position, error.position == 0
                                ? "cannot read the log after position " +
                                      std::to_string(after_position) + ": " + error.message
                                : error.message});
    }
    return *read;
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
