#pragma once
// Pieces shared by the service's files; not part of the api/ interface.

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/request_target.h"
#include "api/service.h"
#include "domain/commands.h"
#include "domain/decide.h"

namespace keyledger::api {

// One request on its way through the service.
struct Service::Exchange {
    http::Request request;
    http::Responder respond;
    RequestTarget target;
    std::string correlation_id;
    std::string client_key;  // what the failed-authentication limit counts (rate_limit.h)
    std::string call_id;

    enum class Credential { missing, malformed, unknown, candidate };
    Credential credential = Credential::missing;
    domain::PresentedSecret secret;
    domain::Digest body_sha256{};
    std::optional<std::string> idempotency_key;
    bool idempotency_key_repeated = false;  // the header came more than once: refused

    // Takes the Idempotency-Key header, if any, into idempotency_key.
    void take_idempotency_key() {
        const auto keys = request.header_values("idempotency-key");
        if (!keys.empty()) {
            idempotency_key = std::string(keys.front());
            idempotency_key_repeated = keys.size() > 1;
        }
    }
};

// What a route answers once the caller is authenticated. `deferred`, when set, runs on a worker
// thread after the batch is durable and gives the answer instead (reads of the log).
struct Outcome {
    http::Response response;
    std::function<http::Response()> deferred;
};

using Route = std::function<Outcome(engine::Transaction&, const domain::Caller&)>;

// A parsed JSON body, or why it is not one.
struct Body {
    nlohmann::json json = nlohmann::json::object();
    std::optional<domain::BodyError> error;
};
Body parse_body(const http::Request& request, bool may_be_empty);

// Typed members of a body; each records the first problem in body.error. An absent optional
// member is nullopt; a null is refused with the member named, required or not.
std::optional<std::string> take_string(Body& body, const char* name, bool required);
std::optional<std::int64_t> take_integer(Body& body, const char* name, bool required);
std::optional<nlohmann::json> take_array(Body& body, const char* name, bool required);
std::optional<domain::Instant> take_instant(Body& body, const char* name, bool required);

// The answer to a refused decision (409 user_has_active_tokens lists tokens and webhooks).
http::Response refusal_response(const domain::Refusal& refusal, const domain::State& state,
                                domain::Instant now);

// 503 with the engine's reason (a full disk, a failed write) when it has one.
http::Response store_unavailable(std::string_view reason = {});

// 429 rate_limited with Retry-After.
http::Response rate_limited(std::chrono::milliseconds wait, std::string_view message);

// Reads the credential the way DOMAIN.md says, and hashes a secret that has our shape.
void prepare_credential(Service::Exchange& ex, const security::SecretHasher& hasher);

// 401 with its challenge. `genuine`: the caller presented one of our secrets.
http::Response unauthorized(domain::Reason reason, Service::Exchange::Credential credential,
                            bool genuine, std::optional<domain::WebhookAuth> webhook_auth);

}  // namespace keyledger::api
