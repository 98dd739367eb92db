// The framing checks that come before any handler sees a request, and the
// answers the transport gives on its own when one fails (API.md, "Webhook
// ingress": framing and size come first, as 400, 413, 414 and 431).
//
// Sizes are counted on the wire:
//   request line    "METHOD SP target SP HTTP/1.x", without its CRLF
//   header section  the field lines with their CRLFs, without the empty
//                   line that ends the header
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "api/http/detail/request_parser.h"
#include "api/http/message.h"
#include "api/http/server.h"

namespace keyledger::api::http::detail {

enum class Rejection {
    bad_request,        // 400
    body_too_large,     // 413
    uri_too_long,       // 414
    headers_too_large,  // 431
    not_implemented,    // 501: a transfer coding other than chunked
};

// The limit given to Beast's parser. Beast applies its limit sometimes to the
// whole header and sometimes to the field lines alone (once it has consumed a
// complete request line), so it is only a backstop set above both of ours;
// check_header() and classify_overflow() decide which of ours was broken.
std::uint32_t parser_header_limit(const ServerOptions& options);

// Checks a complete header of `header_bytes` bytes (request line, fields and
// the empty line): sizes first, then the rules whose breach is a framing
// error (HTTP/1.0 or 1.1 only; exactly one Host in HTTP/1.1; Transfer-Encoding,
// see check_transfer_coding), then the body size announced by Content-Length.
// Returns the rejection to send, if any.
std::optional<Rejection> check_header(const RequestParser& parser, std::size_t header_bytes,
                                      const ServerOptions& options);

// RFC 9112 6.1 and 6.3 for a request that has Transfer-Encoding: 400 when the
// body's length cannot be known (with Content-Length too, in HTTP/1.0, chunked
// not last or given twice, an empty list), 501 when chunked ends the list but
// another coding comes before it (gzip, deflate...: we decode none of them).
std::optional<Rejection> check_transfer_coding(const RequestParser& parser);

// After Beast's parser gave up on an oversized header: 414 or 431. If the
// parser never completed a request line, the line is still at the start of
// `buffered`, the bytes it did not consume.
Rejection classify_overflow(const RequestParser& parser, std::string_view buffered,
                            const ServerOptions& options);

// The JSON error answer for `rejection`, with close set.
Response rejection_response(Rejection rejection, const ServerOptions& options);

// Adds one to the counter of `rejection`.
void count(Rejection rejection, ServerStats& stats);

}  // namespace keyledger::api::http::detail
