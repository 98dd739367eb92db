#include "api/http/detail/translate.h"

#include <algorithm>
#include <array>

namespace keyledger::api::http::detail {

namespace beast_http = boost::beast::http;

namespace {

std::string lower_ascii(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return lower;
}

// RFC 9110 5.6.2 tchar.
bool is_token(std::string_view name) {
    constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](unsigned char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
    });
}

bool is_safe_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Framing headers are ours to set: a handler's copy is dropped.
bool is_framing_header(std::string_view name) {
    constexpr std::array<std::string_view, 4> kOurs = {"content-length", "transfer-encoding",
                                                       "connection", "server"};
    const std::string lower = lower_ascii(name);
    return std::find(kOurs.begin(), kOurs.end(), lower) != kOurs.end();
}

bool is_well_formed(const Response& response) {
    if (response.status < 200 || response.status > 599) {
        return false;
    }
    return std::all_of(response.headers.begin(), response.headers.end(), [](const auto& header) {
        return is_token(header.first) && is_safe_value(header.second);
    });
}

}  // namespace

std::string format_host_port(std::string_view host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string_view::npos;
    std::string text = v6 ? "[" : "";
    text.append(host);
    text.append(v6 ? "]:" : ":");
    text.append(std::to_string(port));
    return text;
}

std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
    return format_host_port(endpoint.address().to_string(), endpoint.port());
}

beast_http::response<beast_http::string_body> to_wire(Response response, const WireShape& shape) {
    if (!is_well_formed(response)) {
        response = error_response(500, "internal", "The server produced an invalid response.");
    }

    beast_http::response<beast_http::string_body> wire;
    wire.result(response.status);
    wire.version(shape.version);
    for (auto& [name, value] : response.headers) {
        if (!is_framing_header(name)) {
            wire.insert(name, value);
        }
    }
    wire.set(beast_http::field::server, "keyledger");
    wire.keep_alive(shape.keep_alive);

    // RFC 9110 8.6: no Content-Length on 204; on 304 it would have to be the
    // representation's, which we do not know, so it is left out as well.
    const bool bodiless = response.status == 204 || response.status == 304;
    if (!bodiless) {
        wire.content_length(response.body.size());
    }
    if (!bodiless && !shape.head) {
        wire.body() = std::move(response.body);
    }
    return wire;
}

}  // namespace keyledger::api::http::detail
