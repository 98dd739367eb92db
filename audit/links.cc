#include "audit/links.h"

#include "engine/history_check.h"

namespace keyledger::audit {

Answer<void> check_links(const eventstore::EventStore& store, std::uint64_t first,
                         std::uint64_t last) {
    const std::uint64_t head = store.head_position();
    if (first == 0 || first > last || last > head) {
        return problem(Failure::store, "events " + std::to_string(first) + " to " +
                                           std::to_string(last) + " are not in the log");
    }
    // One read of first..last and the event after it, if any.
    const std::uint64_t count = last - first + 1 + (last < head ? 1 : 0);
    eventstore::Hash previous{};
    std::uint64_t previous_position = 0;
    std::optional<std::uint64_t> altered;
    auto read = store.for_each_event(
        first - 1, count, eventstore::Hashes::compute, [&](const eventstore::EventView& event) {
            if (previous_position != 0 && event.prev_hash != previous) {
                altered = previous_position;
                return false;
            }
            previous = event.hash;
            previous_position = event.position;
            return true;
        });
    if (!read) {
        return problem(Failure::store, read.error().message);
    }
    if (altered) {
        return problem(Failure::altered, engine::altered_event(*altered));
    }
    if (*read != count) {
        return problem(Failure::store,
                       "the log ends before event " + std::to_string(first - 1 + count));
    }
    if (last == head && previous != store.head_hash()) {
        return problem(Failure::altered, engine::altered_last_event(last));
    }
    return {};
}

Answer<void> check_links(const eventstore::EventStore& store,
                         const std::vector<std::uint64_t>& positions) {
    for (std::size_t i = 0; i < positions.size();) {
        std::size_t j = i;
        while (j + 1 < positions.size() && positions[j + 1] <= positions[j] + 1) {
            ++j;
        }
        if (auto checked = check_links(store, positions[i], positions[j]); !checked) {
            return checked;
        }
        i = j + 1;
    }
    return {};
}

}  // namespace keyledger::audit
