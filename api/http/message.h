// The transport's view of one HTTP exchange: a parsed request, the response a
// handler gives back, and the handler interface the server calls.
//
// Nothing here knows about sockets or Beast; the api layer builds routing and
// JSON on top of these types, and tests can drive a Handler without a server.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyledger::api::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A request whose framing the server has already checked: the request line,
// the header section and the body are within the configured limits.
struct Request {
    std::string method;  // as sent, e.g. "POST" (methods are case-sensitive)
    std::string target;  // the raw request-target, query string included
    HeaderList headers;  // names lower-cased, in arrival order, duplicates kept
    std::string body;    // decoded: chunked framing already removed
    std::string remote;  // the peer as "ip:port" ("[v6]:port" for IPv6)

    // Every value of the header `lower_name` (which must be lower-case), in
    // arrival order. The views point into `headers`: they live as long as it.
    std::vector<std::string_view> header_values(std::string_view lower_name) const;

    // The first value of the header `lower_name`, if any.
    std::optional<std::string_view> header(std::string_view lower_name) const;
};

// What a handler answers. The server adds Content-Length, Server and
// Connection itself and ignores those names (and Transfer-Encoding) here.
struct Response {
    unsigned status = 200;  // 200..599; anything else is a handler bug, sent as 500
    HeaderList headers;
    std::string body;    // not sent for HEAD, 204 and 304
    bool close = false;  // close the connection after this response
};

// Answers one request. It may be called from any thread, and must be called
// exactly once: further calls are ignored. If every copy of a Responder is
// destroyed without being called, the server answers 500 `internal` itself,
// so a lost request never leaves a client waiting.
using Responder = std::function<void(Response)>;

// The server hands each complete request to handle(), one request at a time
// per connection, on one of its I/O threads. handle() must not block: it
// passes the work on (to the engine's queue, say) and answers later through
// `respond`, from any thread. An exception escaping handle() is answered with
// 500 `internal` unless `respond` was already called.
class Handler {
  public:
    virtual ~Handler() = default;
    virtual void handle(Request request, Responder respond) = 0;
};

// The error shape of API.md: {"error": "<code>", "message": "<sentence>"}
// as application/json. `code` and `message` are escaped as JSON strings.
Response error_response(unsigned status, std::string_view code, std::string_view message);

}  // namespace keyledger::api::http
