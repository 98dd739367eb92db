#pragma once
// Why a token was (or would have been) accepted or refused at a point in the history, with the
// chain of recorded facts that decided it, each with its position and instant.
//
// The answer folds only the events of the token, its owners and the webhook asked about (the
// history index names their streams; the store's indexes hold the positions), then applies the pure
// rules of domain/rules.h to that partial state: never a replay of the whole log. The CLI
// (`keyledger audit explain`) and the HTTP route
// (`GET /v1/audit/explain`) both call this, so their JSON is the same.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/problem.h"
#include "domain/instant.h"
#include "eventstore/event_store.h"
#include "projections/read_model.h"

namespace keyledger::audit {

// What the explanation is about: the token (and webhook), where their history lies, and the
// point to evaluate. Cheap to make (no store reads), so the server makes it on its decider
// thread; explain() finds the point and the positions in the store's indexes elsewhere.
struct ExplainPlan {
    std::string token_id;
    std::optional<std::string> webhook_id;
    domain::Instant at = 0;         // the instant the rules are evaluated at
    std::uint64_t position = 0;     // the last position folded
    domain::Instant window_ms = 0;  // the store's inactivity window
    projections::HistorySources sources;
    // Which of `at` and `position` explain() finds from the other: the last position up to
    // `head` decided at or before `at`, or the instant of the event at `position`.
    enum class Find { position, at, nothing };
    Find find = Find::nothing;
    std::uint64_t head = 0;
    // Set only to explain a recorded call: a management request (checked as such), and whether
    // it presented the token's previous secret (check 3, secret_rotated).
    bool management = false;
    bool previous_secret = false;
    // A recorded call was decided by the rules whatever the webhook's state (a call to an
    // uninstalled webhook is not recorded by the server), so its status is never
    // webhook_uninstalled.
    bool recorded_call = false;
};

// As of instant `at`: every event decided at or before it.
[[nodiscard]] ExplainPlan plan_at(const projections::ReadModel& model, domain::Instant window_ms,
                                  std::string token_id, std::optional<std::string> webhook_id,
                                  domain::Instant at);
// At position `position` exactly, evaluated at that event's decision instant (DECISIONS.md 7).
// bad_request for a position past the head; not_found for position 0.
[[nodiscard]] Answer<ExplainPlan> plan_at_position(const projections::ReadModel& model,
                                                   domain::Instant window_ms, std::string token_id,
                                                   std::optional<std::string> webhook_id,
                                                   std::uint64_t position);

// Folds the plan's positions and explains. not_found when the token (or the webhook asked
// about) did not exist at that point.
//
//   {"token_id", "webhook_id"?, "at", "position", "window_days",
//    "status":       "valid", a refusal reason of DOMAIN.md, or "webhook_uninstalled" (a call
//                    to an uninstalled webhook is answered 404 before any credential check),
//    "token_status": "valid" or the first failing check 4 to 8 of AuthenticateCall,
//    "because":      one sentence,
//    "facts": [{"position", "at", "type", "role", "says"}, ...]}  (in position order)
[[nodiscard]] Answer<nlohmann::json> explain(const eventstore::EventStore& store, ExplainPlan plan);

// Explains one recorded CallDecided: what was recorded, what the rules give on the state just
// before it (the facts behind it), and whether the two agree. Finds the call by reading the log
// backwards from the head. not_found for an unknown call id.
//
//   {"call": {...as recorded...}, "recomputed": ..., "agrees": bool, plus explain()'s fields}
[[nodiscard]] Answer<nlohmann::json> explain_call(const eventstore::EventStore& store,
                                                  const projections::ReadModel& model,
                                                  domain::Instant window_ms,
                                                  const std::string& call_id);

}  // namespace keyledger::audit
