#include "engine/history_check.h"

#include <algorithm>

namespace keyledger::engine {

namespace {

constexpr std::uint64_t kPage = 10'000;

}  // namespace

std::string altered_event(std::uint64_t earlier) {
    return "event " + std::to_string(earlier) + ": its hash does not match the prev_hash that " +
           "event " + std::to_string(earlier + 1) +
           " recorded: the log was altered after it was written (keyledger audit verify tells "
           "more)";
}

std::string altered_last_event(std::uint64_t last) {
    return "event " + std::to_string(last) +
           ": its hash does not match the stored head: the log was altered after it was written "
           "(keyledger audit verify tells more)";
}

std::expected<std::optional<HistoryDamage>, std::string> check_history(
    const eventstore::EventStore& store, std::uint64_t upto, const eventstore::Hash& anchor,
    const std::function<bool()>& keep_going) {
    eventstore::Hash last{};
    std::uint64_t checked = 0;
    std::optional<HistoryDamage> damage;
    while (checked < upto && !damage) {
        if (!keep_going()) {
            return std::nullopt;
        }
        const std::uint64_t limit = std::min(kPage, upto - checked);
        auto read = store.for_each_event(
            checked, limit, eventstore::Hashes::compute, [&](const eventstore::EventView& event) {
                if (event.position != checked + 1) {
                    damage = HistoryDamage{checked + 1,
                                           "event " + std::to_string(checked + 1) + " is missing"};
                    return false;
                }
                if (event.prev_hash != last) {
                    damage = HistoryDamage{event.position - 1, altered_event(event.position - 1)};
                    return false;
                }
                last = event.hash;
                ++checked;
                return true;
            });
        if (!read) {
            return std::unexpected("event " + std::to_string(checked + 1) +
                                   " cannot be read: " + read.error().message);
        }
        if (!damage && *read == 0) {
            damage = HistoryDamage{checked + 1, "event " + std::to_string(checked + 1) +
                                                    " is missing: the log ends before the "
                                                    "snapshot's event " +
                                                    std::to_string(upto)};
        }
    }
    if (!damage && upto != 0 && last != anchor) {
        damage = HistoryDamage{upto, "event " + std::to_string(upto) +
                                         ": its hash does not match the one the projection "
                                         "snapshot was taken at: the log was altered after it "
                                         "was written (keyledger audit verify tells more)"};
    }
    return damage;
}

}  // namespace keyledger::engine
