#include "audit/range.h"

#include <algorithm>

#include <string>

namespace keyledger::audit {
namespace {

// The first position whose event was decided at or after t; head + 1 when none was.
Answer<std::uint64_t> first_at_or_after(const eventstore::EventStore& store, std::uint64_t head,
                                        domain::Instant t) {
    std::uint64_t low = 1;
    std::uint64_t high = head + 1;  // the answer lies in [low, high]
    while (low < high) {
        const std::uint64_t middle = low + (high - low) / 2;
        auto event = store.read_at(middle);
        if (!event) {
            return problem(Failure::store, "cannot read event " + std::to_string(middle) + ": " +
                                               event.error().message);
        }
        if (event->at_ms < t) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return low;
}

}  // namespace

Answer<PositionRange> positions_between(const eventstore::EventStore& store,
                                        std::optional<domain::Instant> from,
                                        std::optional<domain::Instant> to) {
    if (from && to && *from >= *to) {
        return problem(Failure::bad_request, "from must lie before to");
    }
    const std::uint64_t head = store.head_position();
    PositionRange range{1, head};
    if (from) {
        auto first = first_at_or_after(store, head, *from);
        if (!first) {
            return std::unexpected(first.error());
        }
        range.first = *first;
    }
    if (to) {
        auto end = first_at_or_after(store, head, *to);
        if (!end) {
            return std::unexpected(end.error());
        }
        range.last = *end - 1;
    }
    return range;
}

Answer<void> for_each_event(
    const eventstore::EventStore& store, const PositionRange& range,
    const std::function<Answer<void>(const eventstore::StoredEvent&)>& visit,
    const std::function<void(std::uint64_t read, std::uint64_t total)>& progress) {
    constexpr std::uint64_t kPage = 10'000;
    const std::uint64_t total = range.empty() ? 0 : range.last - range.first + 1;
    std::uint64_t after = range.first - 1;
    while (after < range.last) {
        const auto limit = static_cast<std::size_t>(std::min(kPage, range.last - after));
        auto page = store.read_all(after, limit);
        if (!page) {
            return problem(Failure::store, page.error().message);
        }
        if (page->empty()) {
            break;
        }
        for (const auto& stored : *page) {
            if (auto visited = visit(stored); !visited) {
                return visited;
            }
        }
        after = page->back().position;
        if (progress) {
            progress(after - range.first + 1, total);
        }
    }
    return {};
}

}  // namespace keyledger::audit
