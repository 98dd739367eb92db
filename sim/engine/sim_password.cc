#include "sim/engine/sim_password.h"

#include <array>
#include <stdexcept>

#include <sodium.h>

namespace keyledger::sim {
namespace {

std::string base64_unpadded(const unsigned char* bytes, std::size_t size) {
    std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
                    '\0');
    sodium_bin2base64(out.data(), out.size(), bytes, size,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return out;
}

}  // namespace

std::string sim_password_hash(std::string_view password, std::string_view salt_material) {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium cannot be initialised");
    }
    std::array<unsigned char, crypto_pwhash_SALTBYTES> salt{};
    crypto_generichash(salt.data(), salt.size(),
                       reinterpret_cast<const unsigned char*>(salt_material.data()),
                       salt_material.size(), nullptr, 0);
    std::array<unsigned char, 32> hash{};
    if (crypto_pwhash(hash.data(), hash.size(), password.data(), password.size(), salt.data(),
                      crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::bad_alloc();
    }
    // The PHC string libsodium's verifier reads: memory in KiB, passes, one lane.
    return "$argon2id$v=19$m=" + std::to_string(crypto_pwhash_MEMLIMIT_MIN / 1024) +
           ",t=" + std::to_string(crypto_pwhash_OPSLIMIT_MIN) + ",p=1$" +
           base64_unpadded(salt.data(), salt.size()) + "$" +
           base64_unpadded(hash.data(), hash.size());
}

}  // namespace keyledger::sim
