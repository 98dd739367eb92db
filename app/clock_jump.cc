#include "app/clock_jump.h"

namespace keyledger::app {

std::string clock_jump_problem(const engine::Engine& engine, domain::Instant now) {
    const std::uint64_t head = engine.store().head_position();
    if (head == 0) {
        return {};
    }
    auto last_event = engine.store().read_at(head);
    const domain::Instant last = last_event ? last_event->at_ms : 0;
    if (now <= last + engine.window_ms()) {
        return {};
    }
    return "the system clock (" + domain::format_instant(now) +
           ") is more than the inactivity window ahead of the last recorded event (" +
           domain::format_instant(last) + ")";
}

}  // namespace keyledger::app
