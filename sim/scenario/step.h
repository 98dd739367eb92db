#pragma once
// One line of a scenario: a timed command, call or probe, in plain values only. Both the engine
// driver and the independent model read it, so it names nothing from domain/ (the model may not
// include it) and carries secrets and passwords in clear: they are the simulation's own.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keyledger::sim {

// Every operation a scenario can hold; docs/SIMULATION.md describes each one's fields.
enum class Op {
    init,               // StoreCreated, the account `user` (service, every role), its API token
    create_user,        // by, user, username, kind, roles, password?
    change_password,    // by, user, password, old_password?
    login,              // username, password
    reactivate,         // by, user
    delete_user,        // by, user
    install_webhook,    // by, webhook, name, auth, owner?, token, secret
    uninstall_webhook,  // by, webhook
    issue_app_token,    // by, webhook, owner?, token, secret
    issue_api_token,    // by, user, token, name, expires_at?, secret
    revoke_token,       // by, token
    rotate_token,       // by, token, secret, grace_ms
    transfer_token,     // by, token, owner
    call,               // webhook, secret, key?, body?, call_id?: a webhook call
    read,               // by: a management read (GET /v1/users)
    probe_account,      // user: status at `at`, nothing recorded
    probe_token,        // token: validity at `at` (no webhook named), nothing recorded
};

struct Step {
    std::int64_t at = 0;  // ms since the epoch, UTC; steps of a scenario never go back in time
    Op op = Op::call;
    std::string by;  // the secret the acting account presents (management commands and reads)
    std::string user;
    std::string username;
    std::string kind;  // person or service
    std::vector<std::string> roles;
    std::optional<std::string> password;
    std::optional<std::string> old_password;
    std::string webhook;
    std::string name;
    std::string auth;  // bearer or basic
    std::optional<std::string> owner;
    std::string token;
    std::string secret;  // the new secret (issue, install, rotate) or the one presented (call)
    std::optional<std::int64_t> expires_at;
    std::int64_t grace_ms = 24 * 3'600'000;
    std::int64_t window_days = 60;  // init only
    // A webhook call's delivery key (its Idempotency-Key), its body, and the call id the server
    // gives it if accepted (ids are made outside the rules, like the others a step carries).
    std::optional<std::string> key;
    std::string body;
    std::string call_id;
    // What a regression scenario says the answer must be; neither side reads it.
    std::optional<std::string> expect;
};

// What an implementation answered: "accepted" or the reason of the refusal (DOMAIN.md's names,
// plus "not_found" and "webhook_uninstalled" for calls to a webhook that is not there, and
// "idempotency_key_reused"). Probes answer a status ("active", "inactive since <instant>",
// "deleted", "valid", or a reason).
struct Outcome {
    std::string result;
    // DeleteUser refused with user_has_active_tokens: the blocking tokens and the webhooks they
    // serve, each sorted.
    std::vector<std::string> blocking_tokens;
    std::vector<std::string> blocking_webhooks;
    // An accepted call whose step names a call id: the call id of the answer, which for a repeat
    // of a delivery key is the first call's (`replayed`: answered from the idempotency record).
    std::string call_id;
    bool replayed = false;
    bool operator==(const Outcome&) const = default;
};

inline bool is_probe(Op op) {
    return op == Op::probe_account || op == Op::probe_token;
}

}  // namespace keyledger::sim
