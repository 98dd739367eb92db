// Transfer-Encoding (RFC 9112 6.1 and 6.3): chunked alone frames a body; a body whose length
// cannot be known is 400, a coding we do not decode before chunked is 501. Every refusal comes
// before the handler and closes the connection, so what follows on it is never read as a request.
#include <string>

#include <gtest/gtest.h>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

class TransferCodingTest : public ServerTest {
  protected:
    void SetUp() override { start_echo(); }

    // `codings` on a POST whose chunked body would be "hello", then a second request on the
    // same connection: the refusal must close it before that one is read.
    HttpResult post_with(const std::string& fields) {
        TestConnection connection(port());
        EXPECT_EQ(connection.send_raw("POST /v1/hooks/whk_1 HTTP/1.1\r\nHost: x\r\n" + fields +
                                      "\r\n5\r\nhello\r\n0\r\n\r\n"
                                      "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"),
                  "");
        HttpResult first = connection.read_response();
        const CloseResult closed = connection.wait_for_close();
        EXPECT_TRUE(closed.closed) << fields << closed.error;
        EXPECT_EQ(closed.received.find("smuggled"), std::string::npos) << closed.received;
        return first;
    }

    static void expect_refusal(const HttpResult& r, unsigned status, const std::string& code,
                               const std::string& fields) {
        ASSERT_TRUE(r.ok()) << fields << r.error;
        EXPECT_EQ(r.status, status) << fields << r.body;
        EXPECT_EQ(r.header("Connection"), "close") << fields;
        EXPECT_NE(r.body.find("\"error\":\"" + code + "\""), std::string::npos) << r.body;
        EXPECT_EQ(r.header("X-Method"), std::nullopt) << fields << ": the handler saw it";
    }
};

TEST_F(TransferCodingTest, ChunkedAloneFramesTheBody) {
    for (const char* value : {"chunked", "Chunked", "  chunked ", ", chunked,"}) {
        const HttpResult r =
            raw_request(port(), std::string("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") +
                                    value + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        ASSERT_TRUE(r.ok()) << value << r.error;
        EXPECT_EQ(r.status, 200u) << value << r.body;
        EXPECT_EQ(r.body, "hello") << value;
    }
}

TEST_F(TransferCodingTest, ACodingBeforeChunkedIs501) {
    for (const char* fields :
         {"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: deflate,chunked\r\n",
          "Transfer-Encoding: identity, chunked\r\n",
          "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"}) {
        expect_refusal(post_with(fields), 501, "not_implemented", fields);
    }
    EXPECT_EQ(stats().rejected_501.load(), 4u);
}

TEST_F(TransferCodingTest, ABodyOfUnknownLengthIs400) {
    for (const char* fields :
         {"Transfer-Encoding: gzip\r\n", "Transfer-Encoding: identity\r\n",
          "Transfer-Encoding: \r\n", "Transfer-Encoding: ,\r\n",
          "Transfer-Encoding: chunked, gzip\r\n", "Transfer-Encoding: chunked, chunked\r\n",
          "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
          "Transfer-Encoding: chunked;q=1\r\n"}) {
        expect_refusal(post_with(fields), 400, "bad_request", fields);
    }
}

TEST_F(TransferCodingTest, AnyCodingWithContentLengthIs400) {
    for (const char* fields : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                               "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                               "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
                               "Content-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n",
                               "Transfer-Encoding: identity\r\nContent-Length: 5\r\n"}) {
        expect_refusal(post_with(fields), 400, "bad_request", fields);
    }
}

TEST_F(TransferCodingTest, Http10WithTransferEncodingIs400) {
    const HttpResult r = raw_request(
        port(), "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    expect_refusal(r, 400, "bad_request", "HTTP/1.0 chunked");
}

}  // namespace
}  // namespace keyledger::tests::http
