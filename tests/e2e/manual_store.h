#pragma once
// The start most end-to-end fixtures share: `keyledger init` at a fixed instant, then the real
// server on that store with a manual clock starting there (and the cheapest password hashing).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/api_client.h"
#include "tests/e2e/server_process.h"

namespace keyledger::testing {

// The first admin that init prints.
struct FirstAdmin {
    std::string user_id;
    std::string token_id;
    std::string secret;
};

// Inits the store in `data_dir` at `start` and starts a server on it; fails the test (fatally)
// if either does not work.
inline void init_and_serve(const std::string& data_dir, const char* start, FirstAdmin& admin,
                           std::unique_ptr<ServerProcess>& server,
                           std::unique_ptr<ApiClient>& api) {
    auto init = run_keyledger({"init", "--data-dir", data_dir, "--at", start});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    Json first = Json::parse(init.out);
    admin = FirstAdmin{first.at("user_id"), first.at("token_id"), first.at("secret")};
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--data-dir", data_dir, "--clock", "manual", "--start", start,
                                 "--password-cost", "minimal"});
    ASSERT_TRUE(server->started()) << server->startup_error();
    api = std::make_unique<ApiClient>(server->port());
}

}  // namespace keyledger::testing
