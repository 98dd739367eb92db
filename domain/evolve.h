#pragma once
// evolve(state, fact): the state after one recorded fact. Pure and total: a fact that names an
// entity the state does not hold (a partial fold for an as-of question) changes only what it can.

#include "domain/events.h"
#include "domain/state.h"

namespace keyledger::domain {

void evolve(State& state, const Fact& fact);

}  // namespace keyledger::domain
