#pragma once
// Appends domain events to an EventStore the way the engine does (stream, version, type, codec
// payload), in batches of a chosen size, without a live model: fast enough to build stores of
// hundreds of millions of events.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "domain/events.h"
#include "eventstore/event_store.h"

namespace keyledger::bench {

class LogWriter {
  public:
    LogWriter(eventstore::EventStore& store, std::size_t batch_events);

    // Stages one event decided at `at_ms`; appends the batch when it is full.
    [[nodiscard]] eventstore::Result<void> add(const domain::Event& event, std::string_view actor,
                                               std::int64_t at_ms);
    // Appends what is staged.
    [[nodiscard]] eventstore::Result<void> flush();
    // Adds a delivery to the staged batch (it goes with the next append).
    void add_delivery(eventstore::NewDelivery delivery);

    std::uint64_t appended() const { return appended_; }

  private:
    eventstore::EventStore& store_;
    std::size_t batch_events_;
    eventstore::AppendBatch batch_;
    std::unordered_map<std::string, std::uint64_t> versions_;
    // A store that was empty when this writer began holds no stream this writer has not seen.
    bool began_empty_;
    std::uint64_t appended_ = 0;
};

// One staged event as the engine would stage it (the version is the caller's).
eventstore::NewEvent to_new_event(const domain::Event& event, std::string_view actor,
                                  std::int64_t at_ms, std::uint64_t expected_version);

}  // namespace keyledger::bench
