#pragma once
// Replaying a scenario on a fresh engine and a fresh model, and shrinking a scenario on which
// they disagree to a minimal one that still disagrees (delta debugging).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/model/model.h"
#include "sim/scenario/step.h"

namespace keyledger::sim {

struct ReplayResult {
    std::vector<Outcome> engine;
    std::vector<Outcome> model;
    std::optional<std::size_t> first_disagreement;
    std::string error;  // the store could not be created or written
    std::uint64_t head_position = 0;
    std::string head_hash;
};

// Decides every step on a new store in `dir` (created) and on a new model with `flaws`.
ReplayResult replay_steps(const std::vector<Step>& steps, const model::Flaws& flaws,
                          const std::filesystem::path& dir, bool sync);

struct ShrinkStats {
    std::size_t tests = 0;
};

// A 1-minimal subsequence of `steps` on which engine and model still disagree: removing any one
// more chunk makes them agree (ddmin over the steps, after cutting after the first disagreement).
// `steps` must disagree. Each test replays on a fresh store in a directory under `scratch`.
std::vector<Step> shrink(const std::vector<Step>& steps, const model::Flaws& flaws,
                         const std::filesystem::path& scratch, ShrinkStats* stats = nullptr,
                         std::size_t max_tests = 3000);

}  // namespace keyledger::sim
