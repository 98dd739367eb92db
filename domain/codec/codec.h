#pragma once
// The codec between keyledger's plain events (domain/events.h) and the bytes the event store
// keeps as their payload. The stored form is defined by domain/codec/events.capnp, which also
// states how it may evolve; nothing outside this folder sees a Cap'n Proto type.
//
// Thread safety: both functions are pure and may be called from any thread at once.

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include "domain/events.h"

namespace keyledger::domain::codec {

// A payload larger than this is refused by decode() before it is parsed. Large enough for any
// event keyledger writes (an idempotent response body is bounded by the HTTP layer well below
// it); small enough that a corrupt length can never make a reader allocate or walk gigabytes.
inline constexpr std::size_t kMaxPayloadBytes = 16 * 1024 * 1024;

// Encodes the payload of `event` as one unpacked Cap'n Proto message in its flat-array form
// (segment table, then segments: a whole number of 8-byte words). Which struct of events.capnp
// is used follows from the event's alternative; the type name is not part of the bytes, so the
// caller stores domain::event_type(event) beside them. Deterministic: equal events give equal
// bytes. Precondition (asserted): the result fits kMaxPayloadBytes, which every event
// keyledger makes does by far; bytes over it would be refused by decode().
[[nodiscard]] std::string encode(const Event& event);

// Decodes bytes produced by encode() for an event of type `type` (a name from
// domain::event_type). Returns the event, or a human-readable error when the type is unknown or
// the bytes are not a well-formed payload of that type: not a whole number of words, too large,
// a broken segment table or pointer, bytes after the message, a digest that is not 32 bytes,
// an enumerant this version does not know, or a message too deep or too long to traverse.
// Never throws and never crashes, whatever the bytes; `bytes` need not be aligned.
[[nodiscard]] std::expected<Event, std::string> decode(std::string_view type,
                                                       std::string_view bytes);

}  // namespace keyledger::domain::codec
