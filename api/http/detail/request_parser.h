// Beast's HTTP/1.1 parser, collecting one request straight into a Request.
//
// Beast's own message type groups repeated header names together; the
// handler must see the fields in arrival order, so we keep them ourselves.
// Beast still does all the parsing: request line, fields, Content-Length and
// Transfer-Encoding rules, chunk decoding and its body limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/beast/http/basic_parser.hpp>

#include "api/http/message.h"

namespace keyledger::api::http::detail {

class RequestParser final : public boost::beast::http::basic_parser<true> {
  public:
    RequestParser() = default;

    // True once a complete request line was parsed.
    bool has_request_line() const { return has_request_line_; }

    // "METHOD SP target SP HTTP/x.y" without CRLF. Only with has_request_line().
    std::size_t request_line_length() const;

    unsigned version() const { return version_; }
    bool is_head() const { return request_.method == "HEAD"; }
    std::size_t host_fields() const { return host_fields_; }
    bool expects_continue() const { return expects_continue_; }
    bool has_content_length() const { return content_length_fields_ > 0; }
    // Every Transfer-Encoding field's value joined with ", " (RFC 9110 5.3), and how many there
    // were: Beast frames a body only when "chunked" ends the list, and reads the rest as the next
    // request otherwise, so framing.cc judges the list itself.
    std::size_t transfer_encoding_fields() const { return transfer_encoding_fields_; }
    const std::string& transfer_encoding() const { return transfer_encoding_; }

    // The request so far; complete once is_done(). `remote` is left empty.
    Request& request() { return request_; }

  private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    using field = boost::beast::http::field;
    using verb = boost::beast::http::verb;

    void on_request_impl(verb method, string_view method_string, string_view target, int version,
                         error_code& ec) override;
    void on_response_impl(int status, string_view reason, int version, error_code& ec) override;
    void on_field_impl(field name, string_view name_string, string_view value,
                       error_code& ec) override;
    void on_header_impl(error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           error_code& ec) override;
    std::size_t on_body_impl(string_view body, error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
    void on_finish_impl(error_code& ec) override;

    Request request_;
    bool has_request_line_ = false;
    unsigned version_ = 0;
    std::size_t host_fields_ = 0;
    std::size_t content_length_fields_ = 0;
    std::size_t transfer_encoding_fields_ = 0;
    std::string transfer_encoding_;
    bool expects_continue_ = false;
};

}  // namespace keyledger::api::http::detail
