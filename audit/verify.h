#pragma once
// `keyledger audit verify`: the whole hash chain (EventStore::verify), then every projection
// rebuilt from the log and compared with the store's projection snapshot at the snapshot's own
// position. A snapshot is only a shortcut, but a snapshot that disagrees with the log it claims
// to summarise means that the log or the snapshot was altered: verify reports it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/calls.h"
#include "audit/problem.h"
#include "eventstore/event_store.h"

namespace keyledger::audit {

// A signed checkpoint to compare the log with (audit/transparency/checkpoint_check.h).
struct CheckpointFile {
    std::filesystem::path file;
    std::filesystem::path public_key;
    std::string source;  // "latest" (the store's newest) or "given" (handed in by the auditor)
};

// store when the store cannot be read at all. Otherwise:
//
//   {"ok" (no finding), "unchecked" (the parts below that were not run: "projections",
//    "related_index", "deliveries", and "checkpoints" when none was compared),
//    "events", "head",
//    "first_bad_position"? and "reason"? (the earliest finding, when not ok),
//    "chain": {"ok", "events", "head", "first_bad_position"?, "reason"?},
//    "projections": {"checked", "ok", "rebuilt_to", "snapshot_position"?,
//                    "first_bad_position"?, "reason"?},
//    "related_index": {"checked", "ok"?, "ids_checked"?, "marked"?, "note"?, "reason"?}
//                     (the stored entries, marked complete or not: open the store without
//                     engine::with_related_index, or that index is what gets compared),
//    "deliveries": {"checked", "ok"?, "deliveries_checked"?, "reason"?}
//                  (audit/delivery_check.h; both "checked": false, without "ok", when the log
//                  could not be folded to its head),
//    (after a broken chain the projections, the related index and the deliveries are not run:
//    "checked": false and why; the projections keep "ok": false and "rebuilt_to": 0),
//    "checkpoints": [{"file", "source", "ok", "checkpoint_size", "log_size",
//                     "first_bad_position"?, "reason"?}, ...]}
//
// A truncated or consistently re-chained log is still a valid chain: only the checkpoints, kept
// outside the store, catch it. A checkpoint that cannot be checked (unreadable, bad signature
// file) is a finding too. `progress` is told about the rebuild.
[[nodiscard]] Answer<nlohmann::json> verify(const eventstore::EventStore& store,
                                            const std::vector<CheckpointFile>& checkpoints = {},
                                            const ReadProgress& progress = {});

// The token key beside the store (audit/token_key.h), judged as `serve` judges it at start: a
// missing DIR/keys/token.key is a finding ({"checked": true, "ok": false}: serve refuses to
// start without it), unless the auditor says the copy has no key on purpose
// (`without_token_key`), which makes it {"checked": false, "ok": true}. A key that is there is
// checked either way.
[[nodiscard]] nlohmann::json check_token_key_as_serve(const std::filesystem::path& data_dir,
                                                      const eventstore::EventStore& store,
                                                      bool without_token_key);

}  // namespace keyledger::audit
