#pragma once
// `keyledger serve`: the HTTP API over an open store until SIGINT or SIGTERM.

#include <chrono>
#include <cstdint>
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
    // Open connections at most; the file-descriptor soft limit is raised to fit them at start.
    std::size_t max_connections = 10'000;
    // Failed authentications per client address, and refusals per genuine token, per window.
    std::uint32_t auth_failure_limit = 20;
    std::chrono::milliseconds auth_failure_window{60'000};
    std::uint32_t token_refusal_limit = 1000;
    std::chrono::milliseconds token_refusal_window{60'000};
    std::size_t rate_limit_keys = 100'000;  // addresses (and tokens) each limiter holds at most
    std::optional<std::string> trusted_proxy;
    // HTTPS with this certificate chain and key (PEM files); both or neither.
    std::string tls_cert;
    std::string tls_key;
};

// Returns the process exit code; errors are printed as one line on stderr.
int serve(const ServeOptions& options);

}  // namespace keyledger::app
