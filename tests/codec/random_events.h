#pragma once
// Seeded generators of events for the codec and render tests.

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "domain/events.h"

namespace keyledger::testing {

using Rng = std::mt19937_64;

struct RandomOptions {
    // Strings may hold any byte (NUL and invalid UTF-8 included); otherwise printable ASCII.
    bool any_bytes = true;
    // Instants drawn from the whole int64 range; otherwise from what format_instant expresses.
    bool any_instant = true;
};

// Every alternative of domain::Event, each with every field filled at random and each optional
// set or empty with equal odds.
domain::Event random_event(Rng& rng, std::size_t alternative, const RandomOptions& options = {});
domain::Event random_event(Rng& rng, const RandomOptions& options = {});

// One event of each alternative, default-constructed, in variant order.
std::vector<domain::Event> default_events();

std::string random_bytes(Rng& rng, std::size_t size);

}  // namespace keyledger::testing
