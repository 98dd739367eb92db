#include "security/keyed_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "security/sodium_internal.h"

namespace keyledger::security {

static_assert(crypto_auth_hmacsha256_KEYBYTES == SecretHasher::kKeyBytes);
static_assert(crypto_auth_hmacsha256_BYTES == std::tuple_size_v<Digest>);

namespace {

constexpr std::size_t kBlockBytes = 64;  // SHA-256's block; the key is shorter, so not hashed

[[noreturn]] void broken() {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

DigestContext new_context() {
    DigestContext context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context) {
        broken();
    }
    return context;
}

// SHA-256 with one block absorbed: the key XOR `pad` (RFC 2104's ipad or opad).
DigestContext absorb_pad(const SecretHasher::Key& key, std::uint8_t pad) {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> sha256(
        EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
    std::array<std::uint8_t, kBlockBytes> block;
    block.fill(pad);
    for (std::size_t i = 0; i < key.size(); ++i) {
        block[i] ^= key[i];
    }
    DigestContext context = new_context();
    const bool ok = sha256 && EVP_DigestInit_ex2(context.get(), sha256.get(), nullptr) == 1 &&
                    EVP_DigestUpdate(context.get(), block.data(), block.size()) == 1;
    OPENSSL_cleanse(block.data(), block.size());
    if (!ok) {
        broken();
    }
    return context;
}

// `state` continued with `bytes`, finished into `out`, on this thread's scratch context.
void finish(const EVP_MD_CTX* state, const void* bytes, std::size_t size, std::uint8_t* out) {
    thread_local const DigestContext scratch = new_context();
    unsigned int written = 0;
    if (EVP_MD_CTX_copy_ex(scratch.get(), state) != 1 ||
        EVP_DigestUpdate(scratch.get(), bytes, size) != 1 ||
        EVP_DigestFinal_ex(scratch.get(), out, &written) != 1 || written != 32) {
        broken();
    }
}

}  // namespace

// OpenSSL's SHA-256 (SHA-NI where the CPU has it) with both key pads absorbed; a call copies
// each state into a per-thread context. OpenSSL wipes a context's state when it frees it.
struct SecretHasher::Keyed {
    DigestContext inner;
    DigestContext outer;
    explicit Keyed(const Key& key) : inner(absorb_pad(key, 0x36)), outer(absorb_pad(key, 0x5c)) {}
};

SecretHasher::SecretHasher(const Key& key) {
    detail::ensure_sodium();
    keyed_ = std::make_shared<const Keyed>(key);
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

Digest SecretHasher::hash(std::string_view secret) const {
    Digest inner;
    finish(keyed_->inner.get(), secret.data(), secret.size(), inner.data());
    Digest digest;
    finish(keyed_->outer.get(), inner.data(), inner.size(), digest.data());
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
