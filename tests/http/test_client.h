// A small synchronous HTTP/1.1 client for tests: it talks to 127.0.0.1 only,
// and every operation gives up after a timeout instead of hanging a test.
//
// Failures are values, not exceptions: a result's `error` says what went
// wrong, so a test can print it next to the assertion that failed, e.g.
//   auto r = request(port, "GET", "/healthz");
//   ASSERT_TRUE(r.ok()) << r.error;
//   EXPECT_EQ(r.status, 200);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace keyledger::tests::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::chrono::milliseconds kDefaultTimeout{5'000};

struct HttpResult {
    unsigned status = 0;  // 0 when no response was read
    HeaderList headers;   // as received, in order
    std::string body;
    std::string error;  // empty on success

    bool ok() const { return error.empty(); }

    // The first value of `name`, compared case-insensitively.
    std::optional<std::string> header(std::string_view name) const;
};

// How a connection ended while a test waited for the server to close it.
struct CloseResult {
    bool closed = false;   // the server closed (EOF or reset) before the timeout
    std::string received;  // bytes that arrived before the close
    std::chrono::milliseconds waited{0};
    std::string error;  // set when the wait itself failed (e.g. timed out)
};

// One client connection to 127.0.0.1:port. Not thread-safe.
class TestConnection {
  public:
    explicit TestConnection(unsigned short port,
                            std::chrono::milliseconds timeout = kDefaultTimeout);

    TestConnection(const TestConnection&) = delete;
    TestConnection& operator=(const TestConnection&) = delete;

    // Empty when connected; otherwise why not.
    const std::string& connect_error() const { return connect_error_; }
    bool connected() const { return connect_error_.empty(); }

    // Sends `bytes` exactly as given. Returns an empty string or the error.
    std::string send_raw(std::string_view bytes);

    // Sends a well-formed request. Host and (for a non-empty body or a
    // method other than GET and HEAD) Content-Length are added unless
    // `headers` has them.
    std::string send_request(std::string_view method, std::string_view target,
                             const HeaderList& headers = {}, std::string_view body = {});

    // Reads one response; an interim "100 Continue" counts as one.
    // `after_head` reads no body, as the answer to a HEAD request has none.
    HttpResult read_response(bool after_head = false);

    // send_request() then read_response().
    HttpResult request(std::string_view method, std::string_view target,
                       const HeaderList& headers = {}, std::string_view body = {});

    // Reads until the server closes the connection or the timeout passes.
    CloseResult wait_for_close();

    // Half-closes: the server sees end of stream, we can still read.
    void shutdown_send();

  private:
    // Runs the async operation begun by `start` to completion on this
    // thread, cancelled by the stream's deadline after timeout_.
    template <class Start>
    boost::system::error_code run(Start&& start);

    std::chrono::milliseconds timeout_;
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::string connect_error_;
};

// One request on a fresh connection.
HttpResult request(unsigned short port, std::string_view method, std::string_view target,
                   const HeaderList& headers = {}, std::string_view body = {});

// Raw bytes on a fresh connection, then one response (for malformed requests).
HttpResult raw_request(unsigned short port, std::string_view bytes);

}  // namespace keyledger::tests::http
