#include "security/password.h"

#include <sodium.h>

#include <new>

#include "security/sodium_internal.h"

namespace keyledger::security {
namespace {

struct Limits {
    unsigned long long ops;
    std::size_t memory;
};

Limits limits_of(PasswordCost cost) {
    switch (cost) {
        case PasswordCost::interactive:
            return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
        case PasswordCost::moderate:
            return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
        case PasswordCost::minimal:
            return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    }
    return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

// libsodium wants a valid pointer even for an empty password; string_view::data() may be null.
const char* non_null(std::string_view text) {
    return text.empty() ? "" : text.data();
}

}  // namespace

std::optional<PasswordCost> parse_password_cost(std::string_view name) {
    for (const PasswordCost cost :
         {PasswordCost::interactive, PasswordCost::moderate, PasswordCost::minimal}) {
        if (name == password_cost_name(cost)) {
            return cost;
        }
    }
    return std::nullopt;
}

std::string_view password_cost_name(PasswordCost cost) {
    switch (cost) {
        case PasswordCost::interactive:
            return "interactive";
        case PasswordCost::moderate:
            return "moderate";
        case PasswordCost::minimal:
            return "minimal";
    }
    return "unknown";
}

std::string hash_password(std::string_view password, PasswordCost cost) {
    detail::ensure_sodium();
    const Limits limits = limits_of(cost);

    char encoded[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(encoded, non_null(password), password.size(), limits.ops,
                              limits.memory, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::bad_alloc();
    }
    return std::string(encoded);
}

bool verify_password(std::string_view encoded, std::string_view password) {
    // libsodium reads `encoded` as a NUL-terminated string of fewer than STRBYTES characters.
    if (encoded.size() >= crypto_pwhash_STRBYTES || encoded.find('\0') != std::string_view::npos) {
        return false;
    }
    detail::ensure_sodium();
    const std::string terminated(encoded);
    return crypto_pwhash_str_verify(terminated.c_str(), non_null(password), password.size()) == 0;
}

}  // namespace keyledger::security
