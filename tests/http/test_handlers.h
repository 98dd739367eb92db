// Handlers for the transport's tests. Each one answers in a way a test can
// check from the client side.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http/message.h"

namespace keyledger::tests::http {

namespace kh = keyledger::api::http;

// Answers at once, on the I/O thread: 200 with the request's body, and what
// it saw in X-Method, X-Target, X-Remote and X-Header-Names (the names in
// order, comma-separated). A HEAD gets the body "hello" (which is not sent).
kh::Response echo(const kh::Request& request);

// A response with `status`, `body` and `headers`.
kh::Response reply(unsigned status, std::string body, kh::HeaderList headers = {});

class EchoHandler : public kh::Handler {
  public:
    void handle(kh::Request request, kh::Responder respond) override;
};

// Answers echo() from a worker thread of its own, as the engine will.
class ThreadedEchoHandler : public kh::Handler {
  public:
    ThreadedEchoHandler();
    ~ThreadedEchoHandler() override;

    void handle(kh::Request request, kh::Responder respond) override;

    // The ids of the threads that called handle() and that answered.
    std::vector<std::thread::id> handle_threads() const;
    std::thread::id worker_thread() const { return worker_.get_id(); }

  private:
    void work();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread::id> handle_threads_;
    bool done_ = false;
    std::thread worker_;
};

// Keeps every Responder until the test answers: for requests in flight.
class HoldingHandler : public kh::Handler {
  public:
    void handle(kh::Request request, kh::Responder respond) override;

    // Waits until `count` requests have arrived; false after `timeout`.
    bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout);

    // Answers the oldest held request with `response`, from the calling thread.
    void answer_one(kh::Response response);

    // Drops every held Responder unanswered.
    void drop_all();

  private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<kh::Responder> held_;
    std::size_t seen_ = 0;
};

// Calls `behaviour` with each request: for handlers that misbehave.
class FunctionHandler : public kh::Handler {
  public:
    explicit FunctionHandler(std::function<void(kh::Request, kh::Responder)> behaviour)
        : behaviour_(std::move(behaviour)) {}

    void handle(kh::Request request, kh::Responder respond) override {
        behaviour_(std::move(request), std::move(respond));
    }

  private:
    std::function<void(kh::Request, kh::Responder)> behaviour_;
};

}  // namespace keyledger::tests::http
