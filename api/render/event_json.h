#pragma once
// The event feed's JSON (API.md "event" and DOMAIN.md "What gets recorded").
//
// What leaves the store through here is safe to show an auditor: no password hash and no token
// secret hash ever appears, not as text, not as hex, not even as a field name. An event that
// holds one says only whether it is there ("has_password"). Every string in the result is valid
// UTF-8 (invalid bytes in stored text become U+FFFD), so dump() never throws on it.
//
// Thread safety: pure functions, callable from any thread at once.

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/events.h"

namespace keyledger::api::render {

// One line of the event feed:
//   {"position", "stream", "version", "type", "at", "actor", "correlation_id", "data": {...}}
// `type` is domain::event_type, `at` the decision instant in the API's text form (three
// fraction digits), `data` is event_data_json(fact.event).
[[nodiscard]] nlohmann::json event_json(std::uint64_t position, std::string_view stream,
                                        std::uint64_t version, const domain::Fact& fact);

// The "data" object of one event: its fields in snake_case, with
//   - enumerations as their names (domain/types.h to_string), roles as an array of role names
//     in the order user_admin, webhook_admin, auditor (bits that name no role are not shown);
//   - instants in the API's text form; an instant outside what that form can express (a bug
//     upstream, never a decision of ours) is given as its number of milliseconds instead;
//   - digests of bodies as 64 lower-case hex digits;
//   - optional values left out when empty; CallDecided's "request" left out when empty and its
//     refusal given as "outcome": "accepted" or the reason's name;
//   - password and secret hashes left out (UserCreated and PasswordChanged: "has_password").
[[nodiscard]] nlohmann::json event_data_json(const domain::Event& event);

}  // namespace keyledger::api::render
