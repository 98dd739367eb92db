#include "api/http/detail/listener.h"

#include <cctype>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "api/http/detail/core.h"
#include "api/http/detail/session.h"
#include "api/http/detail/translate.h"

namespace keyledger::api::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kAcceptPause{50};

std::string listen_error(const ServerOptions& options, const std::string& reason) {
    return "cannot listen on " + format_host_port(options.address, options.port) + ": " + reason;
}

// System messages start with a capital ("Address already in use"); ours are
// embedded mid-sentence.
std::string describe(const beast::error_code& ec) {
    std::string text = ec.message();
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

}  // namespace

std::expected<std::shared_ptr<Listener>, std::string> Listener::open(std::shared_ptr<Core> core) {
    const ServerOptions& options = core->options();
    beast::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (ec) {
        return std::unexpected(listen_error(options, "not an IP address"));
    }

    const tcp::endpoint endpoint(address, options.port);
    tcp::acceptor acceptor(asio::make_strand(core->io()));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        // Lets a restarted server bind while old connections sit in
        // TIME_WAIT; a live listener on the port still makes bind() fail.
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return std::unexpected(listen_error(options, describe(ec)));
    }
    return std::make_shared<Listener>(std::move(core), std::move(acceptor));
}

Listener::Listener(std::shared_ptr<Core> core, tcp::acceptor acceptor)
    : core_(std::move(core)),
      acceptor_(std::move(acceptor)),
      pause_timer_(acceptor_.get_executor()),
      port_(acceptor_.local_endpoint().port()) {}

void Listener::start() {
    asio::dispatch(acceptor_.get_executor(),
                   beast::bind_front_handler(&Listener::accept, shared_from_this()));
}

void Listener::stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->close_now(); });
}

void Listener::close_now() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    pause_timer_.cancel();
}

void Listener::accept() {
    if (!acceptor_.is_open()) {
        return;
    }
    // Each connection gets a strand of its own, so that with several I/O
    // threads its handlers still run one at a time.
    acceptor_.async_accept(asio::make_strand(core_->io()),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        pause();
        return;
    }

    ServerStats& stats = core_->stats();
    ++stats.connections_accepted;
    if (core_->open_connections() >= core_->options().max_connections) {
        ++stats.connections_refused;
        beast::error_code ignored;
        socket.close(ignored);
        accept();
        return;
    }

    // Refused only once stop() has begun; the socket then closes with the session.
    std::shared_ptr<SessionBase> session;
    if (auto* tls = core_->tls()) {
        session = std::make_shared<Session<TlsStream>>(core_, std::move(socket), *tls);
    } else {
        session = std::make_shared<Session<PlainStream>>(core_, std::move(socket));
    }
    if (core_->add(session)) {
        session->start();
    }
    accept();
}

void Listener::pause() {
    pause_timer_.expires_after(kAcceptPause);
    pause_timer_.async_wait(beast::bind_front_handler(&Listener::on_pause, shared_from_this()));
}

void Listener::on_pause(beast::error_code ec) {
    if (ec) {
        return;
    }
    accept();
}

}  // namespace keyledger::api::http::detail
