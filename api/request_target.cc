#include "api/request_target.h"

#include <algorithm>
#include <charconv>

#include "security/utf8.h"

namespace keyledger::api {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool printable_ascii(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return c > 0x20 && c < 0x7f; });
}

bool acceptable_text(std::string_view text) {
    bool ascii = true;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            return false;
        }
        ascii = ascii && byte < 0x80;
    }
    // Ids and parameters are nearly always ASCII: the full check only for the others.
    return ascii || security::valid_utf8(text);
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (plus_is_space && text[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// Decodes the escapes of `text`; empty when one is broken or the result is no acceptable text.
std::optional<std::string> decode(std::string_view text, bool plus_is_space) {
    auto out = percent_decode(text, plus_is_space);
    if (!out || !acceptable_text(*out)) {
        return std::nullopt;
    }
    return out;
}

// The origin-form of an absolute-form target ("http://host/v1/users?x" -> "/v1/users?x"), which
// RFC 9112 3.2.2 says a server MUST accept, kept in `storage`; other targets unchanged. Empty
// when the authority is missing or holds userinfo (RFC 9110 4.2.4: an error).
std::optional<std::string_view> origin_form(std::string_view target, std::string& storage) {
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        const bool match = target.size() >= scheme.size() &&
                           std::equal(scheme.begin(), scheme.end(), target.begin(),
                                      [](char a, char b) { return a == (b | 0x20); });
        if (!match) {
            continue;
        }
        const std::string_view rest = target.substr(scheme.size());
        const std::size_t end = std::min(rest.find_first_of("/?"), rest.size());
        if (end == 0 || rest.substr(0, end).find('@') != std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view after = rest.substr(end);
        storage =
            after.empty() || after.front() == '?' ? "/" + std::string(after) : std::string(after);
        return std::string_view(storage);
    }
    return target;
}

}  // namespace

std::optional<RequestTarget> parse_target(std::string_view raw_target) {
    // RFC 3986 request-targets are ASCII; Beast lets bytes above 0x7f through.
    if (!printable_ascii(raw_target)) {
        return std::nullopt;
    }
    std::string storage;
    const auto origin = origin_form(raw_target, storage);
    if (!origin) {
        return std::nullopt;
    }
    const std::string_view target = *origin;
    if (target.empty() || target.front() != '/') {
        return std::nullopt;
    }
    RequestTarget out;
    const std::size_t question = target.find('?');
    out.path = std::string(target.substr(0, question));
    std::string_view rest = std::string_view(out.path).substr(1);
    while (true) {
        const std::size_t slash = rest.find('/');
        auto decoded = decode(rest.substr(0, slash), false);
        if (!decoded) {
            return std::nullopt;
        }
        out.segments.push_back(std::move(*decoded));
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    if (question == std::string_view::npos) {
        return out;
    }
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (!pair.empty()) {
            const std::size_t eq = pair.find('=');
            auto name = decode(pair.substr(0, eq), true);
            auto value = decode(
                eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
            if (!name || !value) {
                return std::nullopt;
            }
            if (*name == "access_token") {
                out.has_access_token = true;
            }
            if (!out.query.emplace(std::move(*name), std::move(*value)).second) {
                out.duplicate_parameter = true;
            }
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return out;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty() || text.size() > 20) {
        return std::nullopt;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace keyledger::api
