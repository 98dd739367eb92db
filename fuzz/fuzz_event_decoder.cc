// libFuzzer target: the decoders of stored bytes fed corrupted input: the store's envelope and
// delivery records (eventstore/detail/codec.h) and the domain payloads (domain/codec/codec.h).
//
// Input: the first byte picks an event type; the rest is decoded as an envelope, as a delivery
// record, and as that type's payload. Checks, beyond "no crash, no sanitizer finding": whatever
// decodes encodes back to bytes that decode to the same event (the codec loses nothing it
// accepted).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/codec/codec.h"
#include "domain/events.h"
#include "eventstore/detail/codec.h"

namespace {

namespace codec = keyledger::domain::codec;
using keyledger::domain::Event;

template <std::size_t... I>
std::vector<std::string> type_names(std::index_sequence<I...>) {
    return {std::string(keyledger::domain::event_type(Event(std::in_place_index<I>)))...};
}

// Every event type name, in variant order.
const std::vector<std::string>& all_types() {
    static const std::vector<std::string> names =
        type_names(std::make_index_sequence<std::variant_size_v<Event>>());
    return names;
}

void check_payload(std::string_view type, std::string_view bytes) {
    auto event = codec::decode(type, bytes);
    if (!event) {
        return;
    }
    if (keyledger::domain::event_type(*event) != type) {
        std::abort();
    }
    const std::string again = codec::encode(*event);
    auto round_trip = codec::decode(type, again);
    if (!round_trip || !(*round_trip == *event)) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string& type = all_types()[data[0] % all_types().size()];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

    check_payload(type, bytes);

    namespace store = keyledger::eventstore::detail;
    if (auto envelope = store::decode_envelope(7, bytes)) {
        if (envelope->position != 7) {
            std::abort();
        }
        check_payload(envelope->type, envelope->payload);
    }
    if (auto delivery = store::decode_delivery("whk_fuzz", 3, bytes)) {
        if (delivery->seq != 3) {
            std::abort();
        }
    }
    (void)store::decode_head(bytes);
    return 0;
}
