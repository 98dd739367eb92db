#include "tests/e2e/api_client.h"

#include "security/base64.h"

namespace keyledger::testing {
Reply to_reply(const HttpResult& result) {
    Reply reply;
    reply.status = result.status;
    reply.body = result.body;
    reply.headers = result.headers;
    if (!result.body.empty() && result.body.front() == '{') {
        reply.json = Json::parse(result.body, nullptr, false);
    }
    return reply;
}

std::string Reply::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() &&
            std::equal(key.begin(), key.end(), name.begin(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
            return value;
        }
    }
    return {};
}

Reply ApiClient::send(std::string_view method, const std::string& target, const std::string& bearer,
                      const std::optional<Json>& body, HeaderList extra) {
    if (!bearer.empty()) {
        extra.emplace_back("Authorization", "Bearer " + bearer);
    }
    std::string payload;
    if (body) {
        extra.emplace_back("Content-Type", "application/json");
        payload = body->dump();
    }
    return to_reply(tests::http::request(port_, method, target, extra, payload));
}

Reply ApiClient::hook(const std::string& webhook_id, const std::string& authorization,
                      const std::string& body) {
    HeaderList headers{{"Content-Type", "application/json"}};
    if (!authorization.empty()) {
        headers.emplace_back("Authorization", authorization);
    }
    return to_reply(tests::http::request(port_, "POST", "/v1/hooks/" + webhook_id, headers, body));
}

std::string ApiClient::advance(const std::string& admin_secret, std::int64_t ms) {
    Reply reply = post("/v1/clock", admin_secret, Json{{"advance_ms", ms}});
    return reply.json.value("now", "");
}

std::string basic(const std::string& user, const std::string& secret) {
    return "Basic " + security::base64_encode(user + ":" + secret);
}

}  // namespace keyledger::testing
