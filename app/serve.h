#pragma once
// `keyledger serve`: the HTTP API over an open store until SIGINT or SIGTERM.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "domain/instant.h"
#include "security/password.h"

namespace keyledger::app {

struct ServeOptions {
    std::filesystem::path data_dir = "data";
    std::string listen = "127.0.0.1:8080";
    bool manual_clock = false;
    std::optional<domain::Instant> start;  // manual clock only
    bool accept_clock_jump = false;
    std::size_t body_limit = 1 << 20;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds body_timeout{30'000};
    int delivery_retention_days = 7;
    security::PasswordCost password_cost = security::PasswordCost::interactive;
    int io_threads = 1;
};

// Returns the process exit code; errors are printed as one line on stderr.
int serve(const ServeOptions& options);

}  // namespace keyledger::app
