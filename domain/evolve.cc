#include "domain/evolve.h"

#include <algorithm>

namespace keyledger::domain {
namespace {

constexpr std::uint32_t kNone = IdTable::kNone;

template <class Record>
Record* record_of(std::vector<Record>& records, const std::vector<std::uint32_t>& places,
                  IdIndex id) {
    if (id >= places.size() || places[id] == kNone) {
        return nullptr;
    }
    return &records[places[id]];
}

// Stores a new record for `id`, replacing the one it had (a second creation starts afresh);
// returns its place.
template <class Record>
std::uint32_t put_record(std::vector<Record>& records, std::vector<std::uint32_t>& places,
                         IdIndex id, Record record) {
    if (places[id] == kNone) {
        places[id] = static_cast<std::uint32_t>(records.size());
        records.push_back(std::move(record));
    } else {
        records[places[id]] = std::move(record);
    }
    return places[id];
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
        const IdIndex id = intern(e.user_id);
        state_.account_by_username[e.username] = id;
        put_record(state_.accounts, state_.account_at, id, std::move(account));
    }
    void operator()(const PasswordChanged& e) const {
        if (Account* account = account_of(e.user_id)) {
            account->password_hash = e.password_hash;
            ++account->password_version;
        }
    }
    void operator()(const LoginSucceeded& e) const { touch(e.user_id); }
    void operator()(const LoginFailed&) const {}
    void operator()(const UserReactivated& e) const { touch(e.user_id); }
    void operator()(const UserDeleted& e) const {
        if (Account* account = account_of(e.user_id)) {
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
        put_record(state_.webhooks, state_.webhook_at, intern(e.webhook_id), std::move(webhook));
    }
    void operator()(const WebhookUninstalled& e) const {
        if (Webhook* webhook = webhook_of(e.webhook_id)) {
            webhook->uninstalled_at = at_;
        }
    }
    void operator()(const TokenIssued& e) const {
        Token token;
        token.id_index = intern(e.token_id);
        token.kind = e.kind;
        token.owner_index = intern_unless_empty(e.owner_id);
        token.webhook_index = intern_unless_empty(e.webhook_id);
        token.name_index = state_.names.intern(e.name);
        token.created_at = at_;
        token.expires_at = e.expires_at;
        token.secret_hash = e.secret_hash;
        const IdIndex id = token.id_index;
        const bool again = state_.token_at[id] != kNone;
        if (again) {
            forget_secrets(state_.tokens[state_.token_at[id]]);
        }
        const std::uint32_t place =
            put_record(state_.tokens, state_.token_at, id, std::move(token));
        state_.secrets.put(e.secret_hash, State::secret_ref(place, false), state_.digest_of_ref());
        if (Account* owner = account_of(e.owner_id)) {
            // A token issued once is new to its owner; only an id issued again needs the check.
            if (!again ||
                std::find(owner->tokens.begin(), owner->tokens.end(), id) == owner->tokens.end()) {
                owner->tokens.push_back(id);
            }
        }
        if (e.kind == TokenKind::app) {
            if (Webhook* webhook = webhook_of(e.webhook_id)) {
                webhook->tokens.push_back(id);
            }
        }
    }
    void operator()(const TokenRevoked& e) const {
        if (Token* token = token_of(e.token_id)) {
            token->revoked_at = at_;
        }
    }
    void operator()(const TokenRotated& e) const {
        Token* token = token_of(e.token_id);
        if (token == nullptr) {
            return;
        }
        const std::uint32_t place = state_.token_at[token->id_index];
        const auto digest_of = state_.digest_of_ref();
        // Only one previous secret is kept: the one before it stops being ours at all.
        if (token->rotation_index != kNone) {
            state_.secrets.erase(state_.rotations[token->rotation_index].previous_hash, digest_of);
        } else {
            token->rotation_index = static_cast<std::uint32_t>(state_.rotations.size());
            state_.rotations.emplace_back();
        }
        Rotation& rotation = state_.rotations[token->rotation_index];
        rotation.previous_hash = token->secret_hash;
        rotation.previous_valid_until = at_ + e.grace_ms;
        state_.secrets.put(token->secret_hash, State::secret_ref(place, true), digest_of);
        token->secret_hash = e.secret_hash;
        state_.secrets.put(e.secret_hash, State::secret_ref(place, false), digest_of);
        token->rotated_at = at_;
    }
    void operator()(const TokenTransferred& e) const {
        const IdIndex id = intern(e.token_id);
        if (Account* from = account_of(e.from_owner_id)) {
            std::erase(from->tokens, id);
        }
        if (Account* to = account_of(e.to_owner_id)) {
            if (std::find(to->tokens.begin(), to->tokens.end(), id) == to->tokens.end()) {
                to->tokens.push_back(id);
            }
        }
        if (Token* token = token_of(e.token_id)) {
            token->owner_index = intern_unless_empty(e.to_owner_id);
        }
    }
    void operator()(const CallDecided& e) const {
        if (e.refusal) {
            return;
        }
        touch(e.owner_id);
        if (Token* token = token_of(e.token_id)) {
            token->last_used_at = at_;
            if (token->kind == TokenKind::api && !e.webhook_id.empty()) {
                record_call(*token, intern(e.webhook_id));
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
    IdIndex intern(std::string_view id) const {
        const IdIndex index = state_.ids.intern(id);
        if (index == state_.token_at.size()) {
            state_.account_at.push_back(kNone);
            state_.token_at.push_back(kNone);
            state_.webhook_at.push_back(kNone);
        }
        return index;
    }
    IdIndex intern_unless_empty(std::string_view id) const {
        return id.empty() ? kNoId : intern(id);
    }
    Account* account_of(std::string_view id) const {
        return record_of(state_.accounts, state_.account_at, state_.ids.find(id));
    }
    Token* token_of(std::string_view id) const {
        return record_of(state_.tokens, state_.token_at, state_.ids.find(id));
    }
    Webhook* webhook_of(std::string_view id) const {
        return record_of(state_.webhooks, state_.webhook_at, state_.ids.find(id));
    }
    void touch(std::string_view account_id) const {
        if (Account* account = account_of(account_id)) {
            account->last_activity_at = std::max(account->last_activity_at, at_);
        }
    }
    // An id issued again starts afresh: the secrets of its first issue lead nowhere.
    void forget_secrets(const Token& token) const {
        const auto digest_of = state_.digest_of_ref();
        if (token.rotation_index != kNone) {
            state_.secrets.erase(state_.rotations[token.rotation_index].previous_hash, digest_of);
        }
        state_.secrets.erase(token.secret_hash, digest_of);
    }
    void record_call(Token& token, IdIndex webhook) const {
        if (token.calls_index == kNone) {
            token.calls_index = static_cast<std::uint32_t>(state_.api_calls.size());
            state_.api_calls.emplace_back();
        }
        LastCalls& calls = state_.api_calls[token.calls_index];
        auto it = std::find_if(calls.begin(), calls.end(),
                               [&](const auto& call) { return call.first == webhook; });
        if (it == calls.end()) {
            calls.emplace_back(webhook, at_);
        } else {
            it->second = at_;
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

void evolve(State& state, Instant at, const Event& event) {
    std::visit(Apply(state, at), event);
    state.last_event_at = std::max(state.last_event_at, at);
    expire_idempotency(state, at);
}

void evolve(State& state, const Fact& fact) {
    evolve(state, fact.at, fact.event);
}

}  // namespace keyledger::domain
