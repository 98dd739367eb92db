#pragma once
// The server's background check of the events start-up did not read (engine/history_check.h):
// started after the server listens, at a lower CPU priority, stopped with the server. A damaged
// history is logged (`history_damaged`, level error), counted in /metrics and makes /readyz
// answer 503 `store_damaged`; deciding goes on, from the state start-up verified.

#include <atomic>
#include <thread>

#include "engine/engine.h"

namespace keyledger::app {

class HistoryChecker {
  public:
    // `engine` must outlive this object; read its start position before the engine starts.
    explicit HistoryChecker(engine::Engine& engine);
    ~HistoryChecker();
    HistoryChecker(const HistoryChecker&) = delete;
    HistoryChecker& operator=(const HistoryChecker&) = delete;

    // Stops the walk at its next page and waits for it.
    void stop();

  private:
    void run(std::uint64_t upto, eventstore::Hash anchor);

    engine::Engine& engine_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace keyledger::app
