#pragma once
// The decider's state: everything the rules need, folded from the events alone.
//
// Sized for millions of tokens: every id is kept once, in `ids`, and records name each other by
// the id's index there (an IdIndex); accounts, tokens and webhooks are vectors of records in the
// order they were created, found by id through `ids`; what few tokens have (a rotated secret, an
// API token's calls per webhook) lives in side tables. Lookups go through the member functions.

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/events.h"
#include "domain/id_table.h"
#include "domain/secret_index.h"

namespace keyledger::domain {

using IdIndex = std::uint32_t;  // an id's index in State::ids
inline constexpr IdIndex kNoId = IdTable::kNone;

// An instant or none, in 8 bytes where std::optional<Instant> takes 16: none is the lowest
// int64, an instant no event can carry (they lie in the text form's range).
class MaybeInstant {
  public:
    constexpr MaybeInstant() = default;
    constexpr MaybeInstant(std::nullopt_t) {}
    constexpr MaybeInstant(Instant t) : value_(t) {}
    constexpr MaybeInstant(const std::optional<Instant>& t) : value_(t ? *t : kNone) {}

    constexpr bool has_value() const { return value_ != kNone; }
    constexpr explicit operator bool() const { return has_value(); }
    constexpr Instant operator*() const { return value_; }
    constexpr Instant value_or(Instant other) const { return has_value() ? value_ : other; }
    constexpr operator std::optional<Instant>() const {
        return has_value() ? std::optional<Instant>(value_) : std::nullopt;
    }
    constexpr bool operator==(const MaybeInstant&) const = default;

  private:
    static constexpr Instant kNone = std::numeric_limits<Instant>::min();
    Instant value_ = kNone;
};

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
    MaybeInstant deleted_at;
    std::vector<IdIndex> tokens;  // every token it owns now, live or not, in the order it got them
    bool operator==(const Account&) const = default;
};

struct Token {
    IdIndex id_index = kNoId;
    IdIndex owner_index = kNoId;
    IdIndex webhook_index = kNoId;  // app tokens only
    std::uint32_t name_index = 0;   // in State::names
    // In State::rotations once rotated, in State::api_calls once an API token had a call.
    std::uint32_t rotation_index = IdTable::kNone;
    std::uint32_t calls_index = IdTable::kNone;
    TokenKind kind = TokenKind::api;
    Digest secret_hash{};
    Instant created_at = 0;
    MaybeInstant expires_at;
    MaybeInstant revoked_at;
    MaybeInstant rotated_at;
    MaybeInstant last_used_at;
    bool operator==(const Token&) const = default;
};

// The secret a rotation replaced: it works while t < previous_valid_until.
struct Rotation {
    Digest previous_hash{};
    Instant previous_valid_until = 0;
    bool operator==(const Rotation&) const = default;
};

// API tokens: the last accepted call on each webhook, which decides what it serves.
using LastCalls = std::vector<std::pair<IdIndex, Instant>>;

struct Webhook {
    std::string id;
    std::string name;
    WebhookAuth auth = WebhookAuth::bearer;
    std::string created_by;
    Instant created_at = 0;
    MaybeInstant uninstalled_at;
    std::vector<IdIndex> tokens;  // its app tokens, revoked ones included, in issue order
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

// A hash of a digest for std::unordered_map (the benchmarks' floor keeps one); its bytes are
// already uniform.
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

    IdTable ids;    // every account, token and webhook id, and every id a token names
    IdTable names;  // token names, each kept once
    std::vector<Account> accounts;
    std::vector<Token> tokens;
    std::vector<Webhook> webhooks;
    std::vector<Rotation> rotations;
    std::vector<LastCalls> api_calls;
    // By IdIndex: the record's place in accounts, tokens, webhooks (IdTable::kNone: none).
    std::vector<std::uint32_t> account_at;
    std::vector<std::uint32_t> token_at;
    std::vector<std::uint32_t> webhook_at;
    std::unordered_map<std::string, IdIndex> account_by_username;  // deleted ones included
    SecretIndex secrets;
    std::map<IdempotencyScope, IdempotencyEntry> idempotency;
    // Entries in recording order, so expiry is a pop from the front.
    std::deque<std::pair<Instant, IdempotencyScope>> idempotency_order;

    bool operator==(const State&) const;

    const Account* account(std::string_view id) const;
    const Token* token(std::string_view id) const;
    const Webhook* webhook(std::string_view id) const;
    const Account* account_by_name(std::string_view username) const;
    const Account* account_at_id(IdIndex id) const;
    const Token* token_at_id(IdIndex id) const;
    const Webhook* webhook_at_id(IdIndex id) const;

    // The id at an index ("" for kNoId), and a token's ids and name as text.
    std::string_view id(IdIndex index) const;
    std::string_view token_id(const Token& token) const { return id(token.id_index); }
    std::string_view owner_id(const Token& token) const { return id(token.owner_index); }
    std::string_view webhook_id(const Token& token) const { return id(token.webhook_index); }
    std::string_view name(const Token& token) const { return names.at(token.name_index); }
    std::vector<std::string> token_ids(const std::vector<IdIndex>& tokens) const;

    // A rotated token's previous secret and until when it works (none before any rotation).
    const Rotation* rotation(const Token& token) const;
    Instant previous_valid_until(const Token& token) const;
    const LastCalls& last_calls(const Token& token) const;

    // The token a digest leads to, and whether it is that token's previous secret.
    std::optional<std::pair<const Token*, bool>> find_secret(const Digest& digest) const;

    // A reference in `secrets`: the token's place in `tokens` and which of its secrets it is.
    static SecretIndex::Ref secret_ref(std::uint32_t token, bool previous) {
        return (token << 1) | (previous ? 1 : 0);
    }
    const Digest& secret_digest(SecretIndex::Ref ref) const;
    auto digest_of_ref() const {
        return [this](SecretIndex::Ref ref) -> const Digest& { return secret_digest(ref); };
    }
};

}  // namespace keyledger::domain
