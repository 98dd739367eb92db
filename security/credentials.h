#pragma once
// Parsing the credential of a request: DOMAIN.md "Credentials on the wire", API.md "Credentials
// and challenges". Pure: no I/O, no lookups.
//
// Accepted forms of the one Authorization field value (ABNF, RFC 5234; OWS = *(SP / HTAB)):
//
//   value    = OWS ( bearer / basic ) OWS
//   bearer   = "Bearer" 1*SP token68          ; scheme names are case-insensitive
//   basic    = "Basic" 1*SP base64            ; canonical, padded (see base64.h)
//   token68  = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//
// The base64 must decode to valid UTF-8 (see utf8.h) containing a ":"; the part before the first
// ":" is the user-id (possibly empty), the rest is the secret (possibly empty, possibly holding
// more colons).
//
// Everything else is `malformed`: an empty value, a scheme without a credential, a tab (or a tab
// after spaces) between scheme and credential, anything after the token68, characters outside its
// alphabet, base64 that is not canonical or does not decode to UTF-8 with a colon, an unknown
// scheme, more than one Authorization field, or an access_token in the query string (even next
// to a valid header: a secret in a URL ends up in logs). No field and no query token is
// `missing`.
//
// Whether the secret names one of our tokens, whether its checksum holds, and whether a Basic
// user-id is that token's id, are NOT decided here: a parsed credential can still be an
// unknown_token. That is the decider's job.

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace keyledger::security {

enum class CredentialScheme { bearer, basic };

struct ParsedCredential {
    CredentialScheme scheme;
    std::string secret;
    // Basic only: the part before the first colon, may be empty. Always nullopt for Bearer.
    std::optional<std::string> basic_user_id;

    friend bool operator==(const ParsedCredential&, const ParsedCredential&) = default;
};

enum class CredentialProblem {
    missing,    // no Authorization at all (and no access_token in the query)
    malformed,  // present, but not in an accepted form
};

// authorization_values: every Authorization header field value of the request (0, 1 or more),
// as received, in any order. query_has_access_token: the URL query had an access_token parameter
// (with or without a value).
[[nodiscard]] std::expected<ParsedCredential, CredentialProblem> parse_credential(
    std::span<const std::string_view> authorization_values, bool query_has_access_token);

}  // namespace keyledger::security
