// Placeholder until the audit history tools land: the group registers no subcommand yet.
#include "app/commands.h"

namespace keyledger::app {

std::vector<Command> add_audit_history_commands(CLI::App&) { return {}; }

}  // namespace keyledger::app
