#pragma once
// Keyed hashing of token secrets, and constant-time comparison.
//
// The store never holds a token secret, only HMAC-SHA-256(server key, secret). Without the key
// (kept in its own file, see key_file.h) a stolen store or event log does not allow even an
// offline guess at a secret to be checked; with it, looking a presented secret up is one hash and
// one map lookup, which a memory-hard hash could not offer on the hot path. Secrets have >= 128
// random bits, so no stretching is needed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "security/digest.h"

namespace keyledger::security {

// Hashes secrets under one server key. Immutable after construction, so one instance (and its
// copies, which share the keyed state) may be used by any number of threads. The key pads are
// absorbed once, at construction, so a call hashes only the secret and the inner digest. The
// keyed state (as good as the key) is wiped from memory when the last copy is destroyed.
class SecretHasher {
  public:
    static constexpr std::size_t kKeyBytes = 32;
    using Key = std::array<std::uint8_t, kKeyBytes>;

    explicit SecretHasher(const Key& key);

    // A hasher for the raw bytes of a key file; nullopt unless `key` is exactly kKeyBytes long.
    [[nodiscard]] static std::optional<SecretHasher> from_bytes(std::string_view key);

    // Copies share the keyed state. No move: a moved-from hasher would have no state to hash with.
    SecretHasher(const SecretHasher&) = default;
    SecretHasher& operator=(const SecretHasher&) = default;

    // HMAC-SHA-256 of `secret` under the key (RFC 2104). Deterministic per key.
    [[nodiscard]] Digest hash(std::string_view secret) const;

  private:
    struct Keyed;  // the HMAC state after the key pads, defined by the implementation
    std::shared_ptr<const Keyed> keyed_;
};

// True when `a` and `b` have the same length and the same bytes. The time taken depends on the
// length only, never on where the first difference is; lengths are not treated as secret.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b);
[[nodiscard]] bool constant_time_equal(const Digest& a, const Digest& b);

}  // namespace keyledger::security
