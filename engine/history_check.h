#pragma once
// The part of the hash chain start-up does not read. Start-up folds only the events after its
// snapshot and checks their links (engine/rebuild.h, fold_log_linked); the events before the
// snapshot decide no live answer, but as-of answers and audits read them. The server checks them
// in the background after it starts (app/serve.cc) and reports damage as not ready.

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "eventstore/event_store.h"

namespace keyledger::engine {

// The words for a broken link between event `earlier` and the one after it, naming the earlier
// one (its bytes changing is what breaks a link, and `audit verify` names it too).
std::string altered_event(std::uint64_t earlier);
// The same for the last event of the log, whose link is the stored head.
std::string altered_last_event(std::uint64_t last);

struct HistoryDamage {
    std::uint64_t position = 0;  // the event whose hash no longer matches its successor's link
    std::string reason;
};

// Walks events 1..upto a page at a time, computing each one's hash: the first event's prev_hash
// must be zeros, each next one's the hash of the event before, and the hash of event `upto` must
// be `anchor` (start-up checked the chain onwards from there). `keep_going` is asked between
// pages; when it says no, the walk stops and nothing is reported. nullopt: the chain holds (or
// the walk was stopped); an error: the store could not be read.
[[nodiscard]] std::expected<std::optional<HistoryDamage>, std::string> check_history(
    const eventstore::EventStore& store, std::uint64_t upto, const eventstore::Hash& anchor,
    const std::function<bool()>& keep_going);

}  // namespace keyledger::engine
