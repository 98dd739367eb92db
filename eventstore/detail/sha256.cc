#include "eventstore/detail/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace keyledger::eventstore::detail {

Hash sha256(std::string_view bytes) {
    Hash hash{};
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), hash.data(), &size, EVP_sha256(), nullptr) != 1 ||
        size != hash.size()) {
        throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
    }
    return hash;
}

}  // namespace keyledger::eventstore::detail
