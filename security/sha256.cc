#include "security/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace keyledger::security {
namespace {

[[noreturn]] void broken() {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
}

// OpenSSL 3 looks an algorithm up by name on every implicit fetch (EVP_sha256() in an init
// costs microseconds), so it is fetched once; each thread reuses one context, so a digest costs
// no look-up and no allocation.
const EVP_MD* algorithm() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> sha256(
        EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
    if (!sha256) {
        broken();
    }
    return sha256.get();
}

EVP_MD_CTX* thread_context() {
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context) {
        broken();
    }
    return context.get();
}

Digest digest_of(const void* bytes, std::size_t size) {
    Digest digest{};
    unsigned int written = 0;
    EVP_MD_CTX* context = thread_context();
    if (EVP_DigestInit_ex2(context, algorithm(), nullptr) != 1 ||
        EVP_DigestUpdate(context, bytes, size) != 1 ||
        EVP_DigestFinal_ex(context, digest.data(), &written) != 1 || written != digest.size()) {
        broken();
    }
    return digest;
}

}  // namespace

Digest sha256(std::string_view bytes) {
    return digest_of(bytes.data(), bytes.size());
}

Digest sha256(std::span<const std::uint8_t> bytes) {
    return digest_of(bytes.data(), bytes.size());
}

}  // namespace keyledger::security
