#pragma once
// Counters for /metrics. No label names a token, a webhook or an account: the cardinality stays
// fixed whatever the traffic.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "domain/types.h"
#include "engine/engine.h"
#include "projections/at_risk.h"

namespace keyledger::api::http {
struct ServerStats;
}

namespace keyledger::api {

inline constexpr std::size_t kReasonCount = 26;

struct Metrics {
    // Authentication decisions on genuine secrets, by outcome (index: reason, or accepted).
    std::array<std::atomic<std::uint64_t>, kReasonCount> webhook_refused{};
    std::atomic<std::uint64_t> webhook_accepted{0};
    std::array<std::atomic<std::uint64_t>, kReasonCount> management_refused{};
    std::atomic<std::uint64_t> management_accepted{0};
    // Credentials that were never ours: counted, logged, not recorded.
    std::atomic<std::uint64_t> credentials_missing{0};
    std::atomic<std::uint64_t> credentials_malformed{0};
    std::atomic<std::uint64_t> credentials_unknown{0};
    std::atomic<std::uint64_t> logins_succeeded{0};
    std::atomic<std::uint64_t> logins_failed{0};
    std::atomic<std::uint64_t> logins_unknown_user{0};
    std::atomic<std::uint64_t> idempotent_replays{0};
    // 429 answers to a client address past its failed-authentication limit.
    std::atomic<std::uint64_t> rate_limited_address{0};
    // Refusals of a genuine secret past its token's limit: counted here instead of recorded.
    std::atomic<std::uint64_t> unrecorded_refusals{0};
    std::array<std::atomic<std::uint64_t>, 6> responses_by_class{};  // 1xx..5xx at [1..5]

    void count_response(unsigned status) { responses_by_class.at(status / 100 % 6)++; }
};

// Prometheus text exposition format 0.0.4.
std::string render_metrics(const Metrics&, const engine::EngineStats&,
                           const http::ServerStats* server, const projections::HealthCounts&,
                           bool ready);

}  // namespace keyledger::api
