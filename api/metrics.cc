#include "api/metrics.h"

#include <fmt/format.h>

#include "api/http/server.h"

namespace keyledger::api {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::uint64_t value,
            std::string_view labels = {}) {
    if (labels.empty()) {
        out += fmt::format("{} {}\n", name, value);
    } else {
        out += fmt::format("{}{{{}}} {}\n", name, labels, value);
    }
}

void decisions(std::string& out, std::string_view name, std::string_view help,
               const std::array<std::atomic<std::uint64_t>, kReasonCount>& refused,
               const std::atomic<std::uint64_t>& accepted) {
    family(out, name, "counter", help);
    sample(out, name, accepted.load(), "outcome=\"accepted\"");
    for (std::size_t i = 0; i < refused.size(); ++i) {
        if (const auto n = refused[i].load(); n > 0) {
            sample(out, name, n,
                   fmt::format("outcome=\"{}\"", to_string(static_cast<domain::Reason>(i))));
        }
    }
}

}  // namespace

std::string render_metrics(const Metrics& m, const engine::EngineStats& engine,
                           const http::ServerStats* server, const projections::HealthCounts& health,
                           bool ready) {
    std::string out;
    decisions(out, "keyledger_webhook_calls_total",
              "Webhook calls with a genuine secret, by outcome.", m.webhook_refused,
              m.webhook_accepted);
    decisions(out, "keyledger_management_auth_total",
              "Management requests with a genuine secret, by authentication outcome.",
              m.management_refused, m.management_accepted);

    family(out, "keyledger_credentials_rejected_total", "counter",
           "Requests whose credential was missing, malformed or not ours (not recorded).");
    sample(out, "keyledger_credentials_rejected_total", m.credentials_missing,
           "reason=\"missing\"");
    sample(out, "keyledger_credentials_rejected_total", m.credentials_malformed,
           "reason=\"malformed\"");
    sample(out, "keyledger_credentials_rejected_total", m.credentials_unknown,
           "reason=\"unknown_token\"");

    family(out, "keyledger_logins_total", "counter", "Interactive logins by outcome.");
    sample(out, "keyledger_logins_total", m.logins_succeeded, "outcome=\"succeeded\"");
    sample(out, "keyledger_logins_total", m.logins_failed, "outcome=\"failed\"");
    sample(out, "keyledger_logins_total", m.logins_unknown_user, "outcome=\"unknown_user\"");

    family(out, "keyledger_idempotent_replays_total", "counter",
           "Requests answered from an earlier one with the same Idempotency-Key.");
    sample(out, "keyledger_idempotent_replays_total", m.idempotent_replays);

    family(out, "keyledger_rate_limited_total", "counter",
           "Requests answered 429: a client address past its failed-authentication limit.");
    sample(out, "keyledger_rate_limited_total", m.rate_limited_address);
    family(out, "keyledger_refusals_unrecorded_total", "counter",
           "Refusals of a genuine secret past its token's limit: counted here, not recorded.");
    sample(out, "keyledger_refusals_unrecorded_total", m.unrecorded_refusals);

    family(out, "keyledger_http_responses_total", "counter", "HTTP responses by status class.");
    for (unsigned c = 1; c <= 5; ++c) {
        sample(out, "keyledger_http_responses_total", m.responses_by_class[c],
               fmt::format("class=\"{}xx\"", c));
    }

    family(out, "keyledger_events_total", "counter", "Events committed since start.");
    sample(out, "keyledger_events_total", engine.events);
    family(out, "keyledger_commit_batches_total", "counter",
           "Group commits (one synced write each).");
    sample(out, "keyledger_commit_batches_total", engine.batches);
    family(out, "keyledger_store_write_failures_total", "counter", "Failed writes to the log.");
    sample(out, "keyledger_store_write_failures_total", engine.write_failures);
    family(out, "keyledger_delivery_prune_failures_total", "counter",
           "Passes of delivery pruning that failed (the server log says why).");
    sample(out, "keyledger_delivery_prune_failures_total", engine.prune_failures);
    family(out, "keyledger_undecodable_deliveries", "gauge",
           "Entries of the delivery store the last pruning pass could not decode and kept.");
    sample(out, "keyledger_undecodable_deliveries", engine.undecodable_deliveries);
    family(out, "keyledger_log_head_position", "gauge", "Position of the last committed event.");
    sample(out, "keyledger_log_head_position", engine.head_position);

    family(out, "keyledger_active_user_admins", "gauge",
           "Accounts with the user_admin role that are active now.");
    sample(out, "keyledger_active_user_admins", health.active_user_admins);
    family(out, "keyledger_accounts_breaking_7d", "gauge",
           "Accounts that go inactive within 7 days if nothing happens.");
    sample(out, "keyledger_accounts_breaking_7d", health.accounts_breaking_7d);
    family(out, "keyledger_webhooks_breaking_7d", "gauge",
           "Webhooks that stop working within 7 days if nothing happens.");
    sample(out, "keyledger_webhooks_breaking_7d", health.webhooks_breaking_7d);
    family(out, "keyledger_webhooks_broken", "gauge", "Installed webhooks no live token serves.");
    sample(out, "keyledger_webhooks_broken", health.webhooks_broken);
    family(out, "keyledger_ready", "gauge", "1 when the store is open and decisions flow.");
    sample(out, "keyledger_ready", ready ? 1 : 0);
    family(out, "keyledger_history_damaged", "gauge",
           "1 when the background check found an event before the start-up snapshot altered.");
    sample(out, "keyledger_history_damaged", engine.history_damaged_at.load() != 0 ? 1 : 0);

    if (server != nullptr) {
        family(out, "keyledger_http_connections_open", "gauge", "Open client connections.");
        sample(out, "keyledger_http_connections_open", server->connections_open);
        family(out, "keyledger_http_connections_accepted_total", "counter",
               "Client connections accepted.");
        sample(out, "keyledger_http_connections_accepted_total", server->connections_accepted);
        family(out, "keyledger_http_connections_refused_total", "counter",
               "Client connections closed at once because the connection cap was reached.");
        sample(out, "keyledger_http_connections_refused_total", server->connections_refused);
        family(out, "keyledger_http_rejected_total", "counter",
               "Requests refused by the transport before the handler, by status.");
        sample(out, "keyledger_http_rejected_total", server->rejected_400, "status=\"400\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_413, "status=\"413\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_414, "status=\"414\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_431, "status=\"431\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_501, "status=\"501\"");
        family(out, "keyledger_http_timeouts_total", "counter",
               "Connections closed by a deadline.");
        sample(out, "keyledger_http_timeouts_total", server->timeouts);
        family(out, "keyledger_tls_handshake_failures_total", "counter",
               "Connections closed because their TLS handshake failed.");
        sample(out, "keyledger_tls_handshake_failures_total", server->tls_handshake_failures);
    }
    return out;
}

}  // namespace keyledger::api
