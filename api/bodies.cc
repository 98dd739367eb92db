#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <unordered_set>
#include <vector>

#include "api/service_internal.h"
#include "security/utf8.h"

namespace keyledger::api {
namespace {

bool is_json_media_type(std::string_view value) {
    std::string_view media = value.substr(0, value.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
        media.remove_suffix(1);
    }
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
        media.remove_prefix(1);
    }
    constexpr std::string_view kJson = "application/json";
    return media.size() == kJson.size() &&
           std::equal(media.begin(), media.end(), kJson.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

void fail(Body& body, std::string message, domain::Reason reason = domain::Reason::bad_request) {
    if (!body.error) {
        body.error = domain::BodyError{reason, std::move(message)};
    }
}

// Follows nlohmann's parse events to find the first member name an object repeats (nlohmann
// keeps the last one silently), with the JSON Pointer (RFC 6901) of that object.
class DuplicateFinder {
  public:
    bool operator()(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        switch (event) {
            case E::object_start:
            case E::array_start:
                open_.push_back(Level{event == E::array_start, {}, {}, 0});
                break;
            case E::key:
                note_key(parsed.get_ref<const std::string&>());
                break;
            case E::object_end:
            case E::array_end:
                open_.pop_back();
                element_done();
                break;
            case E::value:
                element_done();
                break;
        }
        return true;
    }

    // Empty when no object repeats a member.
    const std::optional<std::string>& problem() const { return problem_; }

  private:
    struct Level {
        bool array = false;
        std::unordered_set<std::string> names;
        std::string last_name;
        std::size_t elements = 0;
    };

    void note_key(const std::string& name) {
        Level& level = open_.back();
        if (!level.names.insert(name).second && !problem_) {
            const std::string where = pointer();
            problem_ = "the member \"" + name + "\" appears twice" +
                       (where.empty() ? std::string() : " in " + where);
        }
        level.last_name = name;
    }

    void element_done() {
        if (!open_.empty() && open_.back().array) {
            ++open_.back().elements;
        }
    }

    // Where the innermost open object sits, e.g. "/a/0/b~1c".
    std::string pointer() const {
        std::string out;
        for (std::size_t i = 0; i + 1 < open_.size(); ++i) {
            out += '/';
            if (open_[i].array) {
                out += std::to_string(open_[i].elements);
                continue;
            }
            for (char c : open_[i].last_name) {
                out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
            }
        }
        return out;
    }

    std::vector<Level> open_;
    std::optional<std::string> problem_;
};

// The member `name`, or nullptr when it is absent. A null is never a value: the member must be
// left out or given with its type.
const nlohmann::json* member(Body& body, const char* name, bool required, const char* type) {
    auto it = body.json.find(name);
    if (it == body.json.end()) {
        if (required) {
            fail(body, std::string("the member \"") + name + "\" is required");
        }
        return nullptr;
    }
    if (it->is_null()) {
        fail(body, std::string("the member \"") + name + "\" must be " + type + ", not null");
        return nullptr;
    }
    return &*it;
}

}  // namespace

Body parse_body(const http::Request& request, bool may_be_empty) {
    Body body;
    auto content_type = request.header("content-type");
    if (request.body.empty() && may_be_empty) {
        if (content_type && !is_json_media_type(*content_type)) {
            fail(body, "send JSON with Content-Type: application/json",
                 domain::Reason::unsupported_media_type);
        }
        return body;
    }
    if (!content_type || !is_json_media_type(*content_type)) {
        fail(body, "send JSON with Content-Type: application/json",
             domain::Reason::unsupported_media_type);
        return body;
    }
    if (!security::valid_utf8(request.body)) {
        fail(body, "the body is not valid UTF-8");
        return body;
    }
    DuplicateFinder duplicates;
    body.json = nlohmann::json::parse(request.body, std::ref(duplicates), false);
    if (body.json.is_discarded()) {
        body.json = nlohmann::json::object();
        fail(body, "the body is not valid JSON");
    } else if (duplicates.problem()) {
        // Last-wins would let two readers of one body see two commands.
        body.json = nlohmann::json::object();
        fail(body, *duplicates.problem());
    } else if (!body.json.is_object()) {
        body.json = nlohmann::json::object();
        fail(body, "the body must be a JSON object");
    }
    return body;
}

std::optional<std::string> take_string(Body& body, const char* name, bool required) {
    const nlohmann::json* it = member(body, name, required, "a string");
    if (it == nullptr) {
        return std::nullopt;
    }
    if (!it->is_string()) {
        fail(body, std::string("the member \"") + name + "\" must be a string");
        return std::nullopt;
    }
    return it->get<std::string>();
}

std::optional<std::int64_t> take_integer(Body& body, const char* name, bool required) {
    const nlohmann::json* it = member(body, name, required, "an integer");
    if (it == nullptr) {
        return std::nullopt;
    }
    // An unsigned above INT64_MAX would wrap to a negative number: refused as out of range.
    if (!it->is_number_integer() ||
        (it->is_number_unsigned() &&
         it->get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()})) {
        fail(body, std::string("the member \"") + name + "\" must be an integer");
        return std::nullopt;
    }
    return it->get<std::int64_t>();
}

std::optional<nlohmann::json> take_array(Body& body, const char* name, bool required) {
    const nlohmann::json* it = member(body, name, required, "an array");
    if (it == nullptr) {
        return std::nullopt;
    }
    if (!it->is_array()) {
        fail(body, std::string("the member \"") + name + "\" must be an array");
        return std::nullopt;
    }
    return *it;
}

std::optional<domain::Instant> take_instant(Body& body, const char* name, bool required) {
    auto text = take_string(body, name, required);
    if (!text) {
        return std::nullopt;
    }
    auto instant = domain::parse_instant(*text);
    if (!instant) {
        fail(body,
             std::string("the member \"") + name + "\" must be an instant like " +
                 "2026-03-02T00:00:00.000Z",
             domain::Reason::bad_instant);
    }
    return instant;
}

}  // namespace keyledger::api
