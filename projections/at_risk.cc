#include "projections/at_risk.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "domain/rules.h"

namespace keyledger::projections {
namespace {

using namespace domain;

// When this serving token stops being accepted on the webhook if nothing happens: its expiry,
// its owner's inactivity, or (an API token) the end of its serving window, whichever is first.
// Empty when it is refused already.
std::optional<ServingToken> serving_until(const State& state, const Token& token,
                                          const std::string& webhook_id, Instant now) {
    if (!token_serves(state, token, webhook_id, now) ||
        token_refusal(state, token, Target::webhook(webhook_id), now)) {
        return std::nullopt;
    }
    const Account& owner = *state.account_at_id(token.owner_index);
    ServingToken serving{std::string(state.token_id(token)), std::string(state.owner_id(token)),
                         inactive_at(owner, state.window_ms), "owner_inactive"};
    if (token.expires_at && *token.expires_at < serving.stops_at) {
        serving.stops_at = *token.expires_at;
        serving.reason = "token_expired";
    }
    if (token.kind == TokenKind::api) {
        const IdIndex webhook = state.ids.find(webhook_id);
        const LastCalls& calls = state.last_calls(token);
        const auto call = std::find_if(calls.begin(), calls.end(),
                                       [&](const auto& c) { return c.first == webhook; });
        const Instant serve_end = call->second + state.window_ms;  // token_serves found it
        if (serve_end < serving.stops_at) {
            serving.stops_at = serve_end;
            serving.reason = "stops_serving";
        }
    }
    return serving;
}

// API tokens by the webhooks they had an accepted call on, built once per report so that a
// forecast costs O(tokens + webhooks), not their product.
using CallersIndex = std::unordered_map<IdIndex, std::vector<const Token*>>;
CallersIndex api_callers(const State& state) {
    CallersIndex index;
    for (const Token& token : state.tokens) {
        if (token.kind == TokenKind::api) {
            for (const auto& [webhook, last_call] : state.last_calls(token)) {
                index[webhook].push_back(&token);
            }
        }
    }
    return index;
}

// Every token that might serve the webhook: its app tokens and any API token used on it.
std::vector<const Token*> candidates(const State& state, const Webhook& webhook,
                                     const CallersIndex& callers) {
    std::vector<const Token*> out;
    for (IdIndex id : webhook.tokens) {
        if (const Token* token = state.token_at_id(id)) {
            out.push_back(token);
        }
    }
    if (auto it = callers.find(state.ids.find(webhook.id)); it != callers.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
    }
    return out;
}

struct WebhookForecast {
    bool broken = false;
    Instant breaks_at = 0;
    std::vector<ServingToken> serving;
    std::vector<std::string> token_ids;
};

WebhookForecast forecast(const State& state, const Webhook& webhook, Instant now,
                         const CallersIndex& callers) {
    WebhookForecast result;
    for (const Token* token : candidates(state, webhook, callers)) {
        result.token_ids.emplace_back(state.token_id(*token));
        if (auto serving = serving_until(state, *token, webhook.id, now)) {
            result.breaks_at = std::max(result.breaks_at, serving->stops_at);
            result.serving.push_back(std::move(*serving));
        }
    }
    result.broken = result.serving.empty();
    std::sort(result.token_ids.begin(), result.token_ids.end());
    std::sort(result.serving.begin(), result.serving.end(),
              [](const auto& a, const auto& b) { return a.token_id < b.token_id; });
    return result;
}

}  // namespace

AtRiskReport at_risk(const State& state, Instant now, std::int64_t within_days) {
    const Instant horizon = now + within_days * kDayMs;
    AtRiskReport report;
    for (const Account& account : state.accounts) {
        const Instant when = inactive_at(account, state.window_ms);
        if (!account.deleted_at && now < when && when <= horizon) {
            report.accounts.push_back(
                {account.id, account.username, when, live_token_ids(state, account, now)});
        }
    }
    for (const Token& token : state.tokens) {
        if (token_live(token, now) && token.expires_at && *token.expires_at <= horizon) {
            report.tokens.push_back({std::string(state.token_id(token)),
                                     std::string(state.owner_id(token)), *token.expires_at});
        }
    }
    const CallersIndex callers = api_callers(state);
    for (const Webhook& webhook : state.webhooks) {
        const std::string& id = webhook.id;
        if (webhook.uninstalled_at) {
            continue;
        }
        WebhookForecast f = forecast(state, webhook, now, callers);
        if (f.broken) {
            report.broken_webhooks.push_back({id, webhook.name, std::move(f.token_ids)});
        } else if (f.breaks_at <= horizon) {
            report.webhooks.push_back({id, webhook.name, f.breaks_at, std::move(f.serving)});
        }
    }

    // Earliest first; ties by id, so the report is the same on every run.
    auto earliest = [](Instant ta, const std::string& ia, Instant tb, const std::string& ib) {
        return ta != tb ? ta < tb : ia < ib;
    };
    std::sort(report.accounts.begin(), report.accounts.end(), [&](const auto& a, const auto& b) {
        return earliest(a.inactive_at, a.account_id, b.inactive_at, b.account_id);
    });
    std::sort(report.tokens.begin(), report.tokens.end(), [&](const auto& a, const auto& b) {
        return earliest(a.expires_at, a.token_id, b.expires_at, b.token_id);
    });
    std::sort(report.webhooks.begin(), report.webhooks.end(), [&](const auto& a, const auto& b) {
        return earliest(a.breaks_at, a.webhook_id, b.breaks_at, b.webhook_id);
    });
    std::sort(report.broken_webhooks.begin(), report.broken_webhooks.end(),
              [](const auto& a, const auto& b) { return a.webhook_id < b.webhook_id; });
    return report;
}

HealthCounts health_counts(const State& state, Instant now) {
    HealthCounts counts;
    for (const Account& account : state.accounts) {
        if (has_role(account.roles, Role::user_admin) &&
            account_status(account, now, state.window_ms) == AccountStatus::active) {
            ++counts.active_user_admins;
        }
    }
    AtRiskReport week = at_risk(state, now, 7);
    counts.accounts_breaking_7d = week.accounts.size();
    counts.webhooks_breaking_7d = week.webhooks.size();
    counts.webhooks_broken = week.broken_webhooks.size();
    return counts;
}

}  // namespace keyledger::projections
