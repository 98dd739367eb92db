#include "api/http/detail/core.h"

#include <algorithm>

namespace keyledger::api::http::detail {

namespace {

std::vector<std::shared_ptr<SessionBase>> lock_all(
    const std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>>& sessions) {
    std::vector<std::shared_ptr<SessionBase>> alive;
    alive.reserve(sessions.size());
    for (const auto& [key, weak] : sessions) {
        if (auto session = weak.lock()) {
            alive.push_back(std::move(session));
        }
    }
    return alive;
}

}  // namespace

Core::Core(ServerOptions options, Handler& handler, std::shared_ptr<boost::asio::ssl::context> tls)
    : io_(std::max(options.threads, 1)),
      work_(io_.get_executor()),
      options_(std::move(options)),
      handler_(handler),
      tls_(std::move(tls)) {}

bool Core::add(const std::shared_ptr<SessionBase>& session) {
    std::lock_guard lock(sessions_mutex_);
    if (stopping()) {
        return false;
    }
    sessions_.emplace(session.get(), session);
    stats_.connections_open.store(sessions_.size(), std::memory_order_relaxed);
    return true;
}

void Core::remove(const SessionBase* session) {
    {
        std::lock_guard lock(sessions_mutex_);
        sessions_.erase(session);
        stats_.connections_open.store(sessions_.size(), std::memory_order_relaxed);
    }
    sessions_closed_.notify_all();
}

std::size_t Core::open_connections() const {
    std::lock_guard lock(sessions_mutex_);
    return sessions_.size();
}

std::vector<std::shared_ptr<SessionBase>> Core::begin_stop() {
    std::lock_guard lock(sessions_mutex_);
    stopping_.store(true, std::memory_order_release);
    return lock_all(sessions_);
}

bool Core::wait_until_closed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(sessions_mutex_);
    return sessions_closed_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
}

std::vector<std::shared_ptr<SessionBase>> Core::shut_down_now() {
    {
        std::lock_guard gate(gate_mutex_);
        shut_down_.store(true, std::memory_order_release);
    }
    std::lock_guard lock(sessions_mutex_);
    return lock_all(sessions_);
}

}  // namespace keyledger::api::http::detail
