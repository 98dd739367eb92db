#pragma once
// Password hashing for interactive login: Argon2id (RFC 9106) through libsodium.
//
// Hashes are self-describing strings such as "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>"
// (the PHC string format): salt and cost travel with the hash, so a cost can be raised later
// without invalidating stored hashes. Both calls are slow and memory-hard by design; run them on
// an I/O thread, never on the decider.

#include <optional>
#include <string>
#include <string_view>

namespace keyledger::security {

enum class PasswordCost {
    interactive,  // libsodium's INTERACTIVE limits: 2 passes over 64 MiB
    moderate,     // libsodium's MODERATE limits: 3 passes over 256 MiB
    minimal,      // 1 pass over 8 KiB (the minimum): tests and simulation only, never production
};

// "interactive", "moderate" or "minimal" (exactly, lower case); nullopt for anything else.
[[nodiscard]] std::optional<PasswordCost> parse_password_cost(std::string_view name);
[[nodiscard]] std::string_view password_cost_name(PasswordCost cost);

// Hashes `password` with a fresh random salt; returns the encoded "$argon2id$..." string, at
// most 127 characters. Two calls with the same password give different strings.
// Throws std::bad_alloc if the memory the cost asks for cannot be had (the only way it fails).
[[nodiscard]] std::string hash_password(std::string_view password, PasswordCost cost);

// True when `password` matches `encoded` (as returned by hash_password; Argon2i strings are
// accepted too). False for a wrong password and for any string that is not a valid encoded hash.
// Takes as long and as much memory as the cost recorded in `encoded` says, so `encoded` must
// come from our own store, never from a caller.
[[nodiscard]] bool verify_password(std::string_view encoded, std::string_view password);

}  // namespace keyledger::security
