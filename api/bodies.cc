#include <algorithm>
#include <cctype>

#include "api/service_internal.h"
#include "security/utf8.h"

namespace keyledger::api {
namespace {

bool is_json_media_type(std::string_view value) {
    std::string_view media = value.substr(0, value.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
        media.remove_suffix(1);
    }
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
        media.remove_prefix(1);
    }
    constexpr std::string_view kJson = "application/json";
    return media.size() == kJson.size() &&
           std::equal(media.begin(), media.end(), kJson.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

void fail(Body& body, std::string message, domain::Reason reason = domain::Reason::bad_request) {
    if (!body.error) {
        body.error = domain::BodyError{reason, std::move(message)};
    }
}

}  // namespace

Body parse_body(const http::Request& request, bool may_be_empty) {
    Body body;
    auto content_type = request.header("content-type");
    if (request.body.empty() && may_be_empty) {
        if (content_type && !is_json_media_type(*content_type)) {
            fail(body, "send JSON with Content-Type: application/json",
                 domain::Reason::unsupported_media_type);
        }
        return body;
    }
    if (!content_type || !is_json_media_type(*content_type)) {
        fail(body, "send JSON with Content-Type: application/json",
             domain::Reason::unsupported_media_type);
        return body;
    }
    if (!security::valid_utf8(request.body)) {
        fail(body, "the body is not valid UTF-8");
        return body;
    }
    body.json = nlohmann::json::parse(request.body, nullptr, false);
    if (body.json.is_discarded()) {
        body.json = nlohmann::json::object();
        fail(body, "the body is not valid JSON");
    } else if (!body.json.is_object()) {
        body.json = nlohmann::json::object();
        fail(body, "the body must be a JSON object");
    }
    return body;
}

std::optional<std::string> take_string(Body& body, const char* name, bool required) {
    auto it = body.json.find(name);
    if (it == body.json.end() || it->is_null()) {
        if (required) {
            fail(body, std::string("the member \"") + name + "\" is required");
        }
        return std::nullopt;
    }
    if (!it->is_string()) {
        fail(body, std::string("the member \"") + name + "\" must be a string");
        return std::nullopt;
    }
    return it->get<std::string>();
}

std::optional<std::int64_t> take_integer(Body& body, const char* name, bool required) {
    auto it = body.json.find(name);
    if (it == body.json.end() || it->is_null()) {
        if (required) {
            fail(body, std::string("the member \"") + name + "\" is required");
        }
        return std::nullopt;
    }
    if (!it->is_number_integer()) {
        fail(body, std::string("the member \"") + name + "\" must be an integer");
        return std::nullopt;
    }
    return it->get<std::int64_t>();
}

std::optional<domain::Instant> take_instant(Body& body, const char* name, bool required) {
    auto text = take_string(body, name, required);
    if (!text) {
        return std::nullopt;
    }
    auto instant = domain::parse_instant(*text);
    if (!instant) {
        fail(body,
             std::string("the member \"") + name + "\" must be an instant like " +
                 "2026-03-02T00:00:00.000Z",
             domain::Reason::bad_instant);
    }
    return instant;
}

}  // namespace keyledger::api
