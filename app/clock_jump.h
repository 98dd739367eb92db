#pragma once
// A system clock far ahead of the log would make every account inactive at once, and whatever
// is recorded at that instant keeps it so (decisions never go back in time): `serve` and the
// operator's commands refuse to record at such an instant unless told the jump is real.

#include <string>

#include "domain/instant.h"
#include "engine/engine.h"

namespace keyledger::app {

// Empty when `now` lies within the store's inactivity window after the last recorded event (or
// the log is empty); otherwise why not, in one sentence without advice.
[[nodiscard]] std::string clock_jump_problem(const engine::Engine& engine, domain::Instant now);

}  // namespace keyledger::app
