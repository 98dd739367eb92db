#include "tests/codec/random_events.h"

#include <cstdint>
#include <limits>
#include <utility>
#include <variant>

#include "domain/instant.h"

namespace keyledger::testing {
namespace {

using namespace keyledger::domain;

constexpr int kReasonCount = static_cast<int>(Reason::idempotency_key_reused) + 1;

class Filler {
  public:
    Filler(Rng& rng, const RandomOptions& options) : rng_(rng), options_(options) {}

    std::string text() {
        const std::size_t size = pick(0, 3) == 0 ? 0 : pick(1, 40);
        if (options_.any_bytes) {
            return random_bytes(rng_, size);
        }
        std::string out(size, ' ');
        for (char& c : out) {
            c = static_cast<char>(pick(0x20, 0x7E));
        }
        return out;
    }
    Instant instant() {
        if (options_.any_instant) {
            return static_cast<Instant>(rng_());
        }
        return std::uniform_int_distribution<Instant>(kMinTextInstant, kMaxTextInstant)(rng_);
    }
    std::optional<Instant> maybe_instant() {
        return coin() ? std::optional(instant()) : std::nullopt;
    }
    Digest digest() {
        Digest out;
        for (auto& byte : out) {
            byte = static_cast<std::uint8_t>(rng_());
        }
        return out;
    }
    Reason reason() { return static_cast<Reason>(pick(0, kReasonCount - 1)); }
    std::optional<Reason> maybe_reason() { return coin() ? std::optional(reason()) : std::nullopt; }
    std::vector<std::string> texts() {
        std::vector<std::string> out(pick(0, 5));
        for (auto& s : out) {
            s = text();
        }
        return out;
    }
    bool coin() { return (rng_() & 1) != 0; }
    std::uint64_t any() { return rng_(); }
    std::size_t pick(std::size_t low, std::size_t high) {
        return std::uniform_int_distribution<std::size_t>(low, high)(rng_);
    }

  private:
    Rng& rng_;
    const RandomOptions& options_;
};

struct Fill {
    Filler& f;

    void operator()(StoreCreated& e) const {
        e.window_ms = f.instant();
        e.store_id = f.text();
    }
    void operator()(UserCreated& e) const {
        e.user_id = f.text();
        e.username = f.text();
        e.kind = f.coin() ? AccountKind::person : AccountKind::service;
        e.roles = static_cast<Roles>(f.any());
        e.password_hash = f.coin() ? f.text() : std::string();
    }
    void operator()(PasswordChanged& e) const {
        e.user_id = f.text();
        e.password_hash = f.text();
    }
    void operator()(LoginSucceeded& e) const { e.user_id = f.text(); }
    void operator()(LoginFailed& e) const {
        e.user_id = f.text();
        e.reason = f.reason();
    }
    void operator()(UserReactivated& e) const { e.user_id = f.text(); }
    void operator()(UserDeleted& e) const { e.user_id = f.text(); }
    void operator()(WebhookInstalled& e) const {
        e.webhook_id = f.text();
        e.name = f.text();
        e.auth = f.coin() ? WebhookAuth::bearer : WebhookAuth::basic;
        e.created_by = f.text();
    }
    void operator()(WebhookUninstalled& e) const { e.webhook_id = f.text(); }
    void operator()(TokenIssued& e) const {
        e.token_id = f.text();
        e.kind = f.coin() ? TokenKind::app : TokenKind::api;
        e.owner_id = f.text();
        e.webhook_id = f.text();
        e.name = f.text();
        e.expires_at = f.maybe_instant();
        e.secret_hash = f.digest();
    }
    void operator()(TokenRevoked& e) const { e.token_id = f.text(); }
    void operator()(TokenRotated& e) const {
        e.token_id = f.text();
        e.secret_hash = f.digest();
        e.grace_ms = f.instant();
    }
    void operator()(TokenTransferred& e) const {
        e.token_id = f.text();
        e.from_owner_id = f.text();
        e.to_owner_id = f.text();
    }
    void operator()(CallDecided& e) const {
        e.call_id = f.text();
        e.token_id = f.text();
        e.owner_id = f.text();
        e.webhook_id = f.text();
        e.request = f.text();
        e.previous_secret = f.coin();
        e.refusal = f.maybe_reason();
        e.body_length = f.any();
        e.body_sha256 = f.digest();
    }
    void operator()(CommandRefused& e) const {
        e.command = f.text();
        e.reason = f.reason();
        e.subject_id = f.text();
        e.token_ids = f.texts();
        e.webhook_ids = f.texts();
    }
    void operator()(IdempotencyRecorded& e) const {
        e.token_id = f.text();
        e.method = f.text();
        e.path = f.text();
        e.key = f.text();
        e.body_sha256 = f.digest();
        e.status = static_cast<std::uint32_t>(f.any());
        e.response_body = f.text();
    }
};

template <std::size_t... I>
std::vector<Event> each_alternative(std::index_sequence<I...>) {
    return {Event(std::in_place_index<I>)...};
}

}  // namespace

std::vector<Event> default_events() {
    return each_alternative(std::make_index_sequence<std::variant_size_v<Event>>{});
}

std::string random_bytes(Rng& rng, std::size_t size) {
    std::string out(size, '\0');
    for (char& c : out) {
        c = static_cast<char>(rng());
    }
    return out;
}

Event random_event(Rng& rng, std::size_t alternative, const RandomOptions& options) {
    Event event = default_events().at(alternative);
    Filler filler(rng, options);
    std::visit(Fill{filler}, event);
    return event;
}

Event random_event(Rng& rng, const RandomOptions& options) {
    const std::size_t alternative =
        std::uniform_int_distribution<std::size_t>(0, std::variant_size_v<Event> - 1)(rng);
    return random_event(rng, alternative, options);
}

}  // namespace keyledger::testing
