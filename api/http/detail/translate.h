// Conversions between Beast's messages and the transport's plain types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http/message.h"

namespace keyledger::api::http::detail {

// "ip:port", with IPv6 addresses in brackets.
std::string format_host_port(std::string_view host, std::uint16_t port);
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// How the answer to one request goes on the wire.
struct WireShape {
    unsigned version = 11;  // the request's: 10 or 11
    bool head = false;      // the request was HEAD: no body, the GET's Content-Length
    bool keep_alive = true;
};

// The Beast response for `response`: Server, Content-Length and Connection set
// by us. A response the handler got wrong (a status outside 200..599, a header
// name that is not a token, a value with CR, LF or NUL) becomes 500 `internal`
// rather than a malformed or smuggled message.
boost::beast::http::response<boost::beast::http::string_body> to_wire(Response response,
                                                                      const WireShape& shape);

}  // namespace keyledger::api::http::detail
