#include "tests/http/test_handlers.h"

#include <utility>

namespace keyledger::tests::http {

kh::Response echo(const kh::Request& request) {
    std::string names;
    for (const auto& [name, value] : request.headers) {
        names.append(names.empty() ? "" : ",").append(name);
    }

    kh::Response response;
    response.headers = {{"Content-Type", "application/octet-stream"},
                        {"X-Method", request.method},
                        {"X-Target", request.target},
                        {"X-Remote", request.remote},
                        {"X-Header-Names", names}};
    response.body = request.method == "HEAD" ? "hello" : request.body;
    return response;
}

kh::Response reply(unsigned status, std::string body, kh::HeaderList headers) {
    kh::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

void EchoHandler::handle(kh::Request request, kh::Responder respond) {
    respond(echo(request));
}

// ---- ThreadedEchoHandler ----------------------------------------------------

ThreadedEchoHandler::ThreadedEchoHandler() : worker_([this] { work(); }) {}

ThreadedEchoHandler::~ThreadedEchoHandler() {
    {
        std::lock_guard lock(mutex_);
        done_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void ThreadedEchoHandler::handle(kh::Request request, kh::Responder respond) {
    {
        std::lock_guard lock(mutex_);
        handle_threads_.push_back(std::this_thread::get_id());
        jobs_.emplace_back([request = std::move(request), respond = std::move(respond)] {
            respond(echo(request));
        });
    }
    wake_.notify_all();
}

std::vector<std::thread::id> ThreadedEchoHandler::handle_threads() const {
    std::lock_guard lock(mutex_);
    return handle_threads_;
}

void ThreadedEchoHandler::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return done_ || !jobs_.empty(); });
            if (jobs_.empty()) {
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

// ---- HoldingHandler ---------------------------------------------------------

void HoldingHandler::handle(kh::Request, kh::Responder respond) {
    {
        std::lock_guard lock(mutex_);
        held_.push_back(std::move(respond));
        ++seen_;
    }
    arrived_.notify_all();
}

bool HoldingHandler::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return seen_ >= count; });
}

void HoldingHandler::answer_one(kh::Response response) {
    kh::Responder respond;
    {
        std::lock_guard lock(mutex_);
        if (held_.empty()) {
            return;
        }
        respond = std::move(held_.front());
        held_.pop_front();
    }
    respond(std::move(response));
}

void HoldingHandler::drop_all() {
    std::deque<kh::Responder> dropped;
    {
        std::lock_guard lock(mutex_);
        dropped.swap(held_);
    }
}

}  // namespace keyledger::tests::http
