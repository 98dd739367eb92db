#pragma once
// Where the history of an account, a token or a webhook lies in the log. The positions live in
// the event store's own indexes (each stream's, and the related index of NewEvent::related),
// written in the same batch as the events; this index keeps only what they cannot say: which
// accounts a token belonged to before it was transferred. So it grows with transfers, not with
// the log, and a snapshot carries it whole.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/events.h"
#include "domain/state.h"
#include "eventstore/event_store.h"

namespace keyledger::projections {

// The streams and related ids whose events, folded in position order, make a partial state
// that answers questions about one entity exactly.
struct HistorySources {
    std::vector<std::string> streams;
    std::vector<std::string> related;  // ids, for EventStore::related_positions
    bool empty() const { return streams.empty() && related.empty(); }
    // A webhook's own stream (installed, uninstalled), once: what a past state needs to know
    // whether the webhook was installed then.
    void add_webhook_stream(std::string_view webhook_id);
};

class HistoryIndex {
  public:
    // Records what `event` changes about who held which token; `state` is the state after it.
    void add(const domain::State& state, const domain::Event& event);

    // An account: its own events, the events that name it (its accepted calls, the tokens given
    // to it or taken from it) and the streams of every token it ever held.
    // TODO(perf): those streams hold every call of the account's tokens, so a busy account's
    // as-of fold grows with its traffic; per-entity snapshots in the store would bound it.
    HistorySources sources_for_account(const domain::State& state, std::string_view id) const;
    // A token: its own events, its webhook's, and every owner's it ever had (an owner's activity
    // and deletion decide the token's status), as sources_for_account gives them minus the
    // owner's other tokens' streams: the owner's accepted calls are in the related index.
    HistorySources sources_for_token(const domain::State& state, std::string_view id) const;
    // A webhook: its own events and the app tokens issued for it.
    HistorySources sources_for_webhook(const domain::State& state, std::string_view id) const;

    // Transfers recorded, as (account it left, token), in log order.
    const std::vector<std::pair<domain::IdIndex, domain::IdIndex>>& transfers() const {
        return transfers_;
    }
    // An index holding exactly `transfers`; false when one names an id `state` does not know.
    static bool from_transfers(const domain::State& state,
                               std::vector<std::pair<domain::IdIndex, domain::IdIndex>> transfers,
                               HistoryIndex& out);

    bool operator==(const HistoryIndex& other) const { return transfers_ == other.transfers_; }

  private:
    void remember(domain::IdIndex account, domain::IdIndex token);

    std::vector<std::pair<domain::IdIndex, domain::IdIndex>> transfers_;
    // Lookups of transfers_ both ways.
    std::unordered_map<domain::IdIndex, std::vector<domain::IdIndex>> given_away_;
    std::unordered_map<domain::IdIndex, std::vector<domain::IdIndex>> earlier_owners_;
};

// The positions of `sources` up to and including `last`, sorted and unique: read from the
// store's indexes, so this belongs off the decider thread.
[[nodiscard]] eventstore::Result<std::vector<std::uint64_t>> read_positions(
    const eventstore::EventStore& store, const HistorySources& sources, std::uint64_t last);

// A point of the log: the last position folded and the instant the answer is given for.
struct LogPoint {
    std::uint64_t position = 0;
    domain::Instant at = 0;
};
// As of instant `at`: the last of positions 1..head decided at or before it.
[[nodiscard]] eventstore::Result<LogPoint> point_as_of(const eventstore::EventStore& store,
                                                       domain::Instant at, std::uint64_t head);
// At `position` exactly, at its event's decision instant (0 for position 0).
[[nodiscard]] eventstore::Result<LogPoint> point_at_position(const eventstore::EventStore& store,
                                                             std::uint64_t position);

}  // namespace keyledger::projections
