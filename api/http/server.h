// keyledger's HTTP/1.1 server: the transport only, no business rules.
//
// It accepts connections, enforces the framing limits of API.md (request
// line, header section, body, deadlines), hands each complete request to a
// Handler and writes the answer back. Requests that break a limit are
// answered here, with the JSON error shape, and never reach the handler:
//
//   400 bad_request        unparseable framing (bad request line, bad header,
//                          Content-Length with Transfer-Encoding, bad chunk)
//   413 body_too_large     a body over body_limit; when Content-Length
//                          announces it, before any body byte is read
//   414 uri_too_long       a request line over request_line_limit
//   431 headers_too_large  a header section over header_limit
//
// Each of these closes the connection after the answer. A deadline that
// passes closes the connection without an answer.
//
// Thread safety: start(), port(), stats() and stop() may be called from any
// thread that is not one of the server's own I/O threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/http/message.h"

namespace keyledger::api::http {

namespace detail {
class Core;
class Listener;
}  // namespace detail

struct ServerOptions {
    std::string address = "127.0.0.1";  // a literal IPv4 or IPv6 address
    unsigned short port = 8080;         // 0 picks a free port: see Server::port()

    // Framing limits, in bytes. Exactly the limit is accepted.
    std::size_t body_limit = 1 << 20;       // decoded body, chunked or not
    std::size_t request_line_limit = 8192;  // "METHOD target HTTP/1.1", without CRLF
    std::size_t header_limit = 8192;        // the field lines with their CRLFs

    // Deadlines. Each one that passes closes the connection without an answer.
    std::chrono::milliseconds header_timeout{10'000};  // first byte (or accept) to end of header
    std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
    std::chrono::milliseconds body_timeout{30'000};    // reading a body; also writing a response

    // After an error answer the server stops sending and keeps reading (and
    // discarding) for at most this long, so the client reads the answer
    // rather than a TCP reset caused by the bytes it had already sent.
    std::chrono::milliseconds linger_timeout{2'000};

    // stop() waits at most this long for in-flight requests to be answered.
    std::chrono::milliseconds stop_timeout{10'000};

    // Open connections at most. Beyond it a new connection is accepted and
    // closed at once, without an answer: a 503 would first need the request
    // read, the very work the cap refuses (detail/listener.h says more).
    std::size_t max_connections = 10'000;

    int threads = 1;  // I/O threads running the connections, at least 1

    // TLS: with both set (PEM files: the certificate chain, leaf first, and
    // its private key) every connection is HTTPS, TLS 1.2 or later; with
    // neither, plain HTTP. The handshake runs under header_timeout.
    std::string tls_certificate_file;
    std::string tls_private_key_file;
};

// Counters for /metrics; every one only grows except connections_open.
struct ServerStats {
    std::atomic<std::uint64_t> connections_accepted{0};  // includes refused ones
    std::atomic<std::uint64_t> connections_refused{0};   // closed at once: max_connections
    std::atomic<std::uint64_t> connections_open{0};
    std::atomic<std::uint64_t> requests{0};  // complete requests handed to the Handler
    std::atomic<std::uint64_t> rejected_413{0};
    std::atomic<std::uint64_t> rejected_414{0};
    std::atomic<std::uint64_t> rejected_431{0};
    std::atomic<std::uint64_t> rejected_400{0};
    std::atomic<std::uint64_t> rejected_501{0};
    std::atomic<std::uint64_t> timeouts{0};  // header, idle, body and write deadlines passed
    std::atomic<std::uint64_t> tls_handshake_failures{0};  // not TLS, or none we accept
};

class Server {
  public:
    // Binds and listens on options.address:options.port, then starts
    // options.threads I/O threads. On failure nothing is left running and the
    // error reads e.g. "cannot listen on 127.0.0.1:8080: address already in use"
    // or "cannot load the TLS private key key.pem: ...".
    // `handler` must outlive the Server.
    [[nodiscard]] static std::expected<std::unique_ptr<Server>, std::string> start(
        ServerOptions options, Handler& handler);

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Stops and joins, as stop() does.
    ~Server();

    // The port actually bound (the chosen one when options.port was 0).
    unsigned short port() const { return port_; }

    const ServerStats& stats() const;

    // Graceful stop, idempotent: stops accepting, closes connections that
    // have no complete request, lets requests already handed to the handler be
    // answered (with Connection: close) for up to stop_timeout, then closes
    // whatever is left and joins the I/O threads. Answers given after stop()
    // returned are dropped; the handler is never called again.
    void stop();

  private:
    Server(std::shared_ptr<detail::Core> core, std::shared_ptr<detail::Listener> listener,
           unsigned short port);

    // Declaration order is destruction order in reverse: the listener (and
    // its acceptor) must go before the Core that owns the io_context.
    std::shared_ptr<detail::Core> core_;
    std::shared_ptr<detail::Listener> listener_;
    std::vector<std::thread> threads_;
    unsigned short port_;
    bool stopped_ = false;
};

}  // namespace keyledger::api::http
