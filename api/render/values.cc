#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/render/values_internal.h"
#include "domain/instant.h"

namespace keyledger::api::render::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// What the first byte of a UTF-8 sequence announces.
struct Lead {
    std::size_t length = 0;  // 0: the byte starts no sequence
    char32_t bits = 0;       // the value bits it carries
    char32_t smallest = 0;   // a sequence of this length below it is an overlong form
};

Lead lead_of(unsigned char byte) {
    if (byte < 0x80) {
        return {1, byte, 0};
    }
    if ((byte & 0xE0) == 0xC0) {
        return {2, byte & 0x1Fu, 0x80};
    }
    if ((byte & 0xF0) == 0xE0) {
        return {3, byte & 0x0Fu, 0x800};
    }
    if ((byte & 0xF8) == 0xF0) {
        return {4, byte & 0x07u, 0x10000};
    }
    return {};  // a continuation byte, or a lead byte that no scalar value uses
}

// The length of the valid UTF-8 sequence that starts `text` (not empty), or 0 if none does.
std::size_t valid_sequence_length(std::string_view text) {
    const Lead lead = lead_of(static_cast<unsigned char>(text[0]));
    if (lead.length == 0 || text.size() < lead.length) {
        return 0;
    }

    char32_t value = lead.bits;
    for (std::size_t i = 1; i < lead.length; ++i) {
        const auto next = static_cast<unsigned char>(text[i]);
        if ((next & 0xC0) != 0x80) {
            return 0;
        }
        value = (value << 6) | (next & 0x3Fu);
    }
    const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
    return (value < lead.smallest || value > 0x10FFFF || surrogate) ? 0 : lead.length;
}

}  // namespace

std::string utf8_or_replaced(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const std::size_t length = valid_sequence_length(text);
        if (length == 0) {
            out += kReplacement;
            text.remove_prefix(1);
        } else {
            out += text.substr(0, length);
            text.remove_prefix(length);
        }
    }
    return out;
}

std::string hex(const domain::Digest& digest) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(2 * digest.size());
    for (std::uint8_t byte : digest) {
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0x0F];
    }
    return out;
}

nlohmann::json instant_json(domain::Instant t) {
    if (t < domain::kMinTextInstant || t > domain::kMaxTextInstant) {
        return t;
    }
    return domain::format_instant(t);
}

nlohmann::json roles_json(domain::Roles roles) {
    nlohmann::json names = nlohmann::json::array();
    for (auto role :
         {domain::Role::user_admin, domain::Role::webhook_admin, domain::Role::auditor}) {
        if (domain::has_role(roles, role)) {
            names.push_back(domain::to_string(role));
        }
    }
    return names;
}

}  // namespace keyledger::api::render::detail
