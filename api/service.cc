#include "api/service.h"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "api/log.h"
#include "api/responses.h"
#include "api/service_internal.h"
#include "api/views.h"
#include "security/credentials.h"
#include "security/random.h"
#include "security/sha256.h"
#include "security/token_secret.h"

namespace keyledger::api {

using domain::Reason;
using Credential = Service::Exchange::Credential;

namespace {

constexpr std::size_t kMaxIdempotencyKey = 255;
constexpr std::size_t kMaxRequestId = 128;

bool printable_ascii(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string correlation_id_of(const http::Request& request) {
    auto given = request.header("x-request-id");
    if (given && !given->empty() && given->size() <= kMaxRequestId && printable_ascii(*given)) {
        return std::string(*given);
    }
    return security::new_id("req");
}

bool is_write(std::string_view method) {
    return method == "POST" || method == "PUT" || method == "DELETE";
}

}  // namespace

http::Response unauthorized(Reason reason, Credential credential, bool genuine,
                            std::optional<domain::WebhookAuth> webhook_auth) {
    const Reason shown = genuine ? reason
                         : credential == Credential::missing || credential == Credential::malformed
                             ? Reason::malformed
                             : Reason::unknown_token;
    std::string message = credential == Credential::missing
                              ? "this needs a credential in the Authorization header"
                              : "the credential was refused: " + std::string(to_string(shown));
    http::Response response = error(401, to_string(shown), message);
    std::string challenge;
    if (webhook_auth == domain::WebhookAuth::basic) {
        challenge = "Basic realm=\"keyledger\", charset=\"UTF-8\"";
    } else if (credential == Credential::missing) {
        challenge = "Bearer realm=\"keyledger\"";
    } else if (credential == Credential::malformed) {
        challenge = "Bearer realm=\"keyledger\", error=\"invalid_request\"";
    } else {
        challenge = "Bearer realm=\"keyledger\", error=\"invalid_token\"";
        if (genuine) {
            challenge += ", error_description=\"" + std::string(to_string(reason)) + "\"";
        }
    }
    response.headers.emplace_back("WWW-Authenticate", std::move(challenge));
    return response;
}

http::Response refusal_response(const domain::Refusal& refusal, const domain::State& state,
                                domain::Instant now) {
    nlohmann::json extra = nlohmann::json::object();
    if (refusal.reason == Reason::user_has_active_tokens) {
        nlohmann::json tokens = nlohmann::json::array();
        for (const auto& id : refusal.token_ids) {
            if (const auto* token = state.token(id)) {
                tokens.push_back(token_json(state, *token, std::nullopt, now));
            }
        }
        nlohmann::json webhooks = nlohmann::json::array();
        for (const auto& id : refusal.webhook_ids) {
            if (const auto* webhook = state.webhook(id)) {
                webhooks.push_back(webhook_json(state, *webhook));
            }
        }
        extra["tokens"] = std::move(tokens);
        extra["webhooks"] = std::move(webhooks);
    }
    return error(status_of(refusal.reason), to_string(refusal.reason), refusal.message, extra);
}

Service::Service(engine::Engine& engine, security::SecretHasher hasher, ServiceOptions options)
    : engine_(engine),
      hasher_(std::move(hasher)),
      options_(options),
      address_limiter_(options.address_limit),
      token_limiter_(options.token_limit),
      workers_(static_cast<std::size_t>(std::max(1, options.worker_threads))),
      dummy_password_hash_(
          security::hash_password(security::random_bytes(16), options.password_cost)) {}

Service::~Service() {
    workers_.join();
}

void Service::handle(http::Request request, http::Responder respond) {
    auto ex = std::make_shared<Exchange>();
    ex->correlation_id = correlation_id_of(request);
    ex->client_key = client_key(client_address(
        request.remote, request.header_values("x-forwarded-for"), options_.trusted_proxy));
    ex->request = std::move(request);
    // Every answer carries the correlation id and is counted, whatever path it took.
    ex->respond = [this, id = ex->correlation_id,
                   respond = std::move(respond)](http::Response response) {
        response.headers.emplace_back("X-Request-Id", id);
        metrics_.count_response(response.status);
        respond(std::move(response));
    };
    auto target = parse_target(ex->request.target);
    if (!target) {
        ex->respond(error(400, "bad_request", "the request target is not a valid path"));
        return;
    }
    // A secret pasted where an id belongs (say, to revoke a leaked one) must not reach the
    // decision's record, the logs or an error message that names the id.
    if (std::ranges::any_of(target->segments, [](const std::string& segment) {
            return security::contains_token_secret(segment);
        })) {
        ex->respond(error(400, "bad_request",
                          "the request path holds a token secret; it was neither recorded nor "
                          "logged: revoke that token if the secret was exposed, and name tokens "
                          "by their id"));
        return;
    }
    ex->target = std::move(*target);
    dispatch(ex);
}

void prepare_credential(Service::Exchange& ex, const security::SecretHasher& hasher) {
    auto values = ex.request.header_values("authorization");
    auto parsed = security::parse_credential(values, ex.target.has_access_token);
    if (!parsed) {
        ex.credential = parsed.error() == security::CredentialProblem::missing
                            ? Credential::missing
                            : Credential::malformed;
        return;
    }
    // The checksum refuses a mistyped secret without a lookup.
    if (!security::secret_format_ok(parsed->secret)) {
        ex.credential = Credential::unknown;
        return;
    }
    ex.credential = Credential::candidate;
    ex.secret.secret_hash = hasher.hash(parsed->secret);
    ex.secret.basic_user_id = parsed->basic_user_id;
}

void Service::dispatch(const std::shared_ptr<Exchange>& ex) {
    const auto& segments = ex->target.segments;
    if (segments.empty() || segments.front() != "v1") {
        operations(ex);
        return;
    }
    if (segments.size() == 3 && segments[1] == "hooks" && !segments[2].empty()) {
        ingress(ex);
        return;
    }
    if (segments.size() == 2 && segments[1] == "login") {
        login(ex);
        return;
    }
    management(ex);
}

void Service::operations(const std::shared_ptr<Exchange>& ex) {
    const auto& segments = ex->target.segments;
    const std::string name = segments.size() == 1 ? segments.front() : "";
    if (name != "healthz" && name != "readyz" && name != "metrics") {
        ex->respond(error(404, "not_found", "no such route: " + ex->target.path));
        return;
    }
    if (ex->request.method != "GET") {
        http::Response response = error(405, "method_not_allowed", "use GET");
        response.headers.emplace_back("Allow", "GET");
        ex->respond(std::move(response));
        return;
    }
    if (name == "healthz") {
        ex->respond(json_response(200, {{"status", "up"}}));
        return;
    }
    const std::string unavailable = engine_.unavailable_reason();
    const std::string damage = engine_.history_damage();
    const bool ready = engine_.running() && unavailable.empty() && damage.empty();
    if (name == "readyz") {
        if (!damage.empty()) {
            ex->respond(error(503, "store_damaged", damage));
        } else if (ready) {
            ex->respond(json_response(
                200, {{"status", "ready"}, {"position", engine_.stats().head_position.load()}}));
        } else if (!unavailable.empty()) {
            ex->respond(store_unavailable(unavailable));
        } else {
            ex->respond(error(503, "not_ready", "the server is starting"));
        }
        return;
    }
    // /metrics: the health gauges need the live state, so they are read on the decider thread.
    // TODO(perf): the 7-day forecast is recomputed on every scrape (linear in accounts, tokens
    // and webhooks); keep it incrementally once stores grow large.
    auto render = [this, ex](const projections::HealthCounts& health, bool is_ready) {
        http::Response response;
        response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
        response.body = render_metrics(metrics_, engine_.stats(), server_stats_, health,
                                       is_ready && engine_.history_damage().empty());
        ex->respond(std::move(response));
    };
    const bool queued = engine_.submit(
        engine::Engine::Job{[render](engine::Transaction& tx) {
                                render(projections::health_counts(tx.state(), tx.now()), true);
                            },
                            [render] { render({}, false); }});
    if (!queued) {
        render({}, false);
    }
}

void Service::ingress(const std::shared_ptr<Exchange>& ex) {
    if (ex->request.method != "POST") {
        http::Response response = error(405, "method_not_allowed", "webhooks take POST");
        response.headers.emplace_back("Allow", "POST");
        ex->respond(std::move(response));
        return;
    }
    prepare_credential(*ex, hasher_);
    ex->call_id = security::new_id("call");
    ex->body_sha256 = security::sha256(ex->request.body);
    ex->take_idempotency_key();
    // The 202 body, formatted here on the I/O thread rather than by nlohmann::json on the
    // decider's: the id is the only variable part, and ids need no escaping.
    http::Response accepted;
    accepted.status = 202;
    accepted.headers.emplace_back("Content-Type", "application/json");
    accepted.body = "{\"call_id\":\"" + ex->call_id + "\"}";
    authenticated(
        ex, ex->target.segments[2], false,
        [ex, accepted = std::move(accepted)](engine::Transaction& tx, const domain::Caller&) {
            auto content_type = ex->request.header("content-type");
            tx.record_delivery(eventstore::NewDelivery{
                ex->target.segments[2], ex->call_id, tx.now(),
                content_type ? std::string(*content_type) : std::string(), ex->request.body});
            return Outcome{accepted, {}};
        });
}

void Service::authenticated(const std::shared_ptr<Exchange>& ex, const std::string& webhook_id,
                            bool is_read, Route route) {
    auto& m = metrics_;
    const bool webhook = !webhook_id.empty();
    auto count_rejected = [&m](Credential credential) {
        if (credential == Credential::missing) {
            m.credentials_missing++;
        } else if (credential == Credential::malformed) {
            m.credentials_malformed++;
        } else {
            m.credentials_unknown++;
        }
    };
    // Management answers 401 at once for a credential that cannot be ours; a webhook first
    // answers 404 for an unknown webhook, which needs the state.
    if (!webhook && ex->credential != Credential::candidate) {
        if (auto limited = address_limited(*ex)) {
            ex->respond(std::move(*limited));
            return;
        }
        count_rejected(ex->credential);
        log_rejected_credential(*ex);
        if (ex->credential != Credential::missing) {
            note_auth_failure(*ex);
        }
        ex->respond(unauthorized(Reason::malformed, ex->credential, false, std::nullopt));
        return;
    }
    auto job = [this, ex, webhook_id, is_read, route = std::move(route),
                count_rejected](engine::Transaction& tx) {
        const domain::State& state = tx.state();
        std::optional<domain::WebhookAuth> auth;
        if (!webhook_id.empty()) {
            const domain::Webhook* hook = state.webhook(webhook_id);
            if (hook == nullptr || hook->uninstalled_at) {
                respond_after(tx, ex,
                              hook == nullptr
                                  ? error(404, "not_found", "no webhook " + webhook_id)
                                  : error(404, "webhook_uninstalled",
                                          "the webhook " + webhook_id + " is uninstalled"));
                return;
            }
            auth = hook->auth;
            if (ex->credential != Credential::candidate) {
                if (auto limited = address_limited(*ex)) {
                    respond_after(tx, ex, std::move(*limited));
                    return;
                }
                count_rejected(ex->credential);
                log_rejected_credential(*ex);
                if (ex->credential != Credential::missing) {
                    note_auth_failure(*ex);
                }
                respond_after(tx, ex, unauthorized(Reason::malformed, ex->credential, false, auth));
                return;
            }
        }

        domain::AuthenticateCall call;
        call.call_id = ex->call_id.empty() ? security::new_id("call") : ex->call_id;
        call.secret = ex->secret;
        call.webhook_id = webhook_id;
        if (webhook_id.empty()) {
            call.request = ex->request.method + " " + ex->target.path;
        }
        call.is_read = is_read;
        call.body_length = ex->request.body.size();
        call.body_sha256 = ex->body_sha256;
        domain::CallDecision decision = domain::decide_call(state, std::move(call), tx.now());

        // The address limit is consulted only once the credential is known not to be accepted:
        // an accepted secret is never answered 429, whatever its address did before.
        using Outcome_ = domain::CallDecision::Outcome;
        if (decision.outcome != Outcome_::accepted) {
            if (auto limited = address_limited(*ex)) {
                // A capacity answer: neither recorded nor activity (DOMAIN.md).
                respond_after(tx, ex, std::move(*limited));
                return;
            }
        }
        count_decision(!webhook_id.empty(), decision);
        if (decision.outcome == Outcome_::unknown) {
            count_rejected(Credential::unknown);
            log_rejected_credential(*ex);
            note_auth_failure(*ex);
            respond_after(tx, ex,
                          unauthorized(Reason::unknown_token, Credential::unknown, false, auth));
            return;
        }
        if (decision.outcome == Outcome_::refused) {
            // A genuine secret is no guess: it counts against its token, not its address. Past
            // the token's limit the refusal is answered the same, counted, and not recorded.
            if (!token_refusal_limited(std::string(decision.token_id()))) {
                tx.record_all(decision.events, decision.owner_id(), ex->correlation_id);
                log_call(*ex, decision, webhook_id);
            }
            respond_after(tx, ex, unauthorized(decision.reason, Credential::candidate, true, auth));
            return;
        }
        const domain::Caller caller{std::string(decision.owner_id()),
                                    std::string(decision.token_id())};
        decide_authenticated(tx, ex, decision, caller, route);
    };
    submit(ex, std::move(job));
}

void Service::decide_authenticated(engine::Transaction& tx, const std::shared_ptr<Exchange>& ex,
                                   domain::CallDecision& decision, const domain::Caller& caller,
                                   const Route& route) {
    const domain::State& state = tx.state();
    const domain::Instant now = tx.now();
    const bool keyed = ex->idempotency_key.has_value() && is_write(ex->request.method);
    domain::IdempotencyScope scope{caller.token_id, ex->request.method, ex->target.path,
                                   ex->idempotency_key.value_or("")};
    if (keyed) {
        const std::string& key = *ex->idempotency_key;
        if (ex->idempotency_key_repeated) {
            tx.record_all(decision.events, caller.account_id, ex->correlation_id);
            respond_after(tx, ex,
                          error(400, "bad_request",
                                "Idempotency-Key must be given once: which one was meant is "
                                "unknown"));
            return;
        }
        if (key.empty() || key.size() > kMaxIdempotencyKey || !printable_ascii(key)) {
            tx.record_all(decision.events, caller.account_id, ex->correlation_id);
            respond_after(tx, ex,
                          error(400, "bad_request",
                                "Idempotency-Key must be 1 to 255 printable ASCII characters"));
            return;
        }
        auto found = state.idempotency.find(scope);
        if (found != state.idempotency.end() &&
            now < found->second.recorded_at + domain::kIdempotencyTtlMs) {
            const domain::IdempotencyEntry& entry = found->second;
            if (entry.body_sha256 == ex->body_sha256) {
                // A faithful repeat: same answer, nothing recorded, no activity.
                metrics_.idempotent_replays++;
                http::Response replay;
                replay.status = entry.status;
                if (!entry.response_body.empty()) {
                    replay.headers.emplace_back("Content-Type", "application/json");
                }
                replay.headers.emplace_back("Idempotent-Replayed", "true");
                replay.body = entry.response_body;
                respond_after(tx, ex, std::move(replay));
                return;
            }
            tx.record_all(decision.events, caller.account_id, ex->correlation_id);
            tx.record(
                domain::CommandRefused{"Idempotency", Reason::idempotency_key_reused, key, {}, {}},
                caller.account_id, ex->correlation_id);
            respond_after(tx, ex,
                          error(422, "idempotency_key_reused",
                                "this Idempotency-Key was used with another body"));
            return;
        }
    }

    // A webhook call that reaches its route stores its delivery in this batch: the call event
    // records the delivery's Content-Type, so that the chain covers it and `audit verify` knows
    // a delivery was stored.
    for (domain::Event& event : decision.events) {
        auto* call = std::get_if<domain::CallDecided>(&event);
        if (call != nullptr && !call->webhook_id.empty()) {
            auto content_type = ex->request.header("content-type");
            call->content_type = content_type ? std::string(*content_type) : std::string();
        }
    }
    tx.record_all(decision.events, caller.account_id, ex->correlation_id);
    Outcome outcome = route(tx, caller);
    const unsigned status = outcome.response.status;
    if (keyed && !outcome.deferred && status != 401 && status != 429 && status < 500) {
        tx.record(domain::IdempotencyRecorded{caller.token_id, scope.method, scope.path, scope.key,
                                              ex->body_sha256, status,
                                              without_secrets(outcome.response.body)},
                  caller.account_id, ex->correlation_id);
    }
    if (outcome.deferred) {
        tx.then([this, ex, deferred = std::move(outcome.deferred)](bool durable) {
            if (!durable) {
                ex->respond(store_unavailable(engine_.unavailable_reason()));
                return;
            }
            boost::asio::post(workers_, [ex, deferred] { ex->respond(deferred()); });
        });
        return;
    }
    respond_after(tx, ex, std::move(outcome.response));
}

void Service::respond_after(engine::Transaction& tx, const std::shared_ptr<Exchange>& ex,
                            http::Response response) {
    tx.then([this, ex, response = std::move(response)](bool durable) mutable {
        ex->respond(durable ? std::move(response)
                            : store_unavailable(engine_.unavailable_reason()));
    });
}

void Service::submit(const std::shared_ptr<Exchange>& ex,
                     std::function<void(engine::Transaction&)> decide) {
    const bool queued = engine_.submit(engine::Engine::Job{
        std::move(decide),
        [this, ex] { ex->respond(store_unavailable(engine_.unavailable_reason())); }});
    if (!queued) {
        ex->respond(store_unavailable(engine_.unavailable_reason()));
    }
}

void Service::count_decision(bool webhook, const domain::CallDecision& decision) {
    using Outcome_ = domain::CallDecision::Outcome;
    if (decision.outcome == Outcome_::unknown) {
        return;
    }
    if (decision.outcome == Outcome_::accepted) {
        (webhook ? metrics_.webhook_accepted : metrics_.management_accepted)++;
        return;
    }
    auto& refused = webhook ? metrics_.webhook_refused : metrics_.management_refused;
    refused.at(static_cast<std::size_t>(decision.reason))++;
}

std::optional<http::Response> Service::address_limited(const Exchange& ex) {
    const auto wait = address_limiter_.limited(ex.client_key, std::chrono::steady_clock::now());
    if (!wait) {
        return std::nullopt;
    }
    metrics_.rate_limited_address++;
    log_line(spdlog::level::debug, "rate_limited",
             {{"limit", "address"},
              {"client", ex.client_key},
              {"path", ex.target.path},
              {"correlation_id", ex.correlation_id}});
    return rate_limited(*wait, "too many failed authentications from this address");
}

bool Service::token_refusal_limited(const std::string& token_id) {
    const auto now = std::chrono::steady_clock::now();
    if (token_limiter_.limited(token_id, now)) {
        metrics_.unrecorded_refusals++;
        return true;
    }
    token_limiter_.note_failure(token_id, now);
    return false;
}

void Service::note_auth_failure(const Exchange& ex) {
    address_limiter_.note_failure(ex.client_key, std::chrono::steady_clock::now());
}

http::Response rate_limited(std::chrono::milliseconds wait, std::string_view message) {
    const std::int64_t seconds = retry_after_seconds(wait);
    http::Response response = error(
        429, "rate_limited", std::string(message) + "; retry in " + std::to_string(seconds) + " s");
    response.headers.emplace_back("Retry-After", std::to_string(seconds));
    return response;
}

http::Response store_unavailable(std::string_view reason) {
    http::Response response =
        error(503, "store_unavailable",
              reason.empty() ? "the store cannot record decisions now; retry later"
                             : std::string(reason));
    response.headers.emplace_back("Retry-After", "5");
    return response;
}

}  // namespace keyledger::api
