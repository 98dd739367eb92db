#include "security/keyed_hash.h"

#include <sodium.h>

#include <algorithm>

#include "security/sodium_internal.h"

namespace keyledger::security {

static_assert(crypto_auth_hmacsha256_KEYBYTES == SecretHasher::kKeyBytes);
static_assert(crypto_auth_hmacsha256_BYTES == std::tuple_size_v<Digest>);

SecretHasher::SecretHasher(const Key& key) : key_(key) {
    detail::ensure_sodium();
}

std::optional<SecretHasher> SecretHasher::from_bytes(std::string_view key) {
    if (key.size() != kKeyBytes) {
        return std::nullopt;
    }
    Key raw;
    std::transform(key.begin(), key.end(), raw.begin(),
                   [](char c) { return static_cast<std::uint8_t>(c); });
    SecretHasher hasher(raw);
    sodium_memzero(raw.data(), raw.size());
    return hasher;
}

SecretHasher::~SecretHasher() {
    sodium_memzero(key_.data(), key_.size());
}

Digest SecretHasher::hash(std::string_view secret) const {
    Digest digest;
    crypto_auth_hmacsha256(digest.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                           secret.size(), key_.data());
    return digest;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;  // data() may be null; nothing to compare
    }
    detail::ensure_sodium();
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(const Digest& a, const Digest& b) {
    detail::ensure_sodium();
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace keyledger::security
