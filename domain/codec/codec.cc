#include "domain/codec/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <exception>
#include <utility>
#include <variant>

#include "domain/codec/payloads_internal.h"

namespace keyledger::domain::codec {
namespace {

using Decoded = std::expected<Event, std::string>;
constexpr std::size_t kWordBytes = sizeof(capnp::word);
constexpr std::size_t kFirstSegmentWords = 256;  // 2 KiB

// Reading limits. An honest decode fetches each field once, so it walks about as many words as
// the message holds; the slack covers Cap'n Proto's per-object accounting. A message built to
// make the reader walk the same words again and again (pointers aimed at one shared object) hits
// the limit and is refused instead of costing time out of proportion to its size.
constexpr std::uint64_t kTraversalWordsPerWord = 4;
constexpr std::uint64_t kTraversalMinWords = 64;
// Payloads are shallow today (root, list, text); raise this if events.capnp ever nests deeper.
constexpr int kNestingLimit = 8;

capnp::ReaderOptions reader_options(std::size_t words) {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = kTraversalMinWords + kTraversalWordsPerWord * words;
    options.nestingLimit = kNestingLimit;
    return options;
}

// Decodes the root of a message as the I-th alternative of Event.
template <std::size_t I>
Decoded decode_root(capnp::MessageReader& message) {
    using E = std::variant_alternative_t<I, Event>;
    detail::Read<E> read = detail::read(message.getRoot<typename detail::SchemaOf<E>::type>());
    if (!read) {
        return std::unexpected(std::move(read.error()));
    }
    return Event(std::in_place_index<I>, std::move(*read));
}

struct NamedDecoder {
    std::string_view type;
    Decoded (*decode)(capnp::MessageReader&);
};

// The names come from domain::event_type itself, so the codec cannot disagree with it.
template <std::size_t... I>
std::array<NamedDecoder, sizeof...(I)> make_decoders(std::index_sequence<I...>) {
    return {NamedDecoder{event_type(Event(std::in_place_index<I>)), &decode_root<I>}...};
}

const NamedDecoder* find_decoder(std::string_view type) {
    static const auto decoders =
        make_decoders(std::make_index_sequence<std::variant_size_v<Event>>{});
    for (const NamedDecoder& decoder : decoders) {
        if (decoder.type == type) {
            return &decoder;
        }
    }
    return nullptr;
}

std::string size_error(std::string_view type, std::size_t size, std::string_view why) {
    return std::string(type) + " payload of " + std::to_string(size) + " bytes " + std::string(why);
}

// Frames and decodes; may throw kj::Exception on a malformed message.
Decoded decode_words(const NamedDecoder& decoder, kj::ArrayPtr<const capnp::word> words) {
    capnp::FlatArrayMessageReader message(words, reader_options(words.size()));
    if (message.getEnd() != words.end()) {
        const auto extra = static_cast<std::size_t>(words.end() - message.getEnd()) * kWordBytes;
        return std::unexpected(std::string(decoder.type) + " payload has " + std::to_string(extra) +
                               " bytes after its message");
    }
    return decoder.decode(message);
}

}  // namespace

std::string encode(const Event& event) {
    // The first segment lives on the stack, big enough for every event but an unusually long
    // one (Cap'n Proto then allocates more): the default builder callocs 8 KiB per message.
    std::array<capnp::word, kFirstSegmentWords> first_segment{};
    capnp::MallocMessageBuilder message(kj::arrayPtr(first_segment.data(), first_segment.size()));
    std::visit(
        [&message](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            detail::write(message.initRoot<typename detail::SchemaOf<E>::type>(), e);
        },
        event);

    // Serialized straight into the string that is returned.
    const auto segments = message.getSegmentsForOutput();
    std::string bytes(capnp::computeSerializedSizeInWords(segments) * kWordBytes, '\0');
    kj::ArrayOutputStream out(
        kj::arrayPtr(reinterpret_cast<kj::byte*>(bytes.data()), bytes.size()));
    capnp::writeMessage(out, segments);
    assert(bytes.size() <= kMaxPayloadBytes);
    return bytes;
}

std::expected<Event, std::string> decode(std::string_view type, std::string_view bytes) {
    const NamedDecoder* decoder = find_decoder(type);
    if (decoder == nullptr) {
        return std::unexpected("unknown event type \"" + std::string(type) + "\"");
    }
    if (bytes.empty() || bytes.size() % kWordBytes != 0) {
        return std::unexpected(size_error(type, bytes.size(), "is not a whole number of words"));
    }
    if (bytes.size() > kMaxPayloadBytes) {
        return std::unexpected(size_error(type, bytes.size(), "exceeds the payload limit"));
    }

    // Cap'n Proto reads words in place, so they must be aligned: copy only when they are not.
    kj::Array<capnp::word> copy;
    kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(bytes.data()),
                                          bytes.size() / kWordBytes);
    if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) != 0) {
        copy = kj::heapArray<capnp::word>(words.size());
        std::memcpy(copy.begin(), bytes.data(), bytes.size());
        words = copy;
    }

    try {
        return decode_words(*decoder, words);
    } catch (const kj::Exception& e) {
        return std::unexpected(std::string(type) +
                               " payload is corrupt: " + e.getDescription().cStr());
    } catch (const std::exception& e) {
        return std::unexpected(std::string(type) + " payload cannot be read: " + e.what());
    }
}

}  // namespace keyledger::domain::codec
