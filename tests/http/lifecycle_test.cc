// Starting, refusing and stopping: the server's life around the requests.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

using LifecycleTest = ServerTest;

bool refuses_connections(unsigned short port) {
    return !TestConnection(port, 500ms).connected();
}

TEST_F(LifecycleTest, PortInUseFailsWithAClearMessage) {
    start_echo();
    kh::ServerOptions options = test_options();
    options.port = port();

    EchoHandler handler;
    const auto second = kh::Server::start(options, handler);

    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error(),
              "cannot listen on 127.0.0.1:" + std::to_string(port()) + ": address already in use");
}

TEST_F(LifecycleTest, InvalidAddressFailsWithAClearMessage) {
    kh::ServerOptions options = test_options();
    options.address = "localhost.example";
    options.port = 8080;

    EchoHandler handler;
    const auto started = kh::Server::start(options, handler);

    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error(), "cannot listen on localhost.example:8080: not an IP address");
}

TEST_F(LifecycleTest, ZeroThreadsIsRefused) {
    kh::ServerOptions options = test_options();
    options.threads = 0;

    EchoHandler handler;
    const auto started = kh::Server::start(options, handler);

    ASSERT_FALSE(started.has_value());
    EXPECT_NE(started.error().find("threads"), std::string::npos) << started.error();
}

TEST_F(LifecycleTest, StopFinishesTheInFlightRequest) {
    start_holding();
    TestConnection connection(port());
    ASSERT_EQ(connection.send_request("POST", "/v1/hooks/w1", {}, "payload"), "");
    ASSERT_TRUE(holding_.wait_for_requests(1, 5s));

    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        server_->stop();
        stopped = true;
    });

    // It stops accepting at once, but waits for the answer it owes.
    EXPECT_TRUE(eventually([&] { return refuses_connections(port()); }));
    EXPECT_FALSE(stopped.load()) << "stop() returned with a request in flight";
    holding_.answer_one(reply(202, R"({"call_id":"c1"})"));
    const HttpResult r = connection.read_response();
    stopper.join();

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(r.body, R"({"call_id":"c1"})");
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(connection.wait_for_close().closed);
}

TEST_F(LifecycleTest, StopClosesIdleConnectionsPromptly) {
    start_echo();  // idle_timeout is 3 s
    TestConnection connection(port());
    ASSERT_EQ(connection.request("GET", "/").status, 200);

    const auto start = Clock::now();
    server_->stop();
    const CloseResult closed = connection.wait_for_close();

    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_TRUE(closed.closed) << closed.error;
}

TEST_F(LifecycleTest, StopGivesUpOnAHandlerThatNeverAnswers) {
    kh::ServerOptions options = test_options();
    options.stop_timeout = 200ms;
    start_holding(options);
    TestConnection connection(port());
    ASSERT_EQ(connection.send_request("GET", "/"), "");
    ASSERT_TRUE(holding_.wait_for_requests(1, 5s));

    const auto start = Clock::now();
    server_->stop();
    const auto took = Clock::now() - start;
    const CloseResult closed = connection.wait_for_close();

    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 2s);
    EXPECT_TRUE(closed.closed) << closed.error;
    EXPECT_EQ(closed.received, "");
}

TEST_F(LifecycleTest, AnswerAfterTheServerIsGoneIsDropped) {
    kh::ServerOptions options = test_options();
    options.stop_timeout = 50ms;
    start_holding(options);
    TestConnection connection(port());
    ASSERT_EQ(connection.send_request("GET", "/"), "");
    ASSERT_TRUE(holding_.wait_for_requests(1, 5s));

    server_.reset();
    holding_.answer_one(reply(200, "too late"));

    EXPECT_TRUE(connection.wait_for_close().closed);
}

TEST_F(LifecycleTest, ConnectionsBeyondTheMaximumAreClosed) {
    kh::ServerOptions options = test_options();
    options.max_connections = 1;
    start_echo(options);
    TestConnection first(port());
    ASSERT_EQ(first.request("GET", "/").status, 200);

    TestConnection second(port());
    const CloseResult refused = second.wait_for_close();

    EXPECT_TRUE(refused.closed) << refused.error;
    EXPECT_EQ(refused.received, "");
    EXPECT_EQ(stats().connections_refused.load(), 1u);
    EXPECT_EQ(first.request("GET", "/").status, 200);
}

TEST_F(LifecycleTest, OpenConnectionsAreCounted) {
    start_echo();
    {
        TestConnection a(port());
        TestConnection b(port());
        ASSERT_EQ(a.request("GET", "/").status, 200);
        ASSERT_EQ(b.request("GET", "/").status, 200);
        EXPECT_EQ(stats().connections_open.load(), 2u);
    }

    EXPECT_TRUE(eventually([&] { return stats().connections_open.load() == 0; }));
    EXPECT_EQ(stats().connections_accepted.load(), 2u);
}

}  // namespace
}  // namespace keyledger::tests::http
