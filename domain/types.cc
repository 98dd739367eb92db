#include "domain/types.h"

#include <algorithm>
#include <array>
#include <utility>

namespace keyledger::domain {
namespace {

constexpr std::array<std::pair<Reason, std::string_view>, 24> kReasonNames{{
    {Reason::malformed, "malformed"},
    {Reason::unknown_token, "unknown_token"},
    {Reason::secret_rotated, "secret_rotated"},
    {Reason::token_revoked, "token_revoked"},
    {Reason::token_expired, "token_expired"},
    {Reason::wrong_webhook, "wrong_webhook"},
    {Reason::owner_deleted, "owner_deleted"},
    {Reason::owner_inactive, "owner_inactive"},
    {Reason::invalid_credentials, "invalid_credentials"},
    {Reason::account_inactive, "account_inactive"},
    {Reason::missing_role, "missing_role"},
    {Reason::not_found, "not_found"},
    {Reason::webhook_uninstalled, "webhook_uninstalled"},
    {Reason::username_taken, "username_taken"},
    {Reason::user_deleted, "user_deleted"},
    {Reason::cannot_delete_self, "cannot_delete_self"},
    {Reason::user_has_active_tokens, "user_has_active_tokens"},
    {Reason::token_not_live, "token_not_live"},
    {Reason::owner_not_active, "owner_not_active"},
    {Reason::roles_not_subset, "roles_not_subset"},
    {Reason::bad_request, "bad_request"},
    {Reason::bad_instant, "bad_instant"},
    {Reason::unsupported_media_type, "unsupported_media_type"},
    {Reason::idempotency_key_reused, "idempotency_key_reused"},
}};

}  // namespace

std::string_view to_string(Reason reason) {
    for (const auto& [value, name] : kReasonNames) {
        if (value == reason) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Reason> parse_reason(std::string_view text) {
    for (const auto& [value, name] : kReasonNames) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

std::string_view to_string(AccountKind kind) {
    return kind == AccountKind::person ? "person" : "service";
}

std::optional<AccountKind> parse_account_kind(std::string_view text) {
    if (text == "person") {
        return AccountKind::person;
    }
    if (text == "service") {
        return AccountKind::service;
    }
    return std::nullopt;
}

std::string_view to_string(Role role) {
    switch (role) {
        case Role::user_admin:
            return "user_admin";
        case Role::webhook_admin:
            return "webhook_admin";
        case Role::auditor:
            return "auditor";
    }
    return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
    for (Role role : {Role::user_admin, Role::webhook_admin, Role::auditor}) {
        if (to_string(role) == text) {
            return role;
        }
    }
    return std::nullopt;
}

std::string_view to_string(TokenKind kind) {
    return kind == TokenKind::app ? "app" : "api";
}

std::string_view to_string(WebhookAuth auth) {
    return auth == WebhookAuth::bearer ? "bearer" : "basic";
}

std::optional<WebhookAuth> parse_webhook_auth(std::string_view text) {
    if (text == "bearer") {
        return WebhookAuth::bearer;
    }
    if (text == "basic") {
        return WebhookAuth::basic;
    }
    return std::nullopt;
}

bool username_valid(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '@' || c == '-';
    });
}

bool password_length_valid(std::string_view password) {
    return password.size() >= 8 && password.size() <= 1024;
}

}  // namespace keyledger::domain
