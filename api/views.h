#pragma once
// The API's shapes of accounts, tokens, webhooks and reports, evaluated at an instant.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/state.h"
#include "projections/at_risk.h"

namespace keyledger::api {

nlohmann::json user_json(const domain::State&, const domain::Account&, domain::Instant t);
// `webhook_id` set: the status also checks that the token works on that webhook.
nlohmann::json token_json(const domain::State&, const domain::Token&,
                          const std::optional<std::string>& webhook_id, domain::Instant t);
nlohmann::json webhook_json(const domain::State&, const domain::Webhook&);
nlohmann::json at_risk_json(const projections::AtRiskReport&);

}  // namespace keyledger::api
