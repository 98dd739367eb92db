#pragma once
// Projection snapshots: the read model (state, history index and position) as bytes, with the
// hash of the event it was taken at. A snapshot is only ever a shortcut: it is used when it
// decodes, its checksum holds and the log still has its event with that hash at its position;
// otherwise it is ignored and the model is rebuilt from the log.
//
// Layout: magic "KLSNAP", format version, SHA-256 of the body, then the body (little-endian,
// length-prefixed). Decoding checks every length against the remaining bytes, so a damaged
// snapshot is an error, never a crash.
//
// TODO(security): the checksum is unkeyed, so whoever can write the store can plant a snapshot
// that decodes, matches the log's hash at its position and holds a state the log never produced;
// start-up and the audit tools then trust it until `keyledger audit verify` (which compares the
// snapshot with a rebuild) catches it. A MAC under a key derived from DIR/keys/token.key, checked
// by the server and the audit tools alike, is what is missing.

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
