#pragma once
// evolve(state, fact): the state after one recorded fact. Pure and total: a fact that names an
// entity the state does not hold (a partial fold for an as-of question) changes only what it can.

#include "domain/events.h"
#include "domain/state.h"

namespace keyledger::domain {

void evolve(State& state, const Fact& fact);
// The same, for an event recorded at `at`: the rules read nothing else of a fact, and the decider
// applies what it records without copying it into one.
void evolve(State& state, Instant at, const Event& event);

}  // namespace keyledger::domain
