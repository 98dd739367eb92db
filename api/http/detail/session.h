// One accepted connection, from its first byte to its close, over plain TCP
// or over TLS (Session<TlsStream>, which begins with the TLS handshake).
//
// A session reads one request at a time and starts the next read only once
// the answer is written, so pipelined requests are answered in order. All its
// members are used on its strand; deliver() is the only way in from another
// thread. Its steps come in pairs, each async step followed by its handler:
//
//   wait_for_request / on_request_bytes   keep-alive wait (idle_timeout)
//   read_header / on_read_header          header and framing (header_timeout)
//   send_continue / on_send_continue      "100 Continue" when the body will be read
//   read_body / on_read_body              body within body_limit (body_timeout)
//   handshake / on_handshake              TLS only, within header_timeout
//   dispatch / on_response                the handler, then its answer
//   write_response / on_write             the answer on the wire (body_timeout)
//   linger / on_linger                    after a closing answer: drain, then close
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "api/http/detail/framing.h"
#include "api/http/detail/request_parser.h"
#include "api/http/message.h"

namespace keyledger::api::http::detail {

class Core;

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// What the Core, the listener and the answers' ReplySlot see of a session,
// whichever its stream.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
  public:
    virtual ~SessionBase() = default;

    // Starts reading the first request (after the TLS handshake, if any); the
    // header deadline runs from now.
    virtual void start() = 0;

    // Any thread: the answer to the request being handled.
    virtual void deliver(Response response) = 0;

    // Any thread, once the server is stopping: closes the connection unless
    // a complete request is in flight, which is answered and then closed.
    virtual void notify_stop() = 0;

    // Only while no I/O thread runs (at the end of Server::stop()).
    virtual void force_close() = 0;
};

template <class Stream>
class Session final : public SessionBase {
  public:
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

    // `socket` must be bound to a strand of core->io().
    Session(std::shared_ptr<Core> core, boost::asio::ip::tcp::socket socket) requires(!kTls);
    Session(std::shared_ptr<Core> core, boost::asio::ip::tcp::socket socket,
            boost::asio::ssl::context& tls) requires(kTls);
    ~Session() override;

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start() override;
    void deliver(Response response) override;
    void notify_stop() override;
    void force_close() override { close(); }

  private:
    enum class Phase { reading_header, reading_body, handling, writing, closing, closed };

    std::shared_ptr<Session> self() {
        return std::static_pointer_cast<Session>(shared_from_this());
    }
    boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

    void handshake();
    void on_handshake(boost::beast::error_code ec);

    void wait_for_request();
    void on_request_bytes(boost::beast::error_code ec, std::size_t bytes);

    void read_header();
    void on_read_header(boost::beast::error_code ec, std::size_t bytes);

    void send_continue();
    void on_send_continue(boost::beast::error_code ec, std::size_t bytes);

    void read_body();
    void on_read_body(boost::beast::error_code ec, std::size_t bytes);

    void dispatch();
    void on_response(Response response);

    void write_response(Response response);
    void on_write(boost::beast::error_code ec, std::size_t bytes);

    void linger();
    void drain();
    void on_linger(boost::beast::error_code ec, std::size_t bytes);
    void on_tls_shutdown(boost::beast::error_code ec);

    // A read or write failed: a timeout or a vanished peer closes, broken
    // framing is answered 400.
    void on_failure(boost::beast::error_code ec);
    // Answers a framing failure with its JSON error, then closes.
    void reject(Rejection rejection);
    // Closes the socket and leaves the registry; idempotent.
    void close();

    // Declared first so it is destroyed last: the stream needs the io_context.
    std::shared_ptr<Core> core_;
    Stream stream_;
    boost::beast::flat_buffer buffer_;
    std::string remote_;
    Phase phase_ = Phase::reading_header;

    std::optional<RequestParser> parser_;  // the request being read
    std::optional<boost::beast::http::response<boost::beast::http::string_body>> response_;

    // The request being answered.
    unsigned version_ = 11;
    bool head_ = false;
    bool keep_alive_ = false;

    std::size_t lingered_bytes_ = 0;
};

}  // namespace keyledger::api::http::detail
