// libFuzzer target: the Authorization parser (security/credentials.h).
//
// Input: the first byte's low bit says whether the query had an access_token; the rest is split
// at '\n' into Authorization field values. Checks, beyond "no crash, no sanitizer finding":
// a parsed secret never holds bytes outside what the grammar admits, and parsing is
// deterministic.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "security/credentials.h"

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    for (;;) {
        const std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) {
            return lines;
        }
        text.remove_prefix(end + 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const bool query_token = (data[0] & 1) != 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::vector<std::string_view> values = split_lines(text);

    using keyledger::security::parse_credential;
    const auto parsed = parse_credential(values, query_token);
    if (parse_credential(values, query_token) != parsed) {
        std::abort();  // the same field values must always give the same answer
    }
    if (!parsed) {
        return 0;
    }
    if (query_token || values.size() != 1) {
        std::abort();  // a query token or several fields are always malformed
    }
    if (parsed->scheme == keyledger::security::CredentialScheme::bearer) {
        // A Bearer secret is a substring of the one field value.
        if (values[0].find(parsed->secret) == std::string_view::npos || parsed->secret.empty() ||
            parsed->basic_user_id) {
            std::abort();
        }
    } else if (!parsed->basic_user_id) {
        std::abort();  // Basic always yields a user-id, possibly empty
    }
    return 0;
}
