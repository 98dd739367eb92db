#include "bench/support/log_writer.h"

#include "domain/codec/codec.h"

namespace keyledger::bench {

eventstore::NewEvent to_new_event(const domain::Event& event, std::string_view actor,
                                  std::int64_t at_ms, std::uint64_t expected_version) {
    return eventstore::NewEvent{domain::stream_of(event, actor),
                                expected_version,
                                std::string(domain::event_type(event)),
                                at_ms,
                                std::string(actor),
                                "req_bench",
                                domain::codec::encode(event),
                                domain::related_ids(event)};
}

LogWriter::LogWriter(eventstore::EventStore& store, std::size_t batch_events)
    : store_(store), batch_events_(batch_events), began_empty_(store.head_position() == 0) {
    batch_.events.reserve(batch_events);
}

eventstore::Result<void> LogWriter::add(const domain::Event& event, std::string_view actor,
                                        std::int64_t at_ms) {
    std::string stream = domain::stream_of(event, actor);
    auto [it, fresh] = versions_.try_emplace(std::move(stream), 0);
    if (fresh && !began_empty_) {
        // A writer may continue a store it did not create.
        it->second = store_.stream_version(it->first);
    }
    batch_.events.push_back(to_new_event(event, actor, at_ms, it->second));
    ++it->second;
    if (batch_.events.size() >= batch_events_) {
        return flush();
    }
    return {};
}

void LogWriter::add_delivery(eventstore::NewDelivery delivery) {
    batch_.deliveries.push_back(std::move(delivery));
}

eventstore::Result<void> LogWriter::flush() {
    if (batch_.events.empty() && batch_.deliveries.empty()) {
        return {};
    }
    auto appended = store_.append(batch_);
    if (!appended) {
        return std::unexpected(appended.error());
    }
    appended_ += batch_.events.size();
    batch_.events.clear();
    batch_.deliveries.clear();
    return {};
}

}  // namespace keyledger::bench
