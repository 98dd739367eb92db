#pragma once
// Crash faults: the run goes on in a child process that is killed with SIGKILL at the crash
// points (while a batch is being decided, before it is written); the parent starts the next child,
// which reopens the store, checks that nothing acknowledged was lost and that the projections
// equal a rebuild, and continues where the log ends.

#include <cstdint>
#include <functional>
#include <vector>

namespace keyledger::sim {

// `count` crash points, as step indices, spread from the seed.
std::vector<std::uint64_t> crash_points(std::uint64_t seed, int count);

// Runs `segment` in child processes until one ends without being killed by SIGKILL; returns its
// exit code. Gives up (exit code 1) after `max_kills` kills.
int run_in_children(const std::function<int()>& segment, int max_kills);

}  // namespace keyledger::sim
