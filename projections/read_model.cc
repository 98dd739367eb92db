#include "projections/read_model.h"

#include <cassert>

#include "domain/evolve.h"

namespace keyledger::projections {

void ReadModel::apply(std::uint64_t position, const domain::Fact& fact) {
    assert(position == position_ + 1);
    domain::evolve(state_, fact);
    history_.add(state_, fact);
    position_ = position;
}

}  // namespace keyledger::projections
