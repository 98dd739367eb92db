#pragma once
// How far the pruning of deliveries has gone. prune_deliveries() keeps, in the meta family and
// in the same batch as its deletes, the latest cutoff a prune reached (never moved back):
// deliveries received before it must be gone (unless unreadable), none received at or after it
// may be. `audit verify` reads it to tell a delivery pruned from one deleted early, and one kept
// past its retention.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace keyledger::eventstore {

// Read with get_meta; put_meta refuses it (the store alone writes it).
inline constexpr std::string_view kDeliveriesPrunedBeforeKey = "deliveries_pruned_before";

// The value: the cutoff instant, decimal milliseconds.
inline std::string encode_pruned_before(std::int64_t received_before_ms) {
    return std::to_string(received_before_ms);
}
inline std::optional<std::int64_t> decode_pruned_before(std::string_view value) {
    std::int64_t at = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), at);
    if (error != std::errc() || end != value.data() + value.size() || value.empty()) {
        return std::nullopt;
    }
    return at;
}

}  // namespace keyledger::eventstore
