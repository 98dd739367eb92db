#pragma once
// Names shared by the store and its tools: column families and the store's own meta keys.
// The byte layout of keys and values is in codec.cc.

#include <array>
#include <cstddef>
#include <string_view>

namespace keyledger::eventstore::detail {

enum class Family : std::size_t {
    events,
    stream_index,
    deliveries,
    delivery_seq,
    meta,
    related_index,
    delivery_time
};

inline constexpr std::array<std::string_view, 7> kFamilyNames = {
    "events", "stream_index",  "deliveries",   "delivery_seq",
    "meta",   "related_index", "delivery_time"};

// Families a store may lack because it was written before they existed: a writable open adds
// them; a read-only open goes on without them.
inline constexpr bool added_later(Family family) {
    return family == Family::related_index || family == Family::delivery_time;
}

// Written at create, checked at every open: tells a keyledger store from any other directory.
inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kFormatValue = "keyledger-eventstore/1";

// In the related index: its mark of completeness. Every other key there starts with a non-empty
// id, so this one (an empty id) is never found as an entry.
inline constexpr std::string_view kRelatedCompleteKey{"\0complete", 9};

// In the delivery time index: its mark of completeness (every delivery of the store has its
// entry). Every entry's key is at least 18 bytes long, so this 9-byte key is never one.
inline constexpr std::string_view kDeliveryTimeCompleteKey{"\0complete", 9};

// The last event (position and hash), written in the same batch as the events.
inline constexpr std::string_view kHeadKey = "head";

}  // namespace keyledger::eventstore::detail
