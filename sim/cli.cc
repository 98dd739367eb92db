// Placeholder until the simulation harness lands: the group registers no subcommand yet.
#include "app/commands.h"

namespace keyledger::app {

std::vector<Command> add_sim_commands(CLI::App&) { return {}; }

}  // namespace keyledger::app
