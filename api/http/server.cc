#include "api/http/server.h"

#include <algorithm>
#include <cassert>

#include <boost/asio/ssl/context.hpp>

#include "api/http/detail/core.h"
#include "api/http/detail/listener.h"
#include "api/http/detail/session.h"

namespace keyledger::api::http {

namespace {

// The server's TLS context: TLS 1.2 and later, the certificate chain and key of `options`.
std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> tls_context(
    const ServerOptions& options) {
    namespace ssl = boost::asio::ssl;
    if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
        return std::unexpected(
            std::string("cannot start TLS: it needs both a certificate and a private key"));
    }
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    boost::system::error_code ec;
    context->use_certificate_chain_file(options.tls_certificate_file, ec);
    if (ec) {
        return std::unexpected("cannot load the TLS certificate " + options.tls_certificate_file +
                               ": " + ec.message());
    }
    context->use_private_key_file(options.tls_private_key_file, ssl::context::pem, ec);
    if (ec) {
        return std::unexpected("cannot load the TLS private key " + options.tls_private_key_file +
                               ": " + ec.message());
    }
    // A key that does not belong to the certificate fails here rather than at each handshake.
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        return std::unexpected("cannot start TLS: the private key " + options.tls_private_key_file +
                               " does not match the certificate " + options.tls_certificate_file);
    }
    return context;
}

}  // namespace

std::expected<std::unique_ptr<Server>, std::string> Server::start(ServerOptions options,
                                                                  Handler& handler) {
    if (options.threads < 1) {
        return std::unexpected("cannot start the HTTP server: threads must be at least 1, not " +
                               std::to_string(options.threads));
    }
    const int threads = options.threads;

    std::shared_ptr<boost::asio::ssl::context> tls;
    if (!options.tls_certificate_file.empty() || !options.tls_private_key_file.empty()) {
        auto context = tls_context(options);
        if (!context) {
            return std::unexpected(std::move(context.error()));
        }
        tls = std::move(*context);
    }
    auto core = std::make_shared<detail::Core>(std::move(options), handler, std::move(tls));
    auto listener = detail::Listener::open(core);
    if (!listener) {
        return std::unexpected(std::move(listener.error()));
    }

    const unsigned short port = (*listener)->port();
    std::unique_ptr<Server> server(new Server(core, std::move(*listener), port));
    server->listener_->start();
    server->threads_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        server->threads_.emplace_back([core] { core->io().run(); });
    }
    return server;
}

Server::Server(std::shared_ptr<detail::Core> core, std::shared_ptr<detail::Listener> listener,
               unsigned short port)
    : core_(std::move(core)), listener_(std::move(listener)), port_(port) {}

Server::~Server() {
    stop();
}

const ServerStats& Server::stats() const {
    return core_->stats();
}

void Server::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    assert(std::none_of(threads_.begin(), threads_.end(),
                        [](const std::thread& thread) {
                            return thread.get_id() == std::this_thread::get_id();
                        }) &&
           "Server::stop() called from one of its own I/O threads");

    // Stop accepting, and close connections that are owed nothing.
    listener_->stop();
    for (const auto& session : core_->begin_stop()) {
        session->notify_stop();
    }

    // Requests already handed to the handler are answered (and their
    // connections closed after the answer) while the threads still run.
    core_->wait_until_closed(core_->options().stop_timeout);

    core_->release_work();
    core_->io().stop();
    for (auto& thread : threads_) {
        thread.join();
    }

    // Close what is left, then run the queue dry on this thread: every
    // pending operation completes as cancelled and releases the Session it
    // holds, so nothing keeps the io_context alive in a cycle.
    for (const auto& session : core_->shut_down_now()) {
        session->force_close();
    }
    listener_->close_now();
    core_->io().restart();
    core_->io().run();
}

}  // namespace keyledger::api::http
