// Framing and size limits (API.md "Webhook ingress"): answered by the
// transport, before any handler, then the connection is closed.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

constexpr std::size_t kMiB = 1 << 20;

class LimitsTest : public ServerTest {
  protected:
    void SetUp() override { start_echo(); }

    // The refusal has the JSON shape, closes, and never reached the handler.
    static void expect_refusal(const HttpResult& r, unsigned status, const std::string& code) {
        ASSERT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.header("Content-Type"), "application/json");
        EXPECT_EQ(r.header("Connection"), "close");
        EXPECT_NE(r.body.find("\"error\":\"" + code + "\""), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("\"message\":"), std::string::npos) << r.body;
        EXPECT_EQ(r.header("X-Method"), std::nullopt) << "the handler saw the request";
    }
};

// "GET <target> HTTP/1.1" of exactly `length` bytes.
std::string request_line_of(std::size_t length) {
    const std::string fixed = "GET / HTTP/1.1";
    return "GET /" + std::string(length - fixed.size(), 'a') + " HTTP/1.1";
}

// Field lines (with their CRLFs) of exactly `length` bytes, Host first.
std::string fields_of(std::size_t length) {
    const std::string host = "Host: x\r\n";
    const std::string name = "X-Fill: ";
    return host + name + std::string(length - host.size() - name.size() - 2, 'f') + "\r\n";
}

std::string chunk(std::size_t size, char fill) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", size);
    return std::string(hex) + "\r\n" + std::string(size, fill) + "\r\n";
}

TEST_F(LimitsTest, AnnouncedOversizeBodyIsRefusedBeforeAnyBodyByte) {
    TestConnection connection(port());

    // Only the header goes out; the 413 must come without a body byte sent.
    ASSERT_EQ(connection.send_raw("POST /v1/hooks/w1 HTTP/1.1\r\nHost: x\r\n"
                                  "Content-Length: 1048577\r\n\r\n"),
              "");
    const HttpResult r = connection.read_response();
    const CloseResult closed = connection.wait_for_close();

    expect_refusal(r, 413, "body_too_large");
    EXPECT_TRUE(closed.closed) << closed.error;
    EXPECT_EQ(stats().rejected_413.load(), 1u);
}

TEST_F(LimitsTest, BodyOfExactlyTheLimitIsAccepted) {
    const std::string body(kMiB, 'b');

    const HttpResult r = request(port(), "POST", "/v1/hooks/w1", {}, body);

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), kMiB);
    EXPECT_TRUE(r.body == body);
}

TEST_F(LimitsTest, BodyOneByteOverTheLimitIsRefused) {
    const HttpResult r = request(port(), "POST", "/v1/hooks/w1", {}, std::string(kMiB + 1, 'b'));

    expect_refusal(r, 413, "body_too_large");
}

TEST_F(LimitsTest, ChunkedBodyOverTheLimitIsRefused) {
    const std::string head =
        "POST /v1/hooks/w1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    const HttpResult r = raw_request(
        port(), head + chunk(kMiB / 2, 'a') + chunk(kMiB / 2, 'b') + chunk(1, 'c') + "0\r\n\r\n");

    expect_refusal(r, 413, "body_too_large");
    EXPECT_EQ(stats().rejected_413.load(), 1u);
}

TEST_F(LimitsTest, ChunkedBodyOfExactlyTheLimitIsAccepted) {
    const std::string head =
        "POST /v1/hooks/w1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    const HttpResult r =
        raw_request(port(), head + chunk(kMiB / 2, 'a') + chunk(kMiB / 2, 'b') + "0\r\n\r\n");

    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, std::string(kMiB / 2, 'a') + std::string(kMiB / 2, 'b'));
}

TEST_F(LimitsTest, ExpectContinueWithOversizeBodyGets413Instead) {
    TestConnection connection(port());

    ASSERT_EQ(connection.send_request(
                  "POST", "/v1/hooks/w1",
                  {{"Content-Length", std::to_string(kMiB + 1)}, {"Expect", "100-continue"}}),
              "");
    const HttpResult r = connection.read_response();

    expect_refusal(r, 413, "body_too_large");
}

