#pragma once
// A store built through the real engine, with a manual clock, for the audit tests: commands are
// decided by domain::decide and calls by domain::decide_call, exactly as the server decides
// them, and recorded by the engine in one durable batch each.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "domain/decide.h"
#include "engine/engine.h"

namespace keyledger::testing {

inline constexpr domain::Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z
inline constexpr domain::Instant kDay = domain::kDayMs;

// A stand-in for the keyed hash of a secret: any fixed digest per name does.
inline domain::Digest digest_of(const std::string& secret) {
    domain::Digest digest{};
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest.data());
    return digest;
}

class Ledger {
  public:
    // Creates the store in `dir` with the account "admin" (every role) and its API token
    // "tok_admin" (secret "s-admin"), at kStart.
    explicit Ledger(const std::filesystem::path& dir) : clock(kStart) {
        auto store = eventstore::open_rocksdb_store(dir, {.create = true, .sync = false});
        EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
        engine::EngineOptions options;
        options.snapshot_at_stop = false;  // tests that want a snapshot write one
        auto opened = engine::Engine::open(std::move(*store), clock, options);
        EXPECT_TRUE(opened.has_value()) << (opened ? "" : opened.error());
        engine_ = std::move(*opened);
        using namespace domain;
        const Roles all = static_cast<Roles>(Role::user_admin) |
                          static_cast<Roles>(Role::webhook_admin) |
                          static_cast<Roles>(Role::auditor);
        EXPECT_TRUE(engine_->run_now([&](engine::Transaction& tx) {
            tx.record(StoreCreated{60 * kDayMs, "audit-test"}, "operator", "c0");
            tx.record(UserCreated{"usr_admin", "admin", AccountKind::service, all, ""}, "operator",
                      "c0");
            tx.record(TokenIssued{"tok_admin", TokenKind::api, "usr_admin", "", "", std::nullopt,
                                  digest_of("s-admin")},
                      "operator", "c0");
        }));
    }

    // Decides `command` as the admin and records what it produced; the refusal, if any.
    std::optional<domain::Refusal> command(const domain::Command& command) {
        std::optional<domain::Refusal> refusal;
        EXPECT_TRUE(engine_->run_now([&](engine::Transaction& tx) {
            auto decision = domain::decide(tx.state(), {"usr_admin", "tok_admin"}, command,
                                           std::nullopt, tx.now());
            tx.record_all(decision.events, "usr_admin", "c-" + std::to_string(++counter_));
            refusal = decision.refusal;
        }));
        return refusal;
    }
    void must(const domain::Command& c) {
        auto refusal = command(c);
        ASSERT_FALSE(refusal.has_value()) << refusal->message;
    }

    // A webhook call (or, with an empty webhook, a management request) presenting `secret`;
    // returns its call id.
    std::string call(const std::string& secret, const std::string& webhook_id) {
        return record_call(secret, webhook_id, std::nullopt);
    }

    // A webhook call carrying `body`, as the server records it: the call event holds the body's
    // length and SHA-256 and, when accepted, the delivery is stored in the same batch.
    std::string deliver(const std::string& secret, const std::string& webhook_id,
                        const std::string& body) {
        return record_call(secret, webhook_id, body);
    }

    // Records facts as they are, without the rules: histories the rules would never write (an
    // insider's, or an older version's) must still be explained.
    void record(const domain::Event& event) {
        EXPECT_TRUE(engine_->run_now(
            [&](engine::Transaction& tx) { tx.record(event, "usr_admin", "c-raw"); }));
    }

    // The user, webhook and tokens most tests need: "usr_alice" (active person), webhook
    // "whk_shop" whose app token "tok_shop" (secret "s-shop") belongs to alice.
    void shop() {
        using namespace domain;
        must(CreateUser{"usr_alice", "alice", AccountKind::person, 0, ""});
        must(InstallWebhook{"whk_shop", "shop orders", WebhookAuth::bearer,
                            std::string("usr_alice"), "tok_shop", digest_of("s-shop")});
    }

    engine::Engine& engine() { return *engine_; }
    const eventstore::EventStore& store() const { return engine_->store(); }
    const projections::ReadModel& model() const { return engine_->model(); }
    domain::Instant window() const { return engine_->window_ms(); }
    std::uint64_t head() const { return engine_->store().head_position(); }

    engine::ManualClock clock;

  private:
    std::string record_call(const std::string& secret, const std::string& webhook_id,
                            const std::optional<std::string>& body) {
        const std::string call_id = "call_" + std::to_string(++counter_);
        EXPECT_TRUE(engine_->run_now([&](engine::Transaction& tx) {
            domain::AuthenticateCall call;
            call.call_id = call_id;
            call.secret.secret_hash = digest_of(secret);
            call.webhook_id = webhook_id;
            if (webhook_id.empty()) {
                call.request = "POST /v1/users";
            }
            call.body_length = body ? body->size() : 11;
            if (body) {
                call.body_sha256 = digest_of(*body);
            }
            auto decision = domain::decide_call(tx.state(), call, tx.now());
            tx.record_all(
                decision.events,
                decision.owner_id().empty() ? std::string_view("anonymous") : decision.owner_id(),
                call_id);
            if (body && decision.outcome == domain::CallDecision::Outcome::accepted) {
                tx.record_delivery(
                    eventstore::NewDelivery{webhook_id, call_id, tx.now(), "text/plain", *body});
            }
        }));
        return call_id;
    }

    std::unique_ptr<engine::Engine> engine_;
    int counter_ = 0;
};

}  // namespace keyledger::testing
