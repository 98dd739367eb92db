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
    related_index
};

inline constexpr std::array<std::string_view, 6> kFamilyNames = {
    "events", "stream_index", "deliveries", "delivery_seq", "meta", "related_index"};

// Families a store may lack because it was written before they existed: a writable open adds
// them; a read-only open goes on without them.
inline constexpr bool added_later(Family family) {
    return family == Family::related_index;
}

// Written at create, checked at every open: tells a keyledger store from any other directory.
inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kFormatValue = "keyledger-eventstore/1";

// In the related index: its mark of completeness. Every other key there starts with a non-empty
// id, so this one (an empty id) is never found as an entry.
inline constexpr std::string_view kRelatedCompleteKey{"\0complete", 9};

// The last event (position and hash), written in the same batch as the events.
inline constexpr std::string_view kHeadKey = "head";

}  // namespace keyledger::eventstore::detail
