#pragma once
// The live read model: the rules' state plus an index of each account's, token's and webhook's
// history, folded from committed events in position order. The same apply() serves the live
// model and a rebuild from position 1, so the two are equal by construction and by test.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "domain/id_table.h"
#include "domain/state.h"

namespace keyledger::projections {

using domain::IdTable;
using domain::Instant;

// Every array here is flat and grows by appending, so it costs a few bytes per entry and a
// snapshot stores and loads it whole.
// TODO(perf): it grows with every event (about 17 bytes a call event), so resident memory and
// the snapshot's size follow the log's length; keeping positions in the store would bound both.
class HistoryIndex {
  public:
    // Records which entities the fact at `position` touches. Positions beyond 2^32 - 1 are
    // refused (std::length_error): the index keeps them in 32 bits.
    void add(std::uint64_t position, const domain::Fact& fact);

    // The last position decided at or before t (0 when none).
    std::uint64_t position_at(Instant t) const;
    std::uint64_t head() const { return at_by_position_.size(); }
    Instant at_of(std::uint64_t position) const { return at_by_position_.at(position - 1); }

    // Every position up to `last` needed to fold an account, or a token with its owners and
    // webhook, into a partial state that answers questions about it exactly. Sorted, unique.
    // TODO(perf): includes every accepted call of the account's tokens, so a busy account's
    // as-of fold grows with its traffic; per-entity snapshots would bound it.
    std::vector<std::uint64_t> positions_for_account(std::string_view id, std::uint64_t last) const;
    std::vector<std::uint64_t> positions_for_token(std::string_view id, std::uint64_t last) const;

    bool operator==(const HistoryIndex&) const = default;

  private:
    friend struct SnapshotCodec;
    static constexpr std::uint32_t kNone = IdTable::kNone;

    // Per interned id: the newest node of its positions and of its links, and a token's webhook.
    struct Entity {
        std::uint32_t newest_position = kNone;
        std::uint32_t newest_link = kNone;
        std::uint32_t webhook = kNone;
        bool operator==(const Entity&) const = default;
    };
    // Links that never go away: every token an account ever held (at the account) and every
    // owner a token had (at the token, tagged kOwnerTag).
    struct Link {
        std::uint32_t target = 0;  // (entity << 1) | tag
        std::uint32_t older = kNone;
        bool operator==(const Link&) const = default;
    };
    static constexpr std::uint32_t kOwnerTag = 1;

    std::uint32_t entity(std::string_view id);
    void touch(std::string_view id, std::uint64_t position);
    void link(std::string_view account, std::string_view token);
    void push_link(std::uint32_t from, std::uint32_t target);
    void append_upto(std::vector<std::uint64_t>& out, std::uint32_t entity,
                     std::uint64_t last) const;

    std::vector<Instant> at_by_position_;
    IdTable ids_;
    std::vector<Entity> entities_;  // by id index
    // One node per (entity, position), newest first within an entity: the position, and the
    // entity's previous node. Nodes are appended in position order.
    std::vector<std::uint32_t> node_position_;
    std::vector<std::uint32_t> node_older_;
    std::vector<Link> links_;
};

class ReadModel {
  public:
    // Applies the fact committed at `position`, which must be head() + 1.
    void apply(std::uint64_t position, const domain::Fact& fact);

    const domain::State& state() const { return state_; }
    const HistoryIndex& history() const { return history_; }
    std::uint64_t position() const { return position_; }

    bool operator==(const ReadModel&) const = default;

  private:
    friend struct SnapshotCodec;
    domain::State state_;
    HistoryIndex history_;
    std::uint64_t position_ = 0;
};

}  // namespace keyledger::projections
