#pragma once
// The facts keyledger records. Events are immutable; new fields may be added, none removed.
// A password hash or a token secret hash lives in an event (the store keeps it) but is never
// rendered outside the store: see api/event_json for the feed.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/types.h"

namespace keyledger::domain {

struct StoreCreated {
    Instant window_ms = kDefaultWindowMs;
    std::string store_id;
    bool operator==(const StoreCreated&) const = default;
};
struct UserCreated {
    std::string user_id;
    std::string username;
    AccountKind kind = AccountKind::person;
    Roles roles = 0;
    std::string password_hash;  // empty: no interactive login
    bool operator==(const UserCreated&) const = default;
};
struct PasswordChanged {
    std::string user_id;
    std::string password_hash;
    bool operator==(const PasswordChanged&) const = default;
};
struct LoginSucceeded {
    std::string user_id;
    bool operator==(const LoginSucceeded&) const = default;
};
struct LoginFailed {
    std::string user_id;
    Reason reason = Reason::invalid_credentials;
    bool operator==(const LoginFailed&) const = default;
};
struct UserReactivated {
    std::string user_id;
    bool operator==(const UserReactivated&) const = default;
};
struct UserDeleted {
    std::string user_id;
    bool operator==(const UserDeleted&) const = default;
};
struct WebhookInstalled {
    std::string webhook_id;
    std::string name;
    WebhookAuth auth = WebhookAuth::bearer;
    std::string created_by;
    bool operator==(const WebhookInstalled&) const = default;
};
struct WebhookUninstalled {
    std::string webhook_id;
    bool operator==(const WebhookUninstalled&) const = default;
};
struct TokenIssued {
    std::string token_id;
    TokenKind kind = TokenKind::api;
    std::string owner_id;
    std::string webhook_id;  // app tokens only
    std::string name;
    std::optional<Instant> expires_at;
    Digest secret_hash{};
    bool operator==(const TokenIssued&) const = default;
};
struct TokenRevoked {
    std::string token_id;
    bool operator==(const TokenRevoked&) const = default;
};
struct TokenRotated {
    std::string token_id;
    Digest secret_hash{};
    Instant grace_ms = kDefaultGraceMs;
    bool operator==(const TokenRotated&) const = default;
};
struct TokenTransferred {
    std::string token_id;
    std::string from_owner_id;
    std::string to_owner_id;
    bool operator==(const TokenTransferred&) const = default;
};
// One authentication decision on a genuine secret: a webhook call or a management request.
struct CallDecided {
    std::string call_id;
    std::string token_id;
    std::string owner_id;    // the owner at the instant of the call
    std::string webhook_id;  // empty for a management request
    std::string request;     // "POST /v1/users" for management requests, empty for webhook calls
    bool previous_secret = false;
    std::optional<Reason> refusal;  // empty: accepted
    std::uint64_t body_length = 0;
    Digest body_sha256{};
    // The Content-Type of the delivery stored with this call ("" when none was sent), so that
    // the chain covers it too. Set, outside the rules, exactly when the call's delivery is
    // written in the same batch (an accepted webhook call that reached its route); empty for
    // every other call and in events written before it was recorded.
    std::optional<std::string> content_type = std::nullopt;
    bool operator==(const CallDecided&) const = default;
};
// An authenticated management command that the rules refused.
struct CommandRefused {
    std::string command;
    Reason reason = Reason::bad_request;
    std::string subject_id;
    std::vector<std::string> token_ids;    // delete blocked by these
    std::vector<std::string> webhook_ids;  // ... which serve these webhooks
    bool operator==(const CommandRefused&) const = default;
};
// The first answer to a request that carried an Idempotency-Key, secrets already removed.
struct IdempotencyRecorded {
    std::string token_id;
    std::string method;
    std::string path;
    std::string key;
    Digest body_sha256{};
    std::uint32_t status = 0;
    std::string response_body;
    bool operator==(const IdempotencyRecorded&) const = default;
};

using Event = std::variant<StoreCreated, UserCreated, PasswordChanged, LoginSucceeded, LoginFailed,
                           UserReactivated, UserDeleted, WebhookInstalled, WebhookUninstalled,
                           TokenIssued, TokenRevoked, TokenRotated, TokenTransferred, CallDecided,
                           CommandRefused, IdempotencyRecorded>;

// An event with what the log adds to it.
struct Fact {
    Instant at = 0;
    std::string actor;
    std::string correlation_id;
    Event event;
    bool operator==(const Fact&) const = default;
};

std::string_view event_type(const Event&);
// The stream an event belongs to: "store", "user-<id>", "token-<id>" or "webhook-<id>".
std::string stream_of(const Event&, std::string_view actor);
// The streams of an account's, a token's and a webhook's own events.
std::string user_stream(std::string_view id);
std::string token_stream(std::string_view id);
std::string webhook_stream(std::string_view id);
// The ids, besides its stream's own, whose history an event belongs to: a token's owners and
// webhook when it is issued or moves, and the owner of an accepted call (it is their activity).
// An account's history is its stream, these, and the streams of every token it ever held.
std::vector<std::string> related_ids(const Event&);

}  // namespace keyledger::domain
