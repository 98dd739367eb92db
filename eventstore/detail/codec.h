#pragma once
// Bytes on disk: RocksDB keys, the event envelope, the delivery record and the head record.
// The layout is written as a grammar at the top of codec.cc. Pure functions, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

// 8 bytes, big-endian, so that RocksDB's bytewise key order is numeric order.
[[nodiscard]] std::string encode_u64(std::uint64_t value);
// nullopt unless `bytes` is exactly 8 bytes long.
[[nodiscard]] std::optional<std::uint64_t> decode_u64(std::string_view bytes);
// The number in the last 8 bytes of a key; nullopt if the key is shorter than that.
[[nodiscard]] std::optional<std::uint64_t> decode_u64_suffix(std::string_view key);

// Keys. Stream names and webhook ids must not contain NUL (callers check: see is_valid_name).
[[nodiscard]] std::string event_key(std::uint64_t position);
[[nodiscard]] std::string stream_prefix(std::string_view stream);  // stream NUL
[[nodiscard]] std::string stream_key(std::string_view stream, std::uint64_t version);
[[nodiscard]] std::string delivery_prefix(std::string_view webhook_id);  // webhook_id NUL
[[nodiscard]] std::string delivery_key(std::string_view webhook_id, std::uint64_t seq);

// A stream index key or a delivery key, taken apart.
struct NamedKey {
    std::string_view name;  // the stream or webhook id; points into the parsed key
    std::uint64_t number;   // the version or seq
};
// nullopt unless `key` is name NUL u64be.
[[nodiscard]] std::optional<NamedKey> parse_named_key(std::string_view key);

// The delivery time index: received_at (as u64be of the instant plus 2^63, so that bytewise
// order is time order, negative instants included), then the delivery's key. Pruning walks it
// from the oldest delivery up to its cutoff: a pass costs what it removes, whatever the number of
// webhooks.
[[nodiscard]] std::string delivery_time_key(std::int64_t received_at_ms,
                                            std::string_view delivery_key);
// The first key of every delivery received at or after `received_at_ms`.
[[nodiscard]] std::string delivery_time_bound(std::int64_t received_at_ms);
struct DeliveryTimeKey {
    std::int64_t received_at_ms;
    std::string_view delivery_key;  // points into the parsed key
    NamedKey delivery;              // delivery_key taken apart
};
// nullopt unless `key` is u64be followed by a delivery key (webhook id NUL u64be).
[[nodiscard]] std::optional<DeliveryTimeKey> parse_delivery_time_key(std::string_view key);

// True if `name` can be a stream name or a webhook id: not empty, no NUL byte.
[[nodiscard]] bool is_valid_name(std::string_view name);

// The envelope of `event` at `position`, chained to `prev_hash`: the exact bytes to store.
[[nodiscard]] std::string encode_envelope(std::uint64_t position, const NewEvent& event,
                                          const Hash& prev_hash);

// Decodes the envelope stored under `position` and hashes its bytes. corruption (naming the
// position) if the bytes are not a well-formed envelope, if the envelope says another position,
// or if its prev_hash is not 32 bytes. Never throws on bad input.
[[nodiscard]] Result<StoredEvent> decode_envelope(std::uint64_t position, std::string_view bytes);

// The view's fields as owned strings.
[[nodiscard]] StoredEvent to_stored_event(const EventView& view);

// Decodes envelopes into views, reusing one buffer: for reads that decode many in a row.
class EnvelopeReader {
  public:
    // The envelope stored under `position`, checked as decode_envelope checks it. Its fields
    // point into `bytes` or into this reader's buffer: valid while `bytes` is and until the next
    // read. `hash` is left all zero.
    [[nodiscard]] Result<EventView> read(std::uint64_t position, std::string_view bytes);

  private:
    std::vector<std::uint64_t> words_;  // a word-aligned copy of bytes that are not aligned
};

[[nodiscard]] std::string encode_delivery(std::uint64_t seq, const NewDelivery& delivery);

// Decodes the delivery stored under (webhook_id, seq); corruption if the bytes are not a
// well-formed record or disagree with the key. Never throws on bad input.
[[nodiscard]] Result<StoredDelivery> decode_delivery(std::string_view webhook_id, std::uint64_t seq,
                                                     std::string_view bytes);

struct Head {
    std::uint64_t position = 0;
    Hash hash{};
    bool operator==(const Head&) const = default;
};
[[nodiscard]] std::string encode_head(const Head& head);
// nullopt unless `bytes` is a well-formed head record.
[[nodiscard]] std::optional<Head> decode_head(std::string_view bytes);

// "1f0a..." (64 hex digits), for messages.
[[nodiscard]] std::string to_hex(const Hash& hash);

}  // namespace keyledger::eventstore::detail
