#include "projections/read_model.h"

#include <cassert>

#include "domain/evolve.h"

namespace keyledger::projections {

void ReadModel::apply(std::uint64_t position, const domain::Fact& fact) {
    apply(position, fact.at, fact.event);
}

void ReadModel::apply(std::uint64_t position, domain::Instant at, const domain::Event& event) {
    assert(position == position_ + 1);
    domain::evolve(state_, at, event);
    history_.add(state_, event);
    position_ = position;
}

}  // namespace keyledger::projections
