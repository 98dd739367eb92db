#include "domain/decide.h"

#include <algorithm>
#include <expected>

namespace keyledger::domain {
namespace {

// Refusing a command records the attempt, unless the operator made it at the console.
Decision refuse(const Caller& caller, std::string_view command, Reason reason, std::string message,
                std::string subject_id, std::vector<std::string> token_ids = {},
                std::vector<std::string> webhook_ids = {}) {
    Decision decision;
    if (!caller.is_operator()) {
        decision.events.push_back(CommandRefused{std::string(command), reason,
                                                 std::move(subject_id), token_ids, webhook_ids});
    }
    decision.refusal =
        Refusal{reason, std::move(message), std::move(token_ids), std::move(webhook_ids)};
    return decision;
}

Decision accept(std::vector<Event> events) {
    return Decision{std::move(events), std::nullopt};
}

Roles caller_roles(const State& state, const Caller& caller) {
    if (caller.is_operator()) {
        return static_cast<Roles>(Role::user_admin);
    }
    const Account* account = state.account(caller.account_id);
    return account == nullptr ? 0 : account->roles;
}

bool caller_has(const State& state, const Caller& caller, Role role) {
    return has_role(caller_roles(state, caller), role);
}

bool is_active(const State& state, const Account& account, Instant now) {
    return account_status(account, now, state.window_ms) == AccountStatus::active;
}

std::string role_message(Role role) {
    return "this needs the role " + std::string(to_string(role));
}

// Shared by every command: the steps API.md orders as 403 (route role), 404 (path id), 400.
class Checks {
  public:
    Checks(const State& state, const Caller& caller, const Command& command,
           const std::optional<BodyError>& body_error)
        : state_(state), caller_(caller), name_(command_name(command)), body_error_(body_error) {}

    std::optional<Decision> need_role(Role role, std::string_view subject) const {
        if (caller_has(state_, caller_, role)) {
            return std::nullopt;
        }
        return refuse(Reason::missing_role, role_message(role), subject);
    }
    std::optional<Decision> body() const {
        if (!body_error_) {
            return std::nullopt;
        }
        return refuse(body_error_->reason, body_error_->message, "");
    }
    Decision refuse(Reason reason, std::string message, std::string_view subject,
                    std::vector<std::string> tokens = {},
                    std::vector<std::string> webhooks = {}) const {
        return domain::refuse(caller_, name_, reason, std::move(message), std::string(subject),
                              std::move(tokens), std::move(webhooks));
    }
    Decision not_found(std::string_view what, std::string_view id) const {
        return refuse(Reason::not_found, "no " + std::string(what) + " " + std::string(id), id);
    }
    bool caller_is(std::string_view account_id) const {
        return !caller_.is_operator() && caller_.account_id == account_id;
    }
    const Caller& caller() const { return caller_; }

  private:
    const State& state_;
    const Caller& caller_;
    std::string_view name_;
    const std::optional<BodyError>& body_error_;
};

// The owner a new or moved token goes to must be active and not deleted.
std::optional<Decision> check_new_owner(const State& state, const Checks& checks,
                                        const Account& owner, Instant now) {
    if (!is_active(state, owner, now)) {
        return checks.refuse(
            Reason::owner_not_active,
            "tokens go only to an active account; " + owner.username + " is " +
                std::string(to_string(account_status(owner, now, state.window_ms))),
            owner.id);
    }
    return std::nullopt;
}

// The account with this id, or the 404 that names it.
std::expected<const Account*, Decision> existing_account(const State& state, const Checks& checks,
                                                         const std::string& id) {
    const Account* account = state.account(id);
    if (account == nullptr) {
        return std::unexpected(checks.not_found("account", id));
    }
    return account;
}

// Resolves the owner named in a body (403 for another owner without user_admin, then 404),
// defaulting to the caller.
std::expected<const Account*, Decision> body_owner(const State& state, const Checks& checks,
                                                   const std::optional<std::string>& named) {
    const std::string& owner_id = named ? *named : checks.caller().account_id;
    if (!checks.caller_is(owner_id)) {
        if (auto refused = checks.need_role(Role::user_admin, owner_id)) {
            return std::unexpected(std::move(*refused));
        }
    }
    return existing_account(state, checks, owner_id);
}

class Decider {
  public:
    Decider(const State& state, const Caller& caller, const std::optional<BodyError>& body_error,
            const Command& command, Instant now)
        : state_(state), checks_(state, caller, command, body_error), now_(now) {}

