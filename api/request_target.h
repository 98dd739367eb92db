#pragma once
// Splitting a request-target into path segments and query parameters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyledger::api {

struct RequestTarget {
    std::string path;                   // as sent, without the query
    std::vector<std::string> segments;  // percent-decoded, empty ones dropped
    std::map<std::string, std::string> query;
    bool duplicate_parameter = false;
    bool has_access_token = false;  // a credential in the query, always malformed
};

// Empty when the target is not an origin-form path or its escapes are broken.
std::optional<RequestTarget> parse_target(std::string_view target);

// A non-negative decimal integer with no sign, spaces or leading '+'; empty otherwise.
std::optional<std::uint64_t> parse_count(std::string_view text);

}  // namespace keyledger::api
