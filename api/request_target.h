#pragma once
// Splitting a request-target into path segments and query parameters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyledger::api {

struct RequestTarget {
    std::string path;  // as sent, without the query
    // Percent-decoded, empty ones kept: "/v1/hooks/x/" has four, the last empty, and names no
    // route, like any other path the contract does not list.
    std::vector<std::string> segments;
    std::map<std::string, std::string> query;
    bool duplicate_parameter = false;
    bool has_access_token = false;  // a credential in the query, always malformed
};

// Empty when the target is not an origin-form path, holds a byte outside printable ASCII, has
// broken escapes, or decodes to a segment or parameter that is not UTF-8 or holds a control
// character (C0 or DEL): no id, name or instant has either, and they would reach answers and logs.
std::optional<RequestTarget> parse_target(std::string_view target);

// A decimal integer from 0 to 2^64 - 1 (at most 20 digits) with no sign, spaces or leading '+';
// empty otherwise.
std::optional<std::uint64_t> parse_count(std::string_view text);

}  // namespace keyledger::api