    Decision operator()(const CreateUser& c) const {
        if (auto r = checks_.need_role(Role::user_admin, c.username)) {
            return *r;
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        if (state_.account_by_name(c.username) != nullptr) {
            return checks_.refuse(Reason::username_taken,
                                  "the username " + c.username + " is taken", c.username);
        }
        return accept({UserCreated{c.user_id, c.username, c.kind, c.roles, c.password_hash}});
    }

    Decision operator()(const ChangePassword& c) const {
        const bool self = checks_.caller_is(c.user_id);
        const bool admin = caller_has(state_, checks_.caller(), Role::user_admin);
        if (!self && !admin) {
            return *checks_.need_role(Role::user_admin, c.user_id);
        }
        const Account* target = state_.account(c.user_id);
        if (target == nullptr) {
            return checks_.not_found("account", c.user_id);
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        if (!admin) {
            const bool old_ok = c.old_password_given && c.old_password_ok &&
                                c.checked_password_version == target->password_version &&
                                !target->password_hash.empty();
            if (!old_ok) {
                return checks_.refuse(Reason::missing_role,
                                      "changing your own password needs the right old_password",
                                      c.user_id);
            }
        }
        if (target->deleted_at) {
            return checks_.refuse(Reason::user_deleted, "the account is deleted", c.user_id);
        }
        return accept({PasswordChanged{c.user_id, c.password_hash}});
    }

    Decision operator()(const ReactivateUser& c) const {
        auto found = admin_target(c.user_id);
        if (!found) {
            return found.error();
        }
        const Account* target = *found;
        if (target->deleted_at) {
            return checks_.refuse(Reason::user_deleted, "a deleted account stays deleted",
                                  c.user_id);
        }
        return accept({UserReactivated{c.user_id}});
    }

    Decision operator()(const DeleteUser& c) const {
        auto found = admin_target(c.user_id);
        if (!found) {
            return found.error();
        }
        const Account* target = *found;
        if (target->deleted_at) {
            return checks_.refuse(Reason::user_deleted, "the account is already deleted",
                                  c.user_id);
        }
        if (checks_.caller_is(c.user_id)) {
            return checks_.refuse(Reason::cannot_delete_self, "an account cannot delete itself",
                                  c.user_id);
        }
        DeleteBlock block = delete_block(state_, *target, now_);
        if (!block.empty()) {
            return checks_.refuse(Reason::user_has_active_tokens,
                                  std::to_string(block.token_ids.size()) +
                                      " live token(s) block the deletion: revoke, transfer or "
                                      "replace them first",
                                  c.user_id, block.token_ids, block.webhook_ids);
        }
        return accept({UserDeleted{c.user_id}});
    }

    Decision operator()(const InstallWebhook& c) const {
        if (auto r = checks_.need_role(Role::webhook_admin, c.name)) {
            return *r;
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        auto owner = body_owner(state_, checks_, c.owner_id);
        if (!owner) {
            return owner.error();
        }
        if (auto r = check_new_owner(state_, checks_, **owner, now_)) {
            return *r;
        }
        return accept({WebhookInstalled{c.webhook_id, c.name, c.auth, checks_.caller().account_id},
                       TokenIssued{c.token_id, TokenKind::app, (*owner)->id, c.webhook_id, c.name,
                                   std::nullopt, c.secret_hash}});
    }

    Decision operator()(const UninstallWebhook& c) const {
        if (auto r = checks_.need_role(Role::webhook_admin, c.webhook_id)) {
            return *r;
        }
        const Webhook* webhook = state_.webhook(c.webhook_id);
        if (webhook == nullptr) {
            return checks_.not_found("webhook", c.webhook_id);
        }
        if (webhook->uninstalled_at) {
            return accept({});
        }
        std::vector<Event> events{WebhookUninstalled{c.webhook_id}};
        for (IdIndex token_id : webhook->tokens) {
            const Token* token = state_.token_at_id(token_id);
            if (token != nullptr && !token->revoked_at) {
                events.push_back(TokenRevoked{std::string(state_.id(token_id))});
            }
        }
        return accept(std::move(events));
    }

    Decision operator()(const IssueAppToken& c) const {
        if (auto r = checks_.need_role(Role::webhook_admin, c.webhook_id)) {
            return *r;
        }
        const Webhook* webhook = state_.webhook(c.webhook_id);
        if (webhook == nullptr) {
            return checks_.not_found("webhook", c.webhook_id);
        }
        if (webhook->uninstalled_at) {
            return checks_.refuse(Reason::webhook_uninstalled, "the webhook is uninstalled",
                                  c.webhook_id);
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        auto owner = body_owner(state_, checks_, c.owner_id);
        if (!owner) {
            return owner.error();
        }
        if (auto r = check_new_owner(state_, checks_, **owner, now_)) {
            return *r;
        }
        return accept({TokenIssued{c.token_id, TokenKind::app, (*owner)->id, c.webhook_id,
                                   webhook->name, std::nullopt, c.secret_hash}});
    }

    Decision operator()(const IssueApiToken& c) const {
        auto found = admin_target(c.user_id);
        if (!found) {
            return found.error();
        }
        const Account* owner = *found;
        if (auto r = checks_.body()) {
            return *r;
        }
        if (c.expires_at && *c.expires_at <= now_) {
            return checks_.refuse(Reason::bad_request, "expires_at must lie after now", c.user_id);
        }
        if (auto r = check_new_owner(state_, checks_, *owner, now_)) {
            return *r;
        }
        return accept({TokenIssued{c.token_id, TokenKind::api, c.user_id, "", c.name, c.expires_at,
                                   c.secret_hash}});
    }

    Decision operator()(const RevokeToken& c) const {
        const Token* token = owned_or_admin(c.token_id);
        if (auto r = token_access(c.token_id, token)) {
            return *r;
        }
        if (token->revoked_at) {
            return accept({});
        }
        return accept({TokenRevoked{c.token_id}});
    }

    Decision operator()(const RotateToken& c) const {
        const Token* token = owned_or_admin(c.token_id);
        if (auto r = token_access(c.token_id, token)) {
            return *r;
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        if (!token_live(*token, now_)) {
            return checks_.refuse(Reason::token_not_live, "only a live token can be rotated",
                                  c.token_id);
        }
        return accept({TokenRotated{c.token_id, c.secret_hash, c.grace_ms}});
    }

    Decision operator()(const TransferToken& c) const {
        if (auto r = checks_.need_role(Role::user_admin, c.token_id)) {
            return *r;
        }
        const Token* token = state_.token(c.token_id);
        if (token == nullptr) {
            return checks_.not_found("token", c.token_id);
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        const Account* to = state_.account(c.owner_id);
        if (to == nullptr) {
            return checks_.not_found("account", c.owner_id);
        }
        if (!token_live(*token, now_)) {
            return checks_.refuse(Reason::token_not_live, "only a live token can be transferred",
                                  c.token_id);
        }
        if (state_.owner_id(*token) == c.owner_id) {
            return accept({});
        }
        if (auto r = check_new_owner(state_, checks_, *to, now_)) {
            return *r;
        }
        const Account* from = state_.account_at_id(token->owner_index);
        if (token->kind == TokenKind::api && from != nullptr &&
            !roles_subset(to->roles, from->roles)) {
            return checks_.refuse(Reason::roles_not_subset,
                                  "an API token may only move to an account whose roles are a "
                                  "subset of its current owner's",
                                  c.token_id);
        }
        return accept(
            {TokenTransferred{c.token_id, std::string(state_.owner_id(*token)), c.owner_id}});
    }

    Decision operator()(const MoveClock&) const {
        if (auto r = checks_.need_role(Role::user_admin, "clock")) {
            return *r;
        }
        if (auto r = checks_.body()) {
            return *r;
        }
        return accept({});
    }

  private:
    // The account a user_admin command is about: 403 without the role, then 404.
    std::expected<const Account*, Decision> admin_target(const std::string& user_id) const {
        if (auto r = checks_.need_role(Role::user_admin, user_id)) {
            return std::unexpected(std::move(*r));
        }
        return existing_account(state_, checks_, user_id);
    }

    // user_admin reaches every token; the owner reaches its own. Without either the answer is
    // 403 whether or not the token exists, so ids cannot be probed.
    const Token* owned_or_admin(const std::string& token_id) const {
        return state_.token(token_id);
    }

    std::optional<Decision> token_access(const std::string& token_id, const Token* token) const {
        const bool admin = caller_has(state_, checks_.caller(), Role::user_admin);
        const bool owner = token != nullptr && checks_.caller_is(state_.owner_id(*token));
        if (!admin && !owner) {
            return checks_.need_role(Role::user_admin, token_id);
        }
        if (token == nullptr) {
            return checks_.not_found("token", token_id);
        }
        return std::nullopt;
    }

    const State& state_;
    Checks checks_;
    Instant now_;
};

std::optional<Reason> secret_refusal(const State& state, const Token& token, bool previous,
                                     Instant t) {
    if (previous && t >= state.previous_valid_until(token)) {
        return Reason::secret_rotated;
    }
    return std::nullopt;
}

Refusal read_refusal(Reason reason, std::string message) {
    return Refusal{reason, std::move(message), {}, {}};
}

}  // namespace

std::string_view command_name(const Command& command) {
    struct Name {
        std::string_view operator()(const CreateUser&) const { return "CreateUser"; }
        std::string_view operator()(const ChangePassword&) const { return "ChangePassword"; }
        std::string_view operator()(const ReactivateUser&) const { return "ReactivateUser"; }
        std::string_view operator()(const DeleteUser&) const { return "DeleteUser"; }
        std::string_view operator()(const InstallWebhook&) const { return "InstallWebhook"; }
        std::string_view operator()(const UninstallWebhook&) const { return "UninstallWebhook"; }
        std::string_view operator()(const IssueAppToken&) const { return "IssueAppToken"; }
        std::string_view operator()(const IssueApiToken&) const { return "IssueApiToken"; }
        std::string_view operator()(const RevokeToken&) const { return "RevokeToken"; }
        std::string_view operator()(const RotateToken&) const { return "RotateToken"; }
        std::string_view operator()(const TransferToken&) const { return "TransferToken"; }
        std::string_view operator()(const MoveClock&) const { return "MoveClock"; }
    };
    return std::visit(Name{}, command);
}

std::string_view CallDecision::token_id() const {
    return events.empty() ? std::string_view(unrecorded_token_id)
                          : std::string_view(std::get<CallDecided>(events.front()).token_id);
}

std::string_view CallDecision::owner_id() const {
    return events.empty() ? std::string_view(unrecorded_owner_id)
                          : std::string_view(std::get<CallDecided>(events.front()).owner_id);
}

CallDecision decide_call(const State& state, AuthenticateCall call, Instant now) {
    CallDecision decision;
    const auto found = state.find_secret(call.secret.secret_hash);
    if (!found) {
        return decision;
    }
    const auto [token, previous] = *found;
    // Basic's user-id must be empty or this very token's id.
    if (call.secret.basic_user_id && !call.secret.basic_user_id->empty() &&
        *call.secret.basic_user_id != state.token_id(*token)) {
        return decision;
    }

    decision.previous_secret = previous;
    const Target target =
        call.webhook_id.empty() ? Target::management() : Target::webhook(call.webhook_id);
    std::optional<Reason> refusal = secret_refusal(state, *token, previous, now);
    if (!refusal) {
        refusal = token_refusal(state, *token, target, now);
    }
    decision.outcome = refusal ? CallDecision::Outcome::refused : CallDecision::Outcome::accepted;
    if (refusal) {
        decision.reason = *refusal;
    }

    // Accepted reads are recorded only when the caller's activity clock is an hour old.
    if (!refusal && call.is_read) {
        const Account* owner = state.account_at_id(token->owner_index);
        if (owner != nullptr && now - owner->last_activity_at < kReadActivityThrottleMs) {
            decision.unrecorded_token_id = state.token_id(*token);
            decision.unrecorded_owner_id = state.owner_id(*token);
            return decision;
        }
    }
    decision.events.reserve(1);
    decision.events.emplace_back(std::in_place_type<CallDecided>, std::move(call.call_id),
                                 std::string(state.token_id(*token)),
                                 std::string(state.owner_id(*token)), std::move(call.webhook_id),
                                 std::move(call.request), previous, refusal, call.body_length,
                                 call.body_sha256);
    return decision;
}

Decision decide(const State& state, const Caller& caller, const Command& command,
                const std::optional<BodyError>& body_error, Instant now) {
    return std::visit(Decider(state, caller, body_error, command, now), command);
}

std::optional<Refusal> authorize_read(const State& state, const Caller& caller, const Read& read,
                                      Instant) {
    auto any_of = [&](std::initializer_list<Role> roles) {
        return std::ranges::any_of(roles, [&](Role r) { return caller_has(state, caller, r); });
    };
    auto forbidden = [](std::string what) {
        return read_refusal(Reason::missing_role, "you may not read " + what);
    };
    struct Visitor {
        const State& state;
        const Caller& caller;
        decltype(any_of)& roles;
        decltype(forbidden)& no;
        std::optional<Refusal> operator()(const ReadUser& r) const {
            const bool self = !caller.is_operator() && caller.account_id == r.user_id;
            if (!self && !roles({Role::user_admin, Role::auditor})) {
                return no("this account");
            }
            if (state.account(r.user_id) == nullptr) {
                return read_refusal(Reason::not_found, "no account " + r.user_id);
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const ListUsers&) const {
            if (!roles({Role::user_admin, Role::auditor})) {
                return no("the accounts");
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const ReadToken& r) const {
            const Token* token = state.token(r.token_id);
            const bool owner = token != nullptr && !caller.is_operator() &&
                               state.owner_id(*token) == caller.account_id;
            if (!owner && !roles({Role::user_admin, Role::auditor})) {
                return no("this token");
            }
            if (token == nullptr) {
                return read_refusal(Reason::not_found, "no token " + r.token_id);
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const ReadWebhook& r) const {
            if (!roles({Role::webhook_admin, Role::user_admin, Role::auditor})) {
                return no("webhooks");
            }
            if (state.webhook(r.webhook_id) == nullptr) {
                return read_refusal(Reason::not_found, "no webhook " + r.webhook_id);
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const ReadDeliveries& r) const {
            if (!roles({Role::webhook_admin})) {
                return no("deliveries");
            }
            if (state.webhook(r.webhook_id) == nullptr) {
                return read_refusal(Reason::not_found, "no webhook " + r.webhook_id);
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const ReadReport&) const {
            if (!roles({Role::user_admin, Role::webhook_admin, Role::auditor})) {
                return no("reports");
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const ReadEvents&) const {
            if (!roles({Role::user_admin, Role::auditor})) {
                return no("the history");
            }
            return std::nullopt;
        }
        std::optional<Refusal> operator()(const VerifyLog&) const {
            if (!roles({Role::user_admin, Role::auditor})) {
                return no("the history");
            }
            return std::nullopt;
        }
    };
    return std::visit(Visitor{state, caller, any_of, forbidden}, read);
}

Decision decide_login(const State& state, const Login& login, Instant now) {
    Decision decision;
    decision.refusal = Refusal{Reason::invalid_credentials, "wrong username or password", {}, {}};
    const Account* account = state.account_by_name(login.username);
    // Unknown usernames are counted by the caller, not recorded; deleted accounts likewise.
    if (account == nullptr || account->deleted_at) {
        return decision;
    }
    const bool password_ok = login.password_ok && !account->password_hash.empty() &&
                             login.checked_password_version == account->password_version;
    if (!password_ok) {
        decision.events.push_back(LoginFailed{account->id, Reason::invalid_credentials});
        return decision;
    }
    if (!is_active(state, *account, now)) {
        decision.events.push_back(LoginFailed{account->id, Reason::account_inactive});
        decision.refusal = Refusal{Reason::account_inactive,
                                   "the account is inactive; an administrator can reactivate it",
                                   {},
                                   {}};
        return decision;
    }
    decision.events.push_back(LoginSucceeded{account->id});
    decision.refusal.reset();
    return decision;
}

}  // namespace keyledger::domain
