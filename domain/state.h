#pragma once
// The decider's state: everything the rules need, folded from the events alone.

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/events.h"

namespace keyledger::domain {

struct Account {
    std::string id;
    std::string username;
    AccountKind kind = AccountKind::person;
    Roles roles = 0;
    std::string password_hash;
    // Bumped by every password change, so a check made outside the decider can be matched to
    // the hash it was made against.
    std::uint32_t password_version = 0;
    Instant created_at = 0;
    Instant last_activity_at = 0;
    std::optional<Instant> deleted_at;
    std::set<std::string> token_ids;  // every token it owns now, live or not
    bool operator==(const Account&) const = default;
};

struct Token {
    std::string id;
    TokenKind kind = TokenKind::api;
    std::string owner_id;
    std::string webhook_id;
    std::string name;
    Instant created_at = 0;
    std::optional<Instant> expires_at;
    std::optional<Instant> revoked_at;
    std::optional<Instant> rotated_at;
    std::optional<Instant> last_used_at;
    Digest secret_hash{};
    std::optional<Digest> previous_hash;
    Instant previous_valid_until = 0;  // the previous secret works while t < this
    // API tokens: the last accepted call on each webhook, which decides what it serves.
    std::map<std::string, Instant> last_accepted_on;
    bool operator==(const Token&) const = default;
};

struct Webhook {
    std::string id;
    std::string name;
    WebhookAuth auth = WebhookAuth::bearer;
    std::string created_by;
    Instant created_at = 0;
    std::optional<Instant> uninstalled_at;
    std::vector<std::string> token_ids;  // its app tokens, revoked ones included
    bool operator==(const Webhook&) const = default;
};

struct IdempotencyScope {
    std::string token_id;
    std::string method;
    std::string path;
    std::string key;
    auto operator<=>(const IdempotencyScope&) const = default;
};

struct IdempotencyEntry {
    Instant recorded_at = 0;
    Digest body_sha256{};
    std::uint32_t status = 0;
    std::string response_body;
    bool operator==(const IdempotencyEntry&) const = default;
};

struct SecretRef {
    std::string token_id;
    bool previous = false;
    bool operator==(const SecretRef&) const = default;
};

struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept {
        std::size_t h = 0;
        for (std::size_t i = 0; i < sizeof(std::size_t); ++i) {
            h = (h << 8) | d[i];
        }
        return h;
    }
};

struct State {
    bool initialized = false;
    Instant window_ms = kDefaultWindowMs;
    std::string store_id;
    Instant last_event_at = 0;
    std::unordered_map<std::string, Account> accounts;
    std::unordered_map<std::string, std::string> account_by_username;  // deleted ones included
    std::unordered_map<std::string, Token> tokens;
    std::unordered_map<Digest, SecretRef, DigestHash> secrets;
    std::unordered_map<std::string, Webhook> webhooks;
    std::map<IdempotencyScope, IdempotencyEntry> idempotency;
    // Entries in recording order, so expiry is a pop from the front.
    std::deque<std::pair<Instant, IdempotencyScope>> idempotency_order;
    bool operator==(const State&) const = default;

    const Account* account(std::string_view id) const;
    const Token* token(std::string_view id) const;
    const Webhook* webhook(std::string_view id) const;
    const Account* account_by_name(std::string_view username) const;
};

}  // namespace keyledger::domain
