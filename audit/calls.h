#pragma once
// Every recorded call decision on a webhook in [from, to), for `keyledger audit calls` and
// `GET /v1/audit/calls` alike (same JSON).

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/problem.h"
#include "domain/instant.h"
#include "eventstore/event_store.h"

namespace keyledger::audit {

struct CallsQuestion {
    std::string webhook_id;
    std::optional<domain::Instant> from;  // inclusive
    std::optional<domain::Instant> to;    // exclusive
};

// Called now and then with the number of events read so far and the number to read.
using ReadProgress = std::function<void(std::uint64_t read, std::uint64_t total)>;

// not_found when the log has no such webhook; bad_request when from is not before to.
//
//   {"webhook_id", "from"?, "to"?, "first_position", "last_position", "count", "accepted",
//    "refused", "calls": [{"position", "at", "call_id", "token_id", "owner_id", "outcome",
//    "previous_secret", "body_length", "body_sha256"}, ...]}
//
// The positions searched are those of the range (a binary search on decision instants finds
// them), up to the head when the question was asked.
// TODO(audit): the store indexes no list of calls per webhook, so every event of the range is
// read; a separate index of (webhook, position) written with each call would make this
// O(calls of the webhook).
[[nodiscard]] Answer<nlohmann::json> calls(const eventstore::EventStore& store,
                                           const CallsQuestion& question,
                                           const ReadProgress& progress = {});

}  // namespace keyledger::audit
