#include "eventstore/detail/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace keyledger::eventstore::detail {
namespace {

[[noreturn]] void broken() {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
}

// OpenSSL 3 looks the algorithm up by name on every one-shot call; fetching it once and reusing
// one context per thread makes hashing a short envelope several times cheaper.
const EVP_MD* sha256_algorithm() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> algorithm(
        EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
    if (!algorithm) {
        broken();
    }
    return algorithm.get();
}

EVP_MD_CTX* thread_context() {
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context) {
        broken();
    }
    return context.get();
}

}  // namespace

Hash sha256(std::string_view bytes) {
    Hash hash{};
    unsigned int size = 0;
    EVP_MD_CTX* context = thread_context();
    if (EVP_DigestInit_ex2(context, sha256_algorithm(), nullptr) != 1 ||
        EVP_DigestUpdate(context, bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(context, hash.data(), &size) != 1 || size != hash.size()) {
        broken();
    }
    return hash;
}

}  // namespace keyledger::eventstore::detail
