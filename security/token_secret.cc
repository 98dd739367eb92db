#include "security/token_secret.h"

#include <cstdint>

#include "security/crc32.h"
#include "security/random.h"

namespace keyledger::security {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kAppPrefix = "klg_app_";
constexpr std::string_view kApiPrefix = "klg_api_";
constexpr std::size_t kPrefixLength = 8;
constexpr std::size_t kBodyLength = 32;
constexpr std::size_t kCheckLength = 6;  // 62^6 > 2^32, so any CRC-32 fits
static_assert(kPrefixLength + kBodyLength + kCheckLength == kTokenSecretLength);

bool is_base62(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The check characters for everything that precedes them.
std::string check_digits(std::string_view prefix_and_body) {
    std::uint32_t value = crc32(prefix_and_body);
    std::string digits(kCheckLength, '0');
    for (std::size_t i = kCheckLength; i-- > 0;) {
        digits[i] = kBase62[value % 62];
        value /= 62;
    }
    return digits;
}

}  // namespace

std::string make_token_secret(TokenKind kind) {
    std::string secret(kind == TokenKind::app ? kAppPrefix : kApiPrefix);
    secret.reserve(kTokenSecretLength);
    for (std::size_t i = 0; i < kBodyLength; ++i) {
        secret.push_back(kBase62[random_below(static_cast<std::uint32_t>(kBase62.size()))]);
    }
    secret += check_digits(secret);
    return secret;
}

std::optional<TokenKind> token_secret_kind(std::string_view secret) {
    if (secret.size() != kTokenSecretLength) {
        return std::nullopt;
    }

    const std::string_view prefix = secret.substr(0, kPrefixLength);
    std::optional<TokenKind> kind;
    if (prefix == kAppPrefix) {
        kind = TokenKind::app;
    } else if (prefix == kApiPrefix) {
        kind = TokenKind::api;
    } else {
        return std::nullopt;
    }

    for (const char c : secret.substr(kPrefixLength)) {
        if (!is_base62(c)) {
            return std::nullopt;
        }
    }

    const std::size_t check_at = kPrefixLength + kBodyLength;
    if (secret.substr(check_at) != check_digits(secret.substr(0, check_at))) {
        return std::nullopt;
    }
    return kind;
}

bool secret_format_ok(std::string_view secret) {
    return token_secret_kind(secret).has_value();
}

bool contains_token_secret(std::string_view text) {
    // Both prefixes begin "klg_ap"; each occurrence is checked whole.
    for (std::size_t at = text.find("klg_ap"); at != std::string_view::npos;
         at = text.find("klg_ap", at + 1)) {
        if (secret_format_ok(text.substr(at, kTokenSecretLength))) {
            return true;
        }
    }
    return false;
}

}  // namespace keyledger::security
