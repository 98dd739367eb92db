#pragma once
// The live read model: the rules' state plus an index of each account's, token's and webhook's
// history, folded from committed events in position order. The same apply() serves the live
// model and a rebuild from position 1, so the two are equal by construction and by test.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/events.h"
#include "domain/state.h"

namespace keyledger::projections {

using domain::Instant;

class HistoryIndex {
  public:
    // Records which entities the fact at `position` touches.
    void add(std::uint64_t position, const domain::Fact& fact);

    // The last position decided at or before t (0 when none).
    std::uint64_t position_at(Instant t) const;
    std::uint64_t head() const { return at_by_position_.size(); }
    Instant at_of(std::uint64_t position) const { return at_by_position_.at(position - 1); }

    // Every position up to `last` needed to fold an account, or a token with its owners and
    // webhook, into a partial state that answers questions about it exactly. Sorted, unique.
    // TODO(perf): includes every accepted call of the account's tokens, so a busy account's
    // as-of fold grows with its traffic; per-entity snapshots would bound it.
    std::vector<std::uint64_t> positions_for_account(const std::string& id,
                                                     std::uint64_t last) const;
    std::vector<std::uint64_t> positions_for_token(const std::string& id, std::uint64_t last) const;

    bool operator==(const HistoryIndex&) const = default;

  private:
    friend struct SnapshotCodec;
    void touch(const std::string& entity, std::uint64_t position);
    void append_upto(std::vector<std::uint64_t>& out, const std::string& entity,
                     std::uint64_t last) const;

    std::vector<Instant> at_by_position_;
    std::unordered_map<std::string, std::vector<std::uint64_t>> positions_;
    // Links that never go away: every token an account ever held, every owner a token had.
    std::unordered_map<std::string, std::vector<std::string>> tokens_of_account_;
    std::unordered_map<std::string, std::vector<std::string>> owners_of_token_;
    std::unordered_map<std::string, std::string> webhook_of_token_;
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
