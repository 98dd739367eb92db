// Hostile or unlucky clients: a request cut at every byte offset, request smuggling attempts
// (Content-Length with chunked, two Content-Lengths), a client that vanishes mid-body, and a
// slow-loris client next to well-behaved ones.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

using RobustnessTest = ServerTest;

// What a client can observe of one answer.
std::string outcome(const HttpResult& r) {
    return std::to_string(r.status) + " " + r.header("X-Method").value_or("-") + " " +
           r.header("X-Target").value_or("-") + " " + r.body;
}

// Sends `bytes` in two writes cut at `offset`, with a pause between them so that the server
// reads them apart, and reads the answer.
HttpResult split_at(unsigned short port, const std::string& bytes, std::size_t offset) {
    TestConnection connection(port);
    if (auto e = connection.send_raw(bytes.substr(0, offset)); !e.empty()) {
        return HttpResult{0, {}, {}, e};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (auto e = connection.send_raw(bytes.substr(offset)); !e.empty()) {
        return HttpResult{0, {}, {}, e};
    }
    return connection.read_response();
}

void expect_same_at_every_offset(unsigned short port, const std::string& bytes) {
    const std::string whole = outcome(raw_request(port, bytes));
    ASSERT_NE(whole.rfind("200 POST", 0), std::string::npos) << whole;
    for (std::size_t offset = 1; offset < bytes.size(); ++offset) {
        const HttpResult r = split_at(port, bytes, offset);
        ASSERT_TRUE(r.ok()) << "cut at " << offset << ": " << r.error;
        ASSERT_EQ(outcome(r), whole) << "cut at " << offset;
    }
}

TEST_F(RobustnessTest, RequestCutAtEveryByteOffsetGivesTheSameAnswer) {
    start_echo();
    expect_same_at_every_offset(port(),
                                "POST /v1/hooks/whk_1?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n"
                                "{\"order\":42}\n");
}

TEST_F(RobustnessTest, ChunkedRequestCutAtEveryByteOffsetGivesTheSameAnswer) {
    start_echo();
    expect_same_at_every_offset(port(),
                                "POST /v1/hooks/whk_1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n"
                                "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
}

TEST_F(RobustnessTest, RequestSentOneByteAtATimeGivesTheSameAnswer) {
    start_echo();
    const std::string bytes = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    TestConnection connection(port());
    for (char c : bytes) {
        ASSERT_EQ(connection.send_raw(std::string(1, c)), "");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const HttpResult r = connection.read_response();
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(outcome(r), outcome(raw_request(port(), bytes)));
}

// A 400 to a smuggling attempt, then a closed connection: the bytes after it (a second request
// hidden in the body) are never taken as a request.
void expect_400_then_closed(unsigned short port, const std::string& bytes,
                            const kh::ServerStats& stats) {
    TestConnection connection(port);
    ASSERT_EQ(connection.send_raw(bytes), "");
    const HttpResult r = connection.read_response();
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(r.header("Connection"), "close");
    const CloseResult closed = connection.wait_for_close();
    EXPECT_TRUE(closed.closed) << closed.error;
    EXPECT_EQ(closed.received, "") << "the smuggled request was answered";
    EXPECT_EQ(stats.requests.load(), 0u) << "a request reached the handler";
}

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(RobustnessTest, ContentLengthWithChunkedIs400AndClosed) {
    start_echo();
    expect_400_then_closed(port(),
                           "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                               kSmuggled,
                           stats());
}

TEST_F(RobustnessTest, ChunkedBeforeContentLengthIs400AndClosed) {
    start_echo();
    expect_400_then_closed(port(),
                           "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Length: 5\r\n\r\n0\r\n\r\n" +
                               kSmuggled,
                           stats());
}

TEST_F(RobustnessTest, TwoEqualContentLengthsAre400AndClosed) {
    start_echo();
    expect_400_then_closed(
        port(),
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc" +
            kSmuggled,
        stats());
}

TEST_F(RobustnessTest, TwoDifferentContentLengthsAre400AndClosed) {
    start_echo();
    expect_400_then_closed(
        port(),
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc" +
            kSmuggled,
        stats());
}

TEST_F(RobustnessTest, ContentLengthListIs400AndClosed) {
    start_echo();
    expect_400_then_closed(
        port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc" + kSmuggled,
        stats());
}

TEST_F(RobustnessTest, ClientGoneMidBodyNeverReachesTheHandler) {
    start_echo();
    {
        TestConnection connection(port());
        ASSERT_EQ(connection.send_raw("POST /v1/hooks/whk_1 HTTP/1.1\r\nHost: x\r\n"
                                      "Content-Length: 100\r\n\r\n" +
                                      std::string(60, 'b')),
                  "");
    }  // closed here, 40 bytes short
    {
        TestConnection connection(port());
        ASSERT_EQ(connection.send_raw("POST /v1/hooks/whk_1 HTTP/1.1\r\nHost: x\r\n"
                                      "Transfer-Encoding: chunked\r\n\r\n10\r\nonly half"),
                  "");
        connection.shutdown_send();
        // A peer that stops mid-message gets a 400 if it still reads, and nothing is handled.
        const CloseResult closed = connection.wait_for_close();
        EXPECT_TRUE(closed.closed) << closed.error;
    }
    EXPECT_TRUE(eventually([&] { return stats().connections_open.load() == 0; }));
    EXPECT_EQ(stats().requests.load(), 0u);
    // The server goes on serving.
    EXPECT_EQ(request(port(), "POST", "/after", {}, "ok").status, 200u);
    EXPECT_EQ(stats().requests.load(), 1u);
}

// A slow-loris client is closed at the header deadline; clients beside it are served at once
// all along.
TEST_F(RobustnessTest, DripFedHeaderIsClosedWhileOthersAreServedPromptly) {
    kh::ServerOptions options = test_options();
    options.header_timeout = 600ms;
    start_echo(options);

    std::thread loris([&] {
        TestConnection connection(port(), 200ms);
        const std::string header = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 's');
        const auto start = Clock::now();
        for (std::size_t sent = 0; sent < header.size() && Clock::now() - start < 3s; ++sent) {
            if (!connection.send_raw(header.substr(sent, 1)).empty()) {
                break;
            }
            std::this_thread::sleep_for(50ms);
        }
    });

    TestConnection neighbour(port());
    int served = 0;
    const auto start = Clock::now();
    while (Clock::now() - start < 1200ms) {
        const auto sent = Clock::now();
        const HttpResult r = neighbour.request("GET", "/neighbour");
        ASSERT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_LT(Clock::now() - sent, 300ms) << "a neighbour waited on the slow client";
        ++served;
        std::this_thread::sleep_for(50ms);
    }
    loris.join();
    EXPECT_GE(served, 10);
    EXPECT_TRUE(eventually([&] { return stats().timeouts.load() == 1; }))
        << "the slow client was closed by its header deadline";
}

}  // namespace
}  // namespace keyledger::tests::http
