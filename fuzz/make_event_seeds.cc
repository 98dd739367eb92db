// Writes the seed corpus of fuzz_event_decoder into the directory given: for every event type,
// its index byte followed by a real payload (an event as encode() makes it), and the same byte
// followed by a real envelope and a real delivery record. Run by hand when the formats change.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <variant>

#include "domain/codec/codec.h"
#include "domain/events.h"
#include "eventstore/detail/codec.h"

namespace {

using keyledger::domain::Event;

void write(const std::filesystem::path& path, std::uint8_t first, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.put(static_cast<char>(first));
    out << bytes;
}

template <std::size_t I>
void write_seeds(const std::filesystem::path& dir) {
    const Event event(std::in_place_index<I>);
    const std::string type(keyledger::domain::event_type(event));
    const std::string payload = keyledger::domain::codec::encode(event);
    write(dir / ("payload_" + type), static_cast<std::uint8_t>(I), payload);

    keyledger::eventstore::NewEvent stored{.stream = "user-usr_seed",
                                           .expected_version = 0,
                                           .type = type,
                                           .at_ms = 1'767'225'600'000,
                                           .actor = "operator",
                                           .correlation_id = "req_seed",
                                           .payload = payload};
    write(dir / ("envelope_" + type), static_cast<std::uint8_t>(I),
          keyledger::eventstore::detail::encode_envelope(7, stored, {}));
}

template <std::size_t... I>
void write_all(const std::filesystem::path& dir, std::index_sequence<I...>) {
    (write_seeds<I>(dir), ...);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_event_seeds <corpus directory>\n";
        return 2;
    }
    const std::filesystem::path dir(argv[1]);
    std::filesystem::create_directories(dir);
    write_all(dir, std::make_index_sequence<std::variant_size_v<Event>>());
    const keyledger::eventstore::NewDelivery delivery{.webhook_id = "whk_fuzz",
                                                      .call_id = "call_seed",
                                                      .received_at_ms = 1'767'225'600'000,
                                                      .content_type = "application/json",
                                                      .body = "{\"order\":1}"};
    write(dir / "delivery", 0, keyledger::eventstore::detail::encode_delivery(3, delivery));
    return 0;
}
