#pragma once
// One short sentence per recorded fact, for the human-readable output of the audit tools. Never
// mentions a password hash or a token secret hash.

#include <string>

#include "domain/events.h"

namespace keyledger::audit {

[[nodiscard]] std::string describe(const domain::Event& event);

// "accepted" or the refusal reason of a recorded call.
[[nodiscard]] std::string call_outcome(const domain::CallDecided& call);

}  // namespace keyledger::audit
