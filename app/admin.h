#pragma once
// The operator's recovery commands, run on a stopped server's store and recorded with the actor
// `operator`: for when every user_admin has gone inactive or the first secret was lost.

#include <filesystem>
#include <string>

namespace keyledger::app {

// Exit codes: 0 done, 1 refused or failed (one line on stderr).
int admin_reactivate(const std::filesystem::path& data_dir, const std::string& username);
// Prints the same JSON line as init.
int admin_issue_token(const std::filesystem::path& data_dir, const std::string& username);

}  // namespace keyledger::app
