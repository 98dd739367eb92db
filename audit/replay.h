#pragma once
// `keyledger audit replay --as-of T`: every account, token and webhook as it was at instant T,
// in the shapes of the API's GET routes (user, token, webhook), or only those a filter names.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/calls.h"
#include "audit/problem.h"
#include "domain/instant.h"
#include "eventstore/event_store.h"
#include "projections/read_model.h"

namespace keyledger::audit {

// At most one filter is set. A filtered replay folds only the events of what it names (an
// account with its tokens, a token with its owners and webhook, a webhook with its app
// tokens); an unfiltered one folds every event up to T.
struct ReplayQuestion {
    domain::Instant as_of = 0;
    std::optional<std::string> account_id = std::nullopt;
    std::optional<std::string> username = std::nullopt;
    std::optional<std::string> token_id = std::nullopt;
    std::optional<std::string> webhook_id = std::nullopt;
};

//   {"as_of", "position", "accounts": [user], "tokens": [token], "webhooks": [webhook]}
// each list sorted by id. not_found when a filter names nothing that existed at T.
[[nodiscard]] Answer<nlohmann::json> replay(const eventstore::EventStore& store,
                                            const projections::ReadModel& model,
                                            const ReplayQuestion& question,
                                            const ReadProgress& progress = {});

}  // namespace keyledger::audit
