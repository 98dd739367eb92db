#include "api/responses.h"

namespace keyledger::api {

std::string json_text(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::Response json_response(unsigned status, const nlohmann::json& body) {
    http::Response response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = json_text(body);
    return response;
}

http::Response error(unsigned status, std::string_view code, std::string_view message,
                     const nlohmann::json& extra) {
    nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
    body["error"] = code;
    body["message"] = message;
    return json_response(status, body);
}

http::Response history_damaged(std::string_view damage) {
    return error(503, "store_unavailable",
                 "the store's history is damaged, so past views are not answered until it is "
                 "repaired: " +
                     std::string(damage));
}

unsigned status_of(domain::Reason reason) {
    using domain::Reason;
    switch (reason) {
        case Reason::malformed:
        case Reason::unknown_token:
        case Reason::secret_rotated:
        case Reason::token_revoked:
        case Reason::token_expired:
        case Reason::wrong_webhook:
        case Reason::owner_deleted:
        case Reason::owner_inactive:
        case Reason::invalid_credentials:
        case Reason::account_inactive:
            return 401;
        case Reason::missing_role:
            return 403;
        case Reason::not_found:
        case Reason::webhook_uninstalled:
            return 404;
        case Reason::username_taken:
        case Reason::user_deleted:
        case Reason::cannot_delete_self:
        case Reason::user_has_active_tokens:
        case Reason::token_not_live:
        case Reason::owner_not_active:
        case Reason::roles_not_subset:
            return 409;
        case Reason::bad_request:
        case Reason::bad_instant:
            return 400;
        case Reason::unsupported_media_type:
            return 415;
        case Reason::idempotency_key_reused:
            return 422;
    }
    return 500;
}

http::Response ndjson_response(std::string body) {
    http::Response response;
    response.status = 200;
    response.headers.emplace_back("Content-Type", "application/x-ndjson");
    response.body = std::move(body);
    return response;
}

http::Response no_content() {
    http::Response response;
    response.status = 204;
    return response;
}

namespace {
void null_secrets(nlohmann::json& value) {
    if (value.is_object()) {
        for (auto& [key, member] : value.items()) {
            if (key == "secret") {
                member = nullptr;
            } else {
                null_secrets(member);
            }
        }
    } else if (value.is_array()) {
        for (auto& member : value) {
            null_secrets(member);
        }
    }
}
}  // namespace

std::string without_secrets(std::string_view json_body) {
    if (json_body.empty()) {
        return {};
    }
    auto parsed = nlohmann::json::parse(json_body, nullptr, false);
    if (parsed.is_discarded()) {
        return std::string(json_body);
    }
    null_secrets(parsed);
    return json_text(parsed);
}

}  // namespace keyledger::api
