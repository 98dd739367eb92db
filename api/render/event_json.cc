#include "api/render/event_json.h"

#include <string>
#include <variant>

#include "api/render/values_internal.h"

namespace keyledger::api::render {
namespace {

using detail::hex;
using detail::instant_json;
using detail::roles_json;
using nlohmann::json;

// Every stored string goes out through here, so the feed stays valid UTF-8.
json text(std::string_view value) {
    return detail::utf8_or_replaced(value);
}

json texts(const std::vector<std::string>& values) {
    json out = json::array();
    for (const std::string& value : values) {
        out.push_back(text(value));
    }
    return out;
}

// One overload per event. Fields are listed one by one on purpose: a field added to an event
// stays out of the feed until someone decides here that it may be shown.
struct DataOf {
    json operator()(const domain::StoreCreated& e) const {
        return {{"window_ms", e.window_ms}, {"store_id", text(e.store_id)}};
    }
    json operator()(const domain::UserCreated& e) const {
        return {{"user_id", text(e.user_id)},
                {"username", text(e.username)},
                {"kind", domain::to_string(e.kind)},
                {"roles", roles_json(e.roles)},
                {"has_password", !e.password_hash.empty()}};
    }
    json operator()(const domain::PasswordChanged& e) const {
        return {{"user_id", text(e.user_id)}, {"has_password", !e.password_hash.empty()}};
    }
    json operator()(const domain::LoginSucceeded& e) const {
        return {{"user_id", text(e.user_id)}};
    }
    json operator()(const domain::LoginFailed& e) const {
        return {{"user_id", text(e.user_id)}, {"reason", domain::to_string(e.reason)}};
    }
    json operator()(const domain::UserReactivated& e) const {
        return {{"user_id", text(e.user_id)}};
    }
    json operator()(const domain::UserDeleted& e) const { return {{"user_id", text(e.user_id)}}; }
    json operator()(const domain::WebhookInstalled& e) const {
        return {{"webhook_id", text(e.webhook_id)},
                {"name", text(e.name)},
                {"auth", domain::to_string(e.auth)},
                {"created_by", text(e.created_by)}};
    }
    json operator()(const domain::WebhookUninstalled& e) const {
        return {{"webhook_id", text(e.webhook_id)}};
    }
    json operator()(const domain::TokenIssued& e) const;
    json operator()(const domain::TokenRevoked& e) const {
        return {{"token_id", text(e.token_id)}};
    }
    json operator()(const domain::TokenRotated& e) const {
        return {{"token_id", text(e.token_id)}, {"grace_ms", e.grace_ms}};
    }
    json operator()(const domain::TokenTransferred& e) const {
        return {{"token_id", text(e.token_id)},
                {"from_owner_id", text(e.from_owner_id)},
                {"to_owner_id", text(e.to_owner_id)}};
    }
    json operator()(const domain::CallDecided& e) const;
    json operator()(const domain::CommandRefused& e) const {
        return {{"command", text(e.command)},
                {"reason", domain::to_string(e.reason)},
                {"subject_id", text(e.subject_id)},
                {"token_ids", texts(e.token_ids)},
                {"webhook_ids", texts(e.webhook_ids)}};
    }
    json operator()(const domain::IdempotencyRecorded& e) const {
        return {{"token_id", text(e.token_id)},
                {"method", text(e.method)},
                {"path", text(e.path)},
                {"key", text(e.key)},
                {"status", e.status},
                {"response_body", text(e.response_body)},
                {"body_sha256", hex(e.body_sha256)}};
    }
};

json DataOf::operator()(const domain::TokenIssued& e) const {
    json out = {{"token_id", text(e.token_id)},
                {"kind", domain::to_string(e.kind)},
                {"owner_id", text(e.owner_id)},
                {"name", text(e.name)}};
    if (!e.webhook_id.empty()) {
        out["webhook_id"] = text(e.webhook_id);
    }
    if (e.expires_at) {
        out["expires_at"] = instant_json(*e.expires_at);
    }
    return out;
}

json DataOf::operator()(const domain::CallDecided& e) const {
    json out = {{"call_id", text(e.call_id)},
                {"webhook_id", text(e.webhook_id)},
                {"token_id", text(e.token_id)},
                {"owner_id", text(e.owner_id)},
                {"outcome", e.refusal ? domain::to_string(*e.refusal) : "accepted"},
                {"previous_secret", e.previous_secret},
                {"body_length", e.body_length},
                {"body_sha256", hex(e.body_sha256)}};
    if (!e.request.empty()) {
        out["request"] = text(e.request);
    }
    if (e.content_type) {
        out["content_type"] = text(*e.content_type);
    }
    return out;
}

}  // namespace

json event_data_json(const domain::Event& event) {
    return std::visit(DataOf{}, event);
}

json event_json(std::uint64_t position, std::string_view stream, std::uint64_t version,
                const domain::Fact& fact) {
    return {{"position", position},
            {"stream", text(stream)},
            {"version", version},
            {"type", domain::event_type(fact.event)},
            {"at", instant_json(fact.at)},
            {"actor", text(fact.actor)},
            {"correlation_id", text(fact.correlation_id)},
            {"data", event_data_json(fact.event)}};
}

}  // namespace keyledger::api::render
