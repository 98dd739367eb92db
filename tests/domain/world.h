#pragma once
// A small harness for rule tests: a state, a manual instant, and helpers that decide and apply
// commands the way the engine does, without any I/O.

#include <string>

#include "domain/decide.h"
#include "domain/evolve.h"

namespace keyledger::testing {

using namespace domain;

constexpr Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

inline Digest digest_of(std::string_view text) {
    Digest d{};
    for (std::size_t i = 0; i < text.size() && i < d.size(); ++i) {
        d[i] = static_cast<std::uint8_t>(text[i]);
    }
    d[31] = static_cast<std::uint8_t>(text.size());
    return d;
}

class World {
  public:
    explicit World(Instant window_ms = kDefaultWindowMs) {
        apply({StoreCreated{window_ms, "store"}}, "operator");
        admin =
            create("admin", AccountKind::service,
                   static_cast<Roles>(Role::user_admin) | static_cast<Roles>(Role::webhook_admin) |
                       static_cast<Roles>(Role::auditor),
                   Caller::operator_console());
        admin_token = issue_api(admin, Caller::operator_console());
    }

    Instant now = kStart;
    State state;
    std::string admin;
    std::string admin_token;
    int next_id = 0;

    Caller as(const std::string& account) const { return Caller{account, ""}; }
    Caller as_admin() const { return Caller{admin, admin_token}; }

    void apply(const std::vector<Event>& events, const std::string& actor) {
        for (const auto& event : events) {
            evolve(state, Fact{decision_instant(state, now), actor, "corr", event});
        }
    }

    Decision run(const Caller& caller, const Command& command,
                 const std::optional<BodyError>& body_error = std::nullopt) {
        const Instant t = decision_instant(state, now);
        Decision decision = decide(state, caller, command, body_error, t);
        apply(decision.events, caller.is_operator() ? "operator" : caller.account_id);
        return decision;
    }

    std::string fresh(const char* prefix) {
        return std::string(prefix) + std::to_string(next_id++);
    }

    std::string create(const std::string& username, AccountKind kind, Roles roles,
                       const Caller& caller) {
        const std::string id = fresh("usr_");
        Decision d = run(caller, CreateUser{id, username, kind, roles, "pwhash-" + username});
        return d.accepted() ? id : std::string();
    }
    std::string create_person(const std::string& username, Roles roles = 0) {
        return create(username, AccountKind::person, roles, as_admin());
    }

    // The secret "text" of a token is its id, so digest_of(id) presents it.
    std::string issue_api(const std::string& owner, const Caller& caller,
                          std::optional<Instant> expires = std::nullopt) {
        const std::string id = fresh("tok_");
        Decision d = run(caller, IssueApiToken{owner, id, "t", expires, digest_of(id)});
        return d.accepted() ? id : std::string();
    }

    struct Installed {
        std::string webhook;
        std::string token;
    };
    Installed install(const Caller& caller, std::optional<std::string> owner = std::nullopt,
                      WebhookAuth auth = WebhookAuth::bearer) {
        Installed out{fresh("whk_"), fresh("tok_")};
        Decision d = run(caller, InstallWebhook{out.webhook, "hook", auth, owner, out.token,
                                                digest_of(out.token)});
        if (!d.accepted()) {
            return {};
        }
        return out;
    }

    CallDecision call(const std::string& secret_text, const std::string& webhook,
                      bool read = false) {
        AuthenticateCall call;
        call.call_id = fresh("call_");
        call.secret.secret_hash = digest_of(secret_text);
        call.webhook_id = webhook;
        call.request = webhook.empty() ? "GET /v1/users" : "";
        call.is_read = read;
        const Instant t = decision_instant(state, now);
        CallDecision d = decide_call(state, call, t);
        apply(d.events, std::string(d.owner_id()));
        return d;
    }

    const Account& account(const std::string& id) const { return *state.account(id); }
    const Token& token(const std::string& id) const { return *state.token(id); }
    std::string owner_of(const std::string& token_id) const {
        return std::string(state.owner_id(token(token_id)));
    }
    AccountStatus status(const std::string& id) const {
        return account_status(account(id), decision_instant(state, now), state.window_ms);
    }
};

}  // namespace keyledger::testing
