#pragma once
// Subcommand groups of the `keyledger` command. Each group adds its subcommands to the parser and
// returns, for each, what runs when it was chosen; main() runs the one that was parsed.

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace keyledger::app {

struct Command {
    CLI::App* app;
    std::function<int()> run;  // the process exit code
};

// `keyledger audit replay|explain|calls|verify|export` (audit/history_cli.cc).
std::vector<Command> add_audit_history_commands(CLI::App& audit);
// `keyledger audit checkpoint|prove|consistency` (audit/transparency/cli.cc).
std::vector<Command> add_audit_proof_commands(CLI::App& audit);
// `keyledger sim ...` (sim/cli.cc).
std::vector<Command> add_sim_commands(CLI::App& sim);

}  // namespace keyledger::app
