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

// A family with one unlabelled sample.
void single(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::uint64_t value) {
    family(out, name, type, help);
    sample(out, name, value);
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

    single(out, "keyledger_idempotent_replays_total", "counter",
           "Requests answered from an earlier one with the same Idempotency-Key.",
           m.idempotent_replays);

    single(out, "keyledger_rate_limited_total", "counter",
           "Requests answered 429: a client address past its failed-authentication limit.",
           m.rate_limited_address);
    single(out, "keyledger_refusals_unrecorded_total", "counter",
           "Refusals of a genuine secret past its token's limit: counted here, not recorded.",
           m.unrecorded_refusals);

    family(out, "keyledger_http_responses_total", "counter", "HTTP responses by status class.");
    for (unsigned c = 1; c <= 5; ++c) {
        sample(out, "keyledger_http_responses_total", m.responses_by_class[c],
               fmt::format("class=\"{}xx\"", c));
    }

    single(out, "keyledger_events_total", "counter", "Events committed since start.",
           engine.events);
    single(out, "keyledger_commit_batches_total", "counter",
           "Group commits (one synced write each).", engine.batches);
    single(out, "keyledger_store_write_failures_total", "counter", "Failed writes to the log.",
           engine.write_failures);
    single(out, "keyledger_delivery_prune_failures_total", "counter",
           "Passes of delivery pruning that failed (the server log says why).",
           engine.prune_failures);
    single(out, "keyledger_undecodable_deliveries", "gauge",
           "Entries of the delivery store the last pruning pass could not decode and kept.",
           engine.undecodable_deliveries);
    single(out, "keyledger_log_head_position", "gauge", "Position of the last committed event.",
           engine.head_position);

    single(out, "keyledger_active_user_admins", "gauge",
           "Accounts with the user_admin role that are active now.", health.active_user_admins);
    single(out, "keyledger_accounts_breaking_7d", "gauge",
           "Accounts that go inactive within 7 days if nothing happens.",
           health.accounts_breaking_7d);
    single(out, "keyledger_webhooks_breaking_7d", "gauge",
           "Webhooks that stop working within 7 days if nothing happens.",
           health.webhooks_breaking_7d);
    single(out, "keyledger_webhooks_broken", "gauge", "Installed webhooks no live token serves.",
           health.webhooks_broken);
    single(out, "keyledger_ready", "gauge", "1 when the store is open and decisions flow.",
           ready ? 1 : 0);
    single(out, "keyledger_history_damaged", "gauge",
           "1 when the background check found an event before the start-up snapshot altered.",
           engine.history_damaged_at.load() != 0 ? 1 : 0);

    if (server != nullptr) {
        single(out, "keyledger_http_connections_open", "gauge", "Open client connections.",
               server->connections_open);
        single(out, "keyledger_http_connections_accepted_total", "counter",
               "Client connections accepted.", server->connections_accepted);
        single(out, "keyledger_http_connections_refused_total", "counter",
               "Client connections closed at once because the connection cap was reached.",
               server->connections_refused);
        family(out, "keyledger_http_rejected_total", "counter",
               "Requests refused by the transport before the handler, by status.");
        sample(out, "keyledger_http_rejected_total", server->rejected_400, "status=\"400\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_413, "status=\"413\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_414, "status=\"414\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_431, "status=\"431\"");
        sample(out, "keyledger_http_rejected_total", server->rejected_501, "status=\"501\"");
        single(out, "keyledger_http_timeouts_total", "counter", "Connections closed by a deadline.",
               server->timeouts);
        single(out, "keyledger_tls_handshake_failures_total", "counter",
               "Connections closed because their TLS handshake failed.",
               server->tls_handshake_failures);
    }
    return out;
}

}  // namespace keyledger::api
