#include "domain/evolve.h"

namespace keyledger::domain {
namespace {

template <class Map>
auto* find_in(Map& map, const std::string& id) {
    auto it = map.find(id);
    return it == map.end() ? nullptr : &it->second;
}

class Apply {
  public:
    Apply(State& state, Instant at) : state_(state), at_(at) {}

    void operator()(const StoreCreated& e) const {
        state_.initialized = true;
        state_.window_ms = e.window_ms;
        state_.store_id = e.store_id;
    }
    void operator()(const UserCreated& e) const {
        Account account;
        account.id = e.user_id;
        account.username = e.username;
        account.kind = e.kind;
        account.roles = e.roles;
        account.password_hash = e.password_hash;
        account.created_at = at_;
        account.last_activity_at = at_;
        state_.account_by_username[e.username] = e.user_id;
        state_.accounts[e.user_id] = std::move(account);
    }
    void operator()(const PasswordChanged& e) const {
        if (Account* account = find_in(state_.accounts, e.user_id)) {
            account->password_hash = e.password_hash;
            ++account->password_version;
        }
    }
    void operator()(const LoginSucceeded& e) const { touch(e.user_id); }
    void operator()(const LoginFailed&) const {}
    void operator()(const UserReactivated& e) const { touch(e.user_id); }
    void operator()(const UserDeleted& e) const {
        if (Account* account = find_in(state_.accounts, e.user_id)) {
            account->deleted_at = at_;
        }
    }
    void operator()(const WebhookInstalled& e) const {
        Webhook webhook;
        webhook.id = e.webhook_id;
        webhook.name = e.name;
        webhook.auth = e.auth;
        webhook.created_by = e.created_by;
        webhook.created_at = at_;
        state_.webhooks[e.webhook_id] = std::move(webhook);
    }
    void operator()(const WebhookUninstalled& e) const {
        if (Webhook* webhook = find_in(state_.webhooks, e.webhook_id)) {
            webhook->uninstalled_at = at_;
        }
    }
    void operator()(const TokenIssued& e) const {
        Token token;
        token.id = e.token_id;
        token.kind = e.kind;
        token.owner_id = e.owner_id;
        token.webhook_id = e.webhook_id;
        token.name = e.name;
        token.created_at = at_;
        token.expires_at = e.expires_at;
        token.secret_hash = e.secret_hash;
        state_.secrets[e.secret_hash] = SecretRef{e.token_id, false};
        if (Account* owner = find_in(state_.accounts, e.owner_id)) {
            owner->token_ids.insert(e.token_id);
        }
        if (e.kind == TokenKind::app) {
            if (Webhook* webhook = find_in(state_.webhooks, e.webhook_id)) {
                webhook->token_ids.push_back(e.token_id);
            }
        }
        state_.tokens[e.token_id] = std::move(token);
    }
    void operator()(const TokenRevoked& e) const {
        if (Token* token = find_in(state_.tokens, e.token_id)) {
            token->revoked_at = at_;
        }
    }
    void operator()(const TokenRotated& e) const {
        Token* token = find_in(state_.tokens, e.token_id);
        if (token == nullptr) {
            return;
        }
        // Only one previous secret is kept: the one before it stops being ours at all.
        if (token->previous_hash) {
            state_.secrets.erase(*token->previous_hash);
        }
        token->previous_hash = token->secret_hash;
        token->previous_valid_until = at_ + e.grace_ms;
        state_.secrets[token->secret_hash] = SecretRef{token->id, true};
        token->secret_hash = e.secret_hash;
        state_.secrets[e.secret_hash] = SecretRef{token->id, false};
        token->rotated_at = at_;
    }
    void operator()(const TokenTransferred& e) const {
        if (Account* from = find_in(state_.accounts, e.from_owner_id)) {
            from->token_ids.erase(e.token_id);
        }
        if (Account* to = find_in(state_.accounts, e.to_owner_id)) {
            to->token_ids.insert(e.token_id);
        }
        if (Token* token = find_in(state_.tokens, e.token_id)) {
            token->owner_id = e.to_owner_id;
        }
    }
    void operator()(const CallDecided& e) const {
        if (e.refusal) {
            return;
        }
        touch(e.owner_id);
        if (Token* token = find_in(state_.tokens, e.token_id)) {
            token->last_used_at = at_;
            if (token->kind == TokenKind::api && !e.webhook_id.empty()) {
                token->last_accepted_on[e.webhook_id] = at_;
            }
        }
    }
    void operator()(const CommandRefused&) const {}
    void operator()(const IdempotencyRecorded& e) const {
        IdempotencyScope scope{e.token_id, e.method, e.path, e.key};
        state_.idempotency[scope] = IdempotencyEntry{at_, e.body_sha256, e.status, e.response_body};
        state_.idempotency_order.emplace_back(at_, std::move(scope));
    }

  private:
    void touch(const std::string& account_id) const {
        if (Account* account = find_in(state_.accounts, account_id)) {
            account->last_activity_at = std::max(account->last_activity_at, at_);
        }
    }

    State& state_;
    Instant at_;
};

// Keys are honoured while t < recorded_at + 24 h; older ones are dropped in log order, so a
// rebuild drops exactly what the live state dropped.
void expire_idempotency(State& state, Instant at) {
    auto& order = state.idempotency_order;
    while (!order.empty() && order.front().first + kIdempotencyTtlMs <= at) {
        auto it = state.idempotency.find(order.front().second);
        if (it != state.idempotency.end() && it->second.recorded_at == order.front().first) {
            state.idempotency.erase(it);
        }
        order.pop_front();
    }
}

}  // namespace

void evolve(State& state, const Fact& fact) {
    std::visit(Apply(state, fact.at), fact.event);
    state.last_event_at = std::max(state.last_event_at, fact.at);
    expire_idempotency(state, fact.at);
}

}  // namespace keyledger::domain
