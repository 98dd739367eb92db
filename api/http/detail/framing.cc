#include "api/http/detail/framing.h"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace keyledger::api::http::detail {

namespace {

constexpr std::size_t kCrlf = 2;

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

bool is_chunked(std::string_view coding) {
    constexpr std::string_view kChunked = "chunked";
    return coding.size() == kChunked.size() &&
           std::equal(coding.begin(), coding.end(), kChunked.begin(),
                      [](char a, char b) { return (a | 0x20) == b; });
}

// The codings of a Transfer-Encoding list, without OWS and empty elements (RFC 9110 5.6.1).
std::vector<std::string_view> codings_of(std::string_view list) {
    std::vector<std::string_view> codings;
    while (true) {
        const std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && is_ows(item.front())) {
            item.remove_prefix(1);
        }
        while (!item.empty() && is_ows(item.back())) {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            codings.push_back(item);
        }
        if (comma == std::string_view::npos) {
            return codings;
        }
        list.remove_prefix(comma + 1);
    }
}

}  // namespace

std::optional<Rejection> check_transfer_coding(const RequestParser& parser) {
    if (parser.transfer_encoding_fields() == 0) {
        return std::nullopt;
    }
    // Two framings, or one that HTTP/1.0 does not have: a proxy may have read another body.
    if (parser.has_content_length() || parser.version() == 10) {
        return Rejection::bad_request;
    }
    const auto codings = codings_of(parser.transfer_encoding());
    const auto chunked = std::ranges::count_if(codings, is_chunked);
    if (codings.empty() || !is_chunked(codings.back()) || chunked > 1) {
        return Rejection::bad_request;
    }
    return codings.size() == 1 ? std::nullopt : std::optional(Rejection::not_implemented);
}

std::uint32_t parser_header_limit(const ServerOptions& options) {
    // Room for both limits and the CRLFs around the field lines.
    const std::uint64_t limit =
        std::uint64_t{options.request_line_limit} + options.header_limit + 4 * kCrlf;
    return static_cast<std::uint32_t>(
        std::min<std::uint64_t>(limit, std::numeric_limits<std::uint32_t>::max()));
}

std::optional<Rejection> check_header(const RequestParser& parser, std::size_t header_bytes,
                                      const ServerOptions& options) {
    // Sizes, in the order of API.md: the request line, then the fields.
    const std::size_t line = parser.request_line_length();
    if (line > options.request_line_limit) {
        return Rejection::uri_too_long;
    }
    const std::size_t fields = header_bytes - std::min(header_bytes, line + 2 * kCrlf);
    if (fields > options.header_limit) {
        return Rejection::headers_too_large;
    }

    // HTTP/2's preface and other versions parse, but we do not speak them.
    if (parser.version() != 10 && parser.version() != 11) {
        return Rejection::bad_request;
    }
    // RFC 9112 3.2: HTTP/1.1 needs exactly one Host; more than one is never valid.
    const std::size_t hosts = parser.host_fields();
    if (hosts > 1 || (parser.version() == 11 && hosts == 0)) {
        return Rejection::bad_request;
    }

    if (auto rejection = check_transfer_coding(parser)) {
        return rejection;
    }

    const auto content_length = parser.content_length();
    if (content_length && *content_length > options.body_limit) {
        return Rejection::body_too_large;
    }
    return std::nullopt;
}

Rejection classify_overflow(const RequestParser& parser, std::string_view buffered,
                            const ServerOptions& options) {
    if (parser.has_request_line()) {
        // The parser consumed a complete request line: the fields overflowed,
        // unless the line itself was already too long.
        return parser.request_line_length() > options.request_line_limit
                   ? Rejection::uri_too_long
                   : Rejection::headers_too_large;
    }

    // The request line is still buffered. Without a line end, it is at least
    // as long as the buffer, which exceeds the parser's limit.
    const std::size_t end = buffered.find('\n');
    if (end == std::string_view::npos) {
        return Rejection::uri_too_long;
    }
    const std::size_t line = end > 0 && buffered[end - 1] == '\r' ? end - 1 : end;
    return line > options.request_line_limit ? Rejection::uri_too_long
                                             : Rejection::headers_too_large;
}

Response rejection_response(Rejection rejection, const ServerOptions& options) {
    Response response;
    switch (rejection) {
        case Rejection::bad_request:
            response = error_response(
                400, "bad_request", "The request is not well-formed HTTP/1.1 and cannot be read.");
            break;
        case Rejection::body_too_large:
            response = error_response(
                413, "body_too_large",
                fmt::format("The request body exceeds the limit of {} bytes.", options.body_limit));
            break;
        case Rejection::uri_too_long:
            response = error_response(414, "uri_too_long",
                                      fmt::format("The request line exceeds the limit of {} bytes.",
                                                  options.request_line_limit));
            break;
        case Rejection::headers_too_large:
            response =
                error_response(431, "headers_too_large",
                               fmt::format("The header section exceeds the limit of {} bytes.",
                                           options.header_limit));
            break;
        case Rejection::not_implemented:
            response = error_response(
                501, "not_implemented",
                "Only the chunked transfer coding is understood; send the body without others.");
            break;
    }
    response.close = true;
    return response;
}

void count(Rejection rejection, ServerStats& stats) {
    switch (rejection) {
        case Rejection::bad_request:
            ++stats.rejected_400;
            return;
        case Rejection::body_too_large:
            ++stats.rejected_413;
            return;
        case Rejection::uri_too_long:
            ++stats.rejected_414;
            return;
        case Rejection::headers_too_large:
            ++stats.rejected_431;
            return;
        case Rejection::not_implemented:
            ++stats.rejected_501;
            return;
    }
}

}  // namespace keyledger::api::http::detail
