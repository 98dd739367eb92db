#include "security/credentials.h"

#include "security/base64.h"
#include "security/utf8.h"

namespace keyledger::security {
namespace {

using Result = std::expected<ParsedCredential, CredentialProblem>;

constexpr std::unexpected<CredentialProblem> kMalformed{CredentialProblem::malformed};

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && is_ows(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_ows(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// ASCII case-insensitive comparison with a lower-case name.
bool scheme_is(std::string_view scheme, std::string_view lower_name) {
    if (scheme.size() != lower_name.size()) {
        return false;
    }
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = scheme[i];
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != lower_name[i]) {
            return false;
        }
    }
    return true;
}

bool is_token68_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool is_token68(std::string_view text) {
    std::size_t body = 0;
    while (body < text.size() && is_token68_char(text[body])) {
        ++body;
    }
    if (body == 0) {
        return false;
    }
    for (std::size_t i = body; i < text.size(); ++i) {
        if (text[i] != '=') {
            return false;
        }
    }
    return true;
}

Result parse_bearer(std::string_view credential) {
    if (!is_token68(credential)) {
        return kMalformed;
    }
    return ParsedCredential{CredentialScheme::bearer, std::string(credential), std::nullopt};
}

Result parse_basic(std::string_view credential) {
    const std::optional<std::string> decoded = base64_decode_canonical(credential);
    if (!decoded || !valid_utf8(*decoded)) {
        return kMalformed;
    }
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) {
        return kMalformed;
    }
    return ParsedCredential{CredentialScheme::basic, decoded->substr(colon + 1),
                            decoded->substr(0, colon)};
}

}  // namespace

Result parse_credential(std::span<const std::string_view> authorization_values,
                        bool query_has_access_token) {
    // Where the credential comes from: exactly one header field, never the query.
    if (authorization_values.empty() && !query_has_access_token) {
        return std::unexpected(CredentialProblem::missing);
    }
    if (authorization_values.size() != 1 || query_has_access_token) {
        return kMalformed;
    }

    // Split "<scheme> <credential>": the scheme ends at the first SP or HTAB, and only spaces
    // may separate it from the credential.
    const std::string_view value = trim_ows(authorization_values.front());
    const std::size_t scheme_end = value.find_first_of(" \t");
    if (scheme_end == std::string_view::npos) {
        return kMalformed;  // empty, or a scheme alone
    }
    const std::string_view scheme = value.substr(0, scheme_end);
    const std::size_t credential_start = value.find_first_not_of(' ', scheme_end);
    if (credential_start == scheme_end || credential_start == std::string_view::npos ||
        value[credential_start] == '\t') {
        return kMalformed;  // a tab right after the scheme, or after the spaces
    }
    const std::string_view credential = value.substr(credential_start);

    if (scheme_is(scheme, "bearer")) {
        return parse_bearer(credential);
    }
    if (scheme_is(scheme, "basic")) {
        return parse_basic(credential);
    }
    return kMalformed;
}

}  // namespace keyledger::security
