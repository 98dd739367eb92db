// Requests that reach the handler, and the answers that come back.
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

using ExchangeTest = ServerTest;

TEST_F(ExchangeTest, EchoHandlerAnswers) {
    start_echo();

    const HttpResult r = request(port(), "POST", "/v1/hooks/w1?x=1", {}, "ping");

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ping");
    EXPECT_EQ(r.header("X-Method"), "POST");
    EXPECT_EQ(r.header("X-Target"), "/v1/hooks/w1?x=1");
    EXPECT_EQ(r.header("Server"), "keyledger");
    EXPECT_EQ(r.header("Content-Length"), "4");
    EXPECT_EQ(stats().requests.load(), 1u);
}

TEST_F(ExchangeTest, HandlerSeesLowerCaseHeadersInArrivalOrderWithDuplicates) {
    start_echo();

    const HttpResult r = request(
        port(), "GET", "/", {{"X-B", "1"}, {"x-a", "2"}, {"X-B", "3"}, {"Authorization", "x"}});

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.header("X-Header-Names"), "host,x-b,x-a,x-b,authorization");
}

TEST_F(ExchangeTest, HandlerSeesThePeerAddress) {
    start_echo();

    const HttpResult r = request(port(), "GET", "/");

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(r.header("X-Remote").value_or("").starts_with("127.0.0.1:"))
        << r.header("X-Remote").value_or("(none)");
}

TEST_F(ExchangeTest, HandlerAnsweringFromAnotherThread) {
    start_threaded();

    const HttpResult r = request(port(), "PUT", "/later", {}, "from the worker");

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "from the worker");
    ASSERT_EQ(threaded_.handle_threads().size(), 1u);
    EXPECT_NE(threaded_.handle_threads()[0], threaded_.worker_thread());
}

TEST_F(ExchangeTest, KeepAliveServesTwoRequestsOnOneConnection) {
    start_threaded();
    TestConnection connection(port());
    ASSERT_TRUE(connection.connected()) << connection.connect_error();

    const HttpResult first = connection.request("POST", "/one", {}, "1");
    const HttpResult second = connection.request("POST", "/two", {}, "2");

    ASSERT_TRUE(first.ok()) << first.error;
    ASSERT_TRUE(second.ok()) << second.error;
    EXPECT_EQ(first.body, "1");
    EXPECT_EQ(second.body, "2");
    EXPECT_EQ(second.header("Connection"), std::nullopt);
    EXPECT_EQ(stats().connections_accepted.load(), 1u);
}

TEST_F(ExchangeTest, PipelinedRequestsAreAnsweredInOrder) {
    start_threaded();
    TestConnection connection(port());

    ASSERT_EQ(connection.send_raw("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
                                  "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nC"),
              "");
    const HttpResult a = connection.read_response();
    const HttpResult b = connection.read_response();
    const HttpResult c = connection.read_response();

    EXPECT_EQ(a.header("X-Target"), "/a") << a.error;
    EXPECT_EQ(a.body, "A");
    EXPECT_EQ(b.header("X-Target"), "/b") << b.error;
    EXPECT_EQ(c.header("X-Target"), "/c") << c.error;
    EXPECT_EQ(c.body, "C");
}

TEST_F(ExchangeTest, ConnectionCloseIsHonoured) {
    start_echo();
    TestConnection connection(port());

    const HttpResult r = connection.request("GET", "/", {{"Connection", "close"}});
    const CloseResult closed = connection.wait_for_close();

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(closed.closed) << closed.error;
}

TEST_F(ExchangeTest, HeadAnswerHasContentLengthButNoBody) {
    start_echo();
    TestConnection connection(port());

    // If a body followed the HEAD answer, it would be read as the next response.
    const HttpResult head = connection.request("HEAD", "/");
    const HttpResult next = connection.request("POST", "/", {}, "after");

    ASSERT_TRUE(head.ok()) << head.error;
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), "5");
    EXPECT_EQ(head.body, "");
    ASSERT_TRUE(next.ok()) << next.error;
    EXPECT_EQ(next.body, "after");
}

