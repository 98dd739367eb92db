#include "api/http/detail/session.h"

#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "api/http/detail/core.h"
#include "api/http/detail/reply_slot.h"
#include "api/http/detail/translate.h"

namespace keyledger::api::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;

namespace {

// The first read of a keep-alive connection; most requests fit in one.
constexpr std::size_t kFirstReadBytes = 4096;

// While lingering, bytes are read in chunks of this size and dropped, and at
// most kLingerBytes of them before the socket is closed regardless.
constexpr std::size_t kLingerChunkBytes = 16 * 1024;
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string peer_of(const asio::ip::tcp::socket& socket) {
    beast::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : format_endpoint(endpoint);
}

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == beast_http::make_error_code(beast_http::error::bad_method).category();
}

std::string_view buffered_text(const beast::flat_buffer& buffer) {
    const auto data = buffer.data();
    return {static_cast<const char*>(data.data()), data.size()};
}

}  // namespace

template <class Stream>
Session<Stream>::Session(std::shared_ptr<Core> core, asio::ip::tcp::socket socket) requires(!kTls)
    : core_(std::move(core)), stream_(std::move(socket)), remote_(peer_of(tcp().socket())) {}

template <class Stream>
Session<Stream>::Session(std::shared_ptr<Core> core, asio::ip::tcp::socket socket,
                         asio::ssl::context& tls) requires(kTls)
    : core_(std::move(core)),
      stream_(beast::tcp_stream(std::move(socket)), tls),
      remote_(peer_of(tcp().socket())) {}

template <class Stream>
Session<Stream>::~Session() {
    if (phase_ != Phase::closed) {
        core_->remove(this);
    }
}

template <class Stream>
void Session<Stream>::start() {
    if constexpr (kTls) {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::handshake, self()));
    } else {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::read_header, self()));
    }
}

// ---- TLS handshake ----------------------------------------------------------

// The handshake is part of "accept to end of header": it runs under the
// header deadline, so a client that stalls in it is closed like one that
// stalls in its header.
template <class Stream>
void Session<Stream>::handshake() {
    if constexpr (kTls) {
        tcp().expires_after(core_->options().header_timeout);
        stream_.async_handshake(asio::ssl::stream_base::server,
                                beast::bind_front_handler(&Session::on_handshake, self()));
    }
}

template <class Stream>
void Session<Stream>::on_handshake(beast::error_code ec) {
    if (ec == beast::error::timeout) {
        ++core_->stats().timeouts;
        close();
        return;
    }
    if (ec) {
        // Not TLS, or TLS we do not accept: nothing can be answered.
        ++core_->stats().tls_handshake_failures;
        close();
        return;
    }
    read_header();
}

template <class Stream>
void Session<Stream>::deliver(Response response) {
    core_->post(stream_.get_executor(), [self = self(), response = std::move(response)]() mutable {
        self->on_response(std::move(response));
    });
}

template <class Stream>
void Session<Stream>::notify_stop() {
    core_->post(stream_.get_executor(), [self = self()] {
        // No complete request yet: nothing is owed to this client.
        if (self->phase_ == Phase::reading_header) {
            self->close();
        }
    });
}

// ---- keep-alive wait --------------------------------------------------------

template <class Stream>
void Session<Stream>::wait_for_request() {
    phase_ = Phase::reading_header;
    if (core_->stopping()) {
        close();
        return;
    }

    // A pipelined request is already here: its header deadline starts now.
    if (buffer_.size() > 0) {
        read_header();
        return;
    }

    // Otherwise wait for its first byte, which starts the header deadline.
    tcp().expires_after(core_->options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            beast::bind_front_handler(&Session::on_request_bytes, self()));
}

template <class Stream>
void Session<Stream>::on_request_bytes(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        on_failure(ec);
        return;
    }
    buffer_.commit(bytes);
    read_header();
}

// ---- header -----------------------------------------------------------------

template <class Stream>
void Session<Stream>::read_header() {
    phase_ = Phase::reading_header;
    parser_.emplace();
    parser_->header_limit(parser_header_limit(core_->options()));
    // Content-Length is compared with body_limit by check_header(), which
    // answers 413; Beast's own check would only report a parse error. (Not
    // boost::none: Beast 1.74 compares the length with it and finds it larger.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());

    tcp().expires_after(core_->options().header_timeout);
    beast_http::async_read_header(stream_, buffer_, *parser_,
                                  beast::bind_front_handler(&Session::on_read_header, self()));
}

template <class Stream>
void Session<Stream>::on_read_header(beast::error_code ec, std::size_t bytes) {
    const ServerOptions& options = core_->options();
    if (ec == beast_http::error::header_limit) {
        reject(classify_overflow(*parser_, buffered_text(buffer_), options));
        return;
    }
    if (ec) {
        on_failure(ec);
        return;
    }

    // Framing and size, before a single body byte is read.
    if (auto rejection = check_header(*parser_, bytes, options)) {
        reject(*rejection);
        return;
    }

    // From here Beast holds chunked bodies to the limit as chunks arrive.
    parser_->body_limit(options.body_limit);

    if (parser_->is_done()) {
        dispatch();
    } else if (parser_->version() == 11 && parser_->expects_continue()) {
        send_continue();
    } else {
        read_body();
    }
}

// ---- body -------------------------------------------------------------------

