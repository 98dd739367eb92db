#pragma once
// The live read model: the rules' state plus the index of who held which token, folded from
// committed events in position order. The same apply() serves the live model and a rebuild from
// position 1, so the two are equal by construction and by test.

#include <cstdint>

#include "domain/events.h"
#include "domain/state.h"
#include "projections/history_index.h"

namespace keyledger::projections {

class ReadModel {
  public:
    // Applies the fact committed at `position`, which must be position() + 1.
    void apply(std::uint64_t position, const domain::Fact& fact);
    // The same for an event recorded at `at`: all of a fact that the model reads.
    void apply(std::uint64_t position, domain::Instant at, const domain::Event& event);

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
