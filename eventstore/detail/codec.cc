// On-disk layout of the RocksDB event store.
//
//   store          = family "events" , family "stream_index" , family "deliveries" ,
//                    family "delivery_seq" , family "meta" , family "related_index" ,
//                    family "delivery_time" ;
//
//   (* "events": the log itself, one entry per event *)
//   events entry   = position (* key *) , envelope (* value *) ;
//   (* "stream_index": where each version of each stream lives *)
//   index entry    = stream , NUL , version (* key *) , position (* value *) ;
//   (* "deliveries": webhook bodies, outside the chain *)
//   delivery entry = webhook id , NUL , seq (* key *) , delivery (* value *) ;
//   (* "delivery_seq": the last seq ever given to each webhook; survives pruning *)
//   seq entry      = webhook id (* key *) , seq (* value *) ;
//   (* "delivery_time": every delivery by the time it was received, for pruning *)
//   time entry     = instant , webhook id , NUL , seq (* key *) , "" (* value *)
//                  | NUL , "complete" , "" ;  (* every delivery has its entry *)
//   (* "meta": the store's own records and the caller's named blobs *)
//   meta entry     = "format" , "keyledger-eventstore/1"
//                  | "head" , head
//                  | other key , blob ;
//
//   position       = u64be ;  (* dense from 1 *)
//   version        = u64be ;  (* dense from 1 within a stream *)
//   seq            = u64be ;  (* dense from 1 within a webhook, never reused *)
//   instant        = u64be ;  (* milliseconds since the epoch + 2^63: key order is time order *)
//   u64be          = 8 * byte ;  (* unsigned, big-endian: key order is numeric order *)
//   stream         = name ;
//   webhook id     = name ;
//   name           = byte - NUL , { byte - NUL } ;
//   head           = position , hash ;  (* the last event; absent while the log is empty *)
//   hash           = 32 * byte ;  (* SHA-256 *)
//
//   envelope       = capnp message (* of struct Envelope in envelope.capnp *) ;
//   delivery       = capnp message (* of struct Delivery in envelope.capnp *) ;
//   capnp message  = segment table , segment , { segment } ;  (* standard unpacked framing,
//                                                                 nothing after the message *)
//
// The chain:
//   hash(n)               = SHA-256 of the envelope of event n, bytes exactly as stored
//   Envelope(1).prevHash  = 32 * 0x00
//   Envelope(n).prevHash  = hash(n - 1)
//   Envelope(n).position  = n, the key the envelope is stored under

#include "eventstore/detail/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "eventstore/envelope.capnp.h"
#include "security/sha256.h"

