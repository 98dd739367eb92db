#include "domain/events.h"

#include <algorithm>

namespace keyledger::domain {
namespace {

struct TypeName {
    std::string_view operator()(const StoreCreated&) const { return "StoreCreated"; }
    std::string_view operator()(const UserCreated&) const { return "UserCreated"; }
    std::string_view operator()(const PasswordChanged&) const { return "PasswordChanged"; }
    std::string_view operator()(const LoginSucceeded&) const { return "LoginSucceeded"; }
    std::string_view operator()(const LoginFailed&) const { return "LoginFailed"; }
    std::string_view operator()(const UserReactivated&) const { return "UserReactivated"; }
    std::string_view operator()(const UserDeleted&) const { return "UserDeleted"; }
    std::string_view operator()(const WebhookInstalled&) const { return "WebhookInstalled"; }
    std::string_view operator()(const WebhookUninstalled&) const { return "WebhookUninstalled"; }
    std::string_view operator()(const TokenIssued&) const { return "TokenIssued"; }
    std::string_view operator()(const TokenRevoked&) const { return "TokenRevoked"; }
    std::string_view operator()(const TokenRotated&) const { return "TokenRotated"; }
    std::string_view operator()(const TokenTransferred&) const { return "TokenTransferred"; }
    std::string_view operator()(const CallDecided&) const { return "CallDecided"; }
    std::string_view operator()(const CommandRefused&) const { return "CommandRefused"; }
    std::string_view operator()(const IdempotencyRecorded&) const { return "IdempotencyRecorded"; }
};

}  // namespace

std::string user_stream(std::string_view id) {
    return "user-" + std::string(id);
}
std::string token_stream(std::string_view id) {
    return "token-" + std::string(id);
}
std::string webhook_stream(std::string_view id) {
    return "webhook-" + std::string(id);
}

std::vector<std::string> related_ids(const Event& event) {
    std::vector<std::string> ids;
    auto add = [&ids](const std::string& id) {
        if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) {
            ids.push_back(id);
        }
    };
    if (const auto* issued = std::get_if<TokenIssued>(&event)) {
        add(issued->owner_id);
        add(issued->webhook_id);
    } else if (const auto* moved = std::get_if<TokenTransferred>(&event)) {
        add(moved->from_owner_id);
        add(moved->to_owner_id);
    } else if (const auto* call = std::get_if<CallDecided>(&event)) {
        // Only accepted calls move an owner's clock; refusals stay on the token.
        if (!call->refusal) {
            add(call->owner_id);
        }
    }
    return ids;
}

std::string_view event_type(const Event& event) {
    return std::visit(TypeName{}, event);
}

std::string stream_of(const Event& event, std::string_view actor) {
    struct StreamOf {
        std::string_view actor;
        std::string operator()(const StoreCreated&) const { return "store"; }
        std::string operator()(const UserCreated& e) const { return user_stream(e.user_id); }
        std::string operator()(const PasswordChanged& e) const { return user_stream(e.user_id); }
        std::string operator()(const LoginSucceeded& e) const { return user_stream(e.user_id); }
        std::string operator()(const LoginFailed& e) const { return user_stream(e.user_id); }
        std::string operator()(const UserReactivated& e) const { return user_stream(e.user_id); }
        std::string operator()(const UserDeleted& e) const { return user_stream(e.user_id); }
        std::string operator()(const WebhookInstalled& e) const {
            return webhook_stream(e.webhook_id);
        }
        std::string operator()(const WebhookUninstalled& e) const {
            return webhook_stream(e.webhook_id);
        }
        std::string operator()(const TokenIssued& e) const { return token_stream(e.token_id); }
        std::string operator()(const TokenRevoked& e) const { return token_stream(e.token_id); }
        std::string operator()(const TokenRotated& e) const { return token_stream(e.token_id); }
        std::string operator()(const TokenTransferred& e) const { return token_stream(e.token_id); }
        std::string operator()(const CallDecided& e) const { return token_stream(e.token_id); }
        // Refusals belong to whoever tried: an auditor reads them on the actor's stream.
        std::string operator()(const CommandRefused&) const { return user_stream(actor); }
        std::string operator()(const IdempotencyRecorded& e) const {
            return token_stream(e.token_id);
        }
    };
    return std::visit(StreamOf{actor}, event);
}

}  // namespace keyledger::domain
