#pragma once
// Random command sequences with random clock steps, decided through the real engine the way the
// API does it: authenticate, then decide, recording whatever the rules say is recorded.

#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace keyledger::testing {

using domain::Instant;

struct StoryConfig {
    int steps = 40;
    Instant max_step_ms = 20 * domain::kDayMs;
};

class RandomStory {
  public:
    RandomStory(std::uint64_t seed, engine::ManualClock& clock) : rng_(seed), clock_(clock) {}

    // The first events: the store, an admin and its token, decided by the operator.
    void bootstrap(engine::Engine& engine, Instant window_ms);
    // One random step: maybe move the clock, then one random command or call.
    void step(engine::Engine& engine);

  private:
    std::string pick(const std::vector<std::string>& from);
    domain::Digest secret_of(const std::string& name);
    void command(engine::Transaction& tx);
    void call(engine::Transaction& tx);

    std::mt19937_64 rng_;
    engine::ManualClock& clock_;
    int next_ = 0;
    std::vector<std::string> users_;
    std::vector<std::string> tokens_;
    std::vector<std::string> secrets_;  // every secret ever issued, current or rotated
    std::vector<std::string> webhooks_;
};

}  // namespace keyledger::testing
