#pragma once
// Building the API's answers: JSON bodies, errors with their codes, NDJSON streams.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/http/message.h"
#include "domain/types.h"

namespace keyledger::api {

// JSON text that never throws: bytes that are not UTF-8 (a webhook sender's Content-Type, kept as
// sent) come out as U+FFFD instead of stopping the thread that renders them.
std::string json_text(const nlohmann::json& value);

http::Response json_response(unsigned status, const nlohmann::json& body);
// {"error": code, "message": message, ...extra}
http::Response error(unsigned status, std::string_view code, std::string_view message,
                     const nlohmann::json& extra = nlohmann::json::object());
// The HTTP status API.md gives each refusal reason (401 for authentication reasons, ...).
unsigned status_of(domain::Reason);
http::Response ndjson_response(std::string body);
// 503 store_unavailable for an answer about the past when the history it needs is known to be
// altered (decision 105): the damage is named, the altered history is not served as fact.
http::Response history_damaged(std::string_view damage);
http::Response no_content();

// A copy of the body with every "secret" member, at any depth, set to null: what an idempotent
// repeat answers.
std::string without_secrets(std::string_view json_body);

}  // namespace keyledger::api
