#pragma once
// Instants to positions. Decision instants never decrease along the log, so the events of a time
// range are one run of positions, found by binary search with O(log n) point reads.

#include <cstdint>
#include <functional>
#include <optional>

#include "audit/problem.h"
#include "domain/instant.h"
#include "eventstore/event_store.h"

namespace keyledger::audit {

// Positions first..last inclusive; empty when first > last.
struct PositionRange {
    std::uint64_t first = 1;
    std::uint64_t last = 0;
    bool empty() const { return first > last; }
};

// The events decided in [from, to) (either end open when not given), among positions
// 1..store.head_position().
[[nodiscard]] Answer<PositionRange> positions_between(const eventstore::EventStore& store,
                                                      std::optional<domain::Instant> from,
                                                      std::optional<domain::Instant> to);

// Calls `visit` with every event of `range` in position order, reading a page at a time, and
// `progress(read, total)` after each page. A read error, or a problem `visit` returns, ends it.
[[nodiscard]] Answer<void> for_each_event(
    const eventstore::EventStore& store, const PositionRange& range,
    const std::function<Answer<void>(const eventstore::StoredEvent&)>& visit,
    const std::function<void(std::uint64_t read, std::uint64_t total)>& progress);

}  // namespace keyledger::audit
