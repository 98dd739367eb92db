// Placeholder until the transparency proofs land: the group registers no subcommand yet.
#include "app/commands.h"

namespace keyledger::app {

std::vector<Command> add_audit_proof_commands(CLI::App&) {
    return {};
}

}  // namespace keyledger::app
