// libFuzzer target: the HTTP/1.1 request parser (api/http/detail/request_parser.h), fed the raw
// bytes a client could send, in pieces whose sizes the input chooses.
//
// Input: the first byte sets the piece size (1..64 bytes); the rest is the wire. Checks, beyond
// "no crash, no sanitizer finding": a finished request has a method and a target, and its body
// stays within the limit the parser was given.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "api/http/detail/request_parser.h"

namespace {
constexpr std::uint64_t kBodyLimit = 4096;
constexpr std::size_t kHeaderLimit = 8192;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = 1 + data[0] % 64;
    const char* wire = reinterpret_cast<const char*>(data + 1);
    const std::size_t wire_size = size - 1;

    keyledger::api::http::detail::RequestParser parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);

    // As a socket would: hand over what arrived, keep what the parser did not consume.
    std::string pending;
    std::size_t offset = 0;
    while (!parser.is_done()) {
        if (offset < wire_size) {
            const std::size_t take = std::min(piece, wire_size - offset);
            pending.append(wire + offset, take);
            offset += take;
        }
        boost::beast::error_code ec;
        const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
        pending.erase(0, used);
        if (ec == boost::beast::http::error::need_more) {
            if (offset >= wire_size) {
                break;  // the client stopped sending
            }
            continue;
        }
        if (ec) {
            break;  // a refused request: the server answers 400 and closes
        }
        if (used == 0 && offset >= wire_size) {
            break;
        }
    }

    if (parser.is_done()) {
        const auto& request = parser.request();
        if (request.method.empty() || request.target.empty() || request.body.size() > kBodyLimit) {
            std::abort();
        }
    }
    return 0;
}
