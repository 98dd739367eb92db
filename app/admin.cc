#include "app/admin.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "app/clock_jump.h"
#include "app/data_dir.h"
#include "domain/decide.h"
#include "security/random.h"
#include "security/token_secret.h"

namespace keyledger::app {
namespace {

int fail(std::string_view command, const std::string& message) {
    std::cerr << "keyledger admin " << command << ": " << message << "\n";
    return 1;
}

// Decides one operator command on the store and records it; the refusal's message otherwise.
std::expected<void, std::string> run_operator(
    engine::Engine& engine, const std::function<domain::Command(const domain::State&)>& make) {
    std::string refusal;
    const std::string correlation = security::new_id("req");
    const bool durable = engine.run_now([&](engine::Transaction& tx) {
        domain::Command command = make(tx.state());
        auto decision = domain::decide(tx.state(), domain::Caller::operator_console(), command,
                                       std::nullopt, tx.now());
        if (!decision.accepted()) {
            refusal =
                std::string(to_string(decision.refusal->reason)) + ": " + decision.refusal->message;
            return;
        }
        tx.record_all(decision.events, domain::kOperatorActor, correlation);
    });
    if (!refusal.empty()) {
        return std::unexpected(refusal);
    }
    if (!durable) {
        return std::unexpected("the store refused the write");
    }
    return {};
}

std::string find_user(const engine::Engine& engine, const std::string& username,
                      engine::Engine& mutable_engine) {
    (void)engine;
    std::string id;
    (void)mutable_engine.run_now([&](engine::Transaction& tx) {
        if (const auto* account = tx.state().account_by_name(username)) {
            id = account->id;
        }
    });
    return id;
}

}  // namespace

int admin_reactivate(const std::filesystem::path& data_dir, const std::string& username,
                     bool accept_clock_jump) {
    engine::SystemClock clock;
    auto opened = open_data_dir(data_dir, clock, {});
    if (!opened) {
        return fail("reactivate", opened.error());
    }
    if (auto jump = clock_jump_problem(*opened->engine, clock.now());
        !jump.empty() && !accept_clock_jump) {
        return fail("reactivate", jump +
                                      "; if the jump is real, run again with "
                                      "--accept-clock-jump");
    }
    const std::string id = find_user(*opened->engine, username, *opened->engine);
    if (id.empty()) {
        return fail("reactivate", "no account named " + username);
    }
    auto done = run_operator(*opened->engine, [&](const domain::State&) {
        return domain::Command{domain::ReactivateUser{id}};
    });
    if (!done) {
        return fail("reactivate", done.error());
    }
    std::cout
        << nlohmann::json{{"user_id", id}, {"username", username}, {"status", "active"}}.dump()
        << std::endl;
    return 0;
}

int admin_issue_token(const std::filesystem::path& data_dir, const std::string& username,
                      bool accept_clock_jump) {
    engine::SystemClock clock;
    auto opened = open_data_dir(data_dir, clock, {});
    if (!opened) {
        return fail("issue-token", opened.error());
    }
    if (auto jump = clock_jump_problem(*opened->engine, clock.now());
        !jump.empty() && !accept_clock_jump) {
        return fail("issue-token", jump +
                                       "; if the jump is real, run again with "
                                       "--accept-clock-jump");
    }
    const std::string id = find_user(*opened->engine, username, *opened->engine);
    if (id.empty()) {
        return fail("issue-token", "no account named " + username);
    }
    const std::string token_id = security::new_id("tok");
    const std::string secret = security::make_token_secret(security::TokenKind::api);
    auto done = run_operator(*opened->engine, [&](const domain::State&) {
        return domain::Command{domain::IssueApiToken{id, token_id, "issued by the operator",
                                                     std::nullopt, opened->hasher.hash(secret)}};
    });
    if (!done) {
        return fail("issue-token", done.error() + " (run keyledger admin reactivate first?)");
    }
    std::cout << nlohmann::json{{"user_id", id}, {"token_id", token_id}, {"secret", secret}}.dump()
              << std::endl;
    return 0;
}

}  // namespace keyledger::app