template <class Stream>
void Session<Stream>::send_continue() {
    phase_ = Phase::reading_body;
    tcp().expires_after(core_->options().body_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      beast::bind_front_handler(&Session::on_send_continue, self()));
}

template <class Stream>
void Session<Stream>::on_send_continue(beast::error_code ec, std::size_t) {
    if (ec) {
        on_failure(ec);
        return;
    }
    read_body();
}

template <class Stream>
void Session<Stream>::read_body() {
    phase_ = Phase::reading_body;
    tcp().expires_after(core_->options().body_timeout);
    beast_http::async_read(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::on_read_body, self()));
}

template <class Stream>
void Session<Stream>::on_read_body(beast::error_code ec, std::size_t) {
    if (ec == beast_http::error::body_limit) {
        reject(Rejection::body_too_large);
        return;
    }
    if (ec) {
        on_failure(ec);
        return;
    }
    dispatch();
}

// ---- handler ----------------------------------------------------------------

template <class Stream>
void Session<Stream>::dispatch() {
    // The I/O threads are gone (this is stop() running the queue dry).
    if (core_->shut_down()) {
        close();
        return;
    }

    version_ = parser_->version();
    head_ = parser_->is_head();
    keep_alive_ = parser_->keep_alive();
    Request request = std::move(parser_->request());
    request.remote = remote_;
    parser_.reset();

    // No deadline while the engine works: it answers, or its dropped
    // Responder does, or stop() closes the connection.
    phase_ = Phase::handling;
    tcp().expires_never();
    ++core_->stats().requests;

    Responder respond = ReplySlot::make_responder(self());
    try {
        core_->handler().handle(std::move(request), respond);
    } catch (...) {
        respond(error_response(500, "internal", "The server failed while handling the request."));
    }
}

template <class Stream>
void Session<Stream>::on_response(Response response) {
    // Closed meanwhile (stop() gave up on this request): drop the answer.
    if (phase_ != Phase::handling) {
        return;
    }
    write_response(std::move(response));
}

// ---- answer -----------------------------------------------------------------

template <class Stream>
void Session<Stream>::write_response(Response response) {
    keep_alive_ = keep_alive_ && !response.close && !core_->stopping();
    response_.emplace(to_wire(std::move(response), WireShape{version_, head_, keep_alive_}));

    // A client that does not read its answer is as slow as one that does not
    // send its body: the same deadline applies.
    phase_ = Phase::writing;
    tcp().expires_after(core_->options().body_timeout);
    beast_http::async_write(stream_, *response_,
                            beast::bind_front_handler(&Session::on_write, self()));
}

template <class Stream>
void Session<Stream>::on_write(beast::error_code ec, std::size_t) {
    response_.reset();
    if (ec) {
        on_failure(ec);
        return;
    }
    if (!keep_alive_) {
        linger();
        return;
    }
    wait_for_request();
}

template <class Stream>
void Session<Stream>::reject(Rejection rejection) {
    count(rejection, core_->stats());
    parser_.reset();
    version_ = 11;
    head_ = false;
    keep_alive_ = false;
    write_response(rejection_response(rejection, core_->options()));
}

// ---- close ------------------------------------------------------------------

// Closing a socket with unread bytes makes the kernel send a reset, which can
// destroy our answer in the client's buffers before it reads it (the usual
// case after a 413: the client is still sending its body). So we stop sending,
// read and drop what comes, and close on EOF, on a deadline or past a cap.
template <class Stream>
void Session<Stream>::linger() {
    phase_ = Phase::closing;
    if constexpr (kTls) {
        // close_notify, then the peer's, within the linger deadline.
        tcp().expires_after(core_->options().linger_timeout);
        stream_.async_shutdown(beast::bind_front_handler(&Session::on_tls_shutdown, self()));
        return;
    }
    beast::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);

    lingered_bytes_ = 0;
    buffer_.clear();
    tcp().expires_after(core_->options().linger_timeout);
    drain();
}

template <class Stream>
void Session<Stream>::drain() {
    stream_.async_read_some(buffer_.prepare(kLingerChunkBytes),
                            beast::bind_front_handler(&Session::on_linger, self()));
}

template <class Stream>
void Session<Stream>::on_linger(beast::error_code ec, std::size_t bytes) {
    lingered_bytes_ += bytes;
    if (ec || lingered_bytes_ > kLingerBytes) {
        close();
        return;
    }
    drain();
}

template <class Stream>
void Session<Stream>::on_tls_shutdown(beast::error_code) {
    close();
}

template <class Stream>
void Session<Stream>::on_failure(beast::error_code ec) {
    if (ec == beast::error::timeout) {
        ++core_->stats().timeouts;
        close();
        return;
    }
    // Framing the parser could not make sense of, including a peer that
    // stopped mid-message; a clean end between requests is no error.
    const bool reading = phase_ == Phase::reading_header || phase_ == Phase::reading_body;
    if (reading && is_http_error(ec) && ec != beast_http::error::end_of_stream) {
        reject(Rejection::bad_request);
        return;
    }
    close();
}

template <class Stream>
void Session<Stream>::close() {
    if (phase_ == Phase::closed) {
        return;
    }
    phase_ = Phase::closed;
    tcp().close();
    core_->remove(this);
}

template class Session<PlainStream>;
template class Session<TlsStream>;

}  // namespace keyledger::api::http::detail
