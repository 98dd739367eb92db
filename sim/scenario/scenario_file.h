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

// Reads a scenario: blank lines and lines starting with '#' are skipped; steps must not go back
// in time. An error names the line.
[[nodiscard]] std::expected<std::vector<Step>, std::string> read_scenario(
    const std::filesystem::path& file);
[[nodiscard]] std::expected<void, std::string> write_scenario(const std::filesystem::path& file,
                                                              const std::vector<Step>& steps,
                                                              const std::string& comment = "");

}  // namespace keyledger::sim
