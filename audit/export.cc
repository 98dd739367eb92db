#include "audit/export.h"

#include "api/render/event_json.h"
#include "audit/csv.h"
#include "audit/range.h"
#include "engine/engine.h"
#include "security/digest.h"

namespace keyledger::audit {

namespace {

constexpr std::size_t kPage = 10'000;

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
    const std::uint64_t total = range->empty() ? 0 : range->last - range->first + 1;
    std::uint64_t written = 0;
    std::uint64_t after = range->first - 1;
    while (after < range->last) {
        const auto limit =
            static_cast<std::size_t>(std::min<std::uint64_t>(kPage, range->last - after));
        auto page = store.read_all(after, limit);
        if (!page) {
            return problem(Failure::store, page.error().message);
        }
        if (page->empty()) {
            break;
        }
        for (const auto& stored : *page) {
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
        }
        after = page->back().position;
        if (progress) {
            progress(after - range->first + 1, total);
        }
    }
    if (!out) {
        return problem(Failure::store, "the export could not be written");
    }
    return written;
}

}  // namespace keyledger::audit
