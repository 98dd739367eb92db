#include "api/http/detail/request_parser.h"

#include <algorithm>
#include <string_view>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace keyledger::api::http::detail {

namespace {

// "HTTP/x.y" and the two spaces around the target.
constexpr std::size_t kRequestLineOverhead = 10;

std::string_view view(boost::beast::string_view text) {
    return {text.data(), text.size()};
}

std::string lower_ascii(boost::beast::string_view text) {
    std::string lower(text.data(), text.size());
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return lower;
}

}  // namespace

std::size_t RequestParser::request_line_length() const {
    // Beast accepts a request line only in its strict form (single spaces,
    // "HTTP/x.y"), so its length follows from the parts.
    return request_.method.size() + request_.target.size() + kRequestLineOverhead;
}

void RequestParser::on_request_impl(verb, string_view method_string, string_view target,
                                    int version, error_code&) {
    request_.method = std::string(view(method_string));
    request_.target = std::string(view(target));
    version_ = static_cast<unsigned>(version);
    has_request_line_ = true;
}

void RequestParser::on_response_impl(int, string_view, int, error_code&) {
    // Never called: this is a request parser.
}

void RequestParser::on_field_impl(field name, string_view name_string, string_view value,
                                  error_code& ec) {
    // RFC 9112 6.3 lets a recipient merge equal Content-Lengths ("3, 3", or the field twice);
    // we refuse them, as a proxy in front of us may have framed the body another way.
    if (name == field::content_length) {
        if (++content_length_fields_ > 1 || value.find(',') != string_view::npos) {
            ec = boost::beast::http::error::bad_content_length;
            return;
        }
    }
    if (name == field::host) {
        ++host_fields_;
    }
    if (name == field::transfer_encoding) {
        transfer_encoding_ += transfer_encoding_fields_++ == 0 ? "" : ", ";
        transfer_encoding_.append(value.data(), value.size());
    }
    if (name == field::expect && boost::beast::iequals(value, "100-continue")) {
        expects_continue_ = true;
    }
    request_.headers.emplace_back(lower_ascii(name_string), std::string(view(value)));
}

void RequestParser::on_header_impl(error_code&) {}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
    // The length was checked against body_limit before the body was read.
    if (content_length) {
        request_.body.reserve(static_cast<std::size_t>(*content_length));
    }
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
    request_.body.append(body.data(), body.size());
    return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {
    // Chunk extensions carry nothing we use.
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
    request_.body.append(body.data(), body.size());
    return body.size();
}

void RequestParser::on_finish_impl(error_code&) {}

}  // namespace keyledger::api::http::detail
