#include "audit/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "audit/transparency/checkpoint_check.h"
#include "engine/rebuild.h"
#include "projections/snapshot.h"
#include "security/digest.h"

namespace keyledger::audit {

using namespace domain;

namespace {

template <class Map>
std::vector<std::string> sorted_ids(const Map& a, const Map& b) {
    std::vector<std::string> ids;
    for (const auto& [id, value] : a)
        ids.push_back(id);
    for (const auto& [id, value] : b)
        ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

// The first id whose entry differs between the two maps (missing on one side counts).
template <class Map>
std::optional<std::string> first_difference(const Map& a, const Map& b) {
    for (const auto& id : sorted_ids(a, b)) {
        auto left = a.find(id);
        auto right = b.find(id);
        if (left == a.end() || right == b.end() || !(left->second == right->second)) {
            return id;
        }
    }
    return std::nullopt;
}

// What differs between the snapshot and the rebuild, in plain words, naming the entity.
std::string difference(const projections::ReadModel& snapshot,
                       const projections::ReadModel& rebuilt) {
    const State& s = snapshot.state();
    const State& r = rebuilt.state();
    const auto& history = rebuilt.history();
    const std::uint64_t p = rebuilt.position();
    auto last_touch = [](const std::vector<std::uint64_t>& positions) {
        return positions.empty()
                   ? std::string()
                   : fmt::format(" (its last event is at position {})", positions.back());
    };
    if (auto id = first_difference(s.accounts, r.accounts)) {
        return "account " + *id + " differs" + last_touch(history.positions_for_account(*id, p));
    }
    if (auto id = first_difference(s.tokens, r.tokens)) {
        return "token " + *id + " differs" + last_touch(history.positions_for_token(*id, p));
    }
    if (auto id = first_difference(s.webhooks, r.webhooks)) {
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
    return "the history index differs";
}

struct Finding {
    std::uint64_t position = 0;
    std::string reason;
};

nlohmann::json projections_check(const eventstore::EventStore& store, const ReadProgress& progress,
                                 std::optional<Finding>& finding) {
    const std::uint64_t head = store.head_position();
    nlohmann::json out;
    auto tell = [&](std::uint64_t folded) {
        if (progress)
            progress(folded, head);
    };

    auto snapshot = engine::load_snapshot(store);
    projections::ReadModel rebuilt;
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
                                             p, difference(snap.model, rebuilt))};
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

    std::optional<Finding> projection_finding;
    nlohmann::json projections = projections_check(store, progress, projection_finding);
    keep_first(first, projection_finding);

    nlohmann::json checked = nlohmann::json::array();
    for (const auto& checkpoint : checkpoints) {
        std::optional<Finding> checkpoint_finding;
        checked.push_back(checkpoint_check(store, checkpoint, checkpoint_finding));
        keep_first(first, checkpoint_finding);
    }

    nlohmann::json out{{"ok", !first.has_value()},
                       {"events", report->events},
                       {"head", security::to_hex(report->head)},
                       {"chain", chain},
                       {"projections", projections},
                       {"checkpoints", checked}};
    if (first) {
        if (first->position != 0) {
            out["first_bad_position"] = first->position;
        }
        out["reason"] = first->reason;
    }
    return out;
}

}  // namespace keyledger::audit
