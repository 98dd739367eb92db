#pragma once
// Token secrets: minting them and checking their shape (DOMAIN.md "Credentials on the wire").
//
// Grammar (46 ASCII characters):
//
//   secret = prefix body check
//   prefix = "klg_app_" / "klg_api_"     ; product, then kind: app token / API token
//   body   = 32base62                    ; each character drawn uniformly and independently
//   check  = 6base62                     ; crc32(prefix body) (see crc32.h) as a base-62 number,
//                                        ; most significant digit first, zero-padded to 6
//   base62 = "0"-"9" / "A"-"Z" / "a"-"z" ; digit values 0-9, 10-35, 36-61, in this order
//
// Why this shape:
// - The body carries 32 * log2(62) ~= 190.5 random bits, well above the 128 DOMAIN.md asks for.
//   (Encoding 24 random bytes, 192 bits, would need 33 base-62 characters; drawing each character
//   uniformly keeps the length at 32 and loses nothing that matters.)
// - The fixed prefix lets secret scanners recognise a leaked keyledger secret and its kind.
// - The checksum lets a mistyped or truncated secret be refused without a lookup. It catches
//   every single wrong character; it is not a MAC and says nothing about whether we issued the
//   secret (that is the keyed hash lookup's job, see keyed_hash.h).
// - Only [0-9A-Za-z_] appears, so a secret survives URLs, shells and double-click selection, and
//   is a valid token68 for "Authorization: Bearer".

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keyledger::security {

enum class TokenKind { app, api };

inline constexpr std::size_t kTokenSecretLength = 46;

// Mints a fresh secret of the given kind from the CSPRNG (random.h). Thread-safe.
[[nodiscard]] std::string make_token_secret(TokenKind kind);

// The kind named by the prefix of `secret` if `secret` matches the grammar above in full (prefix,
// length, alphabet and checksum); nullopt otherwise. Does not say whether the secret was issued.
[[nodiscard]] std::optional<TokenKind> token_secret_kind(std::string_view secret);

// True exactly when token_secret_kind(secret) has a value.
[[nodiscard]] bool secret_format_ok(std::string_view secret);

// True when some part of `text` is a well-formed secret (prefix, alphabet and checksum): a
// secret pasted where an id belongs, which must then be neither recorded, logged nor echoed.
[[nodiscard]] bool contains_token_secret(std::string_view text);

}  // namespace keyledger::security
