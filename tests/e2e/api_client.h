#pragma once
// A thin JSON client over the test HTTP client, for end-to-end tests.

#include <string>

#include <nlohmann/json.hpp>

#include "tests/http/test_client.h"

namespace keyledger::testing {

using Json = nlohmann::json;
using tests::http::HeaderList;
using tests::http::HttpResult;

struct Reply {
    unsigned status = 0;
    Json json;
    std::string body;
    HeaderList headers;
    std::string header(std::string_view name) const;
};

class ApiClient {
  public:
    explicit ApiClient(unsigned short port) : port_(port) {}

    Reply send(std::string_view method, const std::string& target, const std::string& bearer,
               const std::optional<Json>& body = std::nullopt, HeaderList extra = {});
    Reply get(const std::string& target, const std::string& bearer) {
        return send("GET", target, bearer);
    }
    Reply post(const std::string& target, const std::string& bearer, const Json& body) {
        return send("POST", target, bearer, body);
    }
    // A webhook call with any Authorization value (or none when empty).
    Reply hook(const std::string& webhook_id, const std::string& authorization,
               const std::string& body = "{\"order\":1}");
    // Moves the manual clock; returns the new instant.
    std::string advance(const std::string& admin_secret, std::int64_t ms);

    void set_port(unsigned short port) { port_ = port; }

  private:
    unsigned short port_;
};

std::string basic(const std::string& user, const std::string& secret);
// A raw result as a Reply, its body parsed when it is a JSON object.
Reply to_reply(const HttpResult& result);

}  // namespace keyledger::testing