namespace keyledger::eventstore::detail {
namespace {

// Cap'n Proto refuses to traverse more than this many words of one message. Records are capped
// well below it (see kMaxPayloadBytes and kMaxTextBytes), so a record append() accepted stays
// readable; a larger, forged size in a damaged record is refused instead of allocated.
constexpr std::uint64_t kTraversalLimitWords = 8 * 1024 * 1024;  // 64 MiB

static_assert(kMaxPayloadBytes + 8 * kMaxTextBytes + 4096 <
              kTraversalLimitWords * sizeof(capnp::word));

capnp::Data::Reader as_data(std::string_view bytes) {
    return {reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()};
}

capnp::Text::Reader as_text(std::string_view text) {
    return {text.data(), text.size()};
}

std::string to_string(capnp::Text::Reader text) {
    return {text.begin(), text.size()};
}

std::string to_string(capnp::Data::Reader data) {
    return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

// Sizes the first segment so that a record fits in one segment: smaller and simpler on disk.
std::uint64_t first_segment_words(std::size_t content_bytes) {
    return content_bytes / sizeof(capnp::word) + 64;
}

std::string to_bytes(capnp::MessageBuilder& message) {
    kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
    kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
    return {reinterpret_cast<const char*>(bytes.begin()), bytes.size()};
}

// `bytes` as Cap'n Proto words: in place when RocksDB's buffer happens to be word-aligned, as
// Cap'n Proto needs, or else copied into `scratch`. Empty if the size is not whole words.
kj::ArrayPtr<const capnp::word> as_words(std::string_view bytes,
                                         std::vector<std::uint64_t>& scratch) {
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
        return {};
    }
    const std::size_t count = bytes.size() / sizeof(capnp::word);
    const void* start = bytes.data();
    if (reinterpret_cast<std::uintptr_t>(start) % alignof(capnp::word) != 0) {
        scratch.resize(count);
        std::memcpy(scratch.data(), bytes.data(), bytes.size());
        start = scratch.data();
    }
    return {static_cast<const capnp::word*>(start), count};
}

// Parses `bytes` as one Cap'n Proto message with root type Root and hands the root to
// `read`. Every failure, including the kj exceptions the reader throws on malformed input,
// becomes a plain-words string; this is the only place decoding can throw. What `read` takes
// from the root may point into `bytes` or `scratch`.
template <class Root, class Read>
auto read_message(std::string_view bytes, std::vector<std::uint64_t>& scratch, Read&& read)
    -> std::expected<std::invoke_result_t<Read, typename Root::Reader>, std::string> {
    const kj::ArrayPtr<const capnp::word> words = as_words(bytes, scratch);
    if (words.size() == 0) {
        return std::unexpected(fmt::format(
            "its {} bytes are not a whole number of 8-byte Cap'n Proto words", bytes.size()));
    }

    try {
        capnp::ReaderOptions options;
        options.traversalLimitInWords = kTraversalLimitWords;
        capnp::FlatArrayMessageReader reader(words, options);
        if (reader.getEnd() != words.end()) {
            return std::unexpected(fmt::format("{} bytes follow the Cap'n Proto message",
                                               (words.end() - reader.getEnd()) * 8));
        }
        return read(reader.getRoot<Root>());
    } catch (const kj::Exception& e) {
        return std::unexpected(
            fmt::format("Cap'n Proto rejects it: {}", e.getDescription().cStr()));
    }
}

std::string_view as_view(capnp::Text::Reader text) {
    return {text.begin(), text.size()};
}

std::string_view as_view(capnp::Data::Reader data) {
    return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

}  // namespace

std::string encode_u64(std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 7; i >= 0; --i) {
        bytes[i] = static_cast<char>(value & 0xff);
        value >>= 8;
    }
    return bytes;
}

std::optional<std::uint64_t> decode_u64(std::string_view bytes) {
    if (bytes.size() != 8) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (char byte : bytes) {
        value = (value << 8) | static_cast<std::uint8_t>(byte);
    }
    return value;
}

std::optional<std::uint64_t> decode_u64_suffix(std::string_view key) {
    if (key.size() < 8) {
        return std::nullopt;
    }
    return decode_u64(key.substr(key.size() - 8));
}

std::string event_key(std::uint64_t position) {
    return encode_u64(position);
}

std::string stream_prefix(std::string_view stream) {
    std::string prefix(stream);
    prefix.push_back('\0');
    return prefix;
}

std::string stream_key(std::string_view stream, std::uint64_t version) {
    return stream_prefix(stream) + encode_u64(version);
}

std::string delivery_prefix(std::string_view webhook_id) {
    return stream_prefix(webhook_id);
}

std::string delivery_key(std::string_view webhook_id, std::uint64_t seq) {
    return delivery_prefix(webhook_id) + encode_u64(seq);
}

std::optional<NamedKey> parse_named_key(std::string_view key) {
    if (key.size() < 10 || key[key.size() - 9] != '\0') {
        return std::nullopt;
    }
    NamedKey parsed{key.substr(0, key.size() - 9), *decode_u64_suffix(key)};
    if (!is_valid_name(parsed.name)) {
        return std::nullopt;
    }
    return parsed;
}

namespace {
constexpr std::uint64_t kInstantBias = std::uint64_t{1} << 63;
}  // namespace

std::string delivery_time_bound(std::int64_t received_at_ms) {
    return encode_u64(static_cast<std::uint64_t>(received_at_ms) ^ kInstantBias);
}

std::string delivery_time_key(std::int64_t received_at_ms, std::string_view delivery_key) {
    std::string key = delivery_time_bound(received_at_ms);
    key.append(delivery_key);
    return key;
}

std::optional<DeliveryTimeKey> parse_delivery_time_key(std::string_view key) {
    if (key.size() < 8) {
        return std::nullopt;
    }
    const std::string_view delivery = key.substr(8);
    std::optional<NamedKey> named = parse_named_key(delivery);
    if (!named) {
        return std::nullopt;
    }
    const std::uint64_t biased = *decode_u64(key.substr(0, 8));
    return DeliveryTimeKey{static_cast<std::int64_t>(biased ^ kInstantBias), delivery, *named};
}

bool is_valid_name(std::string_view name) {
    return !name.empty() && name.find('\0') == std::string_view::npos;
}

std::string encode_envelope(std::uint64_t position, const NewEvent& event, const Hash& prev_hash) {
    const std::size_t content = event.stream.size() + event.type.size() + event.actor.size() +
                                event.correlation_id.size() + event.payload.size() +
                                prev_hash.size();
    capnp::MallocMessageBuilder message(first_segment_words(content));

    auto envelope = message.initRoot<schema::Envelope>();
    envelope.setPosition(position);
    envelope.setStream(as_text(event.stream));
    envelope.setVersion(event.expected_version + 1);
    envelope.setType(as_text(event.type));
    envelope.setAtMs(event.at_ms);
    envelope.setActor(as_text(event.actor));
    envelope.setCorrelationId(as_text(event.correlation_id));
    envelope.setPayload(as_data(event.payload));
    envelope.setPrevHash(capnp::Data::Reader(prev_hash.data(), prev_hash.size()));
    return to_bytes(message);
}

Result<EventView> EnvelopeReader::read(std::uint64_t position, std::string_view bytes) {
    auto decoded =
        read_message<schema::Envelope>(bytes, words_, [&](schema::Envelope::Reader envelope) {
            EventView event{};
            event.position = envelope.getPosition();
            event.stream = as_view(envelope.getStream());
            event.version = envelope.getVersion();
            event.type = as_view(envelope.getType());
            event.at_ms = envelope.getAtMs();
            event.actor = as_view(envelope.getActor());
            event.correlation_id = as_view(envelope.getCorrelationId());
            event.payload = as_view(envelope.getPayload());

            capnp::Data::Reader prev = envelope.getPrevHash();
            std::size_t prev_size = prev.size();
            if (prev_size == event.prev_hash.size()) {
                std::copy(prev.begin(), prev.end(), event.prev_hash.begin());
            }
            return std::pair{event, prev_size};
        });

    if (!decoded) {
        return std::unexpected(Error{
            ErrorCode::corruption,
            fmt::format("event {}: its envelope cannot be decoded: {}", position, decoded.error()),
            position});
    }
    const auto& [event, prev_size] = *decoded;
    if (event.position != position) {
        return std::unexpected(Error{ErrorCode::corruption,
                                     fmt::format("event {}: the envelope stored at position {} "
                                                 "says it is event {}",
                                                 position, position, event.position),
                                     position});
    }
    if (prev_size != event.prev_hash.size()) {
        return std::unexpected(Error{
            ErrorCode::corruption,
            fmt::format("event {}: its prev_hash has {} bytes instead of 32", position, prev_size),
            position});
    }
    return event;
}

StoredEvent to_stored_event(const EventView& view) {
    return StoredEvent{.position = view.position,
                       .stream = std::string(view.stream),
                       .version = view.version,
                       .type = std::string(view.type),
                       .at_ms = view.at_ms,
                       .actor = std::string(view.actor),
                       .correlation_id = std::string(view.correlation_id),
                       .payload = std::string(view.payload),
                       .prev_hash = view.prev_hash,
                       .hash = view.hash};
}

Result<StoredEvent> decode_envelope(std::uint64_t position, std::string_view bytes) {
    EnvelopeReader reader;
    auto view = reader.read(position, bytes);
    if (!view) {
        return std::unexpected(view.error());
    }
    view->hash = security::sha256(bytes);
    return to_stored_event(*view);
}

std::string encode_delivery(std::uint64_t seq, const NewDelivery& delivery) {
    const std::size_t content = delivery.webhook_id.size() + delivery.call_id.size() +
                                delivery.content_type.size() + delivery.body.size();
    capnp::MallocMessageBuilder message(first_segment_words(content));

    auto record = message.initRoot<schema::Delivery>();
    record.setSeq(seq);
    record.setWebhookId(as_text(delivery.webhook_id));
    record.setCallId(as_text(delivery.call_id));
    record.setReceivedAtMs(delivery.received_at_ms);
    record.setContentType(as_text(delivery.content_type));
    record.setBody(as_data(delivery.body));
    return to_bytes(message);
}

Result<StoredDelivery> decode_delivery(std::string_view webhook_id, std::uint64_t seq,
                                       std::string_view bytes) {
    std::vector<std::uint64_t> scratch;
    auto decoded =
        read_message<schema::Delivery>(bytes, scratch, [](schema::Delivery::Reader record) {
            return StoredDelivery{
                .seq = record.getSeq(),
                .webhook_id = to_string(record.getWebhookId()),
                .call_id = to_string(record.getCallId()),
                .received_at_ms = record.getReceivedAtMs(),
                .content_type = to_string(record.getContentType()),
                .body = to_string(record.getBody()),
            };
        });

    if (!decoded) {
        return std::unexpected(Error{
            ErrorCode::corruption, fmt::format("delivery {} of webhook '{}' cannot be decoded: {}",
                                               seq, webhook_id, decoded.error())});
    }
    if (decoded->seq != seq || decoded->webhook_id != webhook_id) {
        return std::unexpected(Error{
            ErrorCode::corruption,
            fmt::format("delivery {} of webhook '{}' is stored as delivery {} of webhook '{}'",
                        decoded->seq, decoded->webhook_id, seq, webhook_id)});
    }
    return std::move(*decoded);
}

std::string encode_head(const Head& head) {
    std::string bytes = encode_u64(head.position);
    bytes.append(reinterpret_cast<const char*>(head.hash.data()), head.hash.size());
    return bytes;
}

std::optional<Head> decode_head(std::string_view bytes) {
    Head head;
    if (bytes.size() != 8 + head.hash.size()) {
        return std::nullopt;
    }
    head.position = *decode_u64(bytes.substr(0, 8));
    std::memcpy(head.hash.data(), bytes.data() + 8, head.hash.size());
    return head;
}

std::string to_hex(const Hash& hash) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(hash.size() * 2);
    for (std::uint8_t byte : hash) {
        hex.push_back(kDigits[byte >> 4]);
        hex.push_back(kDigits[byte & 0x0f]);
    }
    return hex;
}

}  // namespace keyledger::eventstore::detail
