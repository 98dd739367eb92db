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
        const domain::CallDecision& decision, const domain::Caller& caller,
        const std::function<struct Outcome(engine::Transaction&, const domain::Caller&)>& route);
    // Answers once the batch holding this decision is durable.
    void respond_after(engine::Transaction& tx, const std::shared_ptr<Exchange>& ex,
                       http::Response response);
    void submit(const std::shared_ptr<Exchange>& ex,
                std::function<void(engine::Transaction&)> decide);
    void count_decision(bool webhook, const domain::CallDecision& decision);

    engine::Engine& engine_;
    security::SecretHasher hasher_;
    ServiceOptions options_;
    boost::asio::thread_pool workers_;
    Metrics metrics_;
    const http::ServerStats* server_stats_ = nullptr;
    // Checked against for unknown usernames, so a login takes as long whether or not the
    // account exists.
    std::string dummy_password_hash_;

    friend struct Routes;
};

}  // namespace keyledger::api
