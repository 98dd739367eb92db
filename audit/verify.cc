#include "audit/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/delivery_check.h"
#include "audit/token_key.h"
#include "audit/transparency/checkpoint_check.h"
#include "engine/rebuild.h"
#include "engine/related_backfill.h"
#include "projections/snapshot.h"
#include "security/digest.h"

namespace keyledger::audit {

using namespace domain;

namespace {

// What an account, token or webhook is, in words that do not depend on how either state
// numbered its ids: two states agree on an entity when these agree.
nlohmann::json facts(const State& state, const Account& a) {
    return {a.id,
            a.username,
            a.kind,
            a.roles,
            a.password_hash,
            a.password_version,
            a.created_at,
            a.last_activity_at,
            a.deleted_at.value_or(-1),
            state.token_ids(a.tokens)};
}
nlohmann::json facts(const State& state, const Token& t) {
    nlohmann::json calls = nlohmann::json::array();
    for (const auto& [webhook, at] : state.last_calls(t)) {
        calls.push_back({std::string(state.id(webhook)), at});
    }
    const Rotation* rotation = state.rotation(t);
    return {std::string(state.token_id(t)),
            std::string(state.owner_id(t)),
            std::string(state.webhook_id(t)),
            std::string(state.name(t)),
            t.kind,
            security::to_hex(t.secret_hash),
            t.created_at,
            t.expires_at.value_or(-1),
            t.revoked_at.value_or(-1),
            t.rotated_at.value_or(-1),
            t.last_used_at.value_or(-1),
            rotation ? security::to_hex(rotation->previous_hash) : "",
            rotation ? rotation->previous_valid_until : 0,
            calls};
}
nlohmann::json facts(const State& state, const Webhook& h) {
    return {h.id,
            h.name,
            h.auth,
            h.created_by,
            h.created_at,
            h.uninstalled_at.value_or(-1),
            state.token_ids(h.tokens)};
}

// The first id (in order) whose record differs between the two states, or is in one only.
template <class Record, class IdOf>
std::optional<std::string> first_difference(const State& a, const std::vector<Record>& in_a,
                                            const State& b, const std::vector<Record>& in_b,
                                            const IdOf& id_of) {
    std::map<std::string, std::pair<nlohmann::json, nlohmann::json>> both;
    for (const Record& record : in_a) {
        both[std::string(id_of(a, record))].first = facts(a, record);
    }
    for (const Record& record : in_b) {
        both[std::string(id_of(b, record))].second = facts(b, record);
    }
    for (const auto& [id, sides] : both) {
        if (sides.first != sides.second) {
            return id;
        }
    }
    return std::nullopt;
}

// What differs between the snapshot and the rebuild, in plain words, naming the entity.
std::string difference(const eventstore::EventStore& store, const projections::ReadModel& snapshot,
                       const projections::ReadModel& rebuilt) {
    const State& s = snapshot.state();
    const State& r = rebuilt.state();
    const auto& history = rebuilt.history();
    const std::uint64_t p = rebuilt.position();
    auto last_touch = [&](const projections::HistorySources& sources) {
        auto positions = projections::read_positions(store, sources, p);
        return !positions || positions->empty()
                   ? std::string()
                   : fmt::format(" (its last event is at position {})", positions->back());
    };
    auto own_id = [](const State&, const auto& record) { return std::string_view(record.id); };
    auto token_id = [](const State& state, const Token& t) { return state.token_id(t); };
    if (auto id = first_difference(s, s.accounts, r, r.accounts, own_id)) {
        return "account " + *id + " differs" + last_touch(history.sources_for_account(r, *id));
    }
    if (auto id = first_difference(s, s.tokens, r, r.tokens, token_id)) {
        return "token " + *id + " differs" + last_touch(history.sources_for_token(r, *id));
    }
    if (auto id = first_difference(s, s.webhooks, r, r.webhooks, own_id)) {
        return "webhook " + *id + " differs";
    }
    if (s.account_by_username != r.account_by_username) {
        return "the username index differs";
    }
    if (s.secrets != r.secrets) {
        return "the index of token secrets differs";
    }
    if (s.idempotency != r.idempotency || s.idempotency_order != r.idempotency_order) {
        return "the idempotency records differ";
    }
    if (!(s == r)) {
        return "the store's settings (window, id or last instant) differ";
    }
    return "the record of token transfers differs";
}

struct Finding {
    std::uint64_t position = 0;
    std::string reason;
};

nlohmann::json projections_check(const eventstore::EventStore& store, const ReadProgress& progress,
                                 std::optional<Finding>& finding, projections::ReadModel& rebuilt) {
    const std::uint64_t head = store.head_position();
    nlohmann::json out;
    auto tell = [&](std::uint64_t folded) {
        if (progress)
            progress(folded, head);
    };

    auto snapshot = engine::load_snapshot(store);
    if (!snapshot) {
        // Where the damaged snapshot claims to be, when its bytes still say so.
        std::uint64_t position = 0;
        if (auto bytes = store.get_meta(projections::kSnapshotMetaKey); bytes && *bytes) {
            if (auto decoded = projections::decode_snapshot(**bytes)) {
                position = decoded->model.position();
            }
        }
        finding =
            Finding{position, "the projection snapshot cannot be trusted: " + snapshot.error()};
        if (position != 0) {
            out["snapshot_position"] = position;
        }
    } else if (*snapshot) {
        const auto& snap = **snapshot;
        const std::uint64_t p = snap.model.position();
        out["snapshot_position"] = p;
        if (auto folded = engine::fold_log(store, rebuilt, p, tell); !folded) {
            finding = Finding{rebuilt.position() + 1, folded.error()};
        } else if (!(snap.model == rebuilt)) {
            finding = Finding{p, fmt::format("the projection snapshot at position {} disagrees "
                                             "with the rebuild up to it: {}",
                                             p, difference(store, snap.model, rebuilt))};
        }
    }
    // The rest of the log (all of it without a snapshot): every event must decode and fold.
    if (!finding || finding->position == 0) {
        if (auto folded = engine::fold_log(store, rebuilt, 0, tell); !folded) {
            finding = Finding{rebuilt.position() + 1, folded.error()};
        }
    }
    out["rebuilt_to"] = rebuilt.position();
    out["ok"] = !finding.has_value();
    if (finding) {
        if (finding->position != 0) {
            out["first_bad_position"] = finding->position;
        }
        out["reason"] = finding->reason;
    }
    return out;
}

// The related index (NewEvent::related) against the related ids of every event, for every id
// the rebuilt state knows: an entry missing hides an event from as-of answers, an extra one
// folds a foreign event into them. The stored entries are compared whether or not the index
// holds its mark of completeness (decision 96): a store that lost the mark is read through an
// in-memory index on read-only opens, so nothing else would look at them. Only a store without
// any entry and without the mark (one older than the index) is not checked.
nlohmann::json related_check(const eventstore::EventStore& store, const domain::State& state,
                             std::optional<Finding>& finding) {
    const std::uint64_t head = store.head_position();
    auto marked = store.related_index_complete();
    if (!marked) {
        finding = Finding{0, "the related index could not be checked: " + marked.error().message};
        return {{"checked", false}, {"reason", finding->reason}};
    }
    std::unordered_map<std::string, std::vector<std::uint64_t>> expected;
    auto read = engine::for_each_related(store, [&](std::uint64_t position, std::string id) {
        auto& positions = expected[std::move(id)];
        if (positions.empty() || positions.back() != position) {
            positions.push_back(position);
        }
        return true;
    });
    if (!read) {
        finding = Finding{0, "the related index could not be checked: " + read.error()};
        return {{"checked", false}, {"reason", finding->reason}};
    }
    const nlohmann::json no_index{
        {"checked", false},
        {"marked", false},
        {"reason",
         "not checked: the store holds no related index (no entry and no mark of "
         "completeness: it predates the index); a server builds it at its next start"}};
    std::optional<Finding> first;
    std::uint64_t checked = 0;
    std::uint64_t entries = 0;
    for (std::uint32_t index = 0; index < state.ids.size(); ++index) {
        const std::string id(state.id(index));
        auto stored = store.related_positions(id, head);
        if (!stored) {
            if (!*marked && stored.error().code == eventstore::ErrorCode::not_a_store) {
                return no_index;  // the family itself is missing
            }
            first = Finding{0, "the related index could not be read: " + stored.error().message};
            break;
        }
        entries += stored->size();
        const auto it = expected.find(id);
        const std::vector<std::uint64_t> none;
        const auto& want = it == expected.end() ? none : it->second;
        ++checked;
        if (first || *stored == want) {
            continue;  // after a finding, only the entries are still counted
        }
        // The first position where the two lists part.
        auto [a, b] = std::mismatch(stored->begin(), stored->end(), want.begin(), want.end());
        const bool missing = b != want.end() && (a == stored->end() || *b < *a);
        const std::uint64_t position = missing ? *b : *a;
        first = Finding{position, fmt::format("the related index {} event {} for {}",
                                              missing ? "lacks" : "holds a foreign", position, id)};
    }
    if (!*marked && entries == 0) {
        if (!first) {
            return no_index;  // nothing the log relates is missing from it either
        }
        // The family is there (a writable open by a version that keeps the index created it,
        // and the engine builds and marks the index at that open), yet holds nothing the events
        // relate: it was emptied (decision 116). A store older than the index has no family.
        first->reason =
            "the related index holds no entry and no mark of completeness although the store "
            "was opened by a version that keeps it (its family exists): it was removed; " +
            first->reason;
    }
    finding = first;
    nlohmann::json out{{"ok", !finding.has_value()}, {"ids_checked", checked}, {"marked", *marked}};
    if (!*marked) {
        out["note"] =
            "the index has lost its mark of completeness: read-only opens ignore its entries and "
            "a server rebuilds it at its next start";
    }
    if (finding) {
        out["reason"] = finding->reason;
    }
    return out;
}

nlohmann::json checkpoint_check(const eventstore::EventStore& store,
                                const CheckpointFile& checkpoint, std::optional<Finding>& finding) {
    nlohmann::json out{{"file", checkpoint.file.string()}, {"source", checkpoint.source}};
    auto verdict =
        transparency::check_log_against_checkpoint(store, checkpoint.file, checkpoint.public_key);
    if (!verdict) {
        const std::string reason = "the checkpoint could not be checked: " + verdict.error();
        out["ok"] = false;
        out["reason"] = reason;
        finding = Finding{0, "checkpoint " + checkpoint.file.string() + ": " + reason};
        return out;
    }
    out["ok"] = verdict->ok;
    out["checkpoint_size"] = verdict->checkpoint_size;
    out["log_size"] = verdict->log_size;
    if (!verdict->ok) {
        out["reason"] = verdict->reason;
        if (verdict->first_bad_position != 0) {
            out["first_bad_position"] = verdict->first_bad_position;
        }
        finding = Finding{verdict->first_bad_position,
                          "checkpoint " + checkpoint.file.string() + ": " + verdict->reason};
    }
    return out;
}

// The earlier of two findings; one without a position counts only when there is no other.
void keep_first(std::optional<Finding>& first, const std::optional<Finding>& candidate) {
    if (!candidate) {
        return;
    }
    if (!first || (first->position == 0 && candidate->position != 0) ||
        (candidate->position != 0 && candidate->position < first->position)) {
        first = candidate;
    }
}

}  // namespace

Answer<nlohmann::json> verify(const eventstore::EventStore& store,
                              const std::vector<CheckpointFile>& checkpoints,
                              const ReadProgress& progress) {
    auto report = store.verify();
    if (!report) {
        return problem(Failure::store, report.error().message);
    }
    nlohmann::json chain{
        {"ok", report->ok}, {"events", report->events}, {"head", security::to_hex(report->head)}};
    std::optional<Finding> first;
    if (!report->ok) {
        chain["first_bad_position"] = report->first_bad_position;
        chain["reason"] = report->reason;
        first = Finding{report->first_bad_position, report->reason};
    }

    // Everything below is folded from the log: after a broken link it would be judged against
    // altered events (and name forged ids), so it is not run at all.
    std::optional<std::string> untrusted;
    if (!report->ok) {
        untrusted = fmt::format(
            "not checked: the chain is broken{}: {}; nothing folded from the log is trusted",
            report->first_bad_position != 0
                ? fmt::format(" at event {}", report->first_bad_position)
                : std::string(),
            report->reason);
    }

    nlohmann::json projections;
    projections::ReadModel rebuilt;
    if (untrusted) {
        // "ok" and "rebuilt_to" stay for readers that expect them: false and 0, never ok.
        projections = {
            {"checked", false}, {"ok", false}, {"rebuilt_to", 0}, {"reason", *untrusted}};
    } else {
        std::optional<Finding> projection_finding;
        projections = projections_check(store, progress, projection_finding, rebuilt);
        projections["checked"] = true;
        keep_first(first, projection_finding);
    }

    // The related index and the deliveries are judged against the rebuilt state: when the log
    // could not be folded to its head, they are not checked rather than said ok.
    nlohmann::json related;
    nlohmann::json deliveries_report;
    if (untrusted || rebuilt.position() < store.head_position()) {
        const nlohmann::json skipped{
            {"checked", false},
            {"reason", untrusted ? *untrusted
                                 : fmt::format("not checked: the log could not be folded past "
                                               "position {}",
                                               rebuilt.position())}};
        related = skipped;
        deliveries_report = skipped;
    } else {
        std::optional<Finding> related_finding;
        related = related_check(store, rebuilt.state(), related_finding);
        keep_first(first, related_finding);
        DeliveryCheck deliveries = check_deliveries(store, rebuilt.state());
        if (deliveries.problem) {
            keep_first(first, Finding{0, *deliveries.problem});
        }
        deliveries_report = std::move(deliveries.report);
        if (!related.contains("checked")) {
            related["checked"] = true;
        }
        deliveries_report["checked"] = true;
    }

    // The families no check above walks (delivery seqs, delivery time index, meta): a damaged
    // table there is found here rather than by the server's next read of it.
    auto side = store.damaged_tables(false);
    if (!side) {
        return problem(Failure::store, side.error().message);
    }
    nlohmann::json side_families{{"checked", true}, {"ok", side->empty()}};
    if (!side->empty()) {
        side_families["problems"] = *side;
        keep_first(first, Finding{0, side->front()});
    }

    nlohmann::json checked = nlohmann::json::array();
    for (const auto& checkpoint : checkpoints) {
        std::optional<Finding> checkpoint_finding;
        checked.push_back(checkpoint_check(store, checkpoint, checkpoint_finding));
        keep_first(first, checkpoint_finding);
    }

    // "ok" means no finding; what was not run is listed, so that ok is never read as "all
    // was checked" (decision 117).
    nlohmann::json unchecked = nlohmann::json::array();
    for (const auto& [name, part] :
         {std::pair<const char*, const nlohmann::json*>{"projections", &projections},
          {"related_index", &related},
          {"deliveries", &deliveries_report}}) {
        if (!part->value("checked", false)) {
            unchecked.push_back(name);
        }
    }
    if (checkpoints.empty()) {
        unchecked.push_back("checkpoints");
    }

    nlohmann::json out{{"ok", !first.has_value()},
                       {"unchecked", unchecked},
                       {"events", report->events},
                       {"head", security::to_hex(report->head)},
                       {"chain", chain},
                       {"projections", projections},
                       {"related_index", related},
                       {"deliveries", deliveries_report},
                       {"side_families", side_families},
                       {"checkpoints", checked}};
    if (first) {
        if (first->position != 0) {
            out["first_bad_position"] = first->position;
        }
        out["reason"] = first->reason;
        // A finding may come from a damaged table file (a block that no longer reads makes
        // events or entries look missing): every file is then read whole, and a damaged one is
        // named first, as the cause to look at.
        auto damaged = store.damaged_tables(true);
        if (damaged && !damaged->empty()) {
            out["damaged_tables"] = *damaged;
            if (first->reason != damaged->front()) {
                out["reason"] = damaged->front() + "; what the checks saw: " + first->reason;
            }
        }
    }
    return out;
}

nlohmann::json check_token_key_as_serve(const std::filesystem::path& data_dir,
                                        const eventstore::EventStore& store,
                                        bool without_token_key) {
    nlohmann::json out = check_token_key(data_dir, store);
    if (out.value("checked", false)) {
        return out;
    }
    const std::string path = (data_dir / "keys" / "token.key").string();
    if (without_token_key) {
        return {{"checked", false},
                {"ok", true},
                {"reason", "not checked (--without-token-key): there is no token key at " + path +
                               "; serve refuses to start with this directory until the store's "
                               "own key is put back"}};
    }
    return {{"checked", true},
            {"ok", false},
            {"reason", "there is no token key at " + path +
                           ": serve refuses to start without it; restore it with the store it "
                           "belongs to, or pass --without-token-key if this copy has none on "
                           "purpose"}};
}

}  // namespace keyledger::audit
