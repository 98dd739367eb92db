#pragma once
// The operator's recovery commands, run on a stopped server's store and recorded with the actor
// `operator`: for when every user_admin has gone inactive or the first secret was lost.

#include <filesystem>
#include <string>

namespace keyledger::app {

// Exit codes: 0 done, 1 refused or failed (one line on stderr). Both record at the system
// clock's instant, and refuse one more than the inactivity window after the last recorded event
// unless `accept_clock_jump` (as `serve` does).
int admin_reactivate(const std::filesystem::path& data_dir, const std::string& username,
                     bool accept_clock_jump);
// Prints the same JSON line as init.
int admin_issue_token(const std::filesystem::path& data_dir, const std::string& username,
                      bool accept_clock_jump);

}  // namespace keyledger::app
