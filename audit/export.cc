#include "audit/export.h"

#include "api/render/event_json.h"
#include "audit/csv.h"
#include "audit/range.h"
#include "engine/engine.h"
#include "security/digest.h"

namespace keyledger::audit {

namespace {

std::string dump(const nlohmann::json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Answer<std::uint64_t> export_events(const eventstore::EventStore& store,
                                    std::optional<domain::Instant> from,
                                    std::optional<domain::Instant> to, ExportFormat format,
                                    std::ostream& out, const ReadProgress& progress) {
    auto range = positions_between(store, from, to);
    if (!range) {
        return std::unexpected(range.error());
    }
    if (format == ExportFormat::csv) {
        out << csv_row({std::begin(kExportCsvHeader), std::end(kExportCsvHeader)});
    }
    std::uint64_t written = 0;
    auto walked = for_each_event(
        store, *range,
        [&](const eventstore::StoredEvent& stored) -> Answer<void> {
            auto fact = engine::decode_fact(stored);
            if (!fact) {
                return problem(Failure::store, fact.error());
            }
            nlohmann::json event =
                api::render::event_json(stored.position, stored.stream, stored.version, *fact);
            const std::string hash = security::to_hex(stored.hash);
            const std::string prev_hash = security::to_hex(stored.prev_hash);
            if (format == ExportFormat::ndjson) {
                event["hash"] = hash;
                event["prev_hash"] = prev_hash;
                out << dump(event) << '\n';
            } else {
                out << csv_row(
                    {std::to_string(stored.position), event["stream"].get<std::string>(),
                     std::to_string(stored.version), event["type"].get<std::string>(),
                     event["at"].is_string() ? event["at"].get<std::string>() : dump(event["at"]),
                     event["actor"].get<std::string>(), event["correlation_id"].get<std::string>(),
                     hash, prev_hash, dump(event["data"])});
            }
            ++written;
            return {};
        },
        progress);
    if (!walked) {
        return std::unexpected(walked.error());
    }
    if (!out) {
        return problem(Failure::store, "the export could not be written");
    }
    return written;
}

}  // namespace keyledger::audit
