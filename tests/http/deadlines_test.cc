// Deadlines: a client that is too slow, or silent, loses its connection,
// without an answer. Each test shortens one deadline and leaves the others
// long, so the close can only come from the one under test.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

using DeadlinesTest = ServerTest;

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST_F(DeadlinesTest, HalfAHeaderIsClosedAfterTheHeaderTimeout) {
    kh::ServerOptions options = test_options();
    options.header_timeout = 200ms;
    start_echo(options);

    const auto start = Clock::now();
    TestConnection connection(port());
    ASSERT_EQ(connection.send_raw("POST /v1/hooks/w1 HTTP/1.1\r\nHost: x\r\nContent-Le"), "");
    const CloseResult closed = connection.wait_for_close();

    ASSERT_TRUE(closed.closed) << closed.error;
    EXPECT_GE(since(start), 200ms);
    EXPECT_LT(since(start), 2000ms);  // well before any other deadline (3 s)
    EXPECT_EQ(closed.received, "") << "a timeout gets no answer";
    EXPECT_TRUE(eventually([&] { return stats().timeouts.load() == 1; }));
}

TEST_F(DeadlinesTest, SilentNewConnectionIsClosedAfterTheHeaderTimeout) {
    kh::ServerOptions options = test_options();
    options.header_timeout = 200ms;
    start_echo(options);

    const auto start = Clock::now();
    TestConnection connection(port());
    const CloseResult closed = connection.wait_for_close();

    ASSERT_TRUE(closed.closed) << closed.error;
    EXPECT_GE(since(start), 200ms);
    EXPECT_LT(since(start), 2000ms);
}

// A slow-loris client sends a byte now and then: the header deadline is one
// deadline for the whole header, not renewed by each byte.
TEST_F(DeadlinesTest, DripFedHeaderIsClosedAfterTheHeaderTimeout) {
    kh::ServerOptions options = test_options();
    options.header_timeout = 300ms;
    start_echo(options);

    const auto start = Clock::now();
    TestConnection connection(port(), 200ms);
    const std::string header = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 's');
    std::size_t sent = 0;
    for (; sent < header.size() && since(start) < 2500ms; ++sent) {
        if (!connection.send_raw(header.substr(sent, 1)).empty()) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }

    EXPECT_GE(since(start), 300ms);
    EXPECT_LT(since(start), 2000ms) << "still open after " << sent << " bytes";
    EXPECT_TRUE(eventually([&] { return stats().timeouts.load() == 1; }));
}

TEST_F(DeadlinesTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
    kh::ServerOptions options = test_options();
    options.idle_timeout = 200ms;
    start_echo(options);
    TestConnection connection(port());

    const HttpResult r = connection.request("GET", "/");
    const auto answered = Clock::now();
    const CloseResult closed = connection.wait_for_close();

    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_TRUE(closed.closed) << closed.error;
    // The server's clock started when it finished writing, just before ours.
    EXPECT_GE(since(answered), 150ms);
    EXPECT_LT(since(answered), 2000ms);
    EXPECT_EQ(closed.received, "");
}

TEST_F(DeadlinesTest, KeepAliveConnectionInUseOutlivesTheIdleTimeout) {
    kh::ServerOptions options = test_options();
    options.idle_timeout = 300ms;
    start_echo(options);
    TestConnection connection(port());

    // Five requests 100 ms apart: 500 ms in all, never 300 ms idle.
    for (int i = 0; i < 5; ++i) {
        const HttpResult r = connection.request("GET", "/");
        ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.error;
        std::this_thread::sleep_for(100ms);
    }
}

TEST_F(DeadlinesTest, StalledBodyIsClosedAfterTheBodyTimeout) {
    kh::ServerOptions options = test_options();
    options.body_timeout = 200ms;
    start_echo(options);
    TestConnection connection(port());

    ASSERT_EQ(connection.send_raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf"),
              "");
    const auto sent = Clock::now();
    const CloseResult closed = connection.wait_for_close();

    ASSERT_TRUE(closed.closed) << closed.error;
    EXPECT_GE(since(sent), 150ms);
    EXPECT_LT(since(sent), 2000ms);
    EXPECT_EQ(closed.received, "");
    EXPECT_EQ(stats().requests.load(), 0u);
}

TEST_F(DeadlinesTest, SlowHandlerIsNotCutOffByAnyReadDeadline) {
    kh::ServerOptions options = test_options();
    options.header_timeout = 100ms;
    options.idle_timeout = 100ms;
    options.body_timeout = 100ms;
    start_holding(options);
    TestConnection connection(port());
    ASSERT_EQ(connection.send_request("GET", "/"), "");
    ASSERT_TRUE(holding_.wait_for_requests(1, 5s));

    std::this_thread::sleep_for(400ms);
    holding_.answer_one(reply(200, "late"));
    const HttpResult r = connection.read_response();

    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "late");
}

}  // namespace
}  // namespace keyledger::tests::http
