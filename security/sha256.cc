#include "security/sha256.h"

#include <sodium.h>

#include "security/sodium_internal.h"

namespace keyledger::security {

Digest sha256(std::string_view bytes) {
    static_assert(crypto_hash_sha256_BYTES == std::tuple_size_v<Digest>);
    detail::ensure_sodium();
    Digest digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size());
    return digest;
}

}  // namespace keyledger::security
