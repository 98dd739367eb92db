#pragma once
// Time-dependent rules evaluated on a state at an instant: who is active, which token is
// refused and why, what blocks a deletion. Pure; shared by the decider and the projections.

#include <optional>
#include <string>
#include <vector>

#include "domain/state.h"

namespace keyledger::domain {

enum class AccountStatus { active, inactive, deleted };
std::string_view to_string(AccountStatus);

// The instant the account goes (or went) inactive if nothing else happens.
constexpr Instant inactive_at(const Account& account, Instant window_ms) {
    return account.last_activity_at + window_ms;
}
AccountStatus account_status(const Account&, Instant t, Instant window_ms);

// Neither revoked nor expired at t.
bool token_live(const Token&, Instant t);

// Where a token is presented; `any` checks no webhook (a status read without webhook_id).
struct Target {
    enum class Kind { any, management, webhook } kind = Kind::any;
    // A view: a Target lives only as long as the check it is asked for.
    std::string_view webhook_id;
    static Target any() { return {}; }
    static Target management() { return {Kind::management, {}}; }
    static Target webhook(std::string_view id) { return {Kind::webhook, id}; }
};

// Checks 4 to 8 of AuthenticateCall, in order; empty when the token would be accepted.
std::optional<Reason> token_refusal(const State&, const Token&, const Target&, Instant t);

// Whether the webhook was not uninstalled at or before t. A webhook the state holds no record of
// counts as installed: a past state folded from one entity's events may lack it
// (projections/history_index.h), and it was never uninstalled there.
bool webhook_installed_at(const State&, std::string_view webhook_id, Instant t);

// Whether the token serves the webhook at t (an app token of it, or an API token with an
// accepted call there within the state's window). An uninstalled webhook is served by no token:
// its calls are 404 whatever the credential.
bool token_serves(const State&, const Token&, std::string_view webhook_id, Instant t);
// The webhooks it serves at t, sorted; uninstalled ones left out.
std::vector<std::string> webhooks_served(const State&, const Token&, Instant t);

struct DeleteBlock {
    std::vector<std::string> token_ids;    // sorted
    std::vector<std::string> webhook_ids;  // sorted, unique
    bool empty() const { return token_ids.empty(); }
};
DeleteBlock delete_block(const State&, const Account&, Instant t);

// Live tokens the account owns at t, sorted.
std::vector<std::string> live_token_ids(const State&, const Account&, Instant t);

}  // namespace keyledger::domain
