#pragma once
// One simulation run: the world produces steps, the model answers each at once (the world reacts
// to that answer), and the engine decides the same steps in group commits; every answer of the
// engine is compared with the model's. Boundary probes are added at every account's inactivity
// instant, every token's expiry and every grace end that falls in the run, one ms before and at
// the instant.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/model/model.h"
#include "sim/scenario/step.h"
#include "sim/world/world.h"

namespace keyledger::sim {

struct RunOptions {
    std::uint64_t seed = 1;
    int days = 30;
    Preset preset;
    Policy policy;
    std::filesystem::path out;  // the store goes to out/store
    bool sync = true;
    model::Flaws flaws;
    std::size_t max_batch_steps = 4096;
    std::int64_t max_batch_span_ms = 3'600'000;  // a batch never spans more simulated time
    // Crash points, as step indices (chosen from the seed by the caller); see faults.h.
    std::vector<std::uint64_t> crash_points;
    bool shrink = true;  // shrink a disagreement to a minimal scenario
    // When set, every step is also written here as a scenario file (replayable exactly).
    std::filesystem::path steps_file;
};

struct Disagreement {
    std::uint64_t index = 0;
    Step step;
    Outcome engine, model;
};

struct FaultRecord {
    std::uint64_t crash_at = 0;         // the step being decided when the process was killed
    std::uint64_t acked_position = 0;   // the last position acknowledged before it
    std::uint64_t head_after = 0;       // the log's head after reopening
    std::uint64_t recovered_steps = 0;  // steps of the lost batch found in the log
    bool acked_intact = false;
    bool rebuild_equal = false;
};

struct RunResult {
    std::uint64_t steps = 0;
    std::uint64_t compared = 0;
    std::uint64_t probes = 0;
    std::uint64_t calls = 0;
    std::uint64_t head_position = 0;
    std::string head_hash;
    std::optional<Disagreement> disagreement;
    std::vector<FaultRecord> faults;
    std::string error;  // the store failed, or a fault check failed
    std::size_t accounts = 0, webhooks = 0;
    std::vector<DayCounts> days;
    std::vector<Incident> incidents;
    std::int64_t start = 0, end = 0;
};

// The simulation's first instant: 2026-01-01T00:00:00.000Z.
inline constexpr std::int64_t kSimStart = 1'767'225'600'000;

// Runs (or, after a crash, resumes) the world in options.out. Returns what was seen; a
// disagreement stops the run and, when options.shrink, writes out/disagreement.jsonl and
// out/disagreement-shrunk.jsonl.
RunResult run_world(const RunOptions& options);

// The steps the world of these options produces, without an engine, up to `last_index`
// (inclusive), with the probes: regenerates the scenario of a disagreement.
std::vector<Step> regenerate_steps(const RunOptions& options, std::uint64_t last_index);

}  // namespace keyledger::sim
