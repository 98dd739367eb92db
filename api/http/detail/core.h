// State shared by a server's listener, its sessions and the Server object:
// the io_context, the options, the counters, the registry of open
// connections and the gate through which answers come back from other threads.
//
// Lifetime: every session and the Listener hold a shared_ptr to the Core, so
// the io_context outlives every socket and timer bound to it, whichever
// thread drops the last reference.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include "api/http/server.h"

namespace keyledger::api::http::detail {

class SessionBase;

class Core {
  public:
    // `tls`, when set, makes every connection begin with a TLS handshake.
    Core(ServerOptions options, Handler& handler,
         std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

    boost::asio::io_context& io() { return io_; }
    const ServerOptions& options() const { return options_; }
    ServerStats& stats() { return stats_; }
    Handler& handler() { return handler_; }
    boost::asio::ssl::context* tls() { return tls_.get(); }

    // True once stop() has begun: no new connection, no keep-alive.
    bool stopping() const { return stopping_.load(std::memory_order_acquire); }

    // True once the I/O threads are gone: nothing may reach the handler.
    bool shut_down() const { return shut_down_.load(std::memory_order_acquire); }

    // Registers an accepted connection. False once stopping: the caller drops
    // the session, whose destructor closes the socket.
    [[nodiscard]] bool add(const std::shared_ptr<SessionBase>& session);

    // Unregisters a closed connection and wakes wait_until_closed().
    void remove(const SessionBase* session);

    std::size_t open_connections() const;

    // Marks the server stopping and returns the connections open at that
    // instant; none is registered after it.
    std::vector<std::shared_ptr<SessionBase>> begin_stop();

    // Waits until no connection is open or `timeout` passed; true if none is.
    bool wait_until_closed(std::chrono::milliseconds timeout);

    // Once the I/O threads have been joined: closes the gate, so that answers
    // arriving later are dropped, and returns the connections still open.
    std::vector<std::shared_ptr<SessionBase>> shut_down_now();

    // Lets io_context::run() return once nothing is pending.
    void release_work() { work_.reset(); }

    // Posts `fn` onto `executor` unless the gate is closed. The handler's
    // threads come through here, so a late answer can never queue work on an
    // io_context that nobody runs any more.
    template <class Executor, class Fn>
    bool post(const Executor& executor, Fn&& fn) {
        std::lock_guard lock(gate_mutex_);
        if (shut_down()) {
            return false;
        }
        boost::asio::post(executor, std::forward<Fn>(fn));
        return true;
    }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    const ServerOptions options_;
    Handler& handler_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    ServerStats stats_;

    std::atomic<bool> stopping_{false};
    std::atomic<bool> shut_down_{false};
    std::mutex gate_mutex_;  // orders post() against shut_down_now()

    mutable std::mutex sessions_mutex_;
    std::condition_variable sessions_closed_;
    std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>> sessions_;
};

}  // namespace keyledger::api::http::detail
