#include "audit/describe.h"

#include <fmt/format.h>

namespace keyledger::audit {

using namespace domain;

namespace {

std::string expiry(const std::optional<Instant>& expires_at) {
    return expires_at ? ", expires " + format_instant(*expires_at) : std::string();
}

struct Describe {
    std::string operator()(const StoreCreated& e) const {
        return fmt::format("store created, inactivity window {} days", e.window_ms / kDayMs);
    }
    std::string operator()(const UserCreated& e) const {
        return fmt::format("account {} '{}' created ({})", e.user_id, e.username,
                           to_string(e.kind));
    }
    std::string operator()(const PasswordChanged& e) const {
        return fmt::format("password of {} changed", e.user_id);
    }
    std::string operator()(const LoginSucceeded& e) const {
        return fmt::format("{} logged in", e.user_id);
    }
    std::string operator()(const LoginFailed& e) const {
        return fmt::format("login of {} refused: {}", e.user_id, to_string(e.reason));
    }
    std::string operator()(const UserReactivated& e) const {
        return fmt::format("{} reactivated", e.user_id);
    }
    std::string operator()(const UserDeleted& e) const {
        return fmt::format("{} deleted", e.user_id);
    }
    std::string operator()(const WebhookInstalled& e) const {
        return fmt::format("webhook {} '{}' installed ({})", e.webhook_id, e.name,
                           to_string(e.auth));
    }
    std::string operator()(const WebhookUninstalled& e) const {
        return fmt::format("webhook {} uninstalled", e.webhook_id);
    }
    std::string operator()(const TokenIssued& e) const {
        if (e.kind == TokenKind::app) {
            return fmt::format("app token {} issued to {} for webhook {}{}", e.token_id, e.owner_id,
                               e.webhook_id, expiry(e.expires_at));
        }
        return fmt::format("API token {} issued to {}{}", e.token_id, e.owner_id,
                           expiry(e.expires_at));
    }
    std::string operator()(const TokenRevoked& e) const {
        return fmt::format("token {} revoked", e.token_id);
    }
    std::string operator()(const TokenRotated& e) const {
        return fmt::format("token {} rotated, grace {} ms for the previous secret", e.token_id,
                           e.grace_ms);
    }
    std::string operator()(const TokenTransferred& e) const {
        return fmt::format("token {} moved from {} to {}", e.token_id, e.from_owner_id,
                           e.to_owner_id);
    }
    std::string operator()(const CallDecided& e) const {
        const std::string where =
            e.webhook_id.empty() ? "request " + e.request : "call on " + e.webhook_id;
        return fmt::format("{} {} with token {} of {}{}: {}", where, e.call_id, e.token_id,
                           e.owner_id, e.previous_secret ? " (previous secret)" : "",
                           call_outcome(e));
    }
    std::string operator()(const CommandRefused& e) const {
        return fmt::format("{} on {} refused: {}", e.command, e.subject_id, to_string(e.reason));
    }
    std::string operator()(const IdempotencyRecorded& e) const {
        return fmt::format("answer {} to {} {} kept for its Idempotency-Key", e.status, e.method,
                           e.path);
    }
};

}  // namespace

std::string describe(const Event& event) {
    return std::visit(Describe{}, event);
}

std::string call_outcome(const CallDecided& call) {
    return call.refusal ? std::string(to_string(*call.refusal)) : "accepted";
}

}  // namespace keyledger::audit
