// The accept loop: binds, listens, and turns each accepted socket into a
// Session on a strand of its own.
//
// Beyond max_connections a new connection is accepted and closed at once,
// without an answer. A 503 would be friendlier, but to deliver it intact we
// would have to read the client's request first (closing on unread bytes
// resets the connection and destroys the answer in flight), which is exactly
// the work and memory the cap exists to refuse. Clients see a closed
// connection and retry; connections_refused counts them.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

namespace keyledger::api::http::detail {

class Core;

class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // Binds and listens on the address and port of core->options().
    [[nodiscard]] static std::expected<std::shared_ptr<Listener>, std::string> open(
        std::shared_ptr<Core> core);

    Listener(std::shared_ptr<Core> core, boost::asio::ip::tcp::acceptor acceptor);

    unsigned short port() const { return port_; }

    // Starts accepting, on the I/O threads.
    void start();

    // Any thread: stops accepting (the port is released once this has run).
    void stop();

    // Only while no I/O thread runs.
    void close_now();

  private:
    void accept();
    void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

    // After an accept error (out of file descriptors, say), wait a little
    // rather than spin on a failing accept.
    void pause();
    void on_pause(boost::beast::error_code ec);

    // Declared first so it is destroyed last: the acceptor needs the io_context.
    std::shared_ptr<Core> core_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer pause_timer_;
    unsigned short port_;
};

}  // namespace keyledger::api::http::detail
