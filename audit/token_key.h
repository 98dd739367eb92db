#pragma once
// Whether the token key beside a store is the store's own, checked as `serve` checks it at start:
// a restore that brought back another store's key would otherwise pass verify and then refuse
// every token once served.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "eventstore/event_store.h"

namespace keyledger::audit {

// {"checked": bool, "ok": bool, "reason": "..."}: not checked (ok) when DIR/keys/token.key is
// absent, as on a copy of the store alone; not ok when the key or the store's check is wrong or
// missing.
[[nodiscard]] nlohmann::json check_token_key(const std::filesystem::path& data_dir,
                                             const eventstore::EventStore& store);

}  // namespace keyledger::audit
