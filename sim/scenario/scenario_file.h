#pragma once
// Scenario files: JSON Lines, one timed step a line (docs/SIMULATION.md has the format), and the
// outcomes of a replay.

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/step.h"

namespace keyledger::sim {

std::string_view op_name(Op op);
[[nodiscard]] std::optional<Op> parse_op(std::string_view name);

// One line of JSON, with only the fields the step's operation uses.
[[nodiscard]] std::string step_to_json(const Step& step);
// An error names the field that is wrong.
[[nodiscard]] std::expected<Step, std::string> step_from_json(std::string_view line);

[[nodiscard]] std::string outcome_to_json(const Outcome& outcome);
[[nodiscard]] std::expected<Outcome, std::string> outcome_from_json(std::string_view line);

struct ScenarioError {
    std::string message;      // names the file and, for a line that is wrong, the line
    bool unreadable = false;  // the file could not be read at all (else: it is not a scenario)
};

// Reads a scenario: blank lines and lines starting with '#' are skipped. Refused, naming the
// line: a line that is not a step, a field the operation does not take or one it needs, a value
// outside its set, a step that goes back in time, a first step other than init or a second init,
// and an id or secret given out twice (accounts, webhooks, tokens, call ids, secrets).
[[nodiscard]] std::expected<std::vector<Step>, ScenarioError> read_scenario(
    const std::filesystem::path& file);
[[nodiscard]] std::expected<void, std::string> write_scenario(const std::filesystem::path& file,
                                                              const std::vector<Step>& steps,
                                                              const std::string& comment = "");

}  // namespace keyledger::sim
