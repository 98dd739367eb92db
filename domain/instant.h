#pragma once
// Instants: the only notion of time in keyledger (DOMAIN.md "Time").
//
// An instant is a count of milliseconds since 1970-01-01T00:00:00.000Z, UTC, with no leap
// seconds: every day is exactly kDayMs long. Pure arithmetic; nothing here reads a clock, a time
// zone or a locale.
//
// Text form (API.md "Conventions"), the only one accepted and produced:
//
//   instant  = date "T" time "Z"
//   date     = 4DIGIT "-" 2DIGIT "-" 2DIGIT      ; a real proleptic Gregorian date, 0000..9999
//   time     = 2DIGIT ":" 2DIGIT ":" 2DIGIT [ "." 1*3DIGIT ]
//                                                ; hours 00-23, minutes and seconds 00-59
//
// "T" and "Z" are upper-case, DIGIT is ASCII 0-9 only, and nothing may precede or follow (no
// whitespace, no offset such as "+00:00"). One to three fraction digits are read as a decimal
// fraction of a second: ".5" is 500 ms, ".05" is 50 ms. Output always carries three.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keyledger::domain {

using Instant = std::int64_t;  // ms since Unix epoch UTC

constexpr Instant kDayMs = 86'400'000;

// The range the text form can express: 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
constexpr Instant kMinTextInstant = -62'167'219'200'000;
constexpr Instant kMaxTextInstant = 253'402'300'799'999;

// Parses the text form above. Returns nullopt for anything else; never throws. A parsed instant
// always lies in [kMinTextInstant, kMaxTextInstant].
[[nodiscard]] std::optional<Instant> parse_instant(std::string_view text);

// Renders `t` in the text form with exactly three fraction digits, e.g.
// "2026-03-02T00:00:00.000Z". Instants before 1970 are handled (floor division).
// Precondition (asserted): kMinTextInstant <= t <= kMaxTextInstant. Outside that range a release
// build still returns a string, but with a year that is not four digits, which parse_instant
// refuses.
[[nodiscard]] std::string format_instant(Instant t);

}  // namespace keyledger::domain
