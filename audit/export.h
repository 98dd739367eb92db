#pragma once
// The events of a time range as NDJSON or CSV, for auditors' own tools. Each event is the
// event feed's JSON (api/render/event_json: no password hash, no token secret hash, not even
// their field names) plus the chain's "hash" and "prev_hash", so the export can be checked
// against a checkpoint or the live log.

#include <cstdint>
#include <optional>
#include <ostream>

#include "audit/calls.h"
#include "audit/problem.h"
#include "domain/instant.h"
#include "eventstore/event_store.h"

namespace keyledger::audit {

enum class ExportFormat { ndjson, csv };

// CSV columns, in order (the header row names them).
inline constexpr const char* kExportCsvHeader[] = {"position",  "stream", "version",        "type",
                                                   "at",        "actor",  "correlation_id", "hash",
                                                   "prev_hash", "data"};

// Writes the events decided in [from, to) and returns how many. bad_request when from is not
// before to; store when a record cannot be read or decoded (the message names its position).
[[nodiscard]] Answer<std::uint64_t> export_events(const eventstore::EventStore& store,
                                                  std::optional<domain::Instant> from,
                                                  std::optional<domain::Instant> to,
                                                  ExportFormat format, std::ostream& out,
                                                  const ReadProgress& progress = {});

}  // namespace keyledger::audit
