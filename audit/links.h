#pragma once
// The hash chain around the events an auditor's answer folds. An event's own hash can only be
// judged by what comes after it: the next event's prev_hash, or the stored head for the last
// one. A filtered replay folds scattered events, so each is checked against its successor before
// the answer is given.

#include <cstdint>
#include <vector>

#include "audit/problem.h"
#include "eventstore/event_store.h"

namespace keyledger::audit {

// Checks events first..last (1 <= first <= last <= head): each one's hash against the prev_hash
// of the event after it, and the last event of the log against the stored head. A broken link is
// a store problem naming the altered event, in the words start-up and the history check use.
[[nodiscard]] Answer<void> check_links(const eventstore::EventStore& store, std::uint64_t first,
                                       std::uint64_t last);

// The same for each of `positions` (ascending), reading runs of neighbours together.
[[nodiscard]] Answer<void> check_links(const eventstore::EventStore& store,
                                       const std::vector<std::uint64_t>& positions);

}  // namespace keyledger::audit