TEST_F(LimitsTest, RequestLineOverTheLimitIs414) {
    const HttpResult r = raw_request(port(), request_line_of(9 * 1024) + "\r\nHost: x\r\n\r\n");

    expect_refusal(r, 414, "uri_too_long");
    EXPECT_EQ(stats().rejected_414.load(), 1u);
}

TEST_F(LimitsTest, RequestLineOfExactlyTheLimitIsAccepted) {
    const HttpResult at = raw_request(port(), request_line_of(8192) + "\r\nHost: x\r\n\r\n");
    const HttpResult over = raw_request(port(), request_line_of(8193) + "\r\nHost: x\r\n\r\n");

    EXPECT_EQ(at.status, 200) << at.error;
    EXPECT_EQ(over.status, 414) << over.error;
}

TEST_F(LimitsTest, EndlessRequestLineIs414) {
    const HttpResult r = raw_request(port(), "GET /" + std::string(40 * 1024, 'a'));

    expect_refusal(r, 414, "uri_too_long");
}

TEST_F(LimitsTest, HeaderSectionOverTheLimitIs431) {
    const HttpResult r = raw_request(port(), "GET / HTTP/1.1\r\n" + fields_of(9 * 1024) + "\r\n");

    expect_refusal(r, 431, "headers_too_large");
    EXPECT_EQ(stats().rejected_431.load(), 1u);
}

TEST_F(LimitsTest, HeaderSectionOfExactlyTheLimitIsAccepted) {
    const HttpResult at = raw_request(port(), "GET / HTTP/1.1\r\n" + fields_of(8192) + "\r\n");
    const HttpResult over = raw_request(port(), "GET / HTTP/1.1\r\n" + fields_of(8193) + "\r\n");

    EXPECT_EQ(at.status, 200) << at.error;
    EXPECT_EQ(over.status, 431) << over.error;
}

TEST_F(LimitsTest, EndlessHeaderSectionIs431) {
    std::string flood = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i) {
        flood += "X-Flood-" + std::to_string(i) + ": yes\r\n";
    }

    const HttpResult r = raw_request(port(), flood);

    expect_refusal(r, 431, "headers_too_large");
}

TEST_F(LimitsTest, GarbageBytesAre400) {
    // A TLS ClientHello's first bytes, then a line end.
    constexpr char kGarbage[] = "\x16\x03\x01\x02\x00\x01 junk\r\n\r\n";

    const HttpResult r = raw_request(port(), std::string(kGarbage, sizeof kGarbage - 1));

    expect_refusal(r, 400, "bad_request");
    EXPECT_EQ(stats().rejected_400.load(), 1u);
}

TEST_F(LimitsTest, ContentLengthWithChunkedIs400) {
    const HttpResult r = raw_request(port(),
                                     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

    expect_refusal(r, 400, "bad_request");
}

TEST_F(LimitsTest, ConflictingContentLengthsAre400) {
    const HttpResult r = raw_request(
        port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");

    expect_refusal(r, 400, "bad_request");
}

TEST_F(LimitsTest, MalformedChunkIs400) {
    const HttpResult r = raw_request(
        port(), "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");

    expect_refusal(r, 400, "bad_request");
}

TEST_F(LimitsTest, Http11WithoutHostIs400) {
    const HttpResult r = raw_request(port(), "GET / HTTP/1.1\r\n\r\n");

    expect_refusal(r, 400, "bad_request");
}

TEST_F(LimitsTest, Http10WithoutHostIsAnsweredAndClosed) {
    TestConnection connection(port());

    ASSERT_EQ(connection.send_raw("GET /old HTTP/1.0\r\n\r\n"), "");
    const HttpResult r = connection.read_response();
    const CloseResult closed = connection.wait_for_close();

    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.header("X-Target"), "/old");
    EXPECT_TRUE(closed.closed) << closed.error;
}

TEST_F(LimitsTest, OtherHttpVersionsAre400) {
    const HttpResult r = raw_request(port(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    expect_refusal(r, 400, "bad_request");
}

}  // namespace
}  // namespace keyledger::tests::http
