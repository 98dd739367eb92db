#include "api/http/message.h"

#include <nlohmann/json.hpp>

namespace keyledger::api::http {

std::vector<std::string_view> Request::header_values(std::string_view lower_name) const {
    std::vector<std::string_view> values;
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            values.emplace_back(value);
        }
    }
    return values;
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            return value;
        }
    }
    return std::nullopt;
}

Response error_response(unsigned status, std::string_view code, std::string_view message) {
    const nlohmann::json body = {{"error", code}, {"message", message}};

    Response response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    // Replace invalid UTF-8 rather than throw: messages may quote client input.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

}  // namespace keyledger::api::http
