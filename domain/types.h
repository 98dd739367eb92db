#pragma once
// Plain vocabulary types shared by every rule of keyledger's domain.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/instant.h"

namespace keyledger::domain {

// A keyed hash of a token secret or a SHA-256 of a body; never a secret itself.
using Digest = std::array<std::uint8_t, 32>;

enum class AccountKind { person, service };

// Roles form a bit set so that "subset of" is a single mask test.
enum class Role : std::uint8_t { user_admin = 1, webhook_admin = 2, auditor = 4 };
using Roles = std::uint8_t;

constexpr bool has_role(Roles roles, Role role) {
    return (roles & static_cast<Roles>(role)) != 0;
}
constexpr bool roles_subset(Roles inner, Roles outer) {
    return (inner & ~outer) == 0;
}

enum class TokenKind { app, api };
enum class WebhookAuth { bearer, basic };

// Every reason a request can be refused with, across authentication and commands.
enum class Reason {
    malformed,
    unknown_token,
    secret_rotated,
    token_revoked,
    token_expired,
    wrong_webhook,
    owner_deleted,
    owner_inactive,
    invalid_credentials,
    account_inactive,
    missing_role,
    not_found,
    webhook_uninstalled,
    username_taken,
    user_deleted,
    cannot_delete_self,
    user_has_active_tokens,
    token_not_live,
    owner_not_active,
    roles_not_subset,
    bad_request,
    bad_instant,
    unsupported_media_type,
    idempotency_key_reused,
};

std::string_view to_string(Reason);
std::optional<Reason> parse_reason(std::string_view);
std::string_view to_string(AccountKind);
std::optional<AccountKind> parse_account_kind(std::string_view);
std::string_view to_string(Role);
std::optional<Role> parse_role(std::string_view);
std::string_view to_string(TokenKind);
std::string_view to_string(WebhookAuth);
std::optional<WebhookAuth> parse_webhook_auth(std::string_view);

// Actors that are not accounts.
inline constexpr std::string_view kOperatorActor = "operator";
inline constexpr std::string_view kAnonymousActor = "anonymous";

constexpr Instant kHourMs = 3'600'000;
constexpr Instant kDefaultWindowMs = 60 * kDayMs;
constexpr Instant kMaxGraceMs = 30 * kDayMs;
constexpr Instant kDefaultGraceMs = 24 * kHourMs;
constexpr Instant kIdempotencyTtlMs = 24 * kHourMs;
// Reads are recorded as activity only when the caller's last activity is at least this old.
constexpr Instant kReadActivityThrottleMs = kHourMs;

bool username_valid(std::string_view);
bool password_length_valid(std::string_view);

}  // namespace keyledger::domain
