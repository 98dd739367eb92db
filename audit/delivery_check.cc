#include "audit/delivery_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "audit/range.h"
#include "engine/engine.h"
#include "eventstore/pruning.h"
#include "security/sha256.h"

namespace keyledger::audit {

using namespace domain;

namespace {

constexpr std::size_t kPage = 1000;
// Findings listed by name in the report; past it they are only counted.
constexpr std::size_t kListed = 100;

struct Kept {
    std::string webhook_id;
    std::uint64_t seq = 0;
    std::int64_t received_at_ms = 0;
    std::uint64_t length = 0;
    Digest sha256{};
    std::string content_type;
};

// Bytes that came from the store, not from the log: a planted key or id may hold anything,
// including bytes that are not UTF-8 (which JSON cannot carry). Printable ASCII is kept, every
// other byte is shown as \xNN and a backslash is doubled, so the escape cannot be forged.
std::string escaped(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == '\\') {
            out += "\\\\";
        } else if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            out += fmt::format("\\x{:02x}", byte);
        }
    }
    return out;
}

std::string named(const Kept& delivery, const std::string& call_id) {
    return fmt::format("delivery {} of webhook {} (call {})", delivery.seq,
                       escaped(delivery.webhook_id), escaped(call_id));
}

// Every finding, in the order found: the entries of the family first (in key order), then at
// most one found against the log.
struct Findings {
    std::uint64_t count = 0;
    nlohmann::json listed = nlohmann::json::array();
    std::optional<std::string> first;

    void add(std::string reason, const std::string* key = nullptr) {
        if (!first) {
            first = reason;
        }
        if (++count <= kListed) {
            nlohmann::json finding{{"reason", std::move(reason)}};
            if (key) {
                finding["key"] = escaped(*key);
            }
            listed.push_back(std::move(finding));
        }
    }
};

DeliveryCheck failed(std::string problem, std::uint64_t checked) {
    return {{{"ok", false}, {"deliveries_checked", checked}, {"reason", problem}},
            std::move(problem)};
}

}  // namespace