TEST_F(ExchangeTest, ExpectContinueGets100ThenTheAnswer) {
    start_echo();
    TestConnection connection(port());

    ASSERT_EQ(
        connection.send_request("POST", "/", {{"Content-Length", "4"}, {"Expect", "100-continue"}}),
        "");
    const HttpResult interim = connection.read_response();
    ASSERT_EQ(connection.send_raw("body"), "");
    const HttpResult final_answer = connection.read_response();

    EXPECT_EQ(interim.status, 100) << interim.error;
    EXPECT_EQ(final_answer.status, 200) << final_answer.error;
    EXPECT_EQ(final_answer.body, "body");
}

TEST_F(ExchangeTest, HandlerThatThrowsIsAnswered500) {
    start_with([](kh::Request, kh::Responder) { throw std::runtime_error("boom"); });

    const HttpResult r = request(port(), "GET", "/");

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("\"error\":\"internal\""), std::string::npos) << r.body;
}

TEST_F(ExchangeTest, DroppedResponderIsAnswered500) {
    start_holding();
    TestConnection connection(port());
    ASSERT_EQ(connection.send_request("GET", "/"), "");
    ASSERT_TRUE(holding_.wait_for_requests(1, 5s));

    holding_.drop_all();
    const HttpResult r = connection.read_response();

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 500);
}

TEST_F(ExchangeTest, SecondAnswerToOneRequestIsIgnored) {
    start_with([](kh::Request, kh::Responder respond) {
        respond(kh::error_response(409, "username_taken", "first"));
        respond(kh::error_response(200, "ignored", "second"));
    });
    TestConnection connection(port());

    const HttpResult first = connection.request("GET", "/");
    const HttpResult again = connection.request("GET", "/");

    EXPECT_EQ(first.status, 409) << first.error;
    EXPECT_EQ(again.status, 409) << again.error;
}

TEST_F(ExchangeTest, HeaderInjectionByTheHandlerBecomes500) {
    start_with([](kh::Request, kh::Responder respond) {
        respond(reply(200, "", {{"X-Evil", "a\r\nSet-Cookie: b"}}));
    });

    const HttpResult r = request(port(), "GET", "/");

    EXPECT_EQ(r.status, 500) << r.error;
    EXPECT_EQ(r.header("Set-Cookie"), std::nullopt);
}

TEST_F(ExchangeTest, NoContentHasNeitherBodyNorLength) {
    start_with([](kh::Request, kh::Responder respond) { respond(reply(204, "ignored")); });
    TestConnection connection(port());

    const HttpResult r = connection.request("DELETE", "/v1/tokens/t1");
    const HttpResult next = connection.request("DELETE", "/v1/tokens/t2");

    EXPECT_EQ(r.status, 204) << r.error;
    EXPECT_EQ(r.header("Content-Length"), std::nullopt);
    EXPECT_EQ(next.status, 204) << next.error;
}

TEST_F(ExchangeTest, ErrorResponseIsJson) {
    const kh::Response r = kh::error_response(404, "not_found", "No \"such\" webhook.");

    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.body, R"({"error":"not_found","message":"No \"such\" webhook."})");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].second, "application/json");
}

TEST_F(ExchangeTest, SeveralIoThreadsServeConcurrentClients) {
    kh::ServerOptions options = test_options();
    options.threads = 4;
    start_threaded(options);

    std::vector<std::thread> clients;
    std::vector<HttpResult> results(8);
    for (std::size_t i = 0; i < results.size(); ++i) {
        clients.emplace_back([&, i] {
            TestConnection connection(port());
            for (int n = 0; n < 20; ++n) {
                results[i] = connection.request("POST", "/", {}, std::to_string(i));
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }

    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].body, std::to_string(i)) << results[i].error;
    }
    EXPECT_EQ(stats().requests.load(), 160u);
}

}  // namespace
}  // namespace keyledger::tests::http
