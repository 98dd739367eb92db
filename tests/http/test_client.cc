#include "tests/http/test_client.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace keyledger::tests::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

// Large enough for anything a test sends back and forth.
constexpr std::uint64_t kResponseBodyLimit = 64 << 20;
constexpr std::uint32_t kResponseHeaderLimit = 1 << 20;

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool has_header(const HeaderList& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& header) { return iequal(header.first, name); });
}

std::string text(beast::string_view view) {
    return std::string(view.data(), view.size());
}

HttpResult failure(std::string error) {
    HttpResult result;
    result.error = std::move(error);
    return result;
}

}  // namespace

std::optional<std::string> HttpResult::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequal(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

// ---- TestConnection ---------------------------------------------------------

template <class Start>
error_code TestConnection::run(Start&& start) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, std::size_t) { result = ec; });
    io_.restart();
    io_.run();
    return result;
}

TestConnection::TestConnection(unsigned short port, std::chrono::milliseconds timeout)
    : timeout_(timeout), stream_(io_) {
    const asio::ip::tcp::endpoint server(asio::ip::make_address_v4("127.0.0.1"), port);
    stream_.expires_after(timeout_);
    const error_code ec = run([&](auto done) {
        stream_.async_connect(server, [done](error_code e) mutable { done(e, 0); });
    });
    if (ec) {
        connect_error_ = "connecting to 127.0.0.1:" + std::to_string(port) + ": " + ec.message();
    }
}

std::string TestConnection::send_raw(std::string_view bytes) {
    stream_.expires_after(timeout_);
    const error_code ec = run([&](auto done) {
        asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), std::move(done));
    });
    return ec ? "sending: " + ec.message() : std::string();
}

std::string TestConnection::send_request(std::string_view method, std::string_view target,
                                         const HeaderList& headers, std::string_view body) {
    std::string message;
    message.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    if (!has_header(headers, "host")) {
        message.append("Host: 127.0.0.1\r\n");
    }
    const bool bodiless_method = method == "GET" || method == "HEAD";
    if (!has_header(headers, "content-length") && !has_header(headers, "transfer-encoding") &&
        (!body.empty() || !bodiless_method)) {
        message.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    for (const auto& [name, value] : headers) {
        message.append(name).append(": ").append(value).append("\r\n");
    }
    message.append("\r\n").append(body);
    return send_raw(message);
}

HttpResult TestConnection::read_response(bool after_head) {
    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(kResponseBodyLimit);
    parser.header_limit(kResponseHeaderLimit);
    parser.skip(after_head);

    HttpResult result;
    stream_.expires_after(timeout_);
    const error_code ec =
        run([&](auto done) { beast::http::async_read(stream_, buffer_, parser, std::move(done)); });
    if (ec) {
        result.error = "reading the response: " + ec.message();
        return result;
    }

    auto message = parser.release();
    result.status = message.result_int();
    for (const auto& field : message) {
        result.headers.emplace_back(text(field.name_string()), text(field.value()));
    }
    result.body = std::move(message.body());
    return result;
}

HttpResult TestConnection::request(std::string_view method, std::string_view target,
                                   const HeaderList& headers, std::string_view body) {
    if (!connected()) {
        return failure(connect_error_);
    }
    // A server that refuses the request may close before reading all of it;
    // its answer is still worth reading, so a failed send is reported only
    // when no answer follows.
    const std::string send_error = send_request(method, target, headers, body);
    HttpResult result = read_response(method == "HEAD");
    if (!result.ok() && !send_error.empty()) {
        result.error = send_error + "; " + result.error;
    }
    return result;
}

CloseResult TestConnection::wait_for_close() {
    const auto start = std::chrono::steady_clock::now();
    CloseResult result;
    const auto buffered = buffer_.data();
    result.received.assign(static_cast<const char*>(buffered.data()), buffered.size());
    buffer_.clear();

    // One deadline for the whole wait, however many reads it takes.
    stream_.expires_after(timeout_);
    for (;;) {
        std::size_t got = 0;
        const error_code ec = run([&](auto done) {
            stream_.async_read_some(buffer_.prepare(4096),
                                    [&got, done](error_code e, std::size_t n) mutable {
                                        got = n;
                                        done(e, n);
                                    });
        });
        buffer_.commit(got);
        const auto data = buffer_.data();
        result.received.append(static_cast<const char*>(data.data()), data.size());
        buffer_.clear();

        if (ec == asio::error::eof || ec == asio::error::connection_reset) {
            result.closed = true;
        } else if (ec == beast::error::timeout) {
            result.error = "the server kept the connection open for " +
                           std::to_string(timeout_.count()) + " ms";
        } else if (ec) {
            result.error = "waiting for the close: " + ec.message();
        } else {
            continue;
        }
        break;
    }
    result.waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return result;
}

void TestConnection::shutdown_send() {
    error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

// ---- one-shot helpers -------------------------------------------------------

HttpResult request(unsigned short port, std::string_view method, std::string_view target,
                   const HeaderList& headers, std::string_view body) {
    TestConnection connection(port);
    return connection.request(method, target, headers, body);
}

HttpResult raw_request(unsigned short port, std::string_view bytes) {
    TestConnection connection(port);
    if (!connection.connected()) {
        return failure(connection.connect_error());
    }
    const std::string send_error = connection.send_raw(bytes);
    HttpResult result = connection.read_response();
    if (!result.ok() && !send_error.empty()) {
        result.error = send_error + "; " + result.error;
    }
    return result;
}

}  // namespace keyledger::tests::http
