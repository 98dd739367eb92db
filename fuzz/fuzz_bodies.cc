// libFuzzer target: the JSON request bodies (api/bodies.cc): the Content-Type check, UTF-8 and
// JSON parsing, and the typed members every route takes.
//
// Input: the first byte's low bit is may_be_empty; up to the first '\n' is the Content-Type
// value (none when the line is empty); the rest is the body. Checks, beyond "no crash, no
// sanitizer finding": a body that parses is a JSON object, and a member taken without error
// has the type asked for.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/service_internal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const bool may_be_empty = (data[0] & 1) != 0;
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t line_end = text.find('\n');
    const std::string_view content_type = text.substr(0, line_end);

    keyledger::api::http::Request request;
    request.method = "POST";
    request.target = "/v1/users";
    if (!content_type.empty()) {
        request.headers.emplace_back("content-type", std::string(content_type));
    }
    if (line_end != std::string_view::npos) {
        request.body = std::string(text.substr(line_end + 1));
    }

    using namespace keyledger::api;
    Body body = parse_body(request, may_be_empty);
    if (!body.json.is_object()) {
        std::abort();
    }
    const bool parsed = !body.error;
    auto name = take_string(body, "name", false);
    auto limit = take_integer(body, "limit", false);
    auto expires = take_instant(body, "expires_at", false);
    auto username = take_string(body, "username", true);
    if (parsed && !body.error) {
        // Every member was absent or of its type; the required one was there.
        if (!username || (body.json.contains("name") && !body.json["name"].is_null() && !name)) {
            std::abort();
        }
    }
    (void)limit;
    (void)expires;
    return 0;
}
