// A fixture that runs the real server on 127.0.0.1 with a free port and short
// deadlines, so each test states only what it changes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "api/http/server.h"
#include "tests/http/test_client.h"
#include "tests/http/test_handlers.h"

namespace keyledger::tests::http {

using namespace std::chrono_literals;

using Clock = std::chrono::steady_clock;

// Polls `condition` every 10 ms for at most `limit`: for state that changes
// on the server's threads (counters, say), with an upper bound rather than a
// hopeful sleep.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = 5s) {
    const auto deadline = Clock::now() + limit;
    while (!condition()) {
        if (Clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// Deadlines far apart from each other, so that a test can tell which one
// closed a connection.
inline kh::ServerOptions test_options() {
    kh::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.header_timeout = 3s;
    options.idle_timeout = 3s;
    options.body_timeout = 3s;
    options.linger_timeout = 1s;
    options.stop_timeout = 3s;
    return options;
}

// The handlers are members declared before the server, so that they outlive
// it, as Server::start() requires.
class ServerTest : public ::testing::Test {
  protected:
    void start_echo(kh::ServerOptions options = test_options()) { start(echo_, options); }
    void start_threaded(kh::ServerOptions options = test_options()) { start(threaded_, options); }
    void start_holding(kh::ServerOptions options = test_options()) { start(holding_, options); }
    void start_with(std::function<void(kh::Request, kh::Responder)> behaviour,
                    kh::ServerOptions options = test_options()) {
        function_ = std::make_unique<FunctionHandler>(std::move(behaviour));
        start(*function_, options);
    }

    unsigned short port() const { return server_->port(); }
    const kh::ServerStats& stats() const { return server_->stats(); }

    EchoHandler echo_;
    ThreadedEchoHandler threaded_;
    HoldingHandler holding_;
    std::unique_ptr<FunctionHandler> function_;
    std::unique_ptr<kh::Server> server_;

  private:
    void start(kh::Handler& handler, kh::ServerOptions options) {
        auto started = kh::Server::start(std::move(options), handler);
        if (!started) {
            // Thrown, so the test stops here; GoogleTest reports the message.
            throw std::runtime_error("the server did not start: " + started.error());
        }
        server_ = std::move(*started);
    }
};

}  // namespace keyledger::tests::http
