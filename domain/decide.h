#pragma once
// decide(state, command, now): the events a command produces, or why it is refused.
// Pure: no clock, no randomness, no I/O. The caller applies the events with evolve().

#include <optional>
#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/rules.h"
#include "domain/state.h"

namespace keyledger::domain {

struct Refusal {
    Reason reason = Reason::bad_request;
    std::string message;
    std::vector<std::string> token_ids;    // user_has_active_tokens: the blocking tokens
    std::vector<std::string> webhook_ids;  // ... and the webhooks they serve
};

// What to record and what to answer. A refused command may still record events (the
// attempt), and an accepted one may record none (a repeat that changes nothing).
struct Decision {
    std::vector<Event> events;
    std::optional<Refusal> refusal;
    bool accepted() const { return !refusal.has_value(); }
};

// The clock never goes backwards as far as the rules see it.
constexpr Instant decision_instant(const State& state, Instant clock_now) {
    return clock_now > state.last_event_at ? clock_now : state.last_event_at;
}

struct CallDecision {
    enum class Outcome { unknown, refused, accepted } outcome = Outcome::unknown;
    Reason reason = Reason::unknown_token;  // when not accepted
    bool previous_secret = false;
    std::vector<Event> events;  // empty for unknown secrets and for throttled reads

    // The token and its owner: read from the recorded CallDecided when there is one, so that a
    // decision copies each id once.
    std::string_view token_id() const;
    std::string_view owner_id() const;

    // Held only when no event was recorded (a throttled read).
    std::string unrecorded_token_id;
    std::string unrecorded_owner_id;
};

// AuthenticateCall: the first failing check, in DOMAIN.md's order, or acceptance. Takes the
// command by value: its call id and webhook id move into the CallDecided.
CallDecision decide_call(const State&, AuthenticateCall, Instant now);

// A management command by an authenticated caller (or the operator).
Decision decide(const State&, const Caller&, const Command&, const std::optional<BodyError>&,
                Instant now);

// Who may read what; empty when allowed. Read refusals are not recorded.
std::optional<Refusal> authorize_read(const State&, const Caller&, const Read&, Instant now);

// Interactive login. Failures of existing, non-deleted accounts are recorded.
Decision decide_login(const State&, const Login&, Instant now);

}  // namespace keyledger::domain
