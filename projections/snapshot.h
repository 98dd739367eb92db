#pragma once
// Projection snapshots: the read model (state, history index and position) as bytes, with the
// hash of the event it was taken at. A snapshot is only ever a shortcut: it is used when it
// decodes, its checksum holds and the log still has its event with that hash at its position;
// otherwise it is ignored and the model is rebuilt from the log.
//
// Layout: magic "KLSNAP", format version, SHA-256 of the body, then the body (little-endian,
// length-prefixed). Decoding checks every length against the remaining bytes, so a damaged
// snapshot is an error, never a crash.

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "projections/read_model.h"

namespace keyledger::projections {

using EventHash = std::array<std::uint8_t, 32>;

struct Snapshot {
    ReadModel model;       // model.position() is the position it was taken at
    EventHash event_hash;  // the stored hash of the event at that position
};

// The meta key under which the store keeps the latest snapshot.
inline constexpr std::string_view kSnapshotMetaKey = "projection_snapshot";

[[nodiscard]] std::string encode_snapshot(const ReadModel& model, const EventHash& event_hash);
// An error says in plain words what is wrong (bad magic, unknown version, checksum, truncated).
[[nodiscard]] std::expected<Snapshot, std::string> decode_snapshot(std::string_view bytes);

}  // namespace keyledger::projections
