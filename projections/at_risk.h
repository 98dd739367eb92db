#pragma once
// The at-risk forecast: what stops working within the next N days if nothing else happens.

#include <string>
#include <vector>

#include "domain/state.h"

namespace keyledger::projections {

using domain::Instant;

struct AccountAtRisk {
    std::string account_id;
    std::string username;
    Instant inactive_at = 0;
    std::vector<std::string> live_token_ids;
};

struct TokenAtRisk {
    std::string token_id;
    std::string owner_id;
    Instant expires_at = 0;
};

// Why one token serving a webhook stops doing so, and when.
struct ServingToken {
    std::string token_id;
    std::string owner_id;
    Instant stops_at = 0;
    std::string reason;  // owner_inactive, token_expired, or stops_serving (API token unused)
};

struct WebhookAtRisk {
    std::string webhook_id;
    std::string name;
    Instant breaks_at = 0;  // the first instant at which every serving token is refused
    std::vector<ServingToken> tokens;
};

struct BrokenWebhook {
    std::string webhook_id;
    std::string name;
    std::vector<std::string> token_ids;  // its tokens, each refused now (or none at all)
};

struct AtRiskReport {
    std::vector<AccountAtRisk> accounts;
    std::vector<TokenAtRisk> tokens;
    std::vector<WebhookAtRisk> webhooks;
    std::vector<BrokenWebhook> broken_webhooks;
};

// Everything that breaks in (now, now + within_days days], sorted by instant then id.
AtRiskReport at_risk(const domain::State&, Instant now, std::int64_t within_days);

// Counts for /metrics, cheap enough to compute on each scrape.
struct HealthCounts {
    std::size_t active_user_admins = 0;
    std::size_t accounts_breaking_7d = 0;
    std::size_t webhooks_breaking_7d = 0;
    std::size_t webhooks_broken = 0;
};
HealthCounts health_counts(const domain::State&, Instant now);

}  // namespace keyledger::projections
