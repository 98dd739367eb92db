#pragma once
// Part of `audit verify`: every stored webhook delivery against the call event that recorded it.
// Deliveries live beside the log, outside the hash chain, so the chain cannot vouch for them;
// the accepted CallDecided of the same call_id can, through the body's length and SHA-256.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/state.h"
#include "eventstore/event_store.h"

namespace keyledger::audit {

struct DeliveryCheck {
    // {"ok", "deliveries_checked", "reason"?, "findings"?, "findings_count"?,
    //  "content_types_unchecked"?, "note"?}; "findings": [{"key"?, "reason"}, ...], the first
    // 100 of them (the key of a family entry escaped: printable ASCII kept, other bytes \xNN).
    nlohmann::json report;
    std::optional<std::string> problem;  // the first finding, in words
};

// Walks the whole deliveries family once: every entry must be a delivery (its key a webhook id
// and a seq, its value decodable) of a webhook `state` knows, with a seq within 1 and the last
// seq the store gave that webhook, and no two may carry the same call_id; each entry that is
// not is a finding, named by its key. Then reads the log from the earliest delivery's instant
// to the head (decision instants never go back along the log, and a delivery
// is received at its call's decision instant). A delivery is a finding when no accepted call on
// its webhook has its call_id, or when its body's length or SHA-256 differs from that call's,
// or its Content-Type from the one the call recorded (calls recorded before content types were
// are counted as unchecked, not as findings). An accepted call that recorded a Content-Type
// stored a delivery: when it was decided at or after the store's pruning cutoff
// (eventstore/pruning.h; no cutoff: nothing was ever pruned) and its delivery is gone, that is a
// finding too. The log is read from the earlier of the earliest delivery and the cutoff; only
// the first finding against the log is reported.
// Memory: one entry (~100 bytes) per retained delivery.
[[nodiscard]] DeliveryCheck check_deliveries(const eventstore::EventStore& store,
                                             const domain::State& state);

}  // namespace keyledger::audit
