#pragma once
// Runs `keyledger sim ...` in process: the same subcommands main() registers, without the rest
// of the binary.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace keyledger::testing {

inline int run_sim(std::vector<std::string> args) {
    CLI::App cli{"keyledger"};
    auto* sim = cli.add_subcommand("sim", "simulation");
    sim->require_subcommand(1);
    std::vector<app::Command> commands = app::add_sim_commands(*sim);
    args.insert(args.begin(), "sim");
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    try {
        cli.parse(args);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    for (const auto& command : commands) {
        if (command.app->parsed()) {
            return command.run();
        }
    }
    return -1;
}

}  // namespace keyledger::testing
