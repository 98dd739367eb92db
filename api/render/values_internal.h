#pragma once
// Internal to keyledger_render: how single domain values become JSON values.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/types.h"

namespace keyledger::api::render::detail {

// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD (a
// sequence is valid when it is the shortest form of a scalar value: no surrogates, nothing
// above U+10FFFF). Valid input comes back unchanged.
std::string utf8_or_replaced(std::string_view text);

// 64 lower-case hex digits.
std::string hex(const domain::Digest& digest);

// The API's text form when format_instant can express it, otherwise the raw milliseconds.
nlohmann::json instant_json(domain::Instant t);

// Role names in the order user_admin, webhook_admin, auditor; other bits are not shown.
nlohmann::json roles_json(domain::Roles roles);

}  // namespace keyledger::api::render::detail