DeliveryCheck check_deliveries(const eventstore::EventStore& store, const State& state) {
    // The last seq given to each webhook the log knows: a stored delivery must belong to one of
    // them and lie within 1..last.
    std::unordered_map<std::string, std::uint64_t> last_seq;
    for (const Webhook& webhook : state.webhooks) {
        auto last_given = store.read_last_delivery_seq(webhook.id);
        if (!last_given) {
            return failed("the deliveries could not be read: " + last_given.error().message, 0);
        }
        last_seq.emplace(webhook.id, *last_given);
    }

    // Deliveries received before the cutoff may have been pruned; every call after it that
    // stored one (its event records the Content-Type) must still have it.
    auto pruned_meta = store.get_meta(eventstore::kDeliveriesPrunedBeforeKey);
    if (!pruned_meta) {
        return failed(
            "how far deliveries were pruned could not be read: " + pruned_meta.error().message, 0);
    }
    std::optional<Instant> pruned_before;
    if (*pruned_meta) {
        pruned_before = eventstore::decode_pruned_before(**pruned_meta);
        if (!pruned_before) {
            return failed("the store's mark of how far deliveries were pruned is not an instant",
                          0);
        }
    }
    // One walk over the whole family, so that an entry no webhook's seqs lead to is seen too.
    Findings findings;
    std::unordered_map<std::string, Kept> by_call;
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (std::optional<std::string> after;;) {
        auto page = store.read_delivery_entries(after, kPage);
        if (!page) {
            return failed("the deliveries could not be read: " + page.error().message, 0);
        }
        for (auto& entry : *page) {
            after = entry.key;
            if (!entry.delivery) {
                findings.add("an entry of the deliveries family cannot be read: " +
                                 escaped(entry.delivery.error()),
                             &entry.key);
                continue;
            }
            auto& delivery = *entry.delivery;
            const auto known = last_seq.find(delivery.webhook_id);
            Kept kept{delivery.webhook_id,
                      delivery.seq,
                      delivery.received_at_ms,
                      delivery.body.size(),
                      security::sha256(delivery.body),
                      std::move(delivery.content_type)};
            if (known == last_seq.end()) {
                findings.add(fmt::format("{} belongs to no webhook the log records",
                                         named(kept, delivery.call_id)),
                             &entry.key);
                continue;
            }
            // Appends give the seq after the stored last one, from 1: a delivery above it would
            // be overwritten by a later call, and seq 0 is never given.
            if (delivery.seq == 0 || delivery.seq > known->second) {
                findings.add(
                    fmt::format("{} lies outside the seqs the store ever gave (1 to {}){}",
                                named(kept, delivery.call_id), known->second,
                                delivery.seq == 0 ? "" : ": a later call would overwrite it"),
                    &entry.key);
                continue;
            }
            if (auto seen = by_call.find(delivery.call_id); seen != by_call.end()) {
                findings.add(fmt::format("{} repeats the call of {}", named(kept, delivery.call_id),
                                         named(seen->second, delivery.call_id)),
                             &entry.key);
                continue;
            }
            // Pruning removes every readable delivery received before its latest cutoff: one
            // still here was never reached, its entry in the time index lost or wrong, and its
            // body outlives the retention (decision 121).
            if (pruned_before && delivery.received_at_ms < *pruned_before) {
                findings.add(fmt::format("{} was received at {}, before the cutoff pruning has "
                                         "reached ({}), and is still kept: its entry in the "
                                         "delivery time index is missing or wrong",
                                         named(kept, delivery.call_id),
                                         format_instant(delivery.received_at_ms),
                                         format_instant(*pruned_before)),
                             &entry.key);
            }
            earliest = std::min(earliest, delivery.received_at_ms);
            by_call.emplace(delivery.call_id, std::move(kept));
        }
        if (page->size() < kPage) {
            break;
        }
    }
    const std::uint64_t total = by_call.size();

    // TODO(perf): without a pruning mark this reads the whole log once more; the rebuild that
    // verify runs first could collect the delivered calls instead.
    const Instant from =
        std::min(earliest, pruned_before.value_or(std::numeric_limits<std::int64_t>::min()));

    auto range = positions_between(store, from, std::nullopt);
    if (!range) {
        return failed("the log could not be searched: " + range.error().message, 0);
    }
    std::uint64_t checked = 0;
    std::uint64_t content_types_unchecked = 0;
    std::optional<std::string> finding;
    auto walked = for_each_event(
        store, *range,
        [&](const eventstore::StoredEvent& stored) -> Answer<void> {
            if (finding || stored.type != "CallDecided") {
                return {};
            }
            auto fact = engine::decode_fact(stored);
            if (!fact) {
                return problem(Failure::store, fact.error());
            }
            const auto& call = std::get<CallDecided>(fact->event);
            const auto it = by_call.find(call.call_id);
            if (it == by_call.end()) {
                if (!call.refusal && call.content_type && !call.webhook_id.empty() &&
                    (!pruned_before || fact->at >= *pruned_before)) {
                    finding = fmt::format(
                        "the delivery of call {} on webhook {} (position {}, {}) is missing: {}",
                        call.call_id, call.webhook_id, stored.position, format_instant(fact->at),
                        pruned_before ? "pruning has only removed deliveries received before " +
                                            format_instant(*pruned_before)
                                      : std::string("no delivery was ever pruned"));
                }
                return {};
            }
            const Kept& kept = it->second;
            if (call.refusal || call.webhook_id != kept.webhook_id) {
                finding = fmt::format(
                    "{} has no accepted call on that webhook: position {} "
                    "records that call otherwise",
                    named(kept, call.call_id), stored.position);
            } else if (kept.length != call.body_length || kept.sha256 != call.body_sha256) {
                finding = fmt::format(
                    "{} was altered: its body differs from the length and "
                    "SHA-256 recorded at position {}",
                    named(kept, call.call_id), stored.position);
            } else if (kept.received_at_ms != fact->at) {
                finding = fmt::format(
                    "{} says it was received at another instant than its call "
                    "was decided (position {})",
                    named(kept, call.call_id), stored.position);
            } else if (!call.content_type) {
                ++content_types_unchecked;  // an event from before content types were recorded
            } else if (*call.content_type != kept.content_type) {
                finding = fmt::format(
                    "{} was altered: its Content-Type differs from the one recorded at "
                    "position {}",
                    named(kept, call.call_id), stored.position);
            }
            by_call.erase(it);
            ++checked;
            return {};
        },
        {});
    if (!walked) {
        return failed("the log could not be read: " + walked.error().message, checked);
    }
    if (!finding && !by_call.empty()) {
        // Deterministic: the earliest leftover by (webhook, seq).
        const auto first = std::min_element(by_call.begin(), by_call.end(), [](auto& a, auto& b) {
            return std::tie(a.second.webhook_id, a.second.seq) <
                   std::tie(b.second.webhook_id, b.second.seq);
        });
        finding = fmt::format("{} names a call that the log does not record",
                              named(first->second, first->first));
    }
    if (finding) {
        findings.add(*finding);
    }
    if (findings.first) {
        DeliveryCheck out = failed(*findings.first, checked);
        out.report["findings"] = std::move(findings.listed);
        out.report["findings_count"] = findings.count;
        return out;
    }
    nlohmann::json report{{"ok", true}, {"deliveries_checked", total}};
    if (pruned_before) {
        report["pruned_before"] = format_instant(*pruned_before);
    }
    if (content_types_unchecked > 0) {
        report["content_types_unchecked"] = content_types_unchecked;
        report["note"] = fmt::format(
            "the Content-Type of {} delivered call(s) could not be checked: their call events "
            "predate the recording of content types",
            content_types_unchecked);
    }
    return {std::move(report), std::nullopt};
}

}  // namespace keyledger::audit
