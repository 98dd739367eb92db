#include "api/http/server.h"

#include <algorithm>
#include <cassert>

#include "api/http/detail/core.h"
#include "api/http/detail/listener.h"
#include "api/http/detail/session.h"

namespace keyledger::api::http {

std::expected<std::unique_ptr<Server>, std::string> Server::start(ServerOptions options,
                                                                  Handler& handler) {
    if (options.threads < 1) {
        return std::unexpected("cannot start the HTTP server: threads must be at least 1, not " +
                               std::to_string(options.threads));
    }
    const int threads = options.threads;

    auto core = std::make_shared<detail::Core>(std::move(options), handler);
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
