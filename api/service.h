#pragma once
// The HTTP API as a pure request -> response layer over the engine. It never touches a socket:
// api/http/ carries the bytes. Slow stateless work (keyed hashes, password hashing, fresh ids and
// secrets) happens here, off the decider thread; every decision is a job on the engine.

#include <atomic>
#include <memory>
#include <optional>

#include <boost/asio/thread_pool.hpp>

#include "api/http/message.h"
#include "api/http/server.h"
#include "api/metrics.h"
#include "api/rate_limit.h"
#include "domain/decide.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "security/keyed_hash.h"
#include "security/password.h"

namespace keyledger::api {

struct ServiceOptions {
    security::PasswordCost password_cost = security::PasswordCost::interactive;
    engine::ManualClock* manual_clock = nullptr;  // set: POST /v1/clock exists
    int worker_threads = 2;                       // password hashing, log reads, verify
    // Failed authentications per client address (malformed or unknown credentials, failed
    // logins): past the limit, whatever is not accepted is answered 429.
    FailureLimit address_limit{20, std::chrono::milliseconds(60'000), 100'000};
    // Refusals of one token's genuine secrets (revoked, expired, rotated...): past the limit they
    // are answered as before but counted, no longer recorded, so that a dead secret on a loop
    // cannot flood the log.
    FailureLimit token_limit{1000, std::chrono::milliseconds(60'000), 100'000};
    // The peer whose X-Forwarded-For names the client (a reverse proxy), if any.
    std::optional<std::string> trusted_proxy;
};

class Service final : public http::Handler {
  public:
    Service(engine::Engine& engine, security::SecretHasher hasher, ServiceOptions options);
    ~Service() override;

    void handle(http::Request request, http::Responder respond) override;

    // The transport's counters, for /metrics; may stay unset.
    void set_server_stats(const http::ServerStats* stats) { server_stats_ = stats; }
    const Metrics& metrics() const { return metrics_; }

    struct Exchange;

  private:
    void dispatch(const std::shared_ptr<Exchange>& ex);
    void operations(const std::shared_ptr<Exchange>& ex);
    void ingress(const std::shared_ptr<Exchange>& ex);
    void login(const std::shared_ptr<Exchange>& ex);
    void management(const std::shared_ptr<Exchange>& ex);

    // The authentication pipeline shared by webhook calls (webhook_id set) and management
    // requests: decide the call, honour Idempotency-Key, then run the route.
    void authenticated(
        const std::shared_ptr<Exchange>& ex, const std::string& webhook_id, bool is_read,
        std::function<struct Outcome(engine::Transaction&, const domain::Caller&)> route);
    void decide_authenticated(
        engine::Transaction& tx, const std::shared_ptr<Exchange>& ex,
        domain::CallDecision& decision, const domain::Caller& caller,
        const std::function<struct Outcome(engine::Transaction&, const domain::Caller&)>& route);
    // Answers once the batch holding this decision is durable.
    void respond_after(engine::Transaction& tx, const std::shared_ptr<Exchange>& ex,
                       http::Response response);
    void submit(const std::shared_ptr<Exchange>& ex,
                std::function<void(engine::Transaction&)> decide);
    void count_decision(bool webhook, const domain::CallDecision& decision);

    // The 429 for a client address past its failed-authentication limit, if it is.
    std::optional<http::Response> address_limited(const Exchange& ex);
    // Counts a refusal of a genuine secret of `token_id`; true when its token is past its limit
    // (the refusal is then counted in metrics instead of recorded).
    bool token_refusal_limited(const std::string& token_id);
    // Counts a failed authentication (a guess) of the client's address.
    void note_auth_failure(const Exchange& ex);

    engine::Engine& engine_;
    security::SecretHasher hasher_;
    ServiceOptions options_;
    FailureLimiter address_limiter_;
    FailureLimiter token_limiter_;
    boost::asio::thread_pool workers_;
    Metrics metrics_;
    const http::ServerStats* server_stats_ = nullptr;
    // Checked against for unknown usernames, so a login takes as long whether or not the
    // account exists.
    std::string dummy_password_hash_;

    friend struct Routes;
};

}  // namespace keyledger::api
