#include "audit/calls.h"

#include <vector>

#include "audit/describe.h"
#include "audit/links.h"
#include "audit/range.h"
#include "engine/engine.h"
#include "security/digest.h"

namespace keyledger::audit {

using namespace domain;

namespace {

nlohmann::json call_json(const eventstore::StoredEvent& stored, const Fact& fact,
                         const CallDecided& call) {
    return {{"position", stored.position},
            {"at", format_instant(fact.at)},
            {"call_id", call.call_id},
            {"token_id", call.token_id},
            {"owner_id", call.owner_id},
            {"outcome", call_outcome(call)},
            {"previous_secret", call.previous_secret},
            {"body_length", call.body_length},
            {"body_sha256", security::to_hex(call.body_sha256)}};
}

}  // namespace

Answer<nlohmann::json> calls(const eventstore::EventStore& store, const CallsQuestion& question,
                             const ReadProgress& progress) {
    if (question.webhook_id.empty()) {
        return problem(Failure::bad_request, "webhook_id is required");
    }
    auto version = store.read_stream_version("webhook-" + question.webhook_id);
    if (!version) {
        return problem(Failure::store, version.error().message);
    }
    if (*version == 0) {
        return problem(Failure::not_found, "no webhook " + question.webhook_id);
    }
    auto range = positions_between(store, question.from, question.to);
    if (!range) {
        return std::unexpected(range.error());
    }

    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::uint64_t> reported;
    std::uint64_t accepted = 0;
    auto walked = for_each_event(
        store, *range,
        [&](const eventstore::StoredEvent& stored) -> Answer<void> {
            if (stored.type != "CallDecided") {
                return {};
            }
            auto fact = engine::decode_fact(stored);
            if (!fact) {
                return problem(Failure::store, fact.error());
            }
            const auto& call = std::get<CallDecided>(fact->event);
            if (call.webhook_id == question.webhook_id) {
                accepted += call.refusal ? 0 : 1;
                rows.push_back(call_json(stored, *fact, call));
                reported.push_back(stored.position);
            }
            return {};
        },
        progress);
    if (!walked) {
        return std::unexpected(walked.error());
    }
    // No call is reported that its successor does not vouch for (decision 110).
    if (auto linked = check_links(store, reported); !linked) {
        return std::unexpected(linked.error());
    }

    nlohmann::json out{{"webhook_id", question.webhook_id},
                       {"first_position", range->first},
                       {"last_position", range->last},
                       {"count", rows.size()},
                       {"accepted", accepted},
                       {"refused", rows.size() - accepted},
                       {"calls", std::move(rows)}};
    if (question.from) {
        out["from"] = format_instant(*question.from);
    }
    if (question.to) {
        out["to"] = format_instant(*question.to);
    }
    return out;
}

}  // namespace keyledger::audit
